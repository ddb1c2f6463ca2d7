"""Painel in headless Chromium on the demo data: the provider lands on it, each chart is drawn (SVG with as
many bars or points as the service has figures), its numbers open under it, the cards show this month, it
fits a 390 px phone; the staff's view has the ranking, whose link opens one provider's figures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from copass_app import formatting as fmt
from copass_app.models import User
from copass_app.services import dashboard
from copass_app.services.auth import actor_for_user
from copass_app.state.dashboard import month_label, status_fill
from tests.browser.conftest import login
from tests.browser.test_layout import LAPTOP, PHONE, no_sideways_scroll, settled, shoot

pytestmark = pytest.mark.browser


def _board(live_app, login_name: str, provider_id: int | None = None) -> dashboard.Dashboard:
    """What the service answers that user now, from the portal's own database."""
    engine = create_engine(live_app["env"]["DATABASE_URL"])
    with Session(engine) as db:
        actor = actor_for_user(db, db.exec(select(User).where(User.login == login_name)).one())
        if actor.is_staff:
            return dashboard.staff_dashboard(db, actor, dashboard.DEFAULT_MONTHS, provider_id)
        return dashboard.provider_dashboard(db, actor)


def _bars(board: dashboard.Dashboard) -> int:
    """Recharts draws no rectangle for a bar of zero."""
    return sum(1 for m in board.months for value in (m.billed, m.approved, m.paid) if value)


def _open_page(browser, live_app, viewport):
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


BAR = ".recharts-bar-rectangle path.recharts-rectangle"  # not the tooltip's cursor, also a rectangle
DOT = ".recharts-line-dots circle.recharts-dot"  # not the active dot under the mouse


def _check_charts(page, board: dashboard.Dashboard) -> None:
    page.mouse.move(0, 0)  # no tooltip: what is drawn is the figures only
    money = page.locator("#chart-money")
    expect(money.locator("svg.recharts-surface").first).to_be_visible()
    expect(money.locator(BAR)).to_have_count(_bars(board))
    rated = [m for m in board.months if m.glosa_rate is not None]
    expect(page.locator(f"#chart-rate {DOT}")).to_have_count(len(rated))
    expect(page.locator("#chart-rate .recharts-reference-line")).to_have_count(
        1 if board.operator_glosa_rate is not None else 0)
    expect(page.locator(f"#chart-reasons {BAR}")).to_have_count(len(board.reasons))
    bars = page.locator(f"#chart-status {BAR}")
    expect(bars).to_have_count(len(board.statuses))
    assert [bars.nth(n).get_attribute("fill") for n in range(len(board.statuses))] == [
        status_fill(s.status) for s in board.statuses]
    # The x axis names every month of the period.
    ticks = page.locator("#chart-money .recharts-xAxis .recharts-cartesian-axis-tick-value")
    assert set(ticks.all_inner_texts()) <= {month_label(m.month) for m in board.months}


def test_the_provider_lands_on_the_painel_and_each_chart_is_drawn_from_the_services_numbers(browser, live_app):
    context, page, errors = _open_page(browser, live_app, LAPTOP)
    try:
        login(page, live_app["url"], "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        settled(page)
        board = _board(live_app, "clinica")
        assert board.has_data and _bars(board) > 0 and board.reasons  # the demo's history is there
        _check_charts(page, board)
        this = board.this_month
        expect(page.locator("#card-billed .card-value")).to_have_text(fmt.money(this.billed))
        expect(page.locator("#card-paid .card-value")).to_have_text(fmt.money(this.paid))
        expect(page.locator("#next-payment-total")).to_have_text(fmt.money(board.next_payment.total))
        # "Ver números": the table of the chart, a row a month, each figure as the service has it.
        numbers = page.locator("#chart-money details")
        expect(numbers.locator("table")).to_be_hidden()
        numbers.locator("summary").click()
        rows = numbers.locator(".money-month-row")
        expect(rows).to_have_count(len(board.months))
        busiest = max(board.months, key=lambda m: m.billed)
        row = rows.nth(board.months.index(busiest))
        for figure in (busiest.billed, busiest.approved, busiest.paid):
            expect(row).to_contain_text(fmt.money(figure))
        page.locator("#chart-reasons summary").press("Enter")  # by keyboard too
        expect(page.locator("#chart-reasons .reason-row").first).to_contain_text(board.reasons[0].code)
        expect(page.locator("#chart-money .chart-source")).to_have_attribute("href", "/relatorios/demonstrativos")
        expect(page.locator("#chart-reasons .chart-source")).to_have_attribute("href", "/relatorios/glosas")
        expect(page.locator("#next-payment .chart-source").last).to_have_attribute("href", "/relatorios/nf")
        shoot(page, "painel-1366")
    finally:
        context.close()
    assert not errors, errors


def test_on_a_phone_the_painel_fits_without_a_sideways_scroll(browser, live_app):
    context, page, errors = _open_page(browser, live_app, PHONE)
    try:
        login(page, live_app["url"], "laboratorio")
        page.wait_for_url(re.compile(r"/painel$"))
        settled(page)
        _check_charts(page, _board(live_app, "laboratorio"))
        page.locator("#chart-rate summary").click()
        no_sideways_scroll(page)
        widths = page.evaluate("() => [...document.querySelectorAll('svg.recharts-surface')]"
                               ".map(svg => svg.getBoundingClientRect().right)")
        assert widths and max(widths) <= PHONE["width"], widths
        shoot(page, "painel-390")
    finally:
        context.close()
    assert not errors, errors


def test_staff_rank_providers_by_glosa_rate_and_open_one_providers_painel(browser, live_app):
    context, page, errors = _open_page(browser, live_app, LAPTOP)
    try:
        login(page, live_app["url"], "operadora")
        page.wait_for_url(re.compile(r"/operadora$"))
        page.get_by_role("link", name="Painel").first.click()
        page.wait_for_url(re.compile(r"/operadora/painel$"))
        settled(page)
        board = _board(live_app, "operadora")
        _check_charts(page, board)
        expect(page.locator("#dashboard-scope")).to_have_text(dashboard.ALL_PROVIDERS)
        rows = page.locator("#ranking-table .rank-row")
        expect(rows).to_have_count(len(board.ranking))
        first = board.ranking[0]
        expect(rows.first).to_contain_text(first.name)
        expect(rows.first).to_contain_text(f"{first.glosa_rate:.2f}".replace(".", ",") + "%")
        shoot(page, "painel-operadora-1366")
        rows.first.get_by_role("link", name=f"Ver o painel de {first.name}").click()
        page.wait_for_url(re.compile(rf"/operadora/painel\?prestador={first.provider_id}$"))
        expect(page.locator("#dashboard-scope")).to_have_text(first.name)
        _check_charts(page, _board(live_app, "operadora", first.provider_id))
    finally:
        context.close()
    assert not errors, errors
