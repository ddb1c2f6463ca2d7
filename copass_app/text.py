"""Text helpers shared by services and seeds."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case without accents, so 'Conceição' is found by 'conceicao'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_LATIN1_LOOKALIKES = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"})


def to_latin1(text: str) -> str:
    """TISS files are hashed as ISO-8859-1: typographic dashes and quotes become their plain forms."""
    plain = unicodedata.normalize("NFKC", text or "").translate(_LATIN1_LOOKALIKES)
    return plain.encode("iso-8859-1", "replace").decode("iso-8859-1")
