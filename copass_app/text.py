"""Text helpers shared by services and seeds."""

from __future__ import annotations

import unicodedata


def clean_input(text: str) -> str:
    """Text from a browser or an API as a database can hold it: control characters become spaces,
    lone surrogates (valid in JSON, not encodable in UTF-8: SQLite raised UnicodeEncodeError) go.
    A NUL cut SQLite's LIKE pattern short, so 'a\\0' listed every row; PostgreSQL refuses it."""
    if not text:
        return ""
    if text.isprintable():  # the usual case, checked in C
        return text
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text
                   if unicodedata.category(ch) != "Cs")


def fold(text: str) -> str:
    """Lower-case without accents, so 'Conceição' is found by 'conceicao'."""
    decomposed = unicodedata.normalize("NFKD", clean_input(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def escape_like(term: str) -> str:
    """A LIKE pattern that matches the term literally ('%', '_' and '\\' are characters), with ESCAPE '\\'."""
    return clean_input(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_LATIN1_LOOKALIKES = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"})


def to_latin1(text: str) -> str:
    """TISS files are hashed as ISO-8859-1: typographic dashes and quotes become their plain forms."""
    plain = unicodedata.normalize("NFKC", text or "").translate(_LATIN1_LOOKALIKES)
    return plain.encode("iso-8859-1", "replace").decode("iso-8859-1")
