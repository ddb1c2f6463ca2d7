"""Providers' files are the portal's own: 0600 files, 0700 folders whatever the umask, and no way to
them but through a service that checks the owner."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

from copass_app import settings
from copass_app.models import UploadRecord
from copass_app.services import storage, xml_lots
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform

APP = Path(__file__).resolve().parents[2] / "copass_app"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def private(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "private"
    monkeypatch.setenv("COPASS_PRIVATE_DIR", str(root))
    return root


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(previous)


@pytest.mark.parametrize("process_umask", [0o000, 0o022, 0o077])
def test_a_received_lot_is_stored_0600_in_0700_folders_whatever_the_umask(db, factory, private, umask,
                                                                          process_umask):
    provider = factory.provider()
    actor = factory.actor(provider)
    guides = [factory.guide(provider)]
    data = lot_for_guides(db, provider, guides, "8101")
    umask(process_umask)
    outcome = perform(lambda s: xml_lots.receive_lot(s, actor, "lote.xml", data))
    assert outcome.accepted
    record = db.get(UploadRecord, outcome.upload_id)
    stored = private / record.stored_path
    assert stored.read_bytes() == data and mode(stored) == 0o600
    folders = [folder for folder in stored.parents if folder == private or private in folder.parents]
    assert len(folders) == 4  # private/, uploads/, <provider>/, <xx>/
    assert {folder: mode(folder) for folder in folders} == {folder: 0o700 for folder in folders}
    assert mode(private / storage.LOCK_NAME) == 0o600
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary left behind


def test_a_root_whose_parent_folders_do_not_exist_yet_is_created(tmp_path, monkeypatch):
    # A fresh checkout has no data/ folder: the first lot received (copass seed-demo sends some) makes it.
    root = tmp_path / "data" / "nested" / "private"
    monkeypatch.setenv("COPASS_PRIVATE_DIR", str(root))
    stored = storage.save("uploads/1/ab/lote.xml", b"<lote/>")
    assert (root / stored).read_bytes() == b"<lote/>"
    assert mode(root) == 0o700


def test_folders_left_open_by_an_older_version_are_closed_on_the_next_write(private, umask):
    umask(0o022)
    (private / "uploads" / "7").mkdir(parents=True)
    (private / "uploads").chmod(0o755)
    old = private / "uploads" / "7" / "antigo.xml"
    old.write_bytes(b"<x/>")
    old.chmod(0o644)
    storage.save(storage.upload_path(7, "cd" + "1" * 30), b"<novo/>")
    assert mode(private / "uploads") == mode(private / "uploads" / "7") == 0o700
    assert storage.secure_tree() == 1 and mode(old) == 0o600  # what save did not write, secure_tree closes


@pytest.mark.parametrize("escape", ["../fora.xml", "/etc/passwd", "uploads/../../fora.xml", "", "."])
def test_no_path_outside_the_private_storage_is_read_or_written(private, escape):
    with pytest.raises(ValueError, match="fora do armazenamento privado"):
        storage.load(escape)
    with pytest.raises(ValueError, match="fora do armazenamento privado"):
        storage.save(escape, b"x")


def test_a_symlink_inside_the_storage_does_not_lead_out_of_it(private, tmp_path):
    secret = tmp_path / "segredo.txt"
    secret.write_text("senha")
    (private / "uploads").mkdir(parents=True)
    (private / "uploads" / "atalho.xml").symlink_to(secret)
    with pytest.raises(ValueError):
        storage.load("uploads/atalho.xml")


def _functions_calling(tree: ast.AST, name: str) -> list[ast.FunctionDef]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            calls = {ast.unparse(call.func) for call in ast.walk(node) if isinstance(call, ast.Call)}
            if name in calls:
                found.append(node)
    return found


def test_stored_files_are_read_only_by_services_that_check_the_owner_first():
    """Every `storage.load` of the app is in a function whose first step is `_own_upload`; no page,
    state or endpoint imports the storage at all."""
    readers = {}
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        if path.parent.name in ("state", "pages", "components") or path.name in ("api.py", "copass_app.py"):
            assert "storage" not in imports, path
        for function in _functions_calling(tree, "storage.load"):
            readers[f"{path.relative_to(APP)}:{function.name}"] = function
    assert set(readers) == {"services/xml_lots.py:original_file"}
    first = readers["services/xml_lots.py:original_file"].body[1]  # after the docstring
    assert "_own_upload(db, actor, upload_id)" in ast.unparse(first)


def test_a_file_lost_from_the_disk_is_a_portuguese_message_not_a_crash(db, factory, private):
    provider = factory.provider()
    actor = factory.actor(provider)
    data = lot_for_guides(db, provider, [factory.guide(provider)], "8102")
    outcome = perform(lambda s: xml_lots.receive_lot(s, actor, "lote.xml", data))
    (settings.private_storage_dir() / db.get(UploadRecord, outcome.upload_id).stored_path).unlink()
    from copass_app.services.errors import NotFound

    with pytest.raises(NotFound, match="não está disponível no servidor"):
        perform(lambda s: xml_lots.original_file(s, actor, outcome.upload_id))
