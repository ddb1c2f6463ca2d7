"""Uploaded files kept privately by content: several requests saving the same file at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from copass_app import settings
from copass_app.services import storage


def test_writers_of_the_same_content_at_once_all_succeed_and_leave_one_whole_file():
    """One fixed temporary name per content let one writer rename another's file away (HTTP 500)."""
    data = b"<?xml version='1.0'?><lote>" + b"x" * 2_000_000 + b"</lote>"
    relative = storage.upload_path(424242, "ab" + "0" * 30)
    writers = 8
    start = threading.Barrier(writers, timeout=20)

    def save(_index: int) -> str:
        start.wait()
        return storage.save(relative, data)

    with ThreadPoolExecutor(writers) as pool:
        saved = list(pool.map(save, range(writers)))
    assert saved == [relative] * writers
    assert storage.load(relative) == data
    folder = (settings.private_storage_dir() / relative).parent
    assert [path.name for path in folder.iterdir()] == [relative.rsplit("/", 1)[-1]]  # no temporary left over
