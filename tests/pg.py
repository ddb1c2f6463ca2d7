"""PostgreSQL helpers for the suite and the benchmark (no side effects on import).

    python -m tests.pg URL     # creates the database when missing (used by `make test-pg`)
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url


def create_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": target.database}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def reset_schema(engine: Engine) -> None:
    """An empty public schema, for the migrations to build from scratch."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


if __name__ == "__main__":
    create_database(sys.argv[1])
