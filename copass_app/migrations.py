"""Apply the Alembic migrations from code (CLI, app start, tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from copass_app import settings


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(settings.PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(settings.PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = database_url or settings.database_url()
    return config


def upgrade(database_url: str | None = None) -> None:
    command.upgrade(alembic_config(database_url), "head")
