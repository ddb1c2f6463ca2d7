"""Hostile inputs for the fuzz tests and scripts/fuzz.py: text people could type (or a crafted
websocket event could send) and mutations of the valid TISS corpus files."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
VALID_FILES = sorted(CORPUS.glob("valido_*.xml"))
ALL_FILES = sorted(CORPUS.glob("*.xml"))
# The marker an external entity or an XInclude would copy into a message if the parser read the file.
LEAK_MARKER = "SEGREDO-DO-ARQUIVO-7f3a"

# Characters that break naive code: LIKE wildcards and escape, quotes, NUL, controls, lone
# surrogates (valid in a JSON string from the browser, not encodable in UTF-8), emoji, RTL marks,
# no-break space, non-ASCII digits, and the pt-BR number punctuation.
NASTY = ["%", "_", "\\", "'", '"', "\x00", "\x1b", "\n", "\t", "\ud800", "\udfff", "😀", "👨‍👩‍👧", "\u202e",
         "\u200b", "\xa0", "\ufeff", "²", "٣", "１", "Ⅻ", "ß", "İ", "Ç", ",", ".", "-", "/", "R$", "e", "E",
         "NaN", "Infinity", "0", "9", " ", "1.500,00", "31/12/2100", "2026-02-31", "9999-12-31", "--", ";",
         "DROP TABLE guide;", "<script>", "&amp;"]


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    pieces = st.lists(st.sampled_from(NASTY) | st.text(max_size=4), max_size=max_size // 2).map("".join)
    digits = st.text(alphabet="0123456789.,/- R$", max_size=max_size)
    return st.one_of(
        pieces,
        digits,
        st.text(max_size=max_size),
        st.text(st.characters(categories=["Cs", "Cc", "Nd", "No", "So"]), max_size=max_size),
        st.integers(min_value=0, max_value=20_000).map(lambda n: "9" * n),  # very long numbers
        st.integers(min_value=1, max_value=5_000).map(lambda n: "%_\\" * n),  # very long wildcards
    )


def typed_value() -> st.SearchStrategy[object]:
    """What a state or the API could hand a parser: text, and numbers and odd objects too."""
    return st.one_of(
        hostile_text(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.none(), st.booleans(), st.lists(st.integers(), max_size=2), st.binary(max_size=8),
    )


# --- XML ------------------------------------------------------------------------------------

def _flip(data: bytes, position: int, value: int) -> bytes:
    position %= max(len(data), 1)
    return data[:position] + bytes([value % 256]) + data[position + 1:] if data else bytes([value % 256])


def _truncate(data: bytes, position: int, _: int) -> bytes:
    return data[: position % (len(data) + 1)]


def _duplicate_element(data: bytes, position: int, times: int) -> bytes:
    return _element_edit(data, position, lambda element: element * (1 + times % 120))


def _remove_element(data: bytes, position: int, _: int) -> bytes:
    return _element_edit(data, position, lambda element: b"")


_LEAF = re.compile(rb"<(ans:[A-Za-z-]+)>([^<]*)</\1>")
_ELEMENT_START = re.compile(rb"<(ans:[A-Za-z-]+)[ >]")


def _element_edit(data: bytes, position: int, edit) -> bytes:
    """Apply `edit` to the whole element (start tag to its end tag) that starts after `position`."""
    starts = list(_ELEMENT_START.finditer(data))
    if not starts:
        return data
    start = starts[position % len(starts)]
    closing = b"</" + start.group(1) + b">"
    end = data.find(closing, start.start())
    if end == -1:
        return data
    end += len(closing)
    return data[: start.start()] + edit(data[start.start(): end]) + data[end:]


VALUES = [b"", b" ", b"-1", b"0", b"1E+999999", b"1E+30", b"99999999999999999999999999999999.99", b"NaN",
          b"Infinity", b"-0.00", b"1.999", b"abc", b"2026-02-31", b"0001-01-01", b"9999-12-31", b"&amp;",
          b"&#0;", b"&#x1F600;", b"&#xD800;", b"\xc3\x28", b"\xff\xfe", "çãé".encode(), "😀".encode(),
          b"ENVIO_LOTE_GUIAS", b"4.03.00", b"22", b"19", b"x" * 100_000, b"&lt;![CDATA[x]]&gt;",
          b"<![CDATA[1.00]]>", b"<!-- c -->1.00", b"<?pi x?>", b"1" * 400]


def _change_value(data: bytes, position: int, choice: int) -> bytes:
    leaves = list(_LEAF.finditer(data))
    if not leaves:
        return data
    leaf = leaves[position % len(leaves)]
    return data[: leaf.start(2)] + VALUES[choice % len(VALUES)] + data[leaf.end(2):]


_NUMERIC_LEAF = re.compile(rb"<(ans:(?:valor|quantidade|qtd|reducao)[A-Za-z]*)>([^<]*)</\1>")
NUMBERS = [b"1E+999999", b"1E+30", b"1E-999999", b"99999999999999999999999999999999.99", b"-0.00", b"-1.00",
           b"0.000000000000000000000000000001", b"NaN", b"-Infinity", b" 1.00 ", b"1,00", b"0x10", b"1e2",
           b"12345678901.23", b"99999999.99", b"0.001", b"+1.00", b"\xd9\xa3", b""]


def _change_number(data: bytes, position: int, choice: int) -> bytes:
    """A money or quantity value (the totals check and check 6 do arithmetic on them)."""
    leaves = list(_NUMERIC_LEAF.finditer(data))
    if not leaves:
        return data
    leaf = leaves[position % len(leaves)]
    return data[: leaf.start(2)] + NUMBERS[choice % len(NUMBERS)] + data[leaf.end(2):]


_ENCODINGS = [b"UTF-8", b"ISO-8859-1", b"US-ASCII", b"UTF-16", b"latin1", b"EBCDIC", b"", b"utf-8\x00", b"x" * 600]


def _swap_encoding(data: bytes, _: int, choice: int) -> bytes:
    name = _ENCODINGS[choice % len(_ENCODINGS)]
    replaced = re.sub(rb"""encoding=["'][^"']*["']""", b'encoding="' + name + b'"', data, count=1)
    return replaced if replaced != data else b'<?xml version="1.0" encoding="ISO-8859-1"?>' + data


def _huge_attribute(data: bytes, position: int, size: int) -> bytes:
    starts = list(_ELEMENT_START.finditer(data))
    if not starts:
        return data
    start = starts[position % len(starts)]
    at = start.end() - 1
    return data[:at] + b' x="' + b"A" * (1000 + size * 997 % 900_000) + b'"' + data[at:]


def _deep_nesting(data: bytes, position: int, depth: int) -> bytes:
    depth = 10 + depth * 7919 % 200_000
    at = _element_edit_point(data, position)
    return data[:at] + b"<ans:a>" * depth + b"</ans:a>" * depth + data[at:]


def _element_edit_point(data: bytes, position: int) -> int:
    starts = list(_ELEMENT_START.finditer(data))
    return starts[position % len(starts)].start() if starts else 0


def external_entity(path: str) -> bytes:
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE m [<!ENTITY s SYSTEM "file://{path}">]>\n'
            f'<ans:mensagemTISS xmlns:ans="http://www.ans.gov.br/padroes/tiss/schemas">&s;</ans:mensagemTISS>'
            ).encode()


def _inject_reference(data: bytes, position: int, choice: int, *, path: str) -> bytes:
    """An external entity, an XInclude or a parameter entity to the marker file, somewhere in the lot."""
    references = [
        b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://' + path.encode() + b'" parse="text"/>',
        b"&s;",
        b"%p;",
    ]
    at = _element_edit_point(data, position)
    doctype = b'<!DOCTYPE mensagemTISS [<!ENTITY s SYSTEM "file://' + path.encode() + b'">]>'
    body = data[:at] + references[choice % len(references)] + data[at:]
    if choice % 2:  # with and without the declaration (the parser must never resolve either)
        first = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        body = body[:first] + doctype + body[first:]
    return body


MUTATORS = [_flip, _truncate, _duplicate_element, _remove_element, _change_value, _change_number, _change_number,
            _swap_encoding, _huge_attribute, _deep_nesting]


@st.composite
def mutated_lot(draw, marker_path: str) -> bytes:
    """A corpus file with one to four mutations (or a reference to the marker file)."""
    data = draw(st.sampled_from(ALL_FILES)).read_bytes()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=10**6))
        number = draw(st.integers(min_value=0, max_value=10**6))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            data = _inject_reference(data, position, number, path=marker_path)
        else:
            data = draw(st.sampled_from(MUTATORS))(data, position, number)
    return data


def xml_input(marker_path: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated_lot(marker_path),
        mutated_lot(marker_path),
        mutated_lot(marker_path),
        st.binary(max_size=2_000),
        st.binary(max_size=200).map(lambda b: b'<?xml version="1.0"?>' + b),
    )
