"""The glosa reasons an analyst picks from: TISS table 38 (dm_tipoGlosa of the official 4.03.00
simple-types XSD, codes 3169–3312 included), searched by code or by words."""

from __future__ import annotations

from functools import lru_cache

from copass_app.services.analysis.views import GlosaReason
from copass_app.text import fold
from copass_app.tiss import codes


@lru_cache(maxsize=1)
def _all_reasons() -> tuple[tuple[GlosaReason, str], ...]:
    return tuple((GlosaReason(code, description), fold(description)) for code, description in codes.all_codes().items())


def glosa_reasons(term: str = "") -> list[GlosaReason]:
    """Every reason when `term` is empty; digits match the code's beginning, words match the
    description whatever their order, case and accents ("duplicidade cobranca")."""
    words = fold(term or "").split()
    if not words:
        return [reason for reason, _ in _all_reasons()]
    found = []
    for reason, folded in _all_reasons():
        if all(reason.code.startswith(word) if word.isdigit() else word in folded for word in words):
            found.append(reason)
    return found
