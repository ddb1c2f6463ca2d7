"""Crash safety: a short pass of scripts/crash_run.py (kill -9 of a worker in the middle of web
confirmations, XML uploads, analyses, their conclusions, payments and estornos), and proof that its
checker finds a broken database.

The full run (≥ 200 kills) is `python scripts/crash_run.py --kills 200`; this pass runs in `make test`.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_harness():
    spec = importlib.util.spec_from_file_location("crash_run", ROOT / "scripts" / "crash_run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


crash_run = _load_harness()


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    """20 kills across the six actions, on a database and private files kept for the checks below."""
    workdir = tmp_path_factory.mktemp("crash")
    summary = crash_run.run(kills=20, max_seconds=55, workdir=workdir)
    return summary, workdir


def test_twenty_kills_leave_the_database_and_files_consistent(crashed):
    summary, _ = crashed
    assert summary.ok, crash_run.report(summary)
    # 20 kills take about 20 s on an idle machine; a loaded one may hit the time bound first.
    assert summary.kills_in_actions >= (8 if summary.stopped_by_time else 20), crash_run.report(summary)
    # Every action was killed, and every action also completed in between: the loop did real work.
    for name in crash_run.ACTIONS:
        assert summary.kills_by_action[name] >= 2, crash_run.report(summary)
        assert summary.done_by_action[(name, "ok")] > 0, crash_run.report(summary)
    assert summary.last.counts["batch"] > 0 and summary.last.counts["upload_record"] > 0
    assert summary.last.counts["batch_cancelled"] > 0 and summary.last.counts["batch_processed"] > 0
    assert summary.last.counts["payment"] > 0


@pytest.fixture
def copy(crashed, tmp_path):
    """A copy of the crashed database (online backup: WAL included) and of its private files."""
    _, workdir = crashed
    source = sqlite3.connect(workdir / "crash.db")
    target = sqlite3.connect(tmp_path / "crash.db")
    source.backup(target)
    source.close()
    target.close()
    shutil.copytree(workdir / "private", tmp_path / "private")
    return tmp_path / "crash.db", tmp_path / "private"


def _execute(db_path: Path, *statements: str) -> None:
    connection = sqlite3.connect(db_path)
    with connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


LIVE_BATCH = "(SELECT min(batch_id) FROM billed_item)"
ACCEPTED_UPLOAD = "(SELECT min(id) FROM upload_record WHERE accepted)"


def _payment(number: str, *, net: int) -> str:
    """A payment row (money in cents) of the first batch's provider, approved 1000, nothing withheld."""
    return ("INSERT INTO payment (provider_id, number, paid_on, gross_value, glosa_value, approved_value, "
            "appeals_value, withholding_value, net_value, bank, agency, account, created_by, created_at) "
            f"SELECT provider_id, '{number}', '2026-11-30', 1000, 0, 1000, 0, 0, {net}, '001', '1', '1', created_by, "
            "received_at FROM batch LIMIT 1")

# (what the checker must report, the damage a half-done write would leave)
BREAKAGES = {
    "lote sem guias": [
        "INSERT INTO batch (provider_id, lot_number, protocol_number, origin, guide_type, competence, status, "
        "guide_count, total_value, glosa_value, received_at, created_by) SELECT provider_id, 'QUEBRADO', "
        "'209900000001', 'WEB', guide_type, competence, '1', 0, 0, 0, received_at, created_by FROM batch LIMIT 1",
        "INSERT INTO protocol (batch_id, number, issued_at) SELECT id, protocol_number, received_at FROM batch "
        "WHERE lot_number = 'QUEBRADO'",
    ],
    "item de lote vivo sem registro de faturado": [f"DELETE FROM billed_item WHERE batch_id = {LIVE_BATCH}"],
    "item faturado apontando para lote estornado": [
        f"UPDATE batch SET status = '9', reversed_at = received_at, reversed_by = created_by WHERE id = {LIVE_BATCH}"],
    "lote sem exatamente um protocolo": [f"DELETE FROM protocol WHERE batch_id = {LIVE_BATCH}"],
    "total do lote diferente da soma das guias": [
        f"UPDATE batch SET total_value = total_value + 1 WHERE id = {LIVE_BATCH}"],
    "item de guia em dois lotes vivos": [
        "INSERT INTO batch_item (batch_guide_id, guide_item_id, table_code, code, description, quantity, "
        "unit_value, total_value) SELECT (SELECT max(g.id) FROM batch_guide g JOIN batch b ON b.id = g.batch_id "
        "WHERE b.status <> '9' AND g.batch_id <> f.batch_id), f.guide_item_id, '22', 'X', 'X', 1, 0, 0 "
        "FROM billed_item f LIMIT 1"],
    "lote sem auditoria de criação": [
        f"DELETE FROM audit_log WHERE action = 'batch.create' AND entity_id = CAST({LIVE_BATCH} AS TEXT)"],
    "envio aceito sem lote": [f"UPDATE upload_record SET batch_id = NULL WHERE id = {ACCEPTED_UPLOAD}"],
    # Payments written by hand (the short run may end before its first payment): one linked to no
    # batch, one whose net does not add up, one without its audit row; a batch paid without a payment.
    "pagamento sem lotes nem recursos": [_payment("QUEBRA1", net=1000)],
    "pagamento com líquido diferente": [_payment("QUEBRA2", net=999)],
    "pagamento sem exatamente uma auditoria": [_payment("QUEBRA3", net=1000)],
    "lote pago sem exatamente um pagamento": [
        "UPDATE batch SET status = '6', paid_at = received_at "
        "WHERE id = (SELECT min(id) FROM batch WHERE status NOT IN ('6', '9'))"],  # not one the run paid
}


def test_the_checker_finds_nothing_on_the_crashed_copy(copy):
    result = crash_run.check_consistency(*copy)
    assert result.problems == []


@pytest.mark.parametrize("expected", sorted(BREAKAGES))
def test_the_checker_reports_a_broken_database(copy, expected):
    db_path, private = copy
    _execute(db_path, *BREAKAGES[expected])
    problems = crash_run.check_consistency(db_path, private, run_upgrade=False).problems
    assert any(problem.startswith(expected) for problem in problems), problems


def test_the_checker_reports_an_upload_whose_file_is_gone_and_a_file_without_record(copy):
    db_path, private = copy
    stored = sqlite3.connect(db_path).execute(f"SELECT stored_path FROM upload_record WHERE id = {ACCEPTED_UPLOAD}")
    (private / stored.fetchone()[0]).unlink()
    stray = private / "uploads" / "1" / "ab" / ("ab" + "0" * 30 + ".xml")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"<xml/>")
    result = crash_run.check_consistency(db_path, private, run_upgrade=False)
    assert any("sem o arquivo guardado" in problem for problem in result.problems), result.problems
    assert stray.relative_to(private).as_posix() in result.orphan_files


def test_the_checker_reports_a_file_that_is_not_a_database(copy):
    db_path, private = copy
    with open(db_path, "r+b") as file:
        file.write(b"not a database!!")  # the 16-byte SQLite header
    problems = crash_run.check_consistency(db_path, private).problems
    assert problems and "não abre" in problems[0], problems
