"""Shared fixtures: a real database (a temp SQLite file, or TEST_DATABASE_URL for PostgreSQL)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

_TMP = Path(tempfile.mkdtemp(prefix="copass-tests-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
# Services that open their own sessions (states, CLI) must see the test database too.
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ.setdefault("COPASS_PRIVATE_DIR", str(_TMP / "private"))

from copass_app.db import get_engine  # noqa: E402
from copass_app.migrations import upgrade  # noqa: E402
from tests.pg import reset_schema  # noqa: E402


@pytest.fixture(scope="session")
def engine() -> Engine:
    engine = get_engine()
    if make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql":
        reset_schema(engine)
    # The real migrations build the schema, so a broken migration fails the suite.
    upgrade(TEST_DATABASE_URL)
    return engine


def truncate_all(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(SQLModel.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on an emptied database; data a test writes is gone for the next one."""
    truncate_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    truncate_all(engine)


@pytest.fixture
def factory(db: Session):
    from tests.factories import Factory

    return Factory(db)


def pytest_collection_modifyitems(config, items):
    """Browser tests last: while Playwright's sync API is open (a session fixture), the main thread counts
    as running an event loop, and the state and handler tests that drive Reflex with asyncio would fail."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
