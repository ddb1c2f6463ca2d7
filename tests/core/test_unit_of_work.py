"""The caller owns the transaction: one user action, one commit, and refusals that leave a trace."""

import os

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copass_app.db import make_engine
from copass_app.models import AuditLog, Operator
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import BUSY, TracedRefusal, is_retry, perform


def audit_lines(engine) -> list[str]:
    with Session(engine) as db:
        return list(db.exec(select(AuditLog.detail).order_by(AuditLog.id)))


def write(db, detail):
    db.add(AuditLog(action="test", entity="test", detail=detail))
    db.flush()


def test_an_action_is_committed_once_it_ends(db, engine):
    assert perform(lambda s: write(s, "feito") or "resultado", engine=engine) == "resultado"
    assert audit_lines(engine) == ["feito"]


def test_a_failure_half_way_leaves_nothing(db, engine):
    def half_then_fail(s):
        write(s, "primeira metade")
        raise DomainError("Recusado no meio.")

    with pytest.raises(DomainError, match="Recusado no meio"):
        perform(half_then_fail, engine=engine)
    assert audit_lines(engine) == []


def test_a_traced_refusal_keeps_only_its_trace_and_still_refuses(db, engine):
    def refuse(s):
        write(s, "lote gravado pela metade")

        def trace(trace_db):
            write(trace_db, "registro do envio recusado")
            raise DomainError("Arquivo recusado.")

        raise TracedRefusal(trace)

    with pytest.raises(DomainError, match="Arquivo recusado"):
        perform(refuse, engine=engine)
    assert audit_lines(engine) == ["registro do envio recusado"]


def test_a_traced_refusal_can_answer_with_a_result(db, engine):
    def refuse(s):
        raise TracedRefusal(lambda trace_db: write(trace_db, "recusa") or "resposta com os erros")

    assert perform(refuse, engine=engine) == "resposta com os erros"
    assert audit_lines(engine) == ["recusa"]


def test_a_lost_race_is_run_again_and_the_action_knows_it(db, engine):
    attempts = []

    def action(s):
        attempts.append(is_retry(s))
        write(s, f"tentativa {len(attempts)}")
        if len(attempts) == 1:  # a unique key taken by someone else a moment earlier
            s.add(Operator(registro_ans="123456", name="A", cnpj="1"))
            s.add(Operator(registro_ans="123456", name="B", cnpj="2"))
            s.flush()
        return "ok"

    assert perform(action, engine=engine, retries=2) == "ok"
    assert attempts == [False, True]
    assert audit_lines(engine) == ["tentativa 2"]


def test_without_retries_a_constraint_violation_is_not_hidden(db, engine):
    def duplicate(s):
        s.add(Operator(registro_ans="654321", name="A", cnpj="1"))
        s.add(Operator(registro_ans="654321", name="B", cnpj="2"))
        s.flush()

    with pytest.raises(IntegrityError):
        perform(duplicate, engine=engine)


def test_a_database_that_refuses_connections_gets_a_portuguese_message(tmp_path):
    unreachable = create_engine(f"sqlite:///{tmp_path}/arquivo/que/nao/existe.db")
    with pytest.raises(DomainError) as refused:
        perform(lambda s: write(s, "nunca"), engine=unreachable)
    assert refused.value.message == BUSY


# ---- a connection PostgreSQL dropped (the pool lends connections without pinging them first) ----------

needs_postgresql = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                      reason="only PostgreSQL drops a backend (make test-pg)")


def _backend_pid(db) -> int:
    return db.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(engine, pid: int) -> None:
    with engine.connect() as admin:  # a connection of its own, not the one being cut
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()


@pytest.fixture
def pg_engine(db):
    pooled = make_engine(os.environ["TEST_DATABASE_URL"])
    yield pooled
    pooled.dispose()


@needs_postgresql
def test_a_connection_postgresql_dropped_is_replaced_and_the_action_done_once(pg_engine, engine):
    dropped = perform(_backend_pid, engine=pg_engine)  # back in the pool, then cut as by a restart
    _terminate(engine, dropped)
    pids = []

    def act(s):
        pids.append(_backend_pid(s))
        write(s, "gravado uma vez")

    perform(act, engine=pg_engine)
    assert audit_lines(engine) == ["gravado uma vez"]
    assert len(pids) == 1 and pids[0] != dropped  # done on a new connection, the user never told


@needs_postgresql
def test_a_connection_that_keeps_dropping_gets_the_portuguese_message(pg_engine, engine):
    runs = []

    def cut_own_connection(s):
        runs.append(1)
        write(s, "nunca")
        s.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    with pytest.raises(DomainError) as refused:
        perform(cut_own_connection, engine=pg_engine)
    assert refused.value.message == BUSY and len(runs) == 2 and audit_lines(engine) == []


@needs_postgresql
def test_a_connection_lost_at_the_commit_is_not_run_again(pg_engine, engine):
    runs = []

    def cut_before_commit(s):
        runs.append(1)
        write(s, "talvez gravado")
        pid = _backend_pid(s)
        event.listen(s, "before_commit", lambda session: _terminate(engine, pid), once=True)

    with pytest.raises(DomainError) as refused:
        perform(cut_before_commit, engine=pg_engine)
    # The COMMIT may or may not have reached PostgreSQL: running the action again could apply it twice.
    assert refused.value.message == BUSY and len(runs) == 1
