"""Alembic environment: the URL and the metadata come from the app itself."""

from sqlmodel import SQLModel

import copass_app.models  # noqa: F401  (registers the tables)
from alembic import context
from copass_app import settings
from copass_app.db import make_engine

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = context.config.attributes.get("database_url") or settings.database_url()
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
