"""Glosas by reason and by procedure: counts, values, shares of the billed value, appealed and recovered,
computed by hand; periods; another provider's glosas never counted."""

from datetime import timedelta
from decimal import Decimal

from copass_app import clock
from copass_app.services.reports import ReportFilters, glosas_by_procedure, glosas_by_reason
from copass_app.tiss import codes
from tests.services.money_helpers import clinic
from tests.services.report_helpers import paid_world

D = Decimal


def test_per_reason_by_hand(factory, db):
    world = paid_world(factory, db)
    report = glosas_by_reason(db, world.clinic.actor)
    by_code = {row.reason_code: row for row in report.page.rows}
    assert list(by_code) == [codes.DUPLICATE_BILLING, codes.VALUE_ABOVE_CONTRACT]  # largest value first
    duplicate, above = by_code[codes.DUPLICATE_BILLING], by_code[codes.VALUE_ABOVE_CONTRACT]
    # Billed 1.371,57 + 1.000,99 = 2.372,56. 100,00 / 2.372,56 = 0,042148… -> 4,21 %;
    # 37,01 / 2.372,56 = 0,015599… -> 1,56 %.
    assert (duplicate.count, duplicate.value, duplicate.share, duplicate.appealed, duplicate.recovered) == (
        1, D("100.00"), D("0.0421"), D("0.00"), D("0.00"))
    assert (above.count, above.value, above.share, above.appealed, above.recovered) == (
        1, D("37.01"), D("0.0156"), D("37.01"), D("20.00"))
    assert above.description == codes.describe(codes.VALUE_ABOVE_CONTRACT)
    # Totals: 137,01 of 2.372,56 = 0,057748… -> 5,77 %.
    t = report.totals
    assert (t.count, t.value, t.billed, t.share, t.appealed, t.recovered) == (
        2, D("137.01"), D("2372.56"), D("0.0577"), D("37.01"), D("20.00"))


def test_per_procedure_by_hand(factory, db):
    world = paid_world(factory, db)
    report = glosas_by_procedure(db, world.clinic.actor)
    rows = [(r.table_code, r.code, r.description, r.count, r.value, r.share, r.recovered) for r in report.page.rows]
    assert rows == [("22", "41001010", "Tomografia", 1, D("100.00"), D("0.0421"), D("0.00")),
                    ("22", "40302040", "Glicose", 1, D("37.01"), D("0.0156"), D("20.00"))]
    assert report.totals == glosas_by_reason(db, world.clinic.actor).totals


def test_paged_on_the_server_with_the_totals_of_everything(factory, db):
    world = paid_world(factory, db)
    page_two = glosas_by_reason(db, world.clinic.actor, page=2, page_size=1)
    assert page_two.page.total == 2 and [r.reason_code for r in page_two.page.rows] == [codes.VALUE_ABOVE_CONTRACT]
    assert page_two.totals.value == D("137.01")


def test_period_of_the_analysis(factory, db):
    world = paid_world(factory, db)
    tomorrow = clock.today() + timedelta(days=1)
    empty = glosas_by_reason(db, world.clinic.actor, ReportFilters(date_from=tomorrow))
    assert empty.page.rows == [] and empty.totals.billed == D("0.00") and empty.totals.share == D("0")
    today = glosas_by_reason(db, world.clinic.actor, ReportFilters(date_from=clock.today(), date_to=clock.today()))
    assert today.totals.count == 2


def test_another_provider_counts_none_of_them(factory, db):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    theirs = glosas_by_reason(db, other.actor, ReportFilters(provider_id=world.clinic.provider.id))
    assert theirs.page.rows == [] and theirs.totals.value == D("0.00")
    assert glosas_by_procedure(db, other.actor).page.rows == []
    assert glosas_by_reason(db, world.staff).totals.value == D("137.01")
