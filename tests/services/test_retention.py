"""Retention and quota of providers' files: `copass purge` removes what expired, the records say so,
orphans go, and a provider's refused uploads never take more than its quota."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from copass_app import clock, formatting
from copass_app.cli import main
from copass_app.models import AuditLog, Batch, BatchStatus, UploadRecord
from copass_app.services import retention, storage, xml_lots
from copass_app.services.errors import NotFound
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform

NOW = clock.now()


@pytest.fixture
def private(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "private"
    monkeypatch.setenv("COPASS_PRIVATE_DIR", str(root))
    monkeypatch.setenv("COPASS_RETENTION_DAYS", "30")
    return root


@pytest.fixture
def clinic(db, factory, private):
    provider = factory.provider()
    return provider, factory.actor(provider)


def refused_file(n: int, size: int = 1_000) -> bytes:
    return f"<?xml version='1.0' encoding='ISO-8859-1'?><naoTiss n='{n}'>".encode() + b"a" * size + b"</naoTiss>"


def send(actor, data: bytes, *, days_ago: float = 0, name: str = "lote.xml") -> int:
    outcome = perform(lambda db: xml_lots.receive_lot(db, actor, name, data, now=NOW - timedelta(days=days_ago)))
    return outcome.upload_id


def age_files(root: Path, hours: float = 1) -> None:
    """The files were written that long ago (the purge never removes what was written in the last minutes)."""
    moment = time.time() - hours * 3600
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (moment, moment))


def record(db, upload_id: int) -> UploadRecord:
    db.expire_all()
    return db.get(UploadRecord, upload_id)


def purge(**options) -> retention.PurgeReport:
    return perform(lambda db: retention.purge(db, **options))


def test_a_refused_file_past_retention_is_purged_and_its_record_says_so(db, factory, clinic, private):
    provider, actor = clinic
    old, recent = send(actor, refused_file(1), days_ago=40), send(actor, refused_file(2), days_ago=5)
    accepted = send(actor, lot_for_guides(db, provider, [factory.guide(provider)], "8201"))
    old_path = record(db, old).stored_path
    age_files(private)

    planned = purge(dry_run=True)
    assert planned.count("refused") == 1 and planned.removed == []
    assert record(db, old).stored_path == old_path and (private / old_path).is_file()  # nothing changed

    done = purge()
    assert done.by_reason["refused"] == [old_path] and done.removed == [old_path] and done.records_marked == 1
    assert not (private / old_path).exists()
    assert record(db, old).stored_path == "" and record(db, recent).stored_path and record(db, accepted).stored_path
    log = db.exec(select(AuditLog).where(AuditLog.action == "file.purge")).one()
    assert (log.entity_id, log.provider_id, log.user_id) == (str(old), provider.id, None)
    assert "prazo de guarda de envios recusados" in log.detail

    rows = {row.id: row for row in xml_lots.list_uploads(db, actor).rows}
    assert (rows[old].file_purged, rows[recent].file_purged, rows[accepted].file_purged) == (True, False, False)
    with pytest.raises(NotFound) as refused:
        perform(lambda s: xml_lots.original_file(s, actor, old))
    assert str(refused.value) == (
        f"O arquivo deste envio foi expurgado em {formatting.date_br(clock.today())} (os envios recusados são "
        "guardados por 30 dias). O histórico, os erros e o protocolo continuam disponíveis.")
    assert xml_lots.error_report_pdf(db, actor, old)[1].startswith(b"%PDF")  # the errors are still there
    assert purge().records_marked == 0  # a second purge finds nothing


def test_a_purge_whose_transaction_fails_removes_no_file(db, clinic, private):
    _, actor = clinic
    old = send(actor, refused_file(3), days_ago=40)
    age_files(private)

    def purge_then_fail(session):
        retention.purge(session)
        raise RuntimeError("queda no meio do expurgo")

    with pytest.raises(RuntimeError):
        perform(purge_then_fail)
    assert record(db, old).stored_path and (private / record(db, old).stored_path).is_file()


def _close_batch(db, upload_id: int, *, received_years: float, status: BatchStatus | None, paid_years: float = 0):
    """The lot was received `received_years` ago; its batch is `status`, paid `paid_years` ago."""
    batch_id = record(db, upload_id).batch_id
    received = NOW - timedelta(days=365.25 * received_years)
    db.execute(update(UploadRecord).where(UploadRecord.id == upload_id).values(received_at=received))
    values = {"received_at": received}
    if status is not None:
        values |= {"status": status, "paid_at": NOW - timedelta(days=365.25 * paid_years)}
    db.execute(update(Batch).where(Batch.id == batch_id).values(**values))
    db.commit()


def test_an_accepted_lot_is_kept_while_its_batch_is_open_then_5_years_after_it_closed(db, factory, clinic, private,
                                                                                      monkeypatch):
    provider, actor = clinic
    accepted = send(actor, lot_for_guides(db, provider, [factory.guide(provider)], "8202"))
    path = record(db, accepted).stored_path
    age_files(private)
    _close_batch(db, accepted, received_years=7, status=None)  # still RECEBIDO after 7 years
    assert purge().count("accepted") == 0 and record(db, accepted).stored_path == path
    _close_batch(db, accepted, received_years=7, status=BatchStatus.PAGO, paid_years=4.9)
    assert purge().count("accepted") == 0
    _close_batch(db, accepted, received_years=7, status=BatchStatus.PAGO, paid_years=5.1)
    monkeypatch.setenv("COPASS_ACCEPTED_RETENTION_YEARS", "0")  # 0: kept forever
    assert purge().count("accepted") == 0
    monkeypatch.delenv("COPASS_ACCEPTED_RETENTION_YEARS")
    done = purge()
    assert done.by_reason["accepted"] == [path] and done.removed == [path] and record(db, accepted).stored_path == ""
    with pytest.raises(NotFound, match="o prazo de guarda dos lotes aceitos terminou"):
        perform(lambda s: xml_lots.original_file(s, actor, accepted))
    assert xml_lots.protocol_receipt_xml(db, actor, accepted)[1].startswith(b"<?xml")  # the receipt is in the db


def test_a_file_sent_twice_goes_only_when_both_records_expired(db, clinic, private):
    _, actor = clinic
    data = refused_file(4)
    first, second = send(actor, data, days_ago=40), send(actor, data, days_ago=5)
    assert record(db, first).stored_path == record(db, second).stored_path  # one file, by content
    age_files(private)
    assert purge().records_marked == 0
    assert record(db, first).stored_path and (private / record(db, first).stored_path).is_file()


def test_orphan_files_and_leftover_temporaries_go_once_they_are_not_fresh(db, clinic, private):
    _, actor = clinic
    kept = send(actor, refused_file(5))
    orphan = storage.save(storage.upload_path(999, "ab" + "0" * 30), b"<sem-registro/>")  # crash before commit
    leftover = private / "uploads" / "999" / "ab" / ".arquivo.xml.k3j.tmp"
    leftover.write_bytes(b"<metade")
    age_files(private)
    fresh = storage.save(storage.upload_path(999, "cd" + "0" * 30), b"<em-curso/>")  # its commit may be coming
    done = purge()
    assert sorted(done.orphans) == sorted([orphan, leftover.relative_to(private).as_posix()])
    assert not (private / orphan).exists() and not leftover.exists()
    assert (private / fresh).is_file() and (private / record(db, kept).stored_path).is_file()
    age_files(private)
    assert purge().orphans == [fresh]
    assert not (private / "uploads" / "999").exists()  # emptied folders go too


def test_a_record_whose_file_vanished_is_marked_never_left_pointing_at_nothing(db, clinic, private, capsys):
    _, actor = clinic
    lost = send(actor, refused_file(6))
    (private / record(db, lost).stored_path).unlink()
    assert main(["purge"]) == 0
    assert "1 envio(s) apontavam para um arquivo ausente" in capsys.readouterr().err
    assert record(db, lost).stored_path == ""
    assert "arquivo não encontrado no disco" in db.exec(select(AuditLog.detail).where(
        AuditLog.action == "file.purge")).one()


def test_refused_uploads_over_the_providers_quota_lose_their_oldest_files_first(db, factory, clinic, private,
                                                                                monkeypatch):
    provider, actor = clinic
    other = factory.actor(factory.provider())
    monkeypatch.setenv("COPASS_REFUSED_QUOTA_MB", "1")
    size = 400_000
    sent = []
    for n in range(3):  # 1.2 MB: the third refusal puts the provider over its 1 MB
        sent.append(send(actor, refused_file(10 + n, size), days_ago=3 - n))
        age_files(private)
    others = [send(other, refused_file(20 + n, size), days_ago=3 - n) for n in range(2)]
    paths = [record(db, upload).stored_path for upload in sent]
    assert paths[0] == "" and all(paths[1:])  # marked and removed at the third refusal, oldest first
    on_disk = [f for f in storage.files(f"uploads/{provider.id}")]
    assert sorted(f.relative for f in on_disk) == sorted(paths[1:]) and sum(f.size for f in on_disk) <= 1_000_000
    assert all(record(db, upload).stored_path for upload in others)  # another provider's quota is its own
    log = db.exec(select(AuditLog).where(AuditLog.action == "file.purge")).one()
    assert log.entity_id == str(sent[0]) and "cota de envios recusados" in log.detail

    monkeypatch.setenv("COPASS_REFUSED_QUOTA_MB", "0")  # 0: no quota
    send(actor, refused_file(30, size))
    assert all(record(db, upload).stored_path for upload in sent[1:])


def test_the_quota_never_removes_a_providers_latest_file(db, clinic, private, monkeypatch):
    _, actor = clinic
    monkeypatch.setenv("COPASS_REFUSED_QUOTA_MB", "1")
    big = send(actor, refused_file(40, 1_500_000))
    age_files(private)
    assert purge().count("quota") == 0 and record(db, big).stored_path


def test_purge_applies_a_quota_lowered_since_the_uploads(db, clinic, private, monkeypatch, capsys):
    _, actor = clinic
    first, second = send(actor, refused_file(50, 600_000), days_ago=2), send(actor, refused_file(51, 600_000))
    age_files(private)
    monkeypatch.setenv("COPASS_REFUSED_QUOTA_MB", "1")
    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Envios recusados acima da cota do prestador: 1 arquivo(s)" in out and "Simulação: nada foi removido" in out
    assert record(db, first).stored_path
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "1 registro(s) marcados como 'arquivo expurgado', 1 arquivo(s) removidos (0,6 MB)" in out
    assert record(db, first).stored_path == "" and record(db, second).stored_path


def test_purge_refuses_a_setting_it_cannot_read(db, private, monkeypatch, capsys):
    monkeypatch.setenv("COPASS_RETENTION_DAYS", "noventa")
    assert main(["purge"]) == 1
    assert "Erro: COPASS_RETENTION_DAYS deve ser um número inteiro" in capsys.readouterr().err


def test_a_quota_setting_it_cannot_read_never_stops_a_refusal_from_being_recorded(db, clinic, private, monkeypatch):
    _, actor = clinic
    monkeypatch.setenv("COPASS_REFUSED_QUOTA_MB", "-5")
    refused = send(actor, refused_file(60))
    assert record(db, refused).stored_path and not record(db, refused).accepted
