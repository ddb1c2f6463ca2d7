"""The models and the Alembic migrations describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import copass_app.models  # noqa: F401  (registers every table on SQLModel.metadata)


def test_models_and_migrations_compare_empty(engine):
    # `engine` is the test database built by running the real migrations to head.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], f"a model changed without a migration (alembic revision --autogenerate): {differences}"
