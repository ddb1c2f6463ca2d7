"""Painel: each month's figures summed in SQL, checked against sums done by hand on batches billed,
analysed and paid through the real services with the clock at chosen moments (Brasília time).

The world (ITEMS: consulta 1.000,00 + 2 × glicose 25,00 = 1.050,00 a batch):
- A1 received 27/02, analysed 02/03 with a glosa of 50,00 (1714), paid 20/03: base 1.000,00 withholds
  IRRF 15,00 + COFINS 30,00 + ISS 20,00 (PIS 6,50 and CSLL 10,00 are R$ 10,00 or less: not withheld) → 935,00;
- A2 received 10/03, analysed 12/03 with a glosa of 25,00 (2008): released, not paid (1.025,00 expected);
- A3 received 31/03 at 22:30 in Brasília (already 01/04 in UTC): billed in March, still received;
- A4 received 02/04 and reversed (estorno): not billed, counted as cancelled.
Provider B: one batch analysed in March without glosa; provider C: one with a glosa of 105,00.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from copass_app import clock
from copass_app.models import BatchStatus
from copass_app.services import appeals, batches, dashboard, payments
from copass_app.services.dashboard import MIN_PROVIDERS_FOR_AVERAGE, provider_dashboard, staff_dashboard
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.services.reports import ReportFilters, glosas_by_reason, payment_statements
from copass_app.tiss import codes
from tests.services.money_helpers import analyse, bill, clinic, glosas_of, staff_actor

D = Decimal
ITEMS = [("22", "10101012", "Consulta em consultório", D("1"), D("1000.00")),
         ("22", "40302040", "Glicose", D("2"), D("25.00"))]


@contextmanager
def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0):
    with clock.frozen(datetime(y, m, d, hour, minute)):  # naive: Brasília time
        yield


def month(board, competence: str):
    return next(m for m in board.months if m.competence == competence)


@pytest.fixture
def world(factory, db):
    staff = staff_actor(factory)
    a, b, c = clinic(factory, "Clínica A"), clinic(factory, "Clínica B"), clinic(factory, "Clínica C")
    with at(2026, 2, 27):
        a1 = bill(factory, db, a, items=ITEMS)
    with at(2026, 3, 2):
        analyse(db, staff, a1, {1: D("50.00")}, reason_code=codes.VALUE_ABOVE_CONTRACT)
    with at(2026, 3, 10):
        a2 = bill(factory, db, a, items=ITEMS)
        b1 = bill(factory, db, b, items=ITEMS)
        c1 = bill(factory, db, c, items=ITEMS)
    with at(2026, 3, 12):
        analyse(db, staff, a2, {1: D("25.00")}, reason_code=codes.ABOVE_AUTHORIZED)
        analyse(db, staff, b1)
        analyse(db, staff, c1, {0: D("105.00")}, reason_code=codes.VALUE_ABOVE_CONTRACT)
    with at(2026, 3, 20):
        payments.register_payment(db, staff, a.provider.id, batch_ids=[a1], appeal_ids=[], paid_on="20/03/2026")
        db.commit()
    with at(2026, 3, 31, 22, 30):
        a3 = bill(factory, db, a, items=ITEMS)
    with at(2026, 4, 2):
        a4 = bill(factory, db, a, items=ITEMS)
        batches.reverse_batch(db, a.actor, a4)
        db.commit()
    return {"staff": staff, "a": a, "b": b, "c": c, "a1": a1, "a2": a2, "a3": a3, "a4": a4}


def test_a_providers_months_are_what_was_billed_analysed_and_paid_in_each_month(world, db):
    with at(2026, 4, 10):
        board = provider_dashboard(db, world["a"].actor, 6)
    assert [m.competence for m in board.months] == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
                                                    "2026-04"]
    feb, mar, apr = month(board, "2026-02"), month(board, "2026-03"), month(board, "2026-04")
    assert (feb.billed, feb.billed_batches, feb.analysed, feb.glosa, feb.paid) == (
        D("1050.00"), 1, D("0.00"), D("0.00"), D("0.00"))
    # March: A2 and A3 (22:30 on the 31st in Brasília) received; A1 and A2 analysed; A1 paid.
    assert (mar.billed, mar.billed_batches) == (D("2100.00"), 2)
    assert (mar.analysed, mar.glosa, mar.approved, mar.analysed_batches) == (D("2100.00"), D("75.00"),
                                                                             D("2025.00"), 2)
    assert (mar.paid, mar.payments) == (D("935.00"), 1)
    assert mar.glosa_rate == D("3.57")  # 75 / 2.100 = 3,571…%
    assert feb.glosa_rate is None  # nothing analysed: no rate, not 0 %
    # April: only the reversed A4, which is no billing.
    assert (apr.billed, apr.billed_batches, apr.has_data) == (D("0.00"), 0, False)
    assert board.this_month is apr and board.previous_month is mar
    assert (board.analysed, board.glosa, board.glosa_rate) == (D("2100.00"), D("75.00"), D("3.57"))
    assert board.ranking == [] and board.scope == "Clínica A" and board.has_data


def test_the_operators_average_weighs_every_provider_by_value(world, db):
    with at(2026, 4, 10):
        board = provider_dashboard(db, world["a"].actor, 6)
    mar = month(board, "2026-03")
    # A 2.100,00 with 75,00; B 1.050,00 with none; C 1.050,00 with 105,00 → 180 / 4.200 = 4,2857…%.
    assert (mar.operator_analysed, mar.operator_glosa, mar.operator_providers) == (D("4200.00"), D("180.00"), 3)
    assert mar.operator_glosa_rate == D("4.29") and board.operator_glosa_rate == D("4.29")
    assert month(board, "2026-02").operator_glosa_rate is None


def test_with_fewer_providers_than_the_minimum_the_average_is_not_shown_to_a_provider(factory, db):
    assert MIN_PROVIDERS_FOR_AVERAGE == 3
    staff = staff_actor(factory)
    a, b = clinic(factory, "Clínica A"), clinic(factory, "Clínica B")
    with at(2026, 3, 10):
        analyse(db, staff, bill(factory, db, a, items=ITEMS), {1: D("50.00")})
        analyse(db, staff, bill(factory, db, b, items=ITEMS))
        board = provider_dashboard(db, a.actor, 6)
        operator = staff_dashboard(db, staff, 6)
    # With two providers, A's own rate and the average would tell A the other's glosa exactly.
    assert month(board, "2026-03").operator_glosa_rate is None and board.operator_glosa_rate is None
    assert month(board, "2026-03").operator_providers == 2
    # The operator's own staff see it: 50 / 2.100.
    assert month(operator, "2026-03").operator_glosa_rate == D("2.38")


def test_batches_by_status_next_payment_and_top_reasons(world, db):
    with at(2026, 4, 10):
        board = provider_dashboard(db, world["a"].actor, 6)
    assert [(s.status, s.count, s.value) for s in board.statuses] == [
        (BatchStatus.RECEBIDO, 1, D("1050.00")), (BatchStatus.LIBERADO_PAGAMENTO, 1, D("1050.00")),
        (BatchStatus.PAGO, 1, D("1050.00")), (BatchStatus.CANCELADO, 1, D("1050.00"))]
    nxt = board.next_payment
    assert (nxt.batches, nxt.value, nxt.appeals, nxt.appeals_value, nxt.total) == (
        1, D("1025.00"), 0, D("0.00"), D("1025.00"))
    assert [(r.code, r.count, r.value, r.share) for r in board.reasons] == [
        (codes.VALUE_ABOVE_CONTRACT, 1, D("50.00"), D("2.38")),  # of the 2.100,00 analysed
        (codes.ABOVE_AUTHORIZED, 1, D("25.00"), D("1.19"))]
    assert board.reasons[0].description == codes.all_codes()[codes.VALUE_ABOVE_CONTRACT]


def test_an_accepted_appeal_not_paid_yet_is_part_of_the_next_payment(world, db):
    a, staff = world["a"], world["staff"]
    [glosa] = glosas_of(db, world["a2"])
    with at(2026, 4, 3):
        opened = appeals.open_appeal(db, a.actor, glosa.id, contested_value="25,00",
                                     justification="A quantidade foi a autorizada por telefone.")
        appeals.decide_appeal(db, staff, opened.id, decision="accept_partly", accepted_value="10,00",
                              note="Aceito em parte")
        db.commit()
    with at(2026, 4, 10):
        nxt = provider_dashboard(db, a.actor, 6).next_payment
    assert (nxt.batches, nxt.value, nxt.appeals, nxt.appeals_value, nxt.total) == (
        1, D("1025.00"), 1, D("10.00"), D("1035.00"))


def test_provider_b_sees_none_of_as_figures(world, db):
    with at(2026, 4, 10):
        board = provider_dashboard(db, world["b"].actor, 6)
    mar = month(board, "2026-03")
    assert (mar.billed, mar.analysed, mar.glosa, mar.approved, mar.paid) == (
        D("1050.00"), D("1050.00"), D("0.00"), D("1050.00"), D("0.00"))
    assert all(m.billed == 0 and m.analysed == 0 for m in board.months if m.competence != "2026-03")
    assert [(s.status, s.count) for s in board.statuses] == [(BatchStatus.LIBERADO_PAGAMENTO, 1)]
    assert board.reasons == [] and board.next_payment.value == D("1050.00") and board.ranking == []
    assert board.scope == "Clínica B"


def test_a_provider_without_batches_has_an_empty_dashboard(factory, db, world):
    newcomer = clinic(factory, "Clínica Nova")
    with at(2026, 4, 10):
        board = provider_dashboard(db, newcomer.actor)
    assert len(board.months) == dashboard.DEFAULT_MONTHS and not board.has_data
    assert board.statuses == [] and board.reasons == [] and board.next_payment.total == 0
    # The operator's average is still there: three other providers were analysed in March.
    assert month(board, "2026-03").operator_glosa_rate == D("4.29")


def test_staff_see_every_provider_one_provider_and_the_ranking_by_glosa_rate(world, db):
    staff = world["staff"]
    with at(2026, 4, 10):
        everyone = staff_dashboard(db, staff, 6)
        only_c = staff_dashboard(db, staff, 6, world["c"].provider.id)
    mar = month(everyone, "2026-03")
    assert (mar.billed, mar.analysed, mar.glosa, mar.approved, mar.paid) == (
        D("4200.00"), D("4200.00"), D("180.00"), D("4020.00"), D("935.00"))
    assert everyone.scope == dashboard.ALL_PROVIDERS and everyone.provider_id is None
    assert everyone.next_payment.value == D("1025.00") + D("1050.00") + D("945.00")
    # C 105 / 1.050 = 10 %; A 75 / 2.100 = 3,57 %; B 0 %.
    assert [(r.name, r.glosa_rate, r.batches) for r in everyone.ranking] == [
        ("Clínica C", D("10.00"), 1), ("Clínica A", D("3.57"), 2), ("Clínica B", D("0.00"), 1)]
    assert only_c.scope == "Clínica C" and month(only_c, "2026-03").glosa == D("105.00")
    assert month(only_c, "2026-03").operator_glosa_rate == D("4.29")
    assert only_c.ranking == everyone.ranking  # the ranking stays the operator's


def test_the_period_is_six_twelve_or_twenty_four_months(world, db):
    with at(2026, 4, 10):
        assert len(provider_dashboard(db, world["a"].actor, "24").months) == 24
        assert provider_dashboard(db, world["a"].actor, 12).months[0].month == date(2025, 5, 1)
        for wrong in ("7", "abc", None, "²", "-6", 0):
            with pytest.raises(DomainError, match="Período inválido: escolha 6, 12 ou 24 meses"):
                provider_dashboard(db, world["a"].actor, wrong)


def test_a_shorter_period_leaves_older_months_out_of_every_figure(world, db):
    with at(2026, 8, 10):  # six months: March 2026 … August: February's A1 billing is out
        board = provider_dashboard(db, world["a"].actor, 6)
    assert board.months[0].competence == "2026-03"
    assert sum((m.billed for m in board.months), D(0)) == D("2100.00")
    assert [(s.status, s.count) for s in board.statuses] == [
        (BatchStatus.RECEBIDO, 1), (BatchStatus.LIBERADO_PAGAMENTO, 1), (BatchStatus.CANCELADO, 1)]
    assert board.next_payment.value == D("1025.00")  # whenever it was received


def test_only_providers_open_a_providers_dashboard_and_only_staff_the_operators(world, db):
    with pytest.raises(PermissionDenied):
        provider_dashboard(db, world["staff"])
    with pytest.raises(PermissionDenied):
        staff_dashboard(db, world["a"].actor)
    with pytest.raises(NotFound, match="Prestador não encontrado"):
        staff_dashboard(db, world["staff"], 12, 999_999)


# --- the dashboard's numbers are the reports' --------------------------------------------------------


def _month_filters(first: date, last: date, provider_id: int | None = None) -> ReportFilters:
    return ReportFilters(provider_id=provider_id, date_from=first, date_to=last)


def test_each_month_of_the_dashboard_equals_the_glosa_and_payment_reports_of_that_month(world, db):
    """Glosa, analysed value, rate and reasons: Relatório de glosas (analysis dates); paid: Demonstrativos de
    pagamento (payment dates, net); approved = analysed − glosa of the same batches."""
    for who in (world["a"].actor, world["b"].actor, world["staff"]):
        with at(2026, 4, 10):
            board = provider_dashboard(db, who, 6) if not who.is_staff else staff_dashboard(db, who, 6)
            for m, end in zip(board.months, dashboard.month_starts(date(2026, 4, 10), 6)[1:], strict=True):
                last = end - timedelta(days=1)
                glosas = glosas_by_reason(db, who, _month_filters(m.month, last), page_size=100)
                paid = payment_statements(db, who, _month_filters(m.month, last))
                assert (m.glosa, m.analysed) == (glosas.totals.value, glosas.totals.billed), m
                assert m.approved == glosas.totals.billed - glosas.totals.value
                assert m.glosa_rate == (glosas.totals.share * 100 if glosas.totals.billed else None)
                assert (m.paid, m.payments) == (paid.totals.net, paid.totals.count), m
        whole = glosas_by_reason(db, who, _month_filters(board.months[0].month, date(2026, 4, 30)), page_size=100)
        assert [(r.code, r.count, r.value) for r in board.reasons] == [
            (r.reason_code, r.count, r.value) for r in whole.page.rows][:dashboard.TOP_REASONS]
        assert [r.share for r in board.reasons] == [r.share * 100 for r in whole.page.rows][:dashboard.TOP_REASONS]


def test_a_month_billed_analysed_and_paid_at_once_equals_its_payment_statement_line_by_line(factory, db):
    staff, who = staff_actor(factory), clinic(factory, "Clínica Mês Fechado")
    with at(2026, 5, 4):
        first, second = bill(factory, db, who, items=ITEMS), bill(factory, db, who, items=ITEMS)
    with at(2026, 5, 6):
        analyse(db, staff, first, {0: D("100.00")})
        analyse(db, staff, second, {1: D("12.34")})
    with at(2026, 5, 28):
        payments.register_payment(db, staff, who.provider.id, batch_ids=[first, second], appeal_ids=[],
                                  paid_on="28/05/2026")
        db.commit()
        may = provider_dashboard(db, who.actor, 6).this_month
        statement = payment_statements(db, who.actor, _month_filters(date(2026, 5, 1), date(2026, 5, 31)))
    totals = statement.totals
    # 2 × 1.050,00 billed; glosa 112,34; approved 1.987,66: IRRF 29,81 + PIS 12,92 + COFINS 59,63
    # + CSLL 19,88 + ISS 39,75 = 161,99 withheld; net 1.825,67.
    assert (may.billed, may.glosa, may.approved, may.paid) == (
        D("2100.00"), D("112.34"), D("1987.66"), D("1825.67"))
    assert (totals.presented, totals.glosa, totals.approved, totals.net) == (
        may.billed, may.glosa, may.approved, may.paid)
