"""Hardened reading of uploaded TISS XML: size limit, encoding, no DTD, no entities.

Everything that can be refused without parsing is refused before lxml sees the
bytes: a DOCTYPE or ENTITY declaration (external entities, billion laughs) is
rejected in one scan of the raw bytes, so neither time nor memory depends on
what the declaration would have expanded to.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from copass_app.tiss import codes

DEFAULT_MAX_BYTES = 20_000_000  # bytes, as the README says (decimal units everywhere)
MAX_BYTES_ENV = "COPASS_MAX_XML_BYTES"
SUPPORTED_ENCODINGS = {"utf-8": "UTF-8", "iso8859-1": "ISO-8859-1", "ascii": "US-ASCII"}

_DTD_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"^<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF8_BOM = codecs.BOM_UTF8
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_FOREIGN_FORMATS = {
    b"%PDF": "um PDF",
    b"PK\x03\x04": "um arquivo compactado (ZIP, DOCX ou XLSX)",
    b"\x1f\x8b": "um arquivo compactado (GZIP)",
    b"Rar!": "um arquivo compactado (RAR)",
    b"\x89PNG": "uma imagem PNG",
    b"\xff\xd8\xff": "uma imagem JPEG",
    b"\xd0\xcf\x11\xe0": "um documento do Office (DOC ou XLS)",
}
_ERROR_NAMES = {v: k for k, v in vars(etree.ErrorTypes).items() if isinstance(v, int)}
_LINE_SUFFIX = re.compile(r", line \d+, column \d+$")


@dataclass(frozen=True)
class ParseFailure:
    """Why a file could not be read as XML: Portuguese message, TISS code, line."""

    message: str
    code: str | None = None
    line: int | None = None
    detail: str | None = None


class TissParseError(ValueError):
    def __init__(self, message: str, *, code: str | None = None, line: int | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.failure = ParseFailure(message, code, line, detail)


def max_xml_bytes() -> int:
    """The upload limit: COPASS_MAX_XML_BYTES if set, else 20 MB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"{MAX_BYTES_ENV} deve ser um número inteiro de bytes maior que zero: {raw!r}")
    return int(raw)


def _too_large(size: int, limit: int) -> TissParseError:
    # Imported here: babel costs more than validating a lot, and only an oversize file needs it.
    from copass_app.formatting import size_over_limit

    return TissParseError(f"{size_over_limit(size, limit)} Divida as guias em lotes menores.",
                          code=codes.CANNOT_VALIDATE)


def read_limited(stream: BinaryIO, max_bytes: int | None = None, chunk_size: int = 64 * 1024) -> bytes:
    """Read a binary stream in chunks, refusing it as soon as it passes the limit."""
    limit = max_bytes or max_xml_bytes()
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(chunk_size, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise _too_large(_stream_size(stream, total), limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _stream_size(stream: BinaryIO, read_so_far: int) -> int:
    """The whole size when the stream is a file (the rest is never read), else what was read."""
    try:
        return max(os.fstat(stream.fileno()).st_size, read_so_far)
    except (AttributeError, OSError, ValueError):
        return read_so_far


def declared_encoding(data: bytes) -> str:
    """The encoding named in the XML declaration (UTF-8 when absent); refuses others."""
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        raise TissParseError(
            "O arquivo está em UTF-16/UTF-32. Salve-o em ISO-8859-1 ou UTF-8.",
            code=codes.CANNOT_VALIDATE, line=1,
        )
    match = _XML_DECLARATION.match(data[:512].removeprefix(_UTF8_BOM))
    if not match:
        return "UTF-8"
    name = match.group(1).decode("ascii", "replace")
    try:
        canonical = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside the name ('utf-8\x00')
        canonical = None
    if canonical not in SUPPORTED_ENCODINGS:
        raise TissParseError(
            f"Codificação '{_printable(name)}' não aceita. Mensagens TISS devem usar ISO-8859-1 (ou UTF-8).",
            code=codes.CANNOT_VALIDATE, line=1,
        )
    return SUPPORTED_ENCODINGS[canonical]


def _printable(text: str, limit: int = 40) -> str:
    """A name from the file, safe to show: no control characters, not the whole file."""
    shown = "".join(ch for ch in text if ch.isprintable())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _refuse_non_xml(data: bytes) -> None:
    if not data or data.isspace():
        raise TissParseError("O arquivo está vazio.", code=codes.CANNOT_VALIDATE)
    for signature, kind in _FOREIGN_FORMATS.items():
        if data.startswith(signature):
            raise TissParseError(
                f"O arquivo enviado é {kind}, não um XML TISS. Envie o arquivo XML do lote.",
                code=codes.CANNOT_VALIDATE, line=1,
            )


def _dtd_declaration(data: bytes) -> re.Match[bytes] | None:
    """Where <!DOCTYPE or <!ENTITY starts, if anywhere.

    '!' is rare in TISS files and bytes.find() jumps to it with memchr; a regex
    looking for '<!' stops at every '<'. A file full of '!' gets the regex.
    """
    if data.count(b"!") > 100:
        return _DTD_DECLARATION.search(data)
    bang = data.find(b"!", 1)
    while bang != -1:
        match = _DTD_DECLARATION.match(data, bang - 1)
        if match:
            return match
        bang = data.find(b"!", bang + 1)
    return None


def _refuse_dtd(data: bytes) -> None:
    match = _dtd_declaration(data)
    if match:
        raise TissParseError(
            "O arquivo contém declaração DOCTYPE/ENTITY, que não existe em mensagens TISS. "
            "Por segurança ele foi recusado sem ser processado.",
            code=codes.NOT_TISS_MESSAGE, line=data.count(b"\n", 0, match.start()) + 1,
        )


def new_parser() -> etree.XMLParser:
    """A parser that never loads a DTD, expands an entity or touches the network.

    Whitespace between tags is dropped (a value made only of spaces stays), and
    so are comments and processing instructions: a value split by a comment
    reads whole, and hash.compact_hash can read all values in one C call.
    """
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False,
        remove_blank_text=True, remove_comments=True, remove_pis=True,
    )


def parse_xml(data: bytes, *, max_bytes: int | None = None) -> etree._ElementTree:
    """Parse an uploaded lot safely, or raise TissParseError with a Portuguese message."""
    limit = max_bytes or max_xml_bytes()
    if len(data) > limit:
        raise _too_large(len(data), limit)
    _refuse_non_xml(data)
    encoding = declared_encoding(data)
    _refuse_dtd(data)
    try:
        root = etree.fromstring(data, new_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, data, encoding) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise TissParseError("O arquivo contém declaração DOCTYPE, que não existe em mensagens TISS.",
                             code=codes.NOT_TISS_MESSAGE, line=1)
    return tree


def _syntax_error(exc: etree.XMLSyntaxError, data: bytes, encoding: str) -> TissParseError:
    name = _ERROR_NAMES.get(exc.code, "")
    detail = _LINE_SUFFIX.sub("", exc.msg or "")
    line = exc.lineno or None
    if name == "ERR_INVALID_ENCODING" or "not proper UTF-8" in detail:
        from copass_app.tiss.diagnostics import utf8_declared_message  # a refused file only

        message = (encoding == "UTF-8" and utf8_declared_message(data)) or (
            f"O conteúdo não está na codificação declarada ({encoding}). "
            "Salve o arquivo nessa codificação ou corrija a declaração encoding do XML.")
        return TissParseError(message, code=codes.CANNOT_VALIDATE, line=line, detail=detail)
    if _looks_truncated(name, exc.position, data):
        message = "O arquivo está incompleto (termina antes do fechamento das tags). Gere-o novamente."
        return TissParseError(message, code=codes.INCOMPLETE_MESSAGE, line=line, detail=detail)
    if "EntityRef" in detail:  # libxml2 files a bare '&' under several error names
        name = "ERR_ENTITYREF_NO_NAME"
    message = _SYNTAX_MESSAGES.get(name, "O arquivo não é um XML bem formado.")
    return TissParseError(message, code=codes.CANNOT_VALIDATE, line=line, detail=detail)


def _looks_truncated(name: str, position: tuple[int, int] | None, data: bytes) -> bool:
    """The parser ran out of data: the error sits at the very end of the file."""
    if name == "ERR_TAG_NOT_FINISHED":  # "Premature end of data in tag ..."
        return True
    if name in ("ERR_DOCUMENT_END", "ERR_DOCUMENT_START", "ERR_DOCUMENT_EMPTY") or not position:
        return False
    content = data.rstrip()
    last_line_start = content.rfind(b"\n") + 1
    line, column = position
    return line >= content.count(b"\n") + 1 and column >= len(content) - last_line_start - 1


_SYNTAX_MESSAGES = {
    "ERR_DOCUMENT_EMPTY": "O arquivo não contém XML.",
    "ERR_DOCUMENT_START": "O conteúdo não é XML: o arquivo deveria começar com a tag <mensagemTISS>.",
    "ERR_DOCUMENT_END": "Há conteúdo depois do fechamento da tag raiz do XML.",
    "ERR_TAG_NAME_MISMATCH": "Uma tag de fechamento não corresponde à tag aberta.",
    "ERR_INVALID_CHAR": "O arquivo contém um caractere de controle que o XML não permite.",
    "ERR_GT_REQUIRED": "Tag sem o sinal '>' de fechamento.",
    "ERR_LT_IN_ATTRIBUTE": "Caractere '<' dentro de um atributo; use &lt;.",
    "ERR_ENTITYREF_NO_NAME": "Caractere '&' sem escape no texto; use &amp;.",
    "ERR_ENTITYREF_SEMICOL_MISSING": "Caractere '&' sem escape no texto; use &amp;.",
    "ERR_UNDECLARED_ENTITY": "Referência a entidade não definida; entidades não são aceitas em mensagens TISS.",
    "ERR_NAME_REQUIRED": "Nome de tag inválido.",
    "ERR_ATTRIBUTE_WITHOUT_VALUE": "Atributo sem valor.",
    "ERR_ATTRIBUTE_REDEFINED": "Atributo repetido na mesma tag.",
    "ERR_SPACE_REQUIRED": "Falta espaço entre atributos.",
    "ERR_NS_DECL_ERROR": "Declaração de namespace inválida.",
}
