"""Providers' files kept privately on disk (never under Reflex's public upload dir).

Files are named by provider and content; reads go through the services, which check the owner.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from copass_app import settings


def _root() -> Path:
    return settings.private_storage_dir().resolve()


def save(relative: str, data: bytes) -> str:
    path = (_root() / relative).resolve()
    if _root() not in path.parents:
        raise ValueError("caminho fora do armazenamento privado")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name of its own: two requests saving the same content at once must not rename
    # each other's file away. Same directory, so the rename is atomic.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)  # a reader never sees half a file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative


def load(relative: str) -> bytes:
    path = (_root() / relative).resolve()
    if _root() not in path.parents:
        raise ValueError("caminho fora do armazenamento privado")
    return path.read_bytes()


def upload_path(provider_id: int, md5: str) -> str:
    """Named by content: a file sent again, or re-recorded after a rolled-back attempt, is stored once."""
    return f"uploads/{provider_id}/{md5[:2]}/{md5}.xml"
