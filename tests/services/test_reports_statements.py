"""Demonstrativos de pagamento and the extrato sintético: lines and totals by hand, periods, empty periods,
the bank data of the payment, and one provider never seeing another's lines."""

from datetime import timedelta
from decimal import Decimal

from copass_app import clock
from copass_app.services.reports import ReportFilters, payment_statements, summary_statement
from tests.services.money_helpers import clinic
from tests.services.report_helpers import paid_world, released_batch

D = Decimal


def test_one_line_per_payment_with_its_figures(factory, db):
    world = paid_world(factory, db)
    report = payment_statements(db, world.clinic.actor)
    [row] = report.page.rows
    # Two batches: presented 1.371,57 + 1.000,99 = 2.372,56; glosa 137,01; approved 2.235,55; appeal 20,00;
    # withholdings 183,83 (see test_reports_nf); net paid 2.255,55 − 183,83 = 2.071,72.
    assert (row.payment_id, row.batch_count, row.paid_on) == (world.payment_id, 2, clock.today())
    assert (row.presented, row.glosa, row.approved, row.appeals, row.withholdings, row.net) == (
        D("2372.56"), D("137.01"), D("2235.55"), D("20.00"), D("183.83"), D("2071.72"))
    totals = report.totals
    assert (totals.count, totals.batch_count, totals.presented, totals.net) == (1, 2, D("2372.56"), D("2071.72"))


def test_totals_are_the_period_not_the_page(factory, db):
    world = paid_world(factory, db)
    from copass_app.services import payments

    second = released_batch(factory, db, world.clinic, world.staff, D("500.00"))
    payments.register_payment(db, world.staff, world.clinic.provider.id, batch_ids=[second], appeal_ids=[],
                              paid_on=clock.today())
    db.commit()
    first_page = payment_statements(db, world.clinic.actor, page_size=1)
    assert len(first_page.page.rows) == 1 and first_page.page.total == 2
    # 500,00: COFINS 15,00 and ISS... 2 % = 10,00 is not withheld; IRRF 7,50, PIS 3,25, CSLL 5,00 neither.
    # Net 485,00; with the first payment 2.071,72 + 485,00 = 2.556,72.
    assert first_page.totals.net == D("2556.72") and first_page.totals.batch_count == 3
    assert first_page.totals.withholdings == D("183.83") + D("15.00")


def test_an_empty_period(factory, db):
    world = paid_world(factory, db)
    report = payment_statements(db, world.clinic.actor, ReportFilters(date_to=clock.today() - timedelta(days=1)))
    assert report.page.rows == [] and report.totals.count == 0 and report.totals.net == D("0.00")


def test_another_provider_sees_none_of_it(factory, db):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    assert payment_statements(db, other.actor, ReportFilters(provider_id=world.clinic.provider.id)).page.rows == []
    assert summary_statement(db, other.actor, ReportFilters(provider_id=world.clinic.provider.id)).page.rows == []
    assert summary_statement(db, other.actor).totals.gross == D("0.00")
    staff_view = payment_statements(db, world.staff, ReportFilters(provider_id=world.clinic.provider.id))
    assert [r.provider_name for r in staff_view.page.rows] == ["Clínica A"]


def test_extrato_patients_values_payee_and_bank(factory, db):
    world = paid_world(factory, db)
    report = summary_statement(db, world.clinic.actor)
    rows = report.page.rows
    # Two guides (one per batch), each of the factory's beneficiary "João da Conceição" with its own card.
    assert sorted(r.value for r in rows) == [D("1000.99"), D("1371.57")]
    assert {r.beneficiary_name for r in rows} == {"João da Conceição"}
    assert all(r.card_number.startswith("0345678") for r in rows)
    assert {(r.provider_name, r.bank, r.agency, r.account) for r in rows} == {
        ("Clínica São Lucas", "001 - Banco do Brasil", "1234-5", "98765-4")}
    assert all(r.paid_on == clock.today() for r in rows)
    # Gross total 1.371,57 + 1.000,99 = 2.372,56 (the billed value: before glosas).
    assert (report.totals.count, report.totals.patients, report.totals.gross) == (2, 2, D("2372.56"))


def test_extrato_keeps_the_account_the_payment_used(factory, db):
    world = paid_world(factory, db)
    provider = world.clinic.provider
    provider.bank, provider.agency, provider.account = "237 - Bradesco", "0001", "11111-1"
    db.add(provider)
    db.commit()
    released_batch(factory, db, world.clinic, world.staff, D("80.00"))
    rows = summary_statement(db, world.clinic.actor).page.rows
    paid = {r.bank for r in rows if r.paid_on is not None}
    pending = {(r.bank, r.value) for r in rows if r.paid_on is None}
    assert paid == {"001 - Banco do Brasil"} and pending == {("237 - Bradesco", D("80.00"))}


def test_extrato_by_competence(factory, db):
    world = paid_world(factory, db)
    competence = clock.today().strftime("%m/%Y")
    assert summary_statement(db, world.clinic.actor, ReportFilters(competence=competence)).totals.count == 2
    assert summary_statement(db, world.clinic.actor, ReportFilters(competence="01/2001")).page.rows == []
