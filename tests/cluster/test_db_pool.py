"""Each worker's PostgreSQL pool is small enough for several workers and machines to share one server
(workers × (size + overflow) under max_connections), and sized from the environment when an operator needs."""

from __future__ import annotations

from copass_app.db import make_engine

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/copass_pool_never_connected"


def test_four_workers_fit_in_postgresql_default_connections():
    engine = make_engine(PG_URL)  # no connection is opened by creating the engine
    try:
        per_worker = engine.pool.size() + engine.pool._max_overflow
        assert per_worker == 10
        assert 4 * per_worker <= 100 - 20  # PostgreSQL's default max_connections, less room for tools
    finally:
        engine.dispose()


def test_the_pool_follows_the_environment(monkeypatch):
    monkeypatch.setenv("COPASS_DB_POOL_SIZE", "3")
    monkeypatch.setenv("COPASS_DB_MAX_OVERFLOW", "2")
    engine = make_engine(PG_URL)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)
    finally:
        engine.dispose()


def test_a_setting_that_is_not_a_number_keeps_the_default(monkeypatch):
    monkeypatch.setenv("COPASS_DB_POOL_SIZE", "muitos")
    engine = make_engine(PG_URL)
    try:
        assert engine.pool.size() == 10
    finally:
        engine.dispose()
