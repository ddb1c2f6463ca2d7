"""Two analysts (two workers) conclude the same batch at the same moment: one result.

Each conclusion runs as the page runs it: in its own thread, through `perform(...)` with its own unit
of work on the shared engine (the temp SQLite file, or PostgreSQL under `make test-pg`), so only the
database stands between them. One concludes (liberado para pagamento, one audited transition); the
other is told the batch was already analysed; the batch's totals are summed once.
Not marked `cluster`: it runs with the rest of the suite.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from sqlmodel import func, select

from copass_app.models import AuditLog, Batch, BatchStatus
from copass_app.services import analysis, processing
from copass_app.services.analysis.decisions import ALREADY_ANALYSED
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from tests.services.money_helpers import bill, clinic, items_of, race, staff_actor
from tests.services.test_billing_concurrency import on_statement

TIMEOUT = 30


def _decided_batch(factory, db):
    """A received batch of two guides, analysed item by item (one glosa of R$ 5,00), not concluded yet."""
    who = clinic(factory)
    first, second = staff_actor(factory), staff_actor(factory)
    batch_id = bill(factory, db, who, guides=2)
    processing.start_analysis(db, first, batch_id)
    for index, item in enumerate(items_of(db, batch_id)):
        if index == 0:
            analysis.apply_glosa(db, first, item.id, value="5,00", reason_code=codes.VALUE_ABOVE_CONTRACT,
                                 note="Acima da tabela")
        else:
            analysis.accept_item(db, second, item.id)
    db.commit()
    return batch_id, first, second


def _concluded(db, batch_id: int) -> tuple[Batch, int]:
    db.expire_all()
    batch = db.get(Batch, batch_id)
    moves = db.exec(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity == "batch", AuditLog.entity_id == str(batch_id),
        AuditLog.action.in_(("batch.release_payment", "batch.close_without_payment")))).one()
    return batch, moves


def test_two_analysts_concluding_the_same_batch_at_once_make_one_result(factory, db):
    batch_id, first, second = _decided_batch(factory, db)
    outcomes = race(lambda s: analysis.finish_analysis(s, first, batch_id),
                    lambda s: analysis.finish_analysis(s, second, batch_id))
    assert sorted(outcomes) == sorted(["ok", ALREADY_ANALYSED])
    batch, moves = _concluded(db, batch_id)
    assert batch.status == BatchStatus.LIBERADO_PAGAMENTO
    assert moves == 1  # one audited transition, whoever won
    total = sum(item.total_value for item in items_of(db, batch_id))
    assert batch.glosa_value == Decimal("5.00")
    assert batch.approved_value == total - Decimal("5.00")


def test_the_second_conclusion_waits_for_the_first_and_is_refused(engine, factory, db):
    """The first analyst's conclusion is held inside its transaction (just before its audit row) while the
    second's starts: the second cannot conclude a batch the first has taken, and is refused once it commits."""
    batch_id, first, second = _decided_batch(factory, db)
    second_started, outcomes = threading.Event(), {}

    def hold_first():
        if threading.current_thread().name == "primeiro":
            second_thread.start()
            second_started.wait(TIMEOUT)
            time.sleep(0.5)  # the second is at the batch's row (PostgreSQL) or the write lock (SQLite) meanwhile

    def conclude(name, actor):
        if name == "segundo":
            second_started.set()
        try:
            perform(lambda s: analysis.finish_analysis(s, actor, batch_id))
            outcomes[name] = "ok"
        except DomainError as error:
            outcomes[name] = error.message

    second_thread = threading.Thread(target=conclude, args=("segundo", second), name="segundo")
    first_thread = threading.Thread(target=conclude, args=("primeiro", first), name="primeiro")
    with on_statement(engine, r"^\s*INSERT INTO audit_log\b", hold_first,
                      only=lambda: threading.current_thread().name == "primeiro") as stopped:
        first_thread.start()
        first_thread.join(TIMEOUT)
        second_thread.join(TIMEOUT)
    assert not first_thread.is_alive() and not second_thread.is_alive()
    assert len(stopped) == 1
    assert outcomes == {"primeiro": "ok", "segundo": ALREADY_ANALYSED}
    batch, moves = _concluded(db, batch_id)
    assert batch.status == BatchStatus.LIBERADO_PAGAMENTO and moves == 1
