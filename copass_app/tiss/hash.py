"""The TISS epilogo hash: MD5 of the concatenated element values, in ISO-8859-1.

Only the values of leaf elements count, in document order, and the epilogo
(which carries the hash itself) is left out. Whitespace between tags belongs to
no leaf, so a pretty-printed file hashes the same as a compact one.

Two ways to get there: `compute_hash` works on any tree; `compact_hash` is ~10×
faster and is what validation uses, for trees without whitespace between tags
(the trees `parsing.parse_xml` returns).
"""

from __future__ import annotations

import hashlib

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
