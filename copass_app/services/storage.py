"""Providers' files kept privately on disk (never under Reflex's public upload dir).

Files are named by provider and content; reads go through the services, which check the owner.
Everything here is the portal's own: files 0600, directories 0700, whatever the process umask,
so no other local user reads patients' data.

A file lock serialises what must not interleave: writers (and backups) hold it shared, the purge
holds it exclusively for each removal, so it never removes a file a writer has just put back,
and a backup never copies half a purge.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from copass_app import settings

FILE_MODE = 0o600
DIR_MODE = 0o700
LOCK_NAME = ".storage.lock"
UPLOADS = "uploads"
# A file written this recently may belong to an upload whose record is not committed yet: never
# removed as an orphan or by a purge (its record may be about to point at it).
FRESH_SECONDS = 300


def _root() -> Path:
    return settings.private_storage_dir().resolve()


def _path(relative: str) -> Path:
    root = _root()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError("caminho fora do armazenamento privado")
    return path


def _private_dir(path: Path) -> None:
    """Create `path` and the folders above it up to the storage root, each 0700 (mkdir's own mode
    is filtered by the umask and not applied to parents at all)."""
    root = _root()
    root.parent.mkdir(parents=True, exist_ok=True)  # above the root (data/ on a fresh checkout): not ours to close
    chain = [path, *[parent for parent in path.parents if parent == root or root in parent.parents]]
    for folder in reversed(chain):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        if stat.S_IMODE(folder.stat().st_mode) != DIR_MODE:
            folder.chmod(DIR_MODE)


@contextmanager
def locked(*, exclusive: bool) -> Iterator[None]:
    root = _root()
    _private_dir(root)
    descriptor = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # the umask filtered os.open's mode
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def save(relative: str, data: bytes) -> str:
    path = _path(relative)
    with locked(exclusive=False):
        _private_dir(path.parent)
        # A temporary name of its own: two requests saving the same content at once must not rename
        # each other's file away. Same directory, so the rename is atomic.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(handle, FILE_MODE)  # mkstemp's 0600 is filtered by the umask too
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())  # the record committed next must not point at an empty file
            os.replace(temporary, path)  # a reader never sees half a file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return relative


def load(relative: str) -> bytes:
    """The file's bytes; FileNotFoundError when it is not on disk (purged, or lost)."""
    return _path(relative).read_bytes()


def exists(relative: str) -> bool:
    return bool(relative) and _path(relative).is_file()


def size(relative: str) -> int:
    return _path(relative).stat().st_size


def is_fresh(relative: str) -> bool:
    try:
        return time.time() - _path(relative).stat().st_mtime < FRESH_SECONDS
    except FileNotFoundError:
        return False


def remove(relative: str) -> bool:
    """Remove a file unless it was (re)written in the last FRESH_SECONDS; True when it is gone.

    Call it under `locked(exclusive=True)` together with the check that nothing points at the file."""
    path = _path(relative)
    if is_fresh(relative):
        return False
    path.unlink(missing_ok=True)
    return True


def upload_path(provider_id: int, md5: str) -> str:
    """Named by content: a file sent again, or re-recorded after a rolled-back attempt, is stored once."""
    return f"{UPLOADS}/{provider_id}/{md5[:2]}/{md5}.xml"


@dataclass(frozen=True)
class StoredFile:
    relative: str
    size: int
    modified: float  # seconds since the epoch
    temporary: bool  # a writer's leftover (crash between write and rename)


def files(under: str = "") -> Iterator[StoredFile]:
    """Every file of the storage (or of one folder of it), never the lock."""
    root = _root()
    start = _path(under) if under else root
    if not start.is_dir():
        return
    for folder, _dirs, names in os.walk(start):
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if relative == LOCK_NAME or not path.is_file() or path.is_symlink():
                continue
            info = path.stat()
            yield StoredFile(relative, info.st_size, info.st_mtime, name.startswith(".") and name.endswith(".tmp"))


def remove_empty_folders(under: str = UPLOADS) -> None:
    start = _path(under)
    if not start.is_dir():
        return
    for folder, _dirs, _names in sorted(os.walk(start), key=lambda entry: -len(entry[0])):
        if Path(folder) != start and not any(Path(folder).iterdir()):
            Path(folder).rmdir()


def secure_tree() -> int:
    """Bring a tree written by an older version (or copied by hand) to 0700/0600; how many were changed."""
    root = _root()
    _private_dir(root)
    changed = 0
    for folder, dirs, names in os.walk(root):
        for name, mode in [(d, DIR_MODE) for d in dirs] + [(n, FILE_MODE) for n in names]:
            path = Path(folder) / name
            if not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) != mode:
                path.chmod(mode)
                changed += 1
    return changed
