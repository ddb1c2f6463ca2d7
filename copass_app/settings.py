"""Deployment settings read from the environment (no reflex import: the CLI and services use them)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "portal.db"


def database_url() -> str:
    """DATABASE_URL wins; REFLEX_DB_URL is honoured so rxconfig and services never disagree."""
    return (
        os.environ.get("DATABASE_URL")
        or os.environ.get("REFLEX_DB_URL")
        or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    )


def private_storage_dir() -> Path:
    """Providers' files (XML, reports) live here, outside the public upload dir."""
    return Path(os.environ.get("COPASS_PRIVATE_DIR", PROJECT_ROOT / "data" / "private"))


def session_hours() -> int:
    return int(os.environ.get("COPASS_SESSION_HOURS", "12"))
