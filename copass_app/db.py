"""The engine shared by the web app, the CLI and the tests (transactions: services/unit_of_work.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

from copass_app import settings

T = TypeVar("T")
IN_LIST_CHUNK = 500  # values per IN (...) list: far under SQLite's limit on bound parameters


def _enable_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets the page read while a batch is being written; FKs are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _enable_sqlite_pragmas(engine)
        return engine
    # Per process: every Granian worker (and every machine) has its own pool, and all of them together must
    # stay under PostgreSQL's max_connections (100 by default): workers × pool size ≤ that, less what
    # migrations, psql and backups need. A worker runs a handful of units of work at once (its event
    # handlers' thread pool, the API's); past the pool a request waits for a connection (pool_timeout)
    # instead of PostgreSQL refusing one ("too many clients"). No overflow: an overflow connection is
    # closed when it is given back, so under load every burst opened and closed PostgreSQL backends
    # (measured: a new backend process per few events, each a fork and an authentication).
    return create_engine(url, pool_pre_ping=True, pool_size=_pool_setting("COPASS_DB_POOL_SIZE", 10),
                         max_overflow=_pool_setting("COPASS_DB_MAX_OVERFLOW", 0), pool_timeout=15)


def _pool_setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


@cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(settings.database_url())


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices of IN_LIST_CHUNK, one IN (...) list each."""
    for start in range(0, len(values), IN_LIST_CHUNK):
        yield values[start:start + IN_LIST_CHUNK]


def refresh_planner_statistics(db, table: str | None = None) -> None:
    """ANALYZE `table` (every table when None) on PostgreSQL, after a bulk write its planner does not know
    about yet: autovacuum refreshes the statistics only later, and until then PostgreSQL plans as if the
    rows were not there (measured: nested loops that doubled the draft's totals; a scan of every guide item
    on each confirmation). It samples the tables inside the caller's transaction: it blocks no reader or
    writer and commits nothing by itself. SQLite plans without it."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text(f"ANALYZE {table}" if table else "ANALYZE"))
