"""Recursos de glosa: a provider contests its own applied glosas of analysed batches; staff decide;
accepted values become payable. Each rule and refusal, on the real database."""

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from copass_app import clock
from copass_app.models import (
    Appeal,
    AppealStatus,
    AuditLog,
    BatchGuide,
    Glosa,
    GlosaStatus,
    Role,
)
from copass_app.services import analysis, appeals, payments, processing
from copass_app.services.appeals import AppealFilters
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.tiss import codes
from tests.services.money_helpers import analysed_batch, bill, clinic, glosas_of, items_of, race, staff_actor

D = Decimal
ITEMS = [("22", "41001010", "Tomografia", D("2"), D("500.00")),
         ("19", "70000001", "Seringa descartável", D("3"), D("1.25"))]
WHY = "Procedimento autorizado pela senha 12345678."


@pytest.fixture
def staff(factory):
    return staff_actor(factory)


@pytest.fixture
def lucas(factory):
    return clinic(factory, "Clínica São Lucas")


@pytest.fixture
def glossed(factory, db, lucas, staff):
    """An analysed batch: Tomografia (1.000,00) glossed 200,00, Seringa (3,75) glossed 3,75."""
    batch = analysed_batch(factory, db, lucas, staff, {0: D("200.00"), 1: D("3.75")}, items=ITEMS)
    return batch, glosas_of(db, batch.id)


def appeal_count(db) -> int:
    return db.exec(select(func.count()).select_from(Appeal)).one()


# --- opening an appeal -----------------------------------------------------------------------------


def test_the_provider_appeals_a_glosa_of_its_own(db, lucas, glossed):
    batch, (tomography, _) = glossed
    row = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value=" 150,50 ",
                              justification=f"  {WHY}  ")
    assert (row.status, row.status_label, row.contested_value, row.justification) == (
        AppealStatus.PENDENTE, "Aguardando análise", D("150.50"), WHY)
    assert (row.glosa_id, row.glosa_value, row.reason_code, row.item_code, row.item_value) == (
        tomography.id, D("200.00"), codes.VALUE_ABOVE_CONTRACT, "41001010", D("1000.00"))
    assert (row.batch_id, row.protocol_number, row.accepted_value, row.payment_id, row.can_decide) == (
        batch.id, batch.protocol_number, None, None, True)
    assert row.reason_description == codes.describe(codes.VALUE_ABOVE_CONTRACT) and row.guide_number
    trail = db.exec(select(AuditLog).where(AuditLog.action == "appeal.open")).one()
    assert trail.user_id == lucas.actor.user_id and trail.provider_id == lucas.provider.id
    assert "contestado R$ 150,50 de R$ 200,00" in trail.detail


def test_the_whole_glosa_may_be_contested_but_no_more_and_not_nothing(db, lucas, glossed):
    _, (tomography, syringe) = glossed
    for value, message in (("200,01", "maior que o valor glosado .R\\$ 200,00."), ("0", "maior que zero"),
                           ("0,00", "maior que zero"), ("abc", "Valor contestado"), ("1.5", "Valor contestado"),
                           ("-5", "Valor contestado"), ("", "Valor contestado"), ("1,234", "casas decimais")):
        with pytest.raises(DomainError, match=message):
            appeals.open_appeal(db, lucas.actor, tomography.id, contested_value=value, justification=WHY)
    assert appeal_count(db) == 0
    assert appeals.open_appeal(db, lucas.actor, syringe.id, contested_value="3,75",
                               justification=WHY).contested_value == D("3.75")


def test_a_justification_of_ten_to_five_hundred_characters_is_required(db, lucas, glossed):
    _, (tomography, _) = glossed
    for text in ("", "   ", "curto", "123456789", None, "\x00" * 20):
        with pytest.raises(DomainError, match="Justificativa: escreva ao menos 10 caracteres"):
            appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="10,00", justification=text)
    with pytest.raises(DomainError, match="no máximo 500 caracteres .limite do padrão TISS.; o texto tem 501"):
        appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="10,00", justification="x" * 501)
    assert appeal_count(db) == 0
    assert appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="10,00",
                               justification="x" * 500).justification == "x" * 500


def test_one_open_appeal_per_glosa_and_a_decided_one_is_final(db, lucas, staff, glossed):
    _, (tomography, syringe) = glossed
    first = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="200,00", justification=WHY)
    with pytest.raises(DomainError, match=f"Já existe um recurso aguardando análise .* .recurso {first.id}"):
        appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="100,00", justification=WHY)
    appeals.decide_appeal(db, staff, first.id, decision="refuse", note="Tabela do contrato de 2025.")
    with pytest.raises(DomainError, match="já teve recurso decidido .Recusado. e não pode receber outro"):
        appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="100,00", justification=WHY)
    second = appeals.open_appeal(db, lucas.actor, syringe.id, contested_value="3,75", justification=WHY)
    appeals.decide_appeal(db, staff, second.id, decision="accept_partly", accepted_value="1,25")
    with pytest.raises(DomainError, match="já teve recurso decidido .Aceito parcialmente."):
        appeals.open_appeal(db, lucas.actor, syringe.id, contested_value="2,50", justification=WHY)
    assert appeal_count(db) == 2


def test_a_glosa_of_a_paid_batch_can_still_be_appealed(db, lucas, staff, glossed):
    batch, (tomography, _) = glossed
    payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch.id], appeal_ids=[], paid_on=clock.today())
    row = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="200,00", justification=WHY)
    assert row.status == AppealStatus.PENDENTE and row.batch_id == batch.id


def test_only_applied_glosas_of_analysed_batches_can_be_appealed(factory, db, lucas, staff):
    batch_id = bill(factory, db, lucas, items=ITEMS)
    processing.start_analysis(db, staff, batch_id)
    first, second = items_of(db, batch_id)
    analysis.apply_glosa(db, staff, first.id, value="10,00", reason_code=codes.DUPLICATE_BILLING, note="")
    db.commit()
    [in_analysis] = glosas_of(db, batch_id)
    with pytest.raises(DomainError, match="depois de concluída a análise do lote .situação atual: Em análise"):
        appeals.open_appeal(db, lucas.actor, in_analysis.id, contested_value="10,00", justification=WHY)
    # Replaced by another glosa before finishing: the first one is set aside and cannot be appealed.
    analysis.apply_glosa(db, staff, first.id, value="20,00", reason_code=codes.DUPLICATE_BILLING, note="")
    analysis.accept_item(db, staff, second.id)
    analysis.finish_analysis(db, staff, batch_id)
    db.commit()
    assert db.get(Glosa, in_analysis.id).status == GlosaStatus.DESCARTADA
    with pytest.raises(DomainError, match="Só uma glosa aplicada pode receber recurso"):
        appeals.open_appeal(db, lucas.actor, in_analysis.id, contested_value="10,00", justification=WHY)
    assert appeal_count(db) == 0


def test_another_providers_glosa_is_not_found_and_staff_cannot_appeal(factory, db, lucas, staff, glossed):
    _, (tomography, _) = glossed
    other = clinic(factory, "Laboratório Vida")
    for glosa_id in (tomography.id, 999999, "abc", None):
        with pytest.raises(NotFound, match="Glosa não encontrada"):
            appeals.open_appeal(db, other.actor, glosa_id, contested_value="10,00", justification=WHY)
    with pytest.raises(PermissionDenied):
        appeals.open_appeal(db, staff, tomography.id, contested_value="10,00", justification=WHY)
    assert appeal_count(db) == 0 and db.exec(select(AuditLog).where(AuditLog.action == "appeal.open")).all() == []


def test_two_appeals_of_the_same_glosa_at_once_one_is_opened(factory, db, lucas, staff):
    for _ in range(4):
        batch = analysed_batch(factory, db, lucas, staff, {0: D("100.00")}, items=ITEMS)
        glosa_id = glosas_of(db, batch.id)[0].id
        outcomes = race(*[lambda s, v=v, g=glosa_id: appeals.open_appeal(
            s, lucas.actor, g, contested_value=v, justification=WHY) for v in ("100,00", "50,00")])
        # The second one usually loses on the partial unique index: a Portuguese refusal, not an IntegrityError.
        assert outcomes.count("ok") == 1, outcomes
        assert "Já existe um recurso aguardando análise" in [o for o in outcomes if o != "ok"][0]
        assert db.exec(select(func.count()).select_from(Appeal).where(Appeal.glosa_id == glosa_id)).one() == 1


# --- a whole guide --------------------------------------------------------------------------------


def test_appealing_a_guide_contests_each_applied_glosa_not_yet_appealed(factory, db, lucas, staff, glossed):
    batch, (tomography, syringe) = glossed
    guide_id = db.exec(select(BatchGuide.id).where(BatchGuide.batch_id == batch.id)).one()
    appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="50,00", justification=WHY)
    rows = appeals.appeal_guide(db, lucas.actor, guide_id, justification="Todos os itens foram autorizados.")
    assert [(row.glosa_id, row.contested_value) for row in rows] == [(syringe.id, D("3.75"))]
    with pytest.raises(DomainError, match="Nenhuma glosa desta guia está disponível para recurso"):
        appeals.appeal_guide(db, lucas.actor, guide_id, justification="Todos os itens foram autorizados.")
    with pytest.raises(DomainError, match="Justificativa"):
        appeals.appeal_guide(db, lucas.actor, guide_id, justification="curto")
    other = clinic(factory, "Laboratório Vida")
    for target in (guide_id, 999999, "x"):
        with pytest.raises(NotFound, match="Guia não encontrada"):
            appeals.appeal_guide(db, other.actor, target, justification=WHY)
    with pytest.raises(PermissionDenied):
        appeals.appeal_guide(db, staff, guide_id, justification=WHY)
    assert appeal_count(db) == 2


def test_a_guide_of_a_batch_in_analysis_cannot_be_appealed(factory, db, lucas, staff):
    batch_id = bill(factory, db, lucas, items=ITEMS)
    guide_id = db.exec(select(BatchGuide.id).where(BatchGuide.batch_id == batch_id)).one()
    with pytest.raises(DomainError, match="situação atual: Recebido"):
        appeals.appeal_guide(db, lucas.actor, guide_id, justification=WHY)


# --- deciding --------------------------------------------------------------------------------------


def test_accept_takes_the_contested_value_and_makes_it_payable(db, lucas, staff, glossed):
    _, (tomography, _) = glossed
    opened = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="150,00", justification=WHY)
    row = appeals.decide_appeal(db, staff, opened.id, decision="accept")
    assert (row.status, row.accepted_value, row.decision_note, row.payable) == (
        AppealStatus.ACEITO, D("150.00"), "", True)
    appeal = db.get(Appeal, opened.id)
    assert appeal.decided_by == staff.user_id and appeal.decided_at is not None
    assert [a.id for a in payments.payable(db, staff, lucas.provider.id).appeals] == [opened.id]
    actions = db.exec(select(AuditLog.action, AuditLog.detail).where(AuditLog.entity == "appeal")
                      .order_by(AuditLog.id)).all()
    assert [a for a, _ in actions] == ["appeal.open", "appeal.accept", "appeal.decision"]
    assert "Aguardando análise → Aceito" in actions[1][1] and "R$ 150,00" in actions[2][1]


def test_accept_partly_needs_a_value_between_zero_and_the_contested_one(db, lucas, staff, glossed):
    _, (tomography, _) = glossed
    opened = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="150,00", justification=WHY)
    for value, message in (("150,00", "menor que o contestado .R\\$ 150,00."), ("150,01", "menor que o contestado"),
                           ("0", "maior que zero"), ("", "Valor aceito"), (None, "Valor aceito"),
                           ("dez", "Valor aceito")):
        with pytest.raises(DomainError, match=message):
            appeals.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value=value)
    assert db.get(Appeal, opened.id).status == AppealStatus.PENDENTE
    row = appeals.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value="99,99",
                                note="Aceito pelo valor da tabela.")
    assert (row.status, row.accepted_value, row.decision_note) == (
        AppealStatus.ACEITO_PARCIAL, D("99.99"), "Aceito pelo valor da tabela.")
    assert payments.payable(db, staff, lucas.provider.id).appeals_value == D("99.99")


def test_refuse_needs_a_reason_and_pays_nothing(db, lucas, staff, glossed):
    _, (tomography, _) = glossed
    opened = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="150,00", justification=WHY)
    for note in ("", "  ", "não"):
        with pytest.raises(DomainError, match="Motivo: escreva ao menos 10 caracteres"):
            appeals.decide_appeal(db, staff, opened.id, decision="refuse", note=note)
    row = appeals.decide_appeal(db, staff, opened.id, decision="refuse", note="Sem autorização prévia.")
    assert (row.status, row.accepted_value, row.payable) == (AppealStatus.RECUSADO, D("0.00"), False)
    assert payments.payable(db, staff, lucas.provider.id).appeals == []


def test_a_decided_appeal_stays_decided_and_only_staff_decide(db, lucas, staff, glossed):
    _, (tomography, _) = glossed
    opened = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="150,00", justification=WHY)
    with pytest.raises(PermissionDenied):
        appeals.decide_appeal(db, lucas.actor, opened.id, decision="accept")
    with pytest.raises(DomainError, match="Decisão desconhecida"):
        appeals.decide_appeal(db, staff, opened.id, decision="approve")
    with pytest.raises(NotFound, match="Recurso não encontrado"):
        appeals.decide_appeal(db, staff, 999999, decision="accept")
    appeals.decide_appeal(db, staff, opened.id, decision="accept")
    with pytest.raises(DomainError, match="Este recurso já foi decidido .Aceito."):
        appeals.decide_appeal(db, staff, opened.id, decision="refuse", note="Mudei de ideia agora.")
    assert db.get(Appeal, opened.id).accepted_value == D("150.00")


def test_two_staff_deciding_at_once_end_with_one_result(factory, db, lucas, staff):
    other_staff = factory.actor(role=Role.STAFF)
    for _ in range(4):
        batch = analysed_batch(factory, db, lucas, staff, {0: D("100.00")}, items=ITEMS)
        opened = appeals.open_appeal(db, lucas.actor, glosas_of(db, batch.id)[0].id, contested_value="100,00",
                                     justification=WHY)
        db.commit()
        outcomes = race(
            lambda s, a=opened.id: appeals.decide_appeal(s, staff, a, decision="accept"),
            lambda s, a=opened.id: appeals.decide_appeal(s, other_staff, a, decision="refuse", note="Fora do prazo."))
        assert outcomes.count("ok") == 1, outcomes
        assert "já foi decidido" in [o for o in outcomes if o != "ok"][0]
        db.expire_all()
        appeal = db.get(Appeal, opened.id)
        if outcomes[0] == "ok":
            assert (appeal.status, appeal.accepted_value, appeal.decided_by) == (
                AppealStatus.ACEITO, D("100.00"), staff.user_id)
        else:
            assert (appeal.status, appeal.accepted_value, appeal.decided_by, appeal.decision_note) == (
                AppealStatus.RECUSADO, D("0.00"), other_staff.user_id, "Fora do prazo.")
        decisions = db.exec(select(func.count()).select_from(AuditLog).where(
            AuditLog.entity == "appeal", AuditLog.entity_id == str(opened.id),
            AuditLog.action.in_(["appeal.accept", "appeal.refuse"]))).one()
        assert decisions == 1


# --- lists -------------------------------------------------------------------------------------------


def test_the_provider_lists_its_own_appeals_with_counts_and_the_payment(factory, db, lucas, staff, glossed):
    _, (tomography, syringe) = glossed
    other = clinic(factory, "Laboratório Vida")
    theirs = analysed_batch(factory, db, other, staff, {0: D("10.00")}, items=ITEMS)
    appeals.open_appeal(db, other.actor, glosas_of(db, theirs.id)[0].id, contested_value="10,00", justification=WHY)
    first = appeals.open_appeal(db, lucas.actor, tomography.id, contested_value="200,00", justification=WHY)
    second = appeals.open_appeal(db, lucas.actor, syringe.id, contested_value="3,75", justification=WHY)
    appeals.decide_appeal(db, staff, first.id, decision="accept_partly", accepted_value="120,00")
    paid = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[], appeal_ids=[first.id],
                                     paid_on=clock.today())
    page = appeals.provider_appeals(db, lucas.actor)
    assert [row.id for row in page.rows] == [second.id, first.id] and page.total == 2
    assert page.counts == {"PENDENTE": 1, "ACEITO": 0, "ACEITO_PARCIAL": 1, "RECUSADO": 0}
    decided = page.rows[1]
    assert (decided.accepted_value, decided.payment_id, decided.payment_number, decided.paid_on) == (
        D("120.00"), paid.id, paid.number, clock.today())
    assert (decided.item_description, decided.beneficiary_name, decided.provider_name) == (
        "Tomografia", "João da Conceição", "Clínica São Lucas")
    pending = appeals.provider_appeals(db, lucas.actor, AppealFilters(status="PENDENTE"))
    assert [row.id for row in pending.rows] == [second.id] and pending.counts["ACEITO_PARCIAL"] == 1
    # A provider cannot widen the list to another provider.
    assert appeals.provider_appeals(db, lucas.actor, AppealFilters(provider_id=other.provider.id)).total == 2
    with pytest.raises(DomainError, match="Situação de recurso desconhecida"):
        appeals.provider_appeals(db, lucas.actor, AppealFilters(status="X"))
    with pytest.raises(PermissionDenied):
        appeals.provider_appeals(db, staff)


def test_the_staff_queue_pending_first_oldest_first_with_filters(factory, db, lucas, staff):
    other = clinic(factory, "Laboratório Vida")
    opened = []
    for day, who in ((2, lucas), (3, other), (4, lucas)):
        with clock.frozen(datetime(2026, 3, day, 10, 0)):
            batch = analysed_batch(factory, db, who, staff, {0: D("100.00")}, items=ITEMS)
            opened.append(appeals.open_appeal(db, who.actor, glosas_of(db, batch.id)[0].id,
                                              contested_value="100,00", justification=WHY))
    with clock.frozen(datetime(2026, 3, 5, 10, 0)):
        appeals.decide_appeal(db, staff, opened[0].id, decision="accept")
    db.commit()
    queue = appeals.appeal_queue(db, staff)
    assert [row.id for row in queue.rows] == [opened[1].id, opened[2].id, opened[0].id]
    assert queue.counts == {"PENDENTE": 2, "ACEITO": 1, "ACEITO_PARCIAL": 0, "RECUSADO": 0}
    mine = appeals.appeal_queue(db, staff, AppealFilters(provider_id=lucas.provider.id))
    assert [row.id for row in mine.rows] == [opened[2].id, opened[0].id] and mine.counts["PENDENTE"] == 1
    period = appeals.appeal_queue(db, staff, AppealFilters(date_from="03/03/2026", date_to="2026-03-04"))
    assert [row.id for row in period.rows] == [opened[1].id, opened[2].id]
    accepted = appeals.appeal_queue(db, staff, AppealFilters(status=AppealStatus.ACEITO))
    assert [row.id for row in accepted.rows] == [opened[0].id] and accepted.total == 1
    paged = appeals.appeal_queue(db, staff, page=2, page_size=2)
    assert [row.id for row in paged.rows] == [opened[0].id] and paged.page_count == 2
    with pytest.raises(DomainError, match="posterior à data final"):
        appeals.appeal_queue(db, staff, AppealFilters(date_from="05/03/2026", date_to="01/03/2026"))
    with pytest.raises(PermissionDenied):
        appeals.appeal_queue(db, lucas.actor)

