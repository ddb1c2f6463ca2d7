"""Real TUSS codes and names from the `tiss` package (ANS open data); prices are ours."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class TussTerm:
    table_code: str
    code: str
    name: str


@lru_cache(maxsize=1)
def _records() -> tuple[dict, ...]:
    raw = resources.files("tiss.tuss").joinpath("_data/tuss.json").read_text(encoding="utf-8")
    return tuple(json.loads(raw)["records"])


def current_terms(table_code: str, *, max_name_length: int = 70) -> list[TussTerm]:
    """Terms in force of one TUSS table, with readable names, sorted by code, one per name."""
    seen: set[str] = set()
    terms = []
    for record in sorted(_records(), key=lambda r: r["codigo"]):
        name = " ".join(record["termo"].split())
        if record["tabela"] != table_code or record["vigencia_fim"]:
            continue
        # A few records carry mis-decoded characters; they would look broken on a protocol.
        if not name or len(name) > max_name_length or "¨" in name or name.upper() in seen:
            continue
        seen.add(name.upper())
        terms.append(TussTerm(table_code, record["codigo"], name))
    return terms


def terms_with_prefix(table_code: str, prefixes: tuple[str, ...]) -> list[TussTerm]:
    return [t for t in current_terms(table_code) if t.code.startswith(prefixes)]
