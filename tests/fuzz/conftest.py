"""Fixtures of the fuzz tests: the marker file an XXE would leak, and the worlds on the real database."""

from __future__ import annotations

import pytest

from tests.fuzz.strategies import LEAK_MARKER


@pytest.fixture(scope="session")
def marker_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("segredo") / "segredo.txt"
    path.write_text(f"{LEAK_MARKER}\n", encoding="ascii")
    return str(path)


@pytest.fixture
def worlds(db):
    from tests.fuzz.worlds import build_worlds

    return build_worlds(db)
