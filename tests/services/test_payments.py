"""Payments of released batches and accepted appeals: every figure to the cent, computed by hand;
one transaction; the refusals leave nothing behind."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from copass_app import clock
from copass_app.models import (
    Appeal,
    AuditLog,
    Batch,
    BatchStatus,
    Payment,
    PaymentBatch,
    PaymentWithholding,
    Role,
    Tax,
)
from copass_app.services import appeals, payments, processing
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.services.payments import PaymentFilters
from tests.services.money_helpers import analyse, analysed_batch, bill, clinic, glosas_of, race, staff_actor

D = Decimal
# Batch A: 1.234,56 + 3 × 45,67 = 1.371,57; batch B: 2 × 500,00 + 0,99 = 1.000,99.
ITEMS_A = [("22", "10101012", "Consulta em consultório", D("1"), D("1234.56")),
           ("22", "40302040", "Glicose", D("3"), D("45.67"))]
ITEMS_B = [("22", "41001010", "Tomografia", D("2"), D("500.00")),
           ("19", "70000001", "Seringa descartável", D("1"), D("0.99"))]


@pytest.fixture
def staff(factory):
    return staff_actor(factory)


@pytest.fixture
def lucas(factory):
    return clinic(factory, "Clínica São Lucas", municipality="São Paulo")


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def two_batches_and_an_appeal(factory, db, who, staff):
    """A: glosa 37,01 on the Glicose line (approved 1.334,56); B: glosa 100,00 on the Tomografia
    (approved 900,99); the Glicose glosa appealed and accepted for 20,00."""
    a = analysed_batch(factory, db, who, staff, {1: D("37.01")}, items=ITEMS_A)
    b = analysed_batch(factory, db, who, staff, {0: D("100.00")}, items=ITEMS_B)
    [glosa] = glosas_of(db, a.id)
    opened = appeals.open_appeal(db, who.actor, glosa.id, contested_value="37,01",
                                 justification="O valor segue a tabela vigente do contrato.")
    appeals.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value="20,00")
    db.commit()
    return a, b, opened.id


# --- what is payable -------------------------------------------------------------------------------


def test_payable_shows_released_batches_and_accepted_unpaid_appeals_only(factory, db, lucas, staff):
    a, b, appeal_id = two_batches_and_an_appeal(factory, db, lucas, staff)
    bill(factory, db, lucas, items=ITEMS_B)  # received, not analysed
    in_analysis = bill(factory, db, lucas, items=ITEMS_B)
    processing.start_analysis(db, staff, in_analysis)
    analysed_batch(factory, db, lucas, staff, {0: D("1000.00"), 1: D("0.99")}, items=ITEMS_B)  # nothing approved
    other = clinic(factory, "Laboratório Vida")
    analysed_batch(factory, db, other, staff, items=ITEMS_B)
    db.commit()

    found = payments.payable(db, staff, lucas.provider.id)
    assert [row.id for row in found.batches] == [a.id, b.id]
    assert [(row.gross, row.glosa, row.approved) for row in found.batches] == [
        (D("1371.57"), D("37.01"), D("1334.56")), (D("1000.99"), D("100.00"), D("900.99"))]
    assert [(row.id, row.accepted_value, row.contested_value) for row in found.appeals] == [
        (appeal_id, D("20.00"), D("37.01"))]
    assert (found.approved, found.appeals_value) == (D("2235.55"), D("20.00"))
    assert [(p.provider_name, p.batch_count, p.approved, p.appeal_count, p.appeals_value)
            for p in payments.providers_to_pay(db, staff)] == [
        ("Clínica São Lucas", 2, D("2235.55"), 1, D("20.00")), ("Laboratório Vida", 1, D("1000.99"), 0, D("0"))]


# --- the figures -----------------------------------------------------------------------------------


def test_preview_adds_up_to_the_cent(factory, db, lucas, staff):
    """gross 2.372,56 = approved 2.235,55 + glosa 137,01; base 2.235,55 + appeal 20,00 = 2.255,55;
    IRRF 33,83 (33,83325) PIS 14,66 (14,661075) COFINS 67,67 (67,6665) CSLL 22,56 (22,5555)
    ISS SP 45,11 (45,111) = 183,83; net 2.255,55 − 183,83 = 2.071,72."""
    a, b, appeal_id = two_batches_and_an_appeal(factory, db, lucas, staff)
    preview = payments.preview_payment(db, staff, lucas.provider.id, batch_ids=[a.id, b.id], appeal_ids=[appeal_id],
                                       paid_on=clock.today())
    assert (preview.gross, preview.glosa, preview.approved, preview.appeals_value, preview.base) == (
        D("2372.56"), D("137.01"), D("2235.55"), D("20.00"), D("2255.55"))
    assert [(line.tax, line.rate_percent, line.value) for line in preview.withholdings] == [
        (Tax.IRRF, D("1.5"), D("33.83")), (Tax.PIS, D("0.65"), D("14.66")), (Tax.COFINS, D("3"), D("67.67")),
        (Tax.CSLL, D("1"), D("22.56")), (Tax.ISS, D("2"), D("45.11"))]
    assert (preview.withholding_value, preview.net) == (D("183.83"), D("2071.72"))
    assert (preview.bank, preview.agency, preview.account, preview.has_bank_data) == (
        "001 - Banco do Brasil", "1234-5", "98765-4", True)
    assert count(db, Payment) == 0  # a preview writes nothing


def test_register_payment_records_it_all_in_one_go(factory, db, lucas, staff):
    a, b, appeal_id = two_batches_and_an_appeal(factory, db, lucas, staff)
    view = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[a.id, b.id], appeal_ids=[appeal_id],
                                     paid_on=clock.today())
    db.commit()
    payment = db.get(Payment, view.id)
    assert view.number == payment.number == f"{clock.today():%Y}{payment.id:08d}"
    assert (payment.gross_value, payment.glosa_value, payment.approved_value, payment.appeals_value,
            payment.withholding_value, payment.net_value) == (
        D("2372.56"), D("137.01"), D("2235.55"), D("20.00"), D("183.83"), D("2071.72"))
    assert (payment.bank, payment.agency, payment.account, payment.paid_on) == (
        "001 - Banco do Brasil", "1234-5", "98765-4", clock.today())
    assert sorted(db.exec(select(PaymentBatch.batch_id).where(PaymentBatch.payment_id == payment.id)).all()) == [
        a.id, b.id]
    stored = {row.tax: (row.base, row.rate_percent, row.value) for row in
              db.exec(select(PaymentWithholding).where(PaymentWithholding.payment_id == payment.id))}
    assert stored[Tax.COFINS] == (D("2255.55"), D("3"), D("67.67")) and len(stored) == 5
    db.expire_all()
    for batch_id in (a.id, b.id):
        batch = db.get(Batch, batch_id)
        assert batch.status == BatchStatus.PAGO and clock.brasilia_date(batch.paid_at) == clock.today()
    assert db.get(Appeal, appeal_id).payment_id == payment.id
    actions = db.exec(select(AuditLog.action).where(AuditLog.action.in_(["batch.pay", "payment.register"]))).all()
    assert sorted(actions) == ["batch.pay", "batch.pay", "payment.register"]
    detail = db.exec(select(AuditLog.detail).where(AuditLog.action == "payment.register")).one()
    assert "líquido R$ 2.071,72" in detail and "retenções R$ 183,83" in detail
    # Paid: nothing left to pay, and the view tells the whole story.
    left = payments.payable(db, staff, lucas.provider.id)
    assert (left.batches, left.appeals) == ([], [])
    assert [row.id for row in view.batches] == [a.id, b.id] and [row.id for row in view.appeals] == [appeal_id]
    assert view.appeals[0].payment_number == view.number
    assert [(line.tax, line.value, line.withheld) for line in view.withholdings][0] == (Tax.IRRF, D("33.83"), True)
    # The bank data is a snapshot: a later change of the provider's account does not rewrite the payment.
    lucas.provider.account = "11111-1"
    db.add(lucas.provider)
    db.commit()
    assert payments.payment_detail(db, lucas.actor, view.id).account == "98765-4"


def test_a_small_payment_shows_the_tax_it_did_not_withhold(factory, db, staff):
    """R$ 1.234,57 in Rio: IRRF 18,52, PIS 8,02 (≤ R$ 10,00: not withheld), COFINS 37,04, CSLL 12,35,
    ISS 5 % 61,73 → withheld 129,64, net 1.104,93."""
    rio = clinic(factory, "Clínica Carioca", municipality="Rio de Janeiro")
    batch = analysed_batch(factory, db, rio, staff, items=[("22", "10101012", "Consulta", D("1"), D("1234.57"))])
    view = payments.register_payment(db, staff, rio.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                     paid_on=clock.today())
    assert (view.gross, view.glosa, view.approved, view.appeals_value, view.withholding_value, view.net) == (
        D("1234.57"), D("0.00"), D("1234.57"), D("0.00"), D("129.64"), D("1104.93"))
    pis = next(line for line in view.withholdings if line.tax == Tax.PIS)
    assert (pis.value, pis.withheld, pis.computed) == (D("0.00"), False, D("8.02"))


def test_an_accepted_appeal_of_a_batch_closed_without_payment_is_paid_alone(factory, db, lucas, staff):
    closed = analysed_batch(factory, db, lucas, staff, {0: D("1000.00"), 1: D("0.99")}, items=ITEMS_B)
    assert closed.status == BatchStatus.ENCERRADO_SEM_PAGAMENTO
    glosa = glosas_of(db, closed.id)[0]
    opened = appeals.open_appeal(db, lucas.actor, glosa.id, contested_value="1.000,00",
                                 justification="Tomografia autorizada pela senha 1234.")
    appeals.decide_appeal(db, staff, opened.id, decision="accept")
    view = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[], appeal_ids=[opened.id],
                                     paid_on=clock.today())
    # 1.000,00: IRRF 15,00, PIS 6,50 (not withheld), COFINS 30,00, CSLL 10,00 (not withheld), ISS 20,00.
    assert (view.gross, view.approved, view.appeals_value, view.withholding_value, view.net) == (
        D("0.00"), D("0.00"), D("1000.00"), D("65.00"), D("935.00"))
    assert view.batches == [] and db.get(Batch, closed.id).status == BatchStatus.ENCERRADO_SEM_PAGAMENTO


def test_a_payment_made_yesterday_is_dated_yesterday(factory, db, lucas, staff):
    with clock.frozen(datetime(2026, 3, 9, 10, 0)):
        batch = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
    with clock.frozen(datetime(2026, 3, 10, 22, 30)):  # 01:30 UTC of the 11th
        view = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[str(batch.id)], appeal_ids=[],
                                         paid_on="09/03/2026")
    assert view.paid_on.isoformat() == "2026-03-09" and view.number == f"2026{view.id:08d}"
    assert clock.brasilia_date(db.get(Batch, batch.id).paid_at).isoformat() == "2026-03-09"


# --- refusals --------------------------------------------------------------------------------------


def refused(db, staff, provider_id, message, *, batch_ids=(), appeal_ids=(), paid_on=None, error=DomainError):
    before = {b.id: b.status for b in db.exec(select(Batch))}
    with pytest.raises(error, match=message):
        payments.register_payment(db, staff, provider_id, batch_ids=list(batch_ids), appeal_ids=list(appeal_ids),
                                  paid_on=paid_on or clock.today())
    db.rollback()
    db.expire_all()
    assert count(db, Payment) == 0 and count(db, PaymentBatch) == 0 and count(db, PaymentWithholding) == 0
    assert {b.id: b.status for b in db.exec(select(Batch))} == before
    assert db.exec(select(Appeal.id).where(Appeal.payment_id.is_not(None))).all() == []


def test_only_released_batches_of_that_provider_are_paid(factory, db, lucas, staff):
    received = bill(factory, db, lucas, items=ITEMS_B)
    refused(db, staff, lucas.provider.id, "não está liberado para pagamento .situação: Recebido", batch_ids=[received])
    processing.start_analysis(db, staff, received)
    db.commit()
    refused(db, staff, lucas.provider.id, "não está liberado para pagamento .situação: Em análise",
            batch_ids=[received])
    closed = analysed_batch(factory, db, lucas, staff, {0: D("1000.00"), 1: D("0.99")}, items=ITEMS_B)
    refused(db, staff, lucas.provider.id, "Encerrado sem pagamento|não está liberado", batch_ids=[closed.id])
    other = clinic(factory, "Laboratório Vida")
    theirs = analysed_batch(factory, db, other, staff, items=ITEMS_B)
    released = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
    refused(db, staff, lucas.provider.id, "não é de Clínica São Lucas", batch_ids=[released.id, theirs.id])
    refused(db, staff, lucas.provider.id, "Lote não encontrado", batch_ids=[released.id, 999999], error=NotFound)
    refused(db, staff, 999999, "Prestador não encontrado", batch_ids=[released.id], error=NotFound)


def test_a_batch_is_paid_once(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
    payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch.id], appeal_ids=[], paid_on=clock.today())
    db.commit()
    with pytest.raises(DomainError, match="já foi pago"):
        payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                  paid_on=clock.today())
    db.rollback()
    assert count(db, Payment) == 1


def test_appeals_must_be_accepted_unpaid_and_of_that_provider(factory, db, lucas, staff):
    a = analysed_batch(factory, db, lucas, staff, {0: D("100.00"), 1: D("0.99")}, items=ITEMS_B)
    first, second = glosas_of(db, a.id)
    pending = appeals.open_appeal(db, lucas.actor, first.id, contested_value="100,00",
                                  justification="Procedimento autorizado e realizado.")
    refused_appeal = appeals.open_appeal(db, lucas.actor, second.id, contested_value="0,99",
                                         justification="Material usado no procedimento.")
    appeals.decide_appeal(db, staff, refused_appeal.id, decision="refuse", note="Material incluso na taxa.")
    db.commit()
    refused(db, staff, lucas.provider.id, "não tem valor aceito a pagar .situação: Aguardando análise",
            appeal_ids=[pending.id])
    refused(db, staff, lucas.provider.id, "não tem valor aceito a pagar .situação: Recusado",
            appeal_ids=[refused_appeal.id])
    refused(db, staff, lucas.provider.id, "Recurso não encontrado", appeal_ids=[999999], error=NotFound)
    other = clinic(factory, "Laboratório Vida")
    theirs = analysed_batch(factory, db, other, staff, {0: D("50.00")}, items=ITEMS_B)
    their_appeal = appeals.open_appeal(db, other.actor, glosas_of(db, theirs.id)[0].id, contested_value="50,00",
                                       justification="Valor de tabela do contrato.")
    appeals.decide_appeal(db, staff, their_appeal.id, decision="accept")
    db.commit()
    refused(db, staff, lucas.provider.id, "não é de Clínica São Lucas", appeal_ids=[their_appeal.id])
    payments.register_payment(db, staff, other.provider.id, batch_ids=[], appeal_ids=[their_appeal.id],
                              paid_on=clock.today())
    db.commit()
    with pytest.raises(DomainError, match="já foi pago no pagamento"):
        payments.register_payment(db, staff, other.provider.id, batch_ids=[], appeal_ids=[their_appeal.id],
                                  paid_on=clock.today())


def test_empty_selection_future_date_date_before_analysis_and_missing_bank_data(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
    refused(db, staff, lucas.provider.id, "Escolha ao menos um lote", batch_ids=[], appeal_ids=[])
    refused(db, staff, lucas.provider.id, "Escolha ao menos um lote", batch_ids=["abc", None, -3])
    tomorrow = clock.today() + timedelta(days=1)
    refused(db, staff, lucas.provider.id, "é uma data futura", batch_ids=[batch.id], paid_on=tomorrow)
    refused(db, staff, lucas.provider.id, "anterior à conclusão da análise", batch_ids=[batch.id],
            paid_on=clock.today() - timedelta(days=1))
    refused(db, staff, lucas.provider.id, "Data do pagamento: data inválida", batch_ids=[batch.id], paid_on="ontem")
    broke = clinic(factory, "Clínica Sem Conta", bank=False)
    unbanked = analysed_batch(factory, db, broke, staff, items=ITEMS_B)
    preview = payments.preview_payment(db, staff, broke.provider.id, batch_ids=[unbanked.id], appeal_ids=[],
                                       paid_on=clock.today())
    assert preview.has_bank_data is False  # the preview shows it; registering refuses
    refused(db, staff, broke.provider.id, "não tem dados bancários completos", batch_ids=[unbanked.id])


def test_a_provider_cannot_use_the_staff_services(factory, db, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
    for service in (lambda: payments.payable(db, lucas.actor, lucas.provider.id),
                    lambda: payments.providers_to_pay(db, lucas.actor),
                    lambda: payments.preview_payment(db, lucas.actor, lucas.provider.id, batch_ids=[batch.id],
                                                     appeal_ids=[], paid_on=clock.today()),
                    lambda: payments.staff_payments(db, lucas.actor)):
        with pytest.raises(PermissionDenied):
            service()
    refused(db, lucas.actor, lucas.provider.id, "restrito à equipe", batch_ids=[batch.id], error=PermissionDenied)
    with pytest.raises(PermissionDenied):
        payments.provider_payments(db, staff)


# --- reading payments -----------------------------------------------------------------------------


def test_each_provider_sees_its_own_payments_and_staff_see_all(factory, db, lucas, staff):
    other = clinic(factory, "Laboratório Vida")
    with clock.frozen(datetime(2026, 2, 2, 9, 0)):
        ours = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
        theirs = analysed_batch(factory, db, other, staff, items=ITEMS_A)
        first = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[ours.id], appeal_ids=[],
                                          paid_on="02/02/2026")
        their_payment = payments.register_payment(db, staff, other.provider.id, batch_ids=[theirs.id], appeal_ids=[],
                                                  paid_on="02/02/2026")
    with clock.frozen(datetime(2026, 3, 5, 9, 0)):
        later = analysed_batch(factory, db, lucas, staff, items=ITEMS_A)
        second = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[later.id], appeal_ids=[],
                                           paid_on="05/03/2026")
    db.commit()
    page = payments.provider_payments(db, lucas.actor)
    assert [row.id for row in page.rows] == [second.id, first.id] and page.total == 2
    assert (page.rows[1].batch_count, page.rows[1].gross, page.rows[1].net) == (1, first.gross, first.net)
    assert payments.payment_detail(db, lucas.actor, first.id).number == first.number
    with pytest.raises(NotFound, match="Pagamento não encontrado"):
        payments.payment_detail(db, lucas.actor, their_payment.id)
    with pytest.raises(NotFound, match="Pagamento não encontrado"):
        payments.payment_detail(db, lucas.actor, "xyz")
    assert payments.payment_detail(db, staff, their_payment.id).provider_name == "Laboratório Vida"
    everyone = payments.staff_payments(db, staff)
    assert [row.id for row in everyone.rows] == [second.id, their_payment.id, first.id]
    assert [r.id for r in payments.staff_payments(db, staff, PaymentFilters(provider_id=other.provider.id)).rows] == [
        their_payment.id]
    march = PaymentFilters(date_from="01/03/2026", date_to="31/03/2026")
    assert [r.id for r in payments.staff_payments(db, staff, march).rows] == [second.id]
    assert [r.id for r in payments.staff_payments(db, staff, PaymentFilters(number=second.number)).rows] == [
        second.id]
    with pytest.raises(DomainError, match="posterior à data final"):
        payments.staff_payments(db, staff, PaymentFilters(date_from="31/03/2026", date_to="01/03/2026"))


# --- races -------------------------------------------------------------------------------------------


def paying(actor, who, batch_ids, appeal_ids):
    today = clock.today()
    return lambda s: payments.register_payment(s, actor, who.provider.id, batch_ids=batch_ids, appeal_ids=appeal_ids,
                                               paid_on=today)


def test_two_payments_of_the_same_batch_at_once_one_wins_cleanly(factory, db, lucas, staff):
    other_staff = factory.actor(role=Role.STAFF)
    for _ in range(4):
        shared = analysed_batch(factory, db, lucas, staff, items=ITEMS_B)
        extra = analysed_batch(factory, db, lucas, staff, items=ITEMS_A)
        outcomes = race(paying(staff, lucas, [shared.id], []), paying(other_staff, lucas, [extra.id, shared.id], []))
        assert outcomes.count("ok") == 1, outcomes
        [loser] = [o for o in outcomes if o != "ok"]
        assert "já foi pago" in loser, loser
        db.expire_all()
        paid = db.exec(select(PaymentBatch.payment_id).where(PaymentBatch.batch_id == shared.id)).all()
        assert len(paid) == 1
        # The loser left nothing: the extra batch is paid only if its payment won.
        extra_status = db.get(Batch, extra.id).status
        assert extra_status == (BatchStatus.PAGO if outcomes[1] == "ok" else BatchStatus.LIBERADO_PAGAMENTO)
    assert count(db, Payment) == 4


def test_two_payments_of_the_same_appeal_at_once_one_wins(factory, db, lucas, staff):
    for _ in range(3):
        batch = analysed_batch(factory, db, lucas, staff, {0: D("100.00")}, items=ITEMS_B)
        opened = appeals.open_appeal(db, lucas.actor, glosas_of(db, batch.id)[0].id, contested_value="100,00",
                                     justification="Tomografia autorizada.")
        appeals.decide_appeal(db, staff, opened.id, decision="accept")
        db.commit()
        outcomes = race(paying(staff, lucas, [], [opened.id]), paying(staff, lucas, [], [opened.id]))
        assert outcomes.count("ok") == 1, outcomes
        db.expire_all()
        assert db.get(Appeal, opened.id).payment_id is not None
    assert count(db, Payment) == 3


def test_the_analysis_helper_closes_what_it_opens(factory, db, lucas, staff):
    """The helper builds batches the way the analysis does: totals add up and the batch is released."""
    batch_id = bill(factory, db, lucas, items=ITEMS_A)
    batch = analyse(db, staff, batch_id, {0: D("0.56")})
    assert (batch.status, batch.total_value, batch.glosa_value, batch.approved_value) == (
        BatchStatus.LIBERADO_PAGAMENTO, D("1371.57"), D("0.56"), D("1371.01"))
