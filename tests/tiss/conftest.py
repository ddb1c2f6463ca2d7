"""Fixtures for the TISS tests: the committed corpus and small sample lots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copass_app.tiss.messages import build_lot
from tests.corpus.samples import sample_lot

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PASSWD_MARKERS = ("root:", "/bin/bash", "/usr/sbin/nologin", "daemon:")


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def expected() -> dict[str, dict]:
    return json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def corpus_bytes(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def lot_bytes(guide_type: str, **options) -> bytes:
    """A valid lot built from the samples; options go to sample_lot."""
    return build_lot(sample_lot(guide_type, **options))


def line_of(data: bytes, needle: bytes) -> int:
    """1-based line where needle first appears."""
    return data[: data.index(needle)].count(b"\n") + 1
