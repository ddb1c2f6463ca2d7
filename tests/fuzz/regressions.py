"""Saved findings: one file per input under tests/fuzz/regressions/, replayed by test_regressions.py.

`xml-*.xml` and `rules-*.xml` hold the file's bytes; `input-*.json` and `search-*.json` hold the
value as JSON ({"type": ..., "value": ...}), so a lone surrogate or a Decimal survives the trip."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "regressions"
XML_TARGETS = ("xml", "rules")


def encode(target: str, value: object) -> bytes:
    if target in XML_TARGETS:
        assert isinstance(value, bytes)
        return value
    if isinstance(value, Decimal):
        kind, shown = "decimal", str(value)
    elif isinstance(value, bytes):
        kind, shown = "bytes", value.hex()
    elif isinstance(value, bool | int | str | list) or value is None:
        kind, shown = type(value).__name__, value
    else:
        raise TypeError(f"valor sem formato de regressão: {value!r}")
    return json.dumps({"type": kind, "value": shown}, sort_keys=True).encode("ascii")


def decode(path: Path) -> tuple[str, object]:
    target = path.name.split("-", 1)[0]
    raw = path.read_bytes()
    if target in XML_TARGETS:
        return target, raw
    saved = json.loads(raw)
    kind, value = saved["type"], saved["value"]
    if kind == "decimal":
        return target, Decimal(value)
    if kind == "bytes":
        return target, bytes.fromhex(value)
    return target, value


def save(target: str, value: object) -> Path:
    body = encode(target, value)
    suffix = "xml" if target in XML_TARGETS else "json"
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / f"{target}-{hashlib.sha1(body).hexdigest()[:12]}.{suffix}"
    path.write_bytes(body)
    return path


def saved() -> list[Path]:
    return sorted(p for p in FOLDER.glob("*-*.*") if p.suffix in (".xml", ".json"))
