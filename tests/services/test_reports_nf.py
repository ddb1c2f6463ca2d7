"""Relatório de valores para emissão de NF: every figure computed by hand, the R$ 10,00 rule at its edge,
rounding half-up to the cent, periods, and one provider never seeing another's lines."""

from datetime import timedelta
from decimal import Decimal

import pytest

from copass_app import clock
from copass_app.services import payments
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.reports import ReportFilters, nf_values
from tests.services.money_helpers import clinic, staff_actor
from tests.services.report_helpers import paid_world, released_batch

D = Decimal


def test_paid_payment_figures_computed_by_hand(factory, db):
    world = paid_world(factory, db)
    report = nf_values(db, world.clinic.actor, ReportFilters())
    [row] = report.page.rows
    # gross 1.371,57 + 1.000,99 = 2.372,56; glosa 37,01 + 100,00 = 137,01; approved 2.235,55;
    # base = approved + accepted appeal 20,00 = 2.255,55.
    assert (row.gross, row.glosa, row.approved, row.appeals, row.base) == (
        D("2372.56"), D("137.01"), D("2235.55"), D("20.00"), D("2255.55"))
    # IRRF 1,5 % = 33,83325 -> 33,83; PIS 0,65 % = 14,661075 -> 14,66; COFINS 3 % = 67,6665 -> 67,67;
    # CSLL 1 % = 22,5555 -> 22,56; ISS São Paulo 2 % = 45,111 -> 45,11; all above R$ 10,00: withheld.
    assert (row.irrf, row.pis, row.cofins, row.csll, row.iss) == (
        D("33.83"), D("14.66"), D("67.67"), D("22.56"), D("45.11"))
    # 33,83 + 14,66 + 67,67 + 22,56 + 45,11 = 183,83; net 2.255,55 − 183,83 = 2.071,72.
    assert (row.withholding_total, row.net) == (D("183.83"), D("2071.72"))
    assert row.paid and row.paid_on == clock.today() and row.number
    assert report.totals.net == D("2071.72") and report.totals.count == 1 and report.totals.irrf == D("33.83")


def test_ten_reais_exactly_is_not_withheld_and_ten_and_one_cent_is(factory, db):
    staff = staff_actor(factory)
    edge = clinic(factory, "Clínica Borda", municipality="São Paulo")
    above = clinic(factory, "Clínica Acima", municipality="São Paulo")
    released_batch(factory, db, edge, staff, D("666.67"))
    released_batch(factory, db, above, staff, D("667.33"))
    [at_edge] = nf_values(db, edge.actor).page.rows
    # 666,67 × 1,5 % = 10,00005 -> R$ 10,00: not withheld (R$ 10,00 or less). PIS 4,33 and CSLL 6,67 neither;
    # COFINS 3 % = 20,0001 -> 20,00 and ISS 2 % = 13,3334 -> 13,33 are. Net 666,67 − 33,33 = 633,34.
    assert not at_edge.paid and at_edge.paid_on is None
    assert (at_edge.irrf, at_edge.pis, at_edge.cofins, at_edge.csll, at_edge.iss) == (
        D("0.00"), D("0.00"), D("20.00"), D("0.00"), D("13.33"))
    assert (at_edge.withholding_total, at_edge.net) == (D("33.33"), D("633.34"))
    [over] = nf_values(db, above.actor).page.rows
    # 667,33 × 1,5 % = 10,00995 -> R$ 10,01: withheld. COFINS 20,0199 -> 20,02; ISS 13,3466 -> 13,35;
    # PIS 4,34 and CSLL 6,67 not. 10,01 + 20,02 + 13,35 = 43,38; net 667,33 − 43,38 = 623,95.
    assert (over.irrf, over.cofins, over.iss, over.pis, over.csll) == (
        D("10.01"), D("20.02"), D("13.35"), D("0.00"), D("0.00"))
    assert (over.withholding_total, over.net) == (D("43.38"), D("623.95"))


def test_the_payment_keeps_the_same_rule_once_paid(factory, db):
    staff = staff_actor(factory)
    edge = clinic(factory, "Clínica Borda", municipality="São Paulo")
    batch_id = released_batch(factory, db, edge, staff, D("666.67"))
    payments.register_payment(db, staff, edge.provider.id, batch_ids=[batch_id], appeal_ids=[], paid_on=clock.today())
    db.commit()
    [row] = nf_values(db, edge.actor).page.rows
    assert row.paid and (row.irrf, row.cofins, row.iss, row.net) == (D("0.00"), D("20.00"), D("13.33"), D("633.34"))


def test_half_a_cent_rounds_up(factory, db):
    staff = staff_actor(factory)
    who = clinic(factory, "Clínica Meio Centavo", municipality="São Paulo")
    released_batch(factory, db, who, staff, D("1234.50"))
    [row] = nf_values(db, who.actor).page.rows
    # COFINS 3 % = 37,035 -> 37,04 and CSLL 1 % = 12,345 -> 12,35 (half-up; half-even would give 37,04/12,34);
    # IRRF 18,5175 -> 18,52; ISS 24,69; PIS 8,02425 -> 8,02 is R$ 10,00 or less: not withheld.
    assert (row.cofins, row.csll, row.irrf, row.iss, row.pis) == (
        D("37.04"), D("12.35"), D("18.52"), D("24.69"), D("0.00"))
    # 37,04 + 12,35 + 18,52 + 24,69 = 92,60; net 1.234,50 − 92,60 = 1.141,90.
    assert row.net == D("1141.90")


def test_the_provider_tax_profile_is_used(factory, db):
    staff = staff_actor(factory)
    who = clinic(factory, "Clínica Rio", municipality="Rio de Janeiro")
    who.provider.irrf_rate = D("0")
    db.add(who.provider)
    db.commit()
    released_batch(factory, db, who, staff, D("1000.00"))
    [row] = nf_values(db, who.actor).page.rows
    # ISS Rio de Janeiro 5 % = 50,00; IRRF 0 % on this provider's row = 0,00.
    assert (row.iss, row.irrf) == (D("50.00"), D("0.00"))


def test_pending_and_paid_lines_and_totals_over_the_whole_filter(factory, db):
    world = paid_world(factory, db)
    released_batch(factory, db, world.clinic, world.staff, D("667.33"))
    report = nf_values(db, world.clinic.actor, page_size=1)
    assert report.page.total == 2 and len(report.page.rows) == 1 and not report.page.rows[0].paid
    second = nf_values(db, world.clinic.actor, page=2, page_size=1)
    assert second.page.rows[0].paid
    # Totals are the whole filter's, whatever the page: 2.071,72 paid + 623,95 to be paid = 2.695,67.
    assert report.totals == second.totals
    assert (report.totals.net, report.totals.paid_net, report.totals.pending_net) == (
        D("2695.67"), D("2071.72"), D("623.95"))
    assert report.totals.gross == D("2372.56") + D("667.33")


def test_period_leaves_out_other_days_and_what_is_still_to_be_paid(factory, db):
    world = paid_world(factory, db)
    released_batch(factory, db, world.clinic, world.staff, D("100.00"))
    yesterday = clock.today() - timedelta(days=1)
    empty = nf_values(db, world.clinic.actor, ReportFilters(date_to=yesterday))
    assert empty.page.rows == [] and empty.totals.count == 0 and empty.totals.net == D("0.00")
    today = nf_values(db, world.clinic.actor, ReportFilters(date_from=clock.today().strftime("%d/%m/%Y")))
    assert [r.paid for r in today.page.rows] == [False, True]


def test_one_payment(factory, db):
    world = paid_world(factory, db)
    released_batch(factory, db, world.clinic, world.staff, D("100.00"))
    report = nf_values(db, world.clinic.actor, ReportFilters(payment_id=str(world.payment_id)))
    assert [r.payment_id for r in report.page.rows] == [world.payment_id]  # the pending line is not this payment


def test_provider_b_never_sees_provider_a(factory, db):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    released_batch(factory, db, world.clinic, world.staff, D("100.00"))
    mine = nf_values(db, other.actor, ReportFilters(provider_id=world.clinic.provider.id))
    assert mine.page.rows == [] and mine.totals.net == D("0.00") and mine.scope.provider_name == "Clínica B"
    with pytest.raises(NotFound) as theirs:
        nf_values(db, other.actor, ReportFilters(payment_id=world.payment_id))
    with pytest.raises(NotFound) as missing:
        nf_values(db, other.actor, ReportFilters(payment_id=world.payment_id + 1000))
    assert str(theirs.value) == str(missing.value) == "Pagamento não encontrado."
    with pytest.raises(NotFound):
        nf_values(db, other.actor, ReportFilters(payment_id="1 OR 1=1"))


def test_staff_see_any_provider_or_all(factory, db):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    released_batch(factory, db, other, world.staff, D("100.00"))
    everyone = nf_values(db, world.staff)
    assert {r.provider_name for r in everyone.page.rows} == {"Clínica A", "Clínica B"}
    only_b = nf_values(db, world.staff, ReportFilters(provider_id=str(other.provider.id)))
    assert {r.provider_name for r in only_b.page.rows} == {"Clínica B"}
    assert only_b.totals.gross == D("100.00")
    with pytest.raises(NotFound):
        nf_values(db, world.staff, ReportFilters(provider_id=999999))


def test_bad_periods_are_refused_in_portuguese(factory, db):
    who = clinic(factory)
    with pytest.raises(DomainError, match="posterior à data final"):
        nf_values(db, who.actor, ReportFilters(date_from="10/03/2026", date_to="01/03/2026"))
    with pytest.raises(DomainError, match="Data inicial: data inexistente"):
        nf_values(db, who.actor, ReportFilters(date_from="31/31/2026"))
    with pytest.raises(DomainError, match="Competência inválida"):
        nf_values(db, who.actor, ReportFilters(competence="13/2026"))
