"""Fechar atendimentos / Encerrar Fatura: the competência's typed attendances become batches once."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import func, select

from copass_app.models import (
    AttendanceStatus,
    Batch,
    BatchGuide,
    BatchGuideDetail,
    BatchItem,
    BatchOrigin,
    BatchStatus,
    BilledItem,
    DetailSource,
    GuideType,
    Protocol,
)
from copass_app.services import attendances as att
from copass_app.services import closing
from copass_app.services.batches import protocol_pdf, reverse_batch
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss.guide_tree import text
from tests.services.attendance_helpers import COMPETENCE, consulta, make_world, sadt

TIMEOUT = 30


@pytest.fixture
def world(factory, db):
    return make_world(factory, db)


def type_some(db, actor, patient):
    views = [att.create_attendance(db, actor, consulta(patient, provider_guide_number=f"C{n}")) for n in (1, 2)]
    views.append(att.create_attendance(db, actor, sadt(patient, provider_guide_number="S1")))
    db.commit()
    return views


def test_summary_lists_one_row_per_batch_to_be_with_its_attendances(db, world):
    provider, actor, patient = world
    type_some(db, actor, patient)
    summary = closing.closing_summary(db, actor, COMPETENCE)
    assert [(r.protocol_label, r.provider_name, r.guide_type, r.attendance_count, r.total) for r in summary.rows] == [
        (closing.PROTOCOL_TO_BE, "Clínica Pequena", GuideType.CONSULTA, 2, Decimal("300.00")),
        (closing.PROTOCOL_TO_BE, "Clínica Pequena", GuideType.SP_SADT, 1, Decimal("33.20")),
    ]
    assert [(a.number, a.beneficiary_name, a.total) for a in summary.rows[0].attendances] == [
        ("C1", "Maria da Conceição", Decimal("150.00")), ("C2", "Maria da Conceição", Decimal("150.00"))]
    assert summary.attendance_count == 3 and summary.total == Decimal("333.20")
    assert db.exec(select(Batch)).all() == []  # the summary changes nothing


def test_close_makes_received_batches_with_protocol_pdf_and_the_typed_fields(db, world):
    provider, actor, patient = world
    type_some(db, actor, patient)
    closed = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    assert [(c.guide_type, c.guide_count, c.total) for c in closed] == [
        (GuideType.CONSULTA, 2, Decimal("300.00")), (GuideType.SP_SADT, 1, Decimal("33.20"))]
    for result in closed:
        batch = db.get(Batch, result.batch_id)
        assert (batch.origin, batch.status, batch.competence) == (BatchOrigin.TYPED, BatchStatus.RECEBIDO, COMPETENCE)
        assert db.exec(select(Protocol.number).where(Protocol.batch_id == batch.id)).one() == result.protocol_number
        name, pdf = protocol_pdf(db, actor, batch.id)
        page_text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf)).pages)
        assert result.protocol_number in page_text
    assert [c.lot_number for c in closed] == ["1", "2"]
    # Every billed guide keeps its TISS element as typed.
    details = db.exec(select(BatchGuideDetail)).all()
    assert len(details) == 3 and {d.source for d in details} == {DetailSource.TYPED}
    sadt_tree = next(d.guide for d in details if d.guide[0] == "guiaSP-SADT")
    assert text(sadt_tree, "dadosSolicitante/profissionalSolicitante/nomeProfissional") == "João Solicitante"
    assert text(sadt_tree, "dadosAtendimento/tipoAtendimento") == "23"
    assert text(sadt_tree, "dadosSolicitacao/indicacaoClinica") == "Rotina"
    assert text(sadt_tree, "procedimentosExecutados/procedimentoExecutado/equipeSadt/nomeProf") == "Ana Maria Souza"
    assert [r.status for r in att.list_attendances(db, actor, COMPETENCE).rows] == [AttendanceStatus.FECHADO] * 3
    assert closing.closing_summary(db, actor, COMPETENCE).rows == []


def test_a_second_close_finds_nothing(db, world):
    _, actor, patient = world
    type_some(db, actor, patient)
    closed = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    with pytest.raises(DomainError) as caught:
        closing.close_attendances(db, actor, COMPETENCE)
    db.rollback()
    assert "já foram fechados" in caught.value.message and closed[0].protocol_number in caught.value.message
    assert db.exec(select(func.count()).select_from(Batch)).one() == 2


def test_nothing_typed_is_refused_and_other_competences_are_left_alone(db, world):
    _, actor, patient = world
    with pytest.raises(DomainError) as caught:
        closing.close_attendances(db, actor, COMPETENCE)
    assert "Nenhum atendimento digitado a fechar" in caught.value.message
    att.create_attendance(db, actor, consulta(patient, competence="2020-01", performed_on="10/01/2020"))
    db.commit()
    with pytest.raises(DomainError):
        closing.close_attendances(db, actor, COMPETENCE)
    assert [c.guide_count for c in closing.close_attendances(db, actor, "01/2020")] == [1]


def test_another_providers_attendances_are_never_closed(db, world, factory):
    _, actor, patient = world
    type_some(db, actor, patient)
    other = factory.actor(factory.provider(name="Outra"))
    assert closing.closing_summary(db, other, COMPETENCE).rows == []
    with pytest.raises(DomainError):
        closing.close_attendances(db, other, COMPETENCE)
    assert db.exec(select(Batch)).all() == []


def test_an_estorno_opens_them_again_and_they_close_into_a_new_batch(db, world):
    _, actor, patient = world
    view = att.create_attendance(db, actor, consulta(patient))
    db.commit()
    [first] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    reverse_batch(db, actor, first.batch_id)
    db.commit()
    att.update_attendance(db, actor, view.guide_id, consulta(patient, procedures=[
        att.ProcedureInput("10101012", "1", "120,00")]))
    db.commit()
    [second] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    assert second.batch_id != first.batch_id and second.total == Decimal("120.00")
    assert db.exec(select(BatchItem.total_value).join(BatchGuide).where(BatchGuide.batch_id == second.batch_id)
                   ).all() == [Decimal("120.00")]


def test_more_than_100_attendances_make_batches_of_100(db, world, factory):
    _, actor, patient = world
    for n in range(101):
        att.create_attendance(db, actor, consulta(patient, provider_guide_number=f"N{n:03d}"))
    db.commit()
    assert [r.attendance_count for r in closing.closing_summary(db, actor, COMPETENCE).rows] == [100, 1]
    assert [c.guide_count for c in closing.close_attendances(db, actor, COMPETENCE)] == [100, 1]


def test_two_closes_at_once_make_one_batch(engine, db, world, factory):
    provider, actor, patient = world
    second_user = factory.actor(provider)
    type_some(db, actor, patient)
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    results, errors = [], []

    def run(who):
        try:
            barrier.wait()
            results.append(perform(lambda s: closing.close_attendances(s, who, COMPETENCE), engine=engine,
                                   retries=closing.CLOSE_RETRIES))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(who,)) for who in (actor, second_user)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads)
    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    assert "já foram fechados" in errors[0].message
    assert results[0][0].protocol_number in errors[0].message
    assert db.exec(select(func.count()).select_from(Batch)).one() == 2  # consulta + SP/SADT, once
    assert db.exec(select(func.count()).select_from(BilledItem)).one() == 4
    assert db.exec(select(func.count()).select_from(BatchGuide)).one() == 3


def test_summary_shows_edits_until_closing(db, world):
    _, actor, patient = world
    [view, *_] = type_some(db, actor, patient)
    att.update_attendance(db, actor, view.guide_id, replace(consulta(patient, provider_guide_number="C1"),
                                                            procedures=[att.ProcedureInput("10101012", "1", "99,00")]))
    db.commit()
    assert closing.closing_summary(db, actor, COMPETENCE).rows[0].total == Decimal("249.00")


def test_the_operators_critique_judges_a_typed_value_against_the_contracted_price(db, world):
    """A typed value is the provider's own, not an authorized one: the analysis compares it with the catalog."""
    from copass_app.services.critique import batch_findings

    _, actor, patient = world
    att.create_attendance(db, actor, consulta(patient, procedures=[att.ProcedureInput("10101012", "1", "200,00")]))
    db.commit()
    [closed] = closing.close_attendances(db, actor, COMPETENCE)
    db.commit()
    findings = batch_findings(db, db.get(Batch, closed.batch_id))
    assert [(f.rule, f.reason_code, f.value) for f in findings] == [("value_above_contract", "1705", Decimal("50.00"))]
