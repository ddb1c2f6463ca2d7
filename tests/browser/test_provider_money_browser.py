"""As `clinica`, in headless Chromium: a batch the operator analysed with a glosa shows its history, totals
and the glosa with its TISS code; the provider appeals it (a value above the glosa refused first), sees it
pending in the batch and in Recursos de glosa; the same screens at 1366 and 390 px."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from copass_app import clock
from copass_app.models import BatchGuide, BatchItem, User
from copass_app.services import analysis, billing, processing
from copass_app.services.auth import actor_for_user
from copass_app.tiss import codes
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/copass-screens")
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
GLOSA = Decimal("5.00")
NOTE = "Valor acima da tabela contratada"
WHY = "O valor cobrado é o da tabela vigente do contrato, reajustada em janeiro."


def _analysed_batch(live_app) -> str:
    """One guide of the clinic billed, analysed by `operadora` with a glosa of 5,00 on its first item: its protocol."""
    engine = create_engine(live_app["env"]["DATABASE_URL"])
    try:
        with Session(engine) as db:
            clinic = actor_for_user(db, db.exec(select(User).where(User.login == "clinica")).one())
            staff = actor_for_user(db, db.exec(select(User).where(User.login == "operadora")).one())
            today = clock.today()
            billing.open_draft(db, clinic, start=today - timedelta(days=90), end=today, today=today)
            billing.set_all_included(db, clinic, False)
            rows = billing.draft_page(db, clinic, page=1, page_size=100).rows
            guide = next(g for g in rows if len(g.items) >= 2 and min(i.total for i in g.items) >= GLOSA)
            billing.toggle_guide(db, clinic, guide.guide_id, True)
            [confirmed] = billing.confirm_draft(db, clinic)
            db.commit()
            processing.start_analysis(db, staff, confirmed.batch_id)
            items = db.exec(select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                            .where(BatchGuide.batch_id == confirmed.batch_id).order_by(BatchItem.id)).all()
            screen = analysis.batch_analysis(db, staff, confirmed.batch_id)
            for proposal in (p for g in screen.guides for i in g.items for p in i.proposals if i.id == items[0].id):
                analysis.discard_proposal(db, staff, proposal.id)
            analysis.apply_glosa(db, staff, items[0].id, value="5,00", reason_code=codes.VALUE_ABOVE_CONTRACT,
                                 note=NOTE)
            for item in items[1:]:
                analysis.accept_item(db, staff, item.id)
            analysis.finish_analysis(db, staff, confirmed.batch_id)
            db.commit()
            return confirmed.protocol_number
    finally:
        engine.dispose()


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"{page.url}: {width} px numa janela de {window} px"


def _open_batch(page, base: str, protocol: str):
    page.goto(f"{base}/acompanhamento")
    page.fill("#protocol-filter", protocol)
    page.get_by_role("button", name="Filtrar").click()
    page.locator(".batch-protocol", has_text=protocol).click()
    detail = page.locator("#batch-summary")
    expect(detail).to_be_visible()
    return detail


def _context(browser, viewport):
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=viewport,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def test_faturamento_shows_the_glosa_preview_of_the_checked_guides(browser, live_app):
    base = live_app["url"]
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        page.goto(f"{base}/faturamento")
        today = clock.today()
        page.fill("#period-start", (today - timedelta(days=90)).isoformat())
        page.fill("#period-end", today.isoformat())
        page.click("#faturar")
        expect(page.locator(".billing-guide").first).to_be_visible()
        page.click("#run-preview")
        panel = page.locator("#glosa-preview")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("A crítica da operadora sobre as guias marcadas")
        expect(page.locator("#preview-clean, #preview-findings")).to_have_count(1)
        _shoot(page, "provider-money-preview-1366")
        page.get_by_role("button", name="Fechar a prévia de glosas").click()
        expect(panel).to_have_count(0)
    finally:
        context.close()
    assert not errors, errors


def test_clinic_sees_the_glosa_appeals_it_and_follows_it(browser, live_app):
    base = live_app["url"]
    protocol = _analysed_batch(live_app)
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        detail = _open_batch(page, base, protocol)
        history = page.locator("#batch-history")
        for status in ("Recebido", "Em análise", "Liberado"):
            expect(history).to_contain_text(status)
        expect(page.locator("#total-glosa")).to_have_text("R$ 5,00")
        glosa = detail.locator(".item-glosa").first
        expect(glosa).to_contain_text(f"Glosa {codes.VALUE_ABOVE_CONTRACT}")
        expect(glosa).to_contain_text(codes.describe(codes.VALUE_ABOVE_CONTRACT)[:20])
        expect(glosa).to_contain_text(NOTE)
        expect(glosa.locator(".glosa-value")).to_have_text("R$ 5,00")
        expect(page.locator("#download-analysis")).to_be_visible()
        _shoot(page, "provider-money-detail-1366")

        # Recorrer: the value comes prefilled with the glosa's; more than the glosa is refused, the dialog stays.
        glosa.locator(".appeal-item").click()
        dialog = page.locator("#appeal-dialog")
        expect(dialog).to_be_visible()
        value = page.get_by_label("Valor contestado (até o valor glosado)")
        expect(value).to_have_value("5,00")
        page.get_by_label("Justificativa").fill(WHY)
        value.fill("9,99")
        page.click("#appeal-submit")
        expect(page.get_by_text(re.compile("maior que o valor glosado"))).to_be_visible()
        expect(dialog).to_be_visible()
        _shoot(page, "provider-money-appeal-1366")
        value.fill("5,00")
        page.click("#appeal-submit")
        expect(page.get_by_text(re.compile("aguardando análise da operadora"))).to_be_visible()
        expect(dialog).to_be_hidden()
        expect(glosa.locator(".item-appeal")).to_contain_text("Pendente")
        expect(glosa.locator(".appeal-item")).to_have_count(0)  # one open appeal per item
        expect(page.locator("#download-appeal")).to_be_visible()

        # Recursos de glosa, from the menu.
        page.keyboard.press("Escape")
        page.goto(f"{base}/recursos")
        row = page.locator(".appeal-row", has_text=protocol)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Pendente")
        expect(row).to_contain_text("R$ 5,00")
        _shoot(page, "provider-money-appeals-1366")
        page.goto(f"{base}/pagamentos")
        expect(page.locator("h1").first).to_be_visible()
        expect(page.locator(".list-skeleton")).to_have_count(0)
        _shoot(page, "provider-money-payments-1366")
        if page.locator(".payment-row").count():  # the demo history pays the clinic every month
            page.locator(".payment-detail").first.click()
            expect(page.locator("#payment-detail")).to_be_visible()
            expect(page.locator(".withholding-row")).to_have_count(5)
            expect(page.locator("#payment-bank")).to_contain_text("agência")
            _shoot(page, "provider-money-payment-detail-1366")
    finally:
        context.close()
    assert not errors, errors

    context, page, errors = _context(browser, PHONE)
    try:
        login(page, base, "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        detail = _open_batch(page, base, protocol)
        expect(detail.locator(".item-appeal").first).to_contain_text("Pendente")
        _no_sideways_scroll(page)
        _shoot(page, "provider-money-detail-390")
        page.keyboard.press("Escape")
        page.goto(f"{base}/recursos")
        expect(page.locator(".appeal-row", has_text=protocol)).to_have_count(1)
        _no_sideways_scroll(page)
        _shoot(page, "provider-money-appeals-390")
        page.goto(f"{base}/pagamentos")
        expect(page.locator(".list-skeleton")).to_have_count(0)
        _no_sideways_scroll(page)
        _shoot(page, "provider-money-payments-390")
    finally:
        context.close()
    assert not errors, errors
