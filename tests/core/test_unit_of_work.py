"""The caller owns the transaction: one user action, one commit, and refusals that leave a trace."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

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
