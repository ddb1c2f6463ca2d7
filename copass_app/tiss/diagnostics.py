"""Encoding slips of the software that wrote a lot: a declaration that does not match the bytes.

Two mirror cases. A file declaring UTF-8 (or nothing, which XML reads as UTF-8) but written in
ISO-8859-1 does not parse: `utf8_declared_message` words the refusal. A file declaring ISO-8859-1
but written in UTF-8 parses, with every accented letter read as two ('São' as 'SÃ£o'):
`latin1_declared_issue` finds it. Both name the line and the text, and how to fix it.
"""

from __future__ import annotations

import re

from copass_app.tiss import codes
from copass_app.tiss.model import LotIssue

_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml\s[^>]*?encoding\s*=")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_WORD_EDGE = b" \t\r\n<>\"'="


def _line(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _word(data: bytes, position: int, limit: int = 30) -> tuple[int, int]:
    """The bytes of the word around a position (cut at tags, quotes and spaces)."""
    start = position
    while start > 0 and position - start < limit and data[start - 1] not in _WORD_EDGE:
        start -= 1
    end = position
    while end < len(data) and end - position < limit and data[end] not in _WORD_EDGE:
        end += 1
    return start, end


def utf8_declared_message(data: bytes) -> str | None:
    """The refusal of a file read as UTF-8 whose bytes are ISO-8859-1 (None when that is not the case)."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        position = exc.start
    char = data[position:position + 1].decode("iso-8859-1")
    start, end = _word(data, position)
    word = data[start:end].decode("iso-8859-1")
    where = (f"na linha {_line(data, position)}, '{word}' tem o caractere '{char}' (byte 0x{data[position]:02X}), "
             "que não é UTF-8")
    if _DECLARATION.match(data):
        return (f"O arquivo declara encoding UTF-8, mas o conteúdo está gravado em ISO-8859-1 (ou Windows-1252): "
                f"{where}. Declare encoding=\"ISO-8859-1\" na primeira linha ou grave o arquivo em UTF-8.")
    return (f"O arquivo não declara a codificação, e sem a declaração o XML é lido como UTF-8; mas o conteúdo "
            f"está gravado em ISO-8859-1 (ou Windows-1252): {where}. Comece o arquivo com "
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?> ou grave-o em UTF-8.")


def latin1_declared_issue(data: bytes, encoding: str | None) -> LotIssue | None:
    """5002 for a file declaring ISO-8859-1 (or US-ASCII) whose accented letters are UTF-8 bytes."""
    if encoding not in ("ISO-8859-1", "US-ASCII") or data.isascii():
        return None
    try:
        data.decode("utf-8")  # Portuguese text in ISO-8859-1 is practically never valid UTF-8
    except UnicodeDecodeError:
        return None
    position = _NON_ASCII.search(data).start()
    start, end = _word(data, position)
    meant, read = data[start:end].decode("utf-8", "replace"), data[start:end].decode("iso-8859-1")
    return LotIssue(
        f"O arquivo declara encoding {encoding}, mas o conteúdo está gravado em UTF-8: na linha "
        f"{_line(data, position)}, '{meant}' seria lido como '{read}'. Grave o arquivo em ISO-8859-1 ou declare "
        "encoding=\"UTF-8\" na primeira linha.",
        code=codes.CANNOT_VALIDATE, line=_line(data, position), path="/")
