"""`copass backup` then `copass restore` onto a fresh database and private folder gives the same rows
(every table, every column) and the same files (every byte); restore refuses what it would overwrite
or a copy that does not match its SHA-256s."""

from __future__ import annotations

import stat
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from copass_app import clock
from copass_app.cli import main
from copass_app.db import make_engine
from copass_app.migrations import upgrade
from copass_app.models import AuditLog, Operator
from copass_app.services import backup, billing, storage, xml_lots
from copass_app.services.demo import DEMO_REGISTRO_ANS, seed_demo
from copass_app.services.errors import DomainError
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform
from tests.conftest import TEST_DATABASE_URL
from tests.factories import Factory


def seed(engine: Engine) -> None:
    """Demo data (small), a lot sent as XML and accepted, a refused one, and a batch billed on the web."""
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db, guides_per_provider=6, beneficiary_count=12, history=False)
        db.commit()
        factory = Factory.__new__(Factory)  # the demo's operator, not a second one
        factory.db, factory._counter = db, 900  # numbers the demo does not use
        factory.operator = db.exec(select(Operator).where(Operator.registro_ans == DEMO_REGISTRO_ANS)).scalar_one()
        sender, biller = factory.provider(), factory.provider()
        sender_actor, biller_actor = factory.actor(sender), factory.actor(biller)
        lot = lot_for_guides(db, sender, [factory.guide(sender) for _ in range(3)], "9001")
        for guide in range(2):
            factory.guide(biller, performed_on=clock.today() - timedelta(days=guide + 1))
        db.commit()
    accepted = perform(lambda s: xml_lots.receive_lot(s, sender_actor, "lote-9001.xml", lot), engine=engine)
    refused = perform(lambda s: xml_lots.receive_lot(s, sender_actor, "ruim.xml", b"<?xml version='1.0'?><x/>"),
                      engine=engine)
    assert accepted.accepted and not refused.accepted
    perform(lambda s: billing.open_draft(s, biller_actor, start=clock.today() - timedelta(days=30),
                                         end=clock.today()), engine=engine)
    [confirmed] = perform(lambda s: billing.confirm_draft(s, biller_actor), engine=engine)
    assert confirmed.protocol_number


def every_row(engine: Engine) -> dict[str, list[tuple]]:
    """Every table the database has (not only the models'), every column, in primary-key order."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(
                    select(table).order_by(*(table.primary_key.columns or table.columns)))]
                for name, table in sorted(metadata.tables.items())}


def every_file(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != storage.LOCK_NAME}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def source(tmp_path, monkeypatch) -> tuple[str, Engine, Path]:
    private = tmp_path / "private"
    monkeypatch.setenv("COPASS_PRIVATE_DIR", str(private))
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    yield url, engine, private
    engine.dispose()


def test_sqlite_round_trip_gives_the_same_rows_and_files(source, tmp_path, capsys):
    url, engine, private = source
    target_url, target_private = f"sqlite:///{tmp_path / 'restaurado.db'}", tmp_path / "restaurado"
    started = time.perf_counter()
    report = backup.backup(tmp_path / "copia", database_url=url)
    backed_up = time.perf_counter() - started
    restored = backup.restore(tmp_path / "copia", database_url=target_url, private_dir=target_private)
    restored_in = time.perf_counter() - started - backed_up

    rows, files = every_row(engine), every_file(private)
    target = make_engine(target_url)
    assert every_row(target) == rows
    assert every_file(target_private) == files
    assert report.missing == [] and report.file_count == restored.file_count == len(files) == 2
    assert rows["upload_record"] and rows["batch"] and rows["billed_item"] and rows["guide"] and rows["alembic_version"]
    assert {mode(tmp_path / "copia"), mode(target_private)} == {0o700}
    assert {mode(p) for p in (tmp_path / "copia").rglob("*") if p.is_file()} == {0o600}
    with capsys.disabled():
        print(f"\nround trip SQLite: {len(rows)} tables, {sum(map(len, rows.values()))} rows, {len(files)} files "
              f"({sum(map(len, files.values()))} bytes); database {report.database_bytes} bytes; "
              f"backup {backed_up * 1000:.0f} ms, restore {restored_in * 1000:.0f} ms")
    target.dispose()


def test_backup_while_the_portal_writes_is_a_consistent_database(source, tmp_path):
    url, engine, private = source
    stop = threading.Event()
    written = []

    def keep_writing():
        while not stop.is_set():
            with engine.begin() as connection:
                connection.execute(insert(AuditLog).values(at=clock.now(), action="test.write", entity="x",
                                                           entity_id=str(len(written)), detail="", login=""))
            written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        time.sleep(0.2)
        before = len(written)
        report = backup.backup(tmp_path / "copia", database_url=url)
        after = len(written)
    finally:
        stop.set()
        writer.join()
    target_url = f"sqlite:///{tmp_path / 'restaurado.db'}"
    backup.restore(tmp_path / "copia", database_url=target_url, private_dir=tmp_path / "restaurado")
    target = make_engine(target_url)
    with target.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        copied = connection.execute(text("SELECT count(*) FROM audit_log WHERE action = 'test.write'")).scalar()
        paths = connection.execute(text("SELECT stored_path FROM upload_record WHERE stored_path <> ''")).scalars()
        assert all((tmp_path / "restaurado" / path).is_file() for path in paths)
    assert before <= copied <= after and report.missing == []
    target.dispose()


def test_restore_refuses_a_database_or_folder_with_data_unless_forced(source, tmp_path, monkeypatch, capsys):
    url, engine, private = source
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["backup", str(tmp_path / "copia")]) == 0
    assert "Cópia de segurança em" in capsys.readouterr().out
    assert main(["backup", str(tmp_path / "copia")]) == 1  # never into a folder that has something
    assert "já existe e não está vazio" in capsys.readouterr().err

    with engine.begin() as connection:  # the live database moves on after the backup
        connection.execute(text("DELETE FROM audit_log"))
    assert main(["restore", str(tmp_path / "copia"), "--private-dir", str(tmp_path / "nova")]) == 1
    assert "já tem tabelas; use --force" in capsys.readouterr().err
    assert not (tmp_path / "nova").exists()
    fresh = f"sqlite:///{tmp_path / 'novo.db'}"
    assert main(["restore", str(tmp_path / "copia"), "--database-url", fresh, "--private-dir", str(private)]) == 1
    assert "já tem arquivos; use --force" in capsys.readouterr().err

    assert main(["restore", str(tmp_path / "copia"), "--force"]) == 0
    assert "Restaurado em" in capsys.readouterr().out
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0  # back as it was


def test_restore_refuses_a_copy_that_does_not_match_its_checksums(source, tmp_path, capsys):
    url, _, _ = source
    backup.backup(tmp_path / "copia", database_url=url)
    [damaged] = [p for p in (tmp_path / "copia" / "private").rglob("*.xml") if b"<x/>" not in p.read_bytes()]
    damaged.write_bytes(damaged.read_bytes().replace(b"9001", b"9002", 1))
    target = tmp_path / "novo.db"
    assert main(["restore", str(tmp_path / "copia"), "--database-url", f"sqlite:///{target}",
                 "--private-dir", str(tmp_path / "nova")]) == 1
    err = capsys.readouterr().err
    assert "Cópia corrompida; nada foi restaurado" in err and "conteúdo diferente do registrado" in err
    assert not target.exists() and not (tmp_path / "nova").exists()
    (tmp_path / "copia" / "manifest.json").unlink()
    assert main(["restore", str(tmp_path / "copia")]) == 1
    assert "manifest.json ausente" in capsys.readouterr().err


def test_backup_reports_a_file_the_database_points_at_but_the_disk_lost(source, tmp_path, monkeypatch, capsys):
    url, engine, private = source
    with engine.connect() as connection:
        lost = connection.execute(text("SELECT stored_path FROM upload_record WHERE accepted")).scalar()
    (private / lost).unlink()
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["backup", str(tmp_path / "copia")]) == 1
    assert "1 arquivo(s) citados pelo banco não estavam no disco" in capsys.readouterr().err
    assert backup.read_manifest(tmp_path / "copia")["missing"] == [lost]


POSTGRES = make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"


@pytest.mark.skipif(not POSTGRES, reason="TEST_DATABASE_URL does not point to PostgreSQL (pg_dump/pg_restore path)")
def test_postgresql_round_trip_gives_the_same_rows_and_files(tmp_path, monkeypatch, capsys):
    from tests.pg import create_database

    monkeypatch.setenv("COPASS_PRIVATE_DIR", str(tmp_path / "private"))
    base = make_url(TEST_DATABASE_URL)
    urls = [base.set(database=name).render_as_string(hide_password=False)
            for name in ("copass_backup_source", "copass_backup_target")]
    admin = make_engine(base.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        for url in urls:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}"'))
    for url in urls:
        create_database(url)
    upgrade(urls[0])
    engine = make_engine(urls[0])
    seed(engine)
    started = time.perf_counter()
    report = backup.backup(tmp_path / "copia", database_url=urls[0])
    backed_up = time.perf_counter() - started
    backup.restore(tmp_path / "copia", database_url=urls[1], private_dir=tmp_path / "restaurado")
    restored_in = time.perf_counter() - started - backed_up
    target = make_engine(urls[1])
    rows, files = every_row(engine), every_file(tmp_path / "private")
    assert report.engine == "postgresql" and report.missing == []
    assert every_row(target) == rows and rows["batch"] and rows["upload_record"]
    assert every_file(tmp_path / "restaurado") == files
    with capsys.disabled():
        print(f"\nround trip PostgreSQL: {len(rows)} tables, {sum(map(len, rows.values()))} rows, {len(files)} "
              f"files; dump {report.database_bytes} bytes; backup {backed_up * 1000:.0f} ms, "
              f"restore {restored_in * 1000:.0f} ms")
    with pytest.raises(DomainError, match="já tem tabelas"):
        backup.restore(tmp_path / "copia", database_url=urls[1], private_dir=tmp_path / "outra")
    for each in (engine, target, admin):
        each.dispose()
