"""Every table's row count and a checksum of its rows, to tell that a refused call changed nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

# The one write a refused call may make: the caller's own session noting when it was last seen (idle
# expiry, at most once a minute). It says nothing about, and changes nothing of, anyone's records.
CALLER_BOOKKEEPING = {"user_session": {"last_seen_at"}}


def database_snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """table -> (row count, sha256 of its rows in primary-key order). Read in a connection of its own,
    so it sees what was committed, as the next request would."""
    found = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            skipped = CALLER_BOOKKEEPING.get(table.name, set())
            columns = [column for column in table.columns if column.name not in skipped]
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            found[table.name] = (len(rows), digest)
    return found


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def dump_rows(engine: Engine) -> dict[str, list[dict]]:
    """Every row of every table, to put the database back as it was (`restore_rows`)."""
    with engine.connect() as connection:
        return {table.name: [dict(row._mapping) for row in connection.execute(select(table))]
                for table in SQLModel.metadata.sorted_tables}


def restore_rows(engine: Engine, rows: dict[str, list[dict]]) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in SQLModel.metadata.sorted_tables:
            if rows.get(table.name):
                connection.execute(table.insert(), rows[table.name])
        if engine.dialect.name == "postgresql":
            # Rows came back with their ids: move each id sequence past them, or the next insert collides.
            for table in SQLModel.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))
