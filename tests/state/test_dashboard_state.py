"""Painel, driven as the browser would (real login, real handlers, real database): the figures of this
month on the cards, each chart's rows with the exact text of its table, the period, the staff's
filter and ranking, and who may open which page."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from reflex.istate.data import ReflexURL, RouterData

from copass_app import clock, routes
from copass_app.models import Role
from copass_app.services import payments
from copass_app.state.dashboard import ProviderDashboardState, StaffDashboardState, month_label, status_fill
from copass_app.state.paging import ALL
from copass_app.tiss import codes
from copass_app.vocabulary import BATCH_STATUS
from tests.services.money_helpers import analyse, bill, clinic, staff_actor
from tests.state.conftest import browser_tab, says

D = Decimal
ITEMS = [("22", "10101012", "Consulta em consultório", D("1"), D("1000.00")),
         ("22", "40302040", "Glicose", D("2"), D("25.00"))]


def run(coroutine):
    return asyncio.run(coroutine)


def paid_this_month(factory, db):
    """1.050,00 billed, 50,00 glossed, 1.000,00 approved and paid today (net 935,00), one more received."""
    who, staff = clinic(factory, "Clínica Painel"), staff_actor(factory)
    first = bill(factory, db, who, items=ITEMS)
    analyse(db, staff, first, {1: D("50.00")}, reason_code=codes.VALUE_ABOVE_CONTRACT)
    payments.register_payment(db, staff, who.provider.id, batch_ids=[first], appeal_ids=[], paid_on=clock.today())
    db.commit()
    bill(factory, db, who, items=ITEMS)
    return who, staff


def test_the_cards_answer_how_this_month_is_going(factory, db, login):
    who, _ = paid_this_month(factory, db)
    tab = browser_tab(ProviderDashboardState, login(who.provider))
    assert run(tab.on_load()) is None and tab.loaded and tab.view.has_data
    cards = {card.label: (card.value, card.previous) for card in tab.view.cards}
    before = month_label(_previous_month())
    assert cards == {
        "Faturado": ("R$ 2.100,00", f"{before}: R$ 0,00"),
        "Aprovado": ("R$ 1.000,00", f"{before}: R$ 0,00"),
        "Taxa de glosa": ("4,76%", f"{before}: —"),  # 50 / 1.050
        "Pago (líquido)": ("R$ 935,00", f"{before}: R$ 0,00"),
    }
    assert tab.view.scope == "Clínica Painel" and len(tab.view.months) == 12


def _previous_month():
    today = clock.today()
    return today.replace(year=today.year - (today.month == 1), month=12 if today.month == 1 else today.month - 1,
                         day=1)


def test_each_chart_row_carries_its_number_and_the_exact_text_of_its_table(factory, db, login):
    who, _ = paid_this_month(factory, db)
    tab = browser_tab(ProviderDashboardState, login(who.provider))
    run(tab.on_load())
    now = tab.view.months[-1]
    assert (now.month, now.label) == (f"{clock.today():%Y-%m}", month_label(clock.today()))
    assert (now.billed, now.approved, now.paid, now.glosa_rate) == (2100.0, 1000.0, 935.0, 4.76)
    assert (now.billed_text, now.analysed_text, now.glosa_text, now.approved_text, now.paid_text, now.rate_text) == (
        "R$ 2.100,00", "R$ 1.050,00", "R$ 50,00", "R$ 1.000,00", "R$ 935,00", "4,76%")
    assert tab.view.months[0].glosa_rate is None and tab.view.months[0].rate_text == "—"
    # One provider only: the operator's average is not shown (it would be this provider's own rate).
    assert (tab.view.has_operator_rate, tab.view.operator_rate_text) == (False, "—")
    [reason] = tab.view.reasons
    assert (reason.code, reason.count, reason.value_text, reason.share_text) == (
        codes.VALUE_ABOVE_CONTRACT, 1, "R$ 50,00", "4,76%")  # of the 1.050,00 analysed
    statuses = [(s.label, s.count, s.value_text, s.fill) for s in tab.view.statuses]
    assert statuses == [
        (BATCH_STATUS.label("1"), 1, "R$ 1.050,00", status_fill("1")),
        (BATCH_STATUS.label("6"), 1, "R$ 1.050,00", status_fill("6"))]
    assert status_fill("6") == f"var(--{BATCH_STATUS['6'].color}-9)"
    assert tab.view.next_payment.total == "R$ 0,00"


def test_another_period_reloads_and_a_crafted_one_is_refused_keeping_the_figures(factory, db, login):
    who, _ = paid_this_month(factory, db)
    tab = browser_tab(ProviderDashboardState, login(who.provider))
    run(tab.on_load())
    assert run(tab.set_period("6")) is None and len(tab.view.months) == 6 and tab.months == "6"
    assert run(tab.set_period(["24"])) is None and len(tab.view.months) == 24  # a select sends a list too
    event = run(tab.set_period("7"))
    assert says(event, "Período inválido") and len(tab.view.months) == 24 and tab.months == "24"


def test_a_provider_with_nothing_yet_gets_the_empty_dashboard(factory, db, login):
    tab = browser_tab(ProviderDashboardState, login(factory.provider(name="Clínica Nova")))
    assert run(tab.on_load()) is None and tab.loaded and not tab.view.has_data
    assert tab.view.reasons == [] and tab.view.statuses == []


def test_staff_see_everyone_then_one_provider_from_the_rankings_link(factory, db, login):
    who, _ = paid_this_month(factory, db)
    other = clinic(factory, "Clínica Outra")
    tab = browser_tab(StaffDashboardState, login(role=Role.STAFF))
    assert run(tab.on_load()) is None and tab.provider == ALL
    assert tab.view.scope == "Todos os prestadores"
    [rank] = tab.view.ranking
    assert (rank.position, rank.name, rank.rate_text, rank.glosa_text) == (1, "Clínica Painel", "4,76%", "R$ 50,00")
    assert rank.href == f"{routes.STAFF_DASHBOARD.path}?prestador={who.provider.id}"
    assert {o.label for o in tab.providers} >= {f"{who.provider.code} · Clínica Painel",
                                                f"{other.provider.code} · Clínica Outra"}
    tab.parent_state.router = RouterData(url=ReflexURL(f"http://localhost:3000{rank.href}"))
    assert run(tab.on_load()) is None
    assert (tab.view.scope, tab.provider, tab.view.cards[0].value) == (
        "Clínica Painel", str(who.provider.id), "R$ 2.100,00")
    assert run(tab.set_provider(str(other.provider.id))) is None
    assert tab.view.scope == "Clínica Outra" and not tab.view.has_data and tab.view.ranking == [rank]
    assert run(tab.set_provider(ALL)) is None and tab.view.scope == "Todos os prestadores"
    assert says(run(tab.set_provider("999999")), "Prestador não encontrado.")
    assert tab.view.scope == "Todos os prestadores"


def test_each_audience_is_sent_home_from_the_others_dashboard(factory, db, login):
    provider_tab = browser_tab(StaffDashboardState, login(factory.provider()))
    assert says(run(provider_tab.on_load()), routes.DASHBOARD.path) and provider_tab.view.ranking == []
    staff_tab = browser_tab(ProviderDashboardState, login(role=Role.STAFF))
    assert says(run(staff_tab.on_load()), routes.STAFF_HOME.path) and not staff_tab.loaded
    assert says(run(browser_tab(ProviderDashboardState).on_load()), routes.LOGIN.path)


def test_the_dashboard_is_the_providers_home_and_first_in_both_menus():
    assert routes.home_for(False) == routes.DASHBOARD.path == "/painel"
    assert routes.menu(routes.Audience.PROVIDER)[0] == ("Início", [("Painel", "/painel")])
    assert routes.menu(routes.Audience.STAFF)[0] == ("Início", [("Painel", "/operadora/painel")])
