"""The TISS epilogo hash: MD5 of the concatenated element values, in ISO-8859-1.

Only the values of leaf elements count, in document order, and the epilogo
(which carries the hash itself) is left out. Whitespace between tags belongs to
no leaf, so a pretty-printed file hashes the same as a compact one.

Two ways to get there: `compute_hash` works on any tree; `compact_hash` is ~10×
faster and is what validation uses, for trees without whitespace between tags
(the trees `parsing.parse_xml` returns).

When a file's hash fails, `diagnose_mismatch` looks for the slip of the sending software that
reproduces it (UTF-8 instead of ISO-8859-1, whitespace between tags, tags or epilogo included…),
so the refusal tells the provider's IT what to fix.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import re
from dataclasses import dataclass

from lxml import etree

from copass_app.tiss.schema import TISS_NS

_NS = {"ans": TISS_NS}
# One compiled XPath does the whole walk in C; plain strings keep it cheap.
_LEAF_TEXTS = etree.XPath(
    "*[not(self::ans:epilogo)]/descendant-or-self::*[not(*)]/text()",
    namespaces=_NS, smart_strings=False,
)
_HASH_ELEMENT = etree.XPath("ans:epilogo/ans:hash", namespaces=_NS)
_EPILOGO = f"{{{TISS_NS}}}epilogo"


class HashEncodingError(ValueError):
    """A value holds a character ISO-8859-1 cannot encode, so no TISS hash exists."""


def hashed_text(root: etree._Element) -> str:
    return "".join(_LEAF_TEXTS(root))


def compute_hash(root: etree._Element) -> str:
    """The epilogo hash a mensagemTISS root should carry (lower-case hex)."""
    text = hashed_text(root)
    try:
        encoded = text.encode("iso-8859-1")
    except UnicodeEncodeError as exc:
        raise _not_latin1(exc) from None
    return hashlib.md5(encoded).hexdigest()


def compact_hash(root: etree._Element) -> str:
    """compute_hash for a tree without whitespace-only text between tags.

    libxml2 then serialises exactly the leaf values, in C and already in
    ISO-8859-1; mixed content would also count, but the XSD forbids it anyway.
    """
    try:
        encoded = b"".join(
            etree.tostring(child, method="text", encoding="iso-8859-1", with_tail=False)
            for child in root if child.tag != _EPILOGO
        )
    except UnicodeEncodeError as exc:
        raise _not_latin1(exc) from None
    return hashlib.md5(encoded).hexdigest()


def _not_latin1(exc: UnicodeEncodeError) -> HashEncodingError:
    char = exc.object[exc.start]
    return HashEncodingError(
        f"O caractere '{char}' (U+{ord(char):04X}) não existe em ISO-8859-1; "
        "o hash TISS não pode ser calculado. Remova-o do arquivo."
    )


def declared_hash(root: etree._Element) -> str | None:
    found = _HASH_ELEMENT(root)
    return (found[0].text or "").strip() if found else None


def set_hash(root: etree._Element) -> str:
    """Write the hash into epilogo/hash (the element must exist) and return it; any tree."""
    found = _HASH_ELEMENT(root)
    if not found:
        raise ValueError("A mensagem não tem o elemento epilogo/hash.")
    found[0].text = ""
    digest = compute_hash(root)
    found[0].text = digest
    return digest


# --- diagnosis of a wrong hash: which slip of the sending software reproduces it ----------------

# What each slip did differently from the standard, as the provider's IT reads it.
SLIP_PHRASES = {
    "tags": "sobre o XML com as tags (e não só sobre os valores dos elementos)",
    "declaration": "com a declaração <?xml ...?>",
    "epilogo": "com o epílogo (o hash ainda vazio)",
    "whitespace": "com os espaços e quebras de linha entre as tags",
    "escaped": "com os caracteres especiais escapados (&amp;, &lt;, &gt;) em vez dos próprios caracteres",
    "utf8": "com o texto codificado em UTF-8 em vez de ISO-8859-1",
    "sha1": "com SHA-1 em vez de MD5",
    "sha256": "com SHA-256 em vez de MD5",
    "base64": "e escrito em Base64 em vez de hexadecimal",
    "mojibake": ("sobre o texto correto, mas o arquivo foi gravado em UTF-8 embora declare ISO-8859-1 "
                 "(o portal lê o conteúdo na codificação declarada)"),
}
_STANDARD = ("O padrão TISS calcula o MD5 da concatenação dos valores dos elementos, sem as tags, sem os "
             "espaços entre as tags e sem o epílogo, com o texto em ISO-8859-1: corrija o cálculo no sistema "
             "que gera o arquivo.")
NO_SLIP = ("Nenhum dos erros comuns de cálculo (texto em UTF-8, espaços entre as tags, tags ou epílogo incluídos, "
           "SHA em vez de MD5) reproduz o hash informado: o arquivo pode ter sido alterado depois de gerado.")

_EPILOGO_START = re.compile(r"<(?:[\w.-]+:)?epilogo[\s/>]")
_EPILOGO_END = re.compile(r"</(?:[\w.-]+:)?epilogo\s*>|<(?:[\w.-]+:)?epilogo\s*/>")
_HASH_VALUE = re.compile(r"(<(?:[\w.-]+:)?hash\s*>)[^<]*(</)")
_ROOT_START = re.compile(r"<(?:[\w.-]+:)?mensagemTISS[\s>]")
_BETWEEN_TAGS = re.compile(r">\s+<")
_PYTHON_CODEC = {"ISO-8859-1": "iso-8859-1", "US-ASCII": "iso-8859-1", "UTF-8": "utf-8"}


@dataclass(frozen=True)
class HashSlip:
    """A calculation that reproduces the declared hash: what the sending software did wrong."""

    traits: tuple[str, ...]

    @property
    def message(self) -> str:
        if self.traits == ("mojibake",):
            return ("Diagnóstico: o hash informado confere com o texto do arquivo lido em UTF-8: o cálculo está "
                    "certo, mas o arquivo foi gravado em UTF-8 embora declare ISO-8859-1. Grave o arquivo em "
                    "ISO-8859-1 ou declare encoding=\"UTF-8\" na primeira linha.")
        phrases = [SLIP_PHRASES[trait] for trait in self.traits]
        joined = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " e " + phrases[-1]
        return f"Diagnóstico: o hash informado é o MD5 calculado {joined}. {_STANDARD}"


def diagnose_mismatch(data: bytes, declared: str, encoding: str | None = None) -> HashSlip | None:
    """The first known slip whose calculation gives `declared`, or None.

    Runs only when the hash failed: it parses the file again keeping the whitespace between tags,
    and hashes a few dozen variants of its text (values or whole XML, each in ISO-8859-1 and UTF-8),
    with the digest the declared value's form suggests (MD5, SHA-1 or SHA-256 in hex, MD5 in Base64).
    """
    digest = _digest_of(declared or "")
    if digest is None or data is None:
        return None
    algorithm, written, wanted = digest
    for traits, text in _candidates(data, encoding or "UTF-8"):
        for extra, codec in (((), "iso-8859-1"), (("utf8",), "utf-8")):
            slip = traits + extra + algorithm
            if not slip:
                continue  # the standard's own calculation: the one that failed
            try:
                payload = text.encode(codec)
            except UnicodeEncodeError:
                continue
            if written(payload) == wanted:
                return HashSlip(_ordered(slip))
    return None


def _digest_of(declared: str):
    """(algorithm traits, how the value is written, the value to match) for a declared hash, or None."""
    value = declared.strip()
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        algorithm = {32: hashlib.md5, 40: hashlib.sha1, 64: hashlib.sha256}.get(len(value))
        if algorithm is None:
            return None
        traits = {40: ("sha1",), 64: ("sha256",)}.get(len(value), ())
        return traits, lambda payload: algorithm(payload).hexdigest(), value.lower()
    if len(value) == 24 and re.fullmatch(r"[A-Za-z0-9+/]{22}==", value):
        return ("base64",), _md5_base64, value
    return None


def _md5_base64(payload: bytes) -> str:
    return binascii.b2a_base64(hashlib.md5(payload).digest(), newline=False).decode()


def _ordered(traits: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(trait for trait in SLIP_PHRASES if trait in traits)


def _candidates(data: bytes, encoding: str):
    """(traits, text) of each slip's calculation, the likeliest first; generated lazily (most stop early)."""
    root = _whitespace_tree(data)
    if root is not None:
        values = hashed_text(root)
        yield (), values  # in UTF-8 (in ISO-8859-1 it is the hash that failed)
        content = [child for child in root if child.tag != _EPILOGO]
        inner = "".join("".join(child.itertext()) for child in content)
        around = (root.text or "") + "".join("".join(child.itertext()) + (child.tail or "") for child in content)
        yield ("whitespace",), inner
        yield ("whitespace",), around
        found = _HASH_ELEMENT(root)
        if found:
            found[0].text = ""
            yield ("whitespace", "epilogo"), "".join(root.itertext())
        if any(char in values for char in "&<>"):
            leaves = _LEAF_TEXTS(root)
            yield ("escaped",), "".join(_escaped(text) for text in leaves)
        mended = _mended(values, data, encoding)
        if mended is not None:
            yield ("mojibake",), mended
            yield ("mojibake", "whitespace"), _mended(inner, data, encoding) or mended
    text = data.removeprefix(codecs.BOM_UTF8).decode(_PYTHON_CODEC.get(encoding, "utf-8"), "replace")
    for traits, head, body in _tag_forms(text):
        compact = head + _BETWEEN_TAGS.sub("><", body)  # the line break after <?xml ...?> is no slip
        yield traits, compact
        if compact != head + body:
            yield (*traits, "whitespace"), head + body


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _whitespace_tree(data: bytes) -> etree._Element | None:
    """The file parsed again keeping the whitespace between tags (the DTD check already ran)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None


def _mended(text: str, data: bytes, encoding: str) -> str | None:
    """The text as the sender meant it, when the file declares ISO-8859-1 but holds UTF-8 bytes."""
    if encoding == "UTF-8" or data.isascii():
        return None
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _tag_forms(text: str):
    """The XML itself, with the tags: the file, the root element, the content before the epilogo."""
    start = _ROOT_START.search(text)
    epilogos = list(_EPILOGO_START.finditer(text))
    if not start or not epilogos:
        return
    epilogo = epilogos[-1].start()
    end = _EPILOGO_END.search(text, epilogo)
    blank = _HASH_VALUE.sub(r"\1\2", text[epilogo:])
    without = text[:epilogo] + (text[end.end():] if end else "")
    root, root_open = start.start(), text.index(">", start.start()) + 1
    head = text[:root]
    yield ("tags", "declaration", "epilogo"), head, text[root:epilogo] + blank
    yield ("tags", "declaration"), head, without[root:]
    yield ("tags", "epilogo"), "", text[root:epilogo] + blank
    yield ("tags",), "", without[root:]
    yield ("tags",), "", text[root:epilogo]
    yield ("tags",), "", text[root_open:epilogo]
