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


class InvalidSetting(ValueError):
    """A setting of the environment the portal cannot work with (the message is for the operator)."""


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise InvalidSetting(f"{name} deve ser um número inteiro maior ou igual a zero (valor atual: {raw!r}).")
    return int(raw)


def refused_retention_days() -> int:
    """Days a refused upload's file is kept: long enough to fix and resend it, no longer (patients' data)."""
    return _whole_number("COPASS_RETENTION_DAYS", 90)


def accepted_retention_years() -> int:
    """Years an accepted lot's XML is kept after its batch is closed (paid, closed or reversed); 0 keeps it
    forever. The file is the provider's record of what it billed: 5 years is the limitation period of
    tax and billing claims, so the default keeps it as long as anyone may ask for it."""
    return _whole_number("COPASS_ACCEPTED_RETENTION_YEARS", 5)


def refused_quota_bytes() -> int:
    """Disk space for one provider's refused uploads (oldest purged first when over); 0: no quota."""
    return _whole_number("COPASS_REFUSED_QUOTA_MB", 200) * 1_000_000
