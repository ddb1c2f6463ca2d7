"""As `operadora`, in headless Chromium: a batch of `clinica` analysed (one proposal of the critique
accepted, one manual glosa with its reason found from the keyboard), concluded, and paid; the pages
seen at 1366 and 390 px without sideways scroll."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from copass_app.models import (
    Beneficiary,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
    Provider,
    User,
    utcnow,
)
from copass_app.services import billing
from copass_app.services.auth import actor_for_user
from tests.browser.conftest import login
from tests.browser.test_layout import no_sideways_scroll, shoot

pytestmark = pytest.mark.browser

DAY = date(2023, 3, 14)  # before the demo's history: the period holds only this test's guide


def _received_batch(live_app) -> str:
    """A batch of clinica with one guide: a hemograma billed twice with one authorized (the critique
    proposes 1820) and a clean glucose; billed through the real services. Returns its protocol."""
    engine = create_engine(live_app["env"]["DATABASE_URL"])
    try:
        with Session(engine) as db:
            provider = db.exec(select(Provider).where(Provider.code == "100001")).one()
            user = db.exec(select(User).where(User.login == "clinica")).one()
            beneficiary = db.exec(select(Beneficiary).order_by(Beneficiary.id)).first()
            number = f"BT{utcnow():%H%M%S%f}"[:20]
            guide = Guide(provider_id=provider.id, beneficiary_id=beneficiary.id, guide_type=GuideType.SP_SADT,
                          provider_guide_number=number, operator_guide_number=f"9{number}",
                          authorization_password="77001122", status=GuideStatus.AUTORIZADO,
                          requested_on=DAY, authorized_on=DAY,
                          performed_on=DAY, valid_until=DAY + timedelta(days=60), total_value=Decimal("63.25"))
            db.add(guide)
            db.flush()
            db.add(GuideItem(guide_id=guide.id, table_code="22", code="40301630", description="Hemograma",
                             authorized_qty=Decimal(1), performed_qty=Decimal(2), unit_value=Decimal("25.50")))
            db.add(GuideItem(guide_id=guide.id, table_code="22", code="40302040", description="Glicose",
                             authorized_qty=Decimal(1), performed_qty=Decimal(1), unit_value=Decimal("12.25")))
            db.add(GuideStatusHistory(guide_id=guide.id, status=GuideStatus.AUTORIZADO, changed_at=utcnow(), note=""))
            db.commit()
            actor = actor_for_user(db, user)
            billing.open_draft(db, actor, start=DAY, end=DAY)
            [confirmed] = billing.confirm_draft(db, actor)
            db.commit()
            return confirmed.protocol_number
    finally:
        engine.dispose()


def test_operadora_analyses_concludes_and_pays_a_batch(browser, live_app):
    base = live_app["url"]
    protocol = _received_batch(live_app)
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        login(page, base, "operadora")
        page.wait_for_url(re.compile(r"/operadora$"))
        page.goto(f"{base}/operadora/lotes")
        expect(page.locator("#received-counts")).to_contain_text("Recebido")
        row = page.locator(".received-row", has_text=protocol)
        row.locator(".analysis-link").click()
        page.wait_for_url(re.compile(r"/operadora/lotes/\d+$"))
        expect(page.locator("#analysis-protocol")).to_contain_text(protocol)

        page.click("#start-analysis")
        dialog = page.get_by_role("alertdialog")
        expect(dialog.get_by_role("button", name="Cancelar")).to_be_focused()
        page.locator(".start-analysis-confirm").click()
        exam = page.locator(".analysis-item", has_text="40301630")
        glucose = page.locator(".analysis-item", has_text="40302040")
        proposal = exam.locator(".glosa-proposal", has_text="Quantidade acima")
        expect(proposal).to_contain_text("Proposta da crítica: Quantidade acima")
        expect(page.locator("#analysis-waiting")).to_contain_text("2 item(ns) sem decisão")
        expect(page.locator("#finish-analysis")).to_be_disabled()
        shoot(page, "operadora_analise-1366")
        no_sideways_scroll(page)

        proposal.locator(".accept-proposal").click()
        expect(exam.locator(".glosa-applied")).to_contain_text("R$ 25,50")
        expect(exam.locator(".item-decision")).to_have_text("Glosado")

        # The manual glosa: value prefilled with the item total, the reason found and chosen from the keyboard.
        glucose.locator(".glosa-item").click()
        expect(page.locator("#glosa-value")).to_have_value("12,25")
        page.fill("#glosa-value", "5,00")
        search = page.locator("#glosa-reason-search")
        search.press_sequentially("1705", delay=40)
        expect(page.locator(".glosa-reason")).to_have_count(1)
        search.press("Enter")
        expect(page.locator("#glosa-reason-chosen")).to_contain_text("Escolhido: 1705")
        page.get_by_label("Observação (opcional)").fill("Valor acima da tabela contratada")
        page.click("#glosa-save")
        expect(page.locator("#glosa-dialog")).to_have_count(0)
        expect(glucose.locator(".glosa-applied")).to_contain_text("R$ 5,00")
        expect(page.locator("#total-glosa")).to_have_text("R$ 30,50")
        expect(page.locator("#total-approved")).to_have_text("R$ 32,75")

        page.click("#finish-analysis")
        expect(dialog).to_contain_text("liberado para pagamento com R$ 32,75 aprovados")
        page.locator(".finish-confirm").click()
        expect(page.locator("#analysis-done")).to_contain_text("Análise concluída em")
        expect(page.locator("#analysis-status")).to_contain_text("Liberado")
        expect(page.locator(".accept-item")).to_have_count(0)  # read-only
        shoot(page, "operadora_analise_concluida-1366")

        page.goto(f"{base}/operadora/pagamentos")
        page.click("#pay-provider")
        page.get_by_role("option", name=re.compile("Clínica São Lucas")).click()
        expect(page.locator(".payable-batch", has_text=protocol)).to_be_visible()
        # Only this batch: the demo's other released batches and appeals are left for later.
        for other in page.locator(".payable-batch").filter(has_not_text=protocol).all():
            other.locator(".pay-batch").click()
        for appeal in page.locator(".payable-appeal").all():
            appeal.locator(".pay-appeal").click()
        expect(page.locator(".preview-approved")).to_have_text("R$ 32,75")
        expect(page.locator("#payment-preview")).to_contain_text("não retido: até R$ 10,00")
        expect(page.locator(".preview-net")).to_have_text("R$ 32,75")
        shoot(page, "operadora_pagamentos-1366")
        no_sideways_scroll(page)
        page.click("#register-payment")
        expect(dialog).to_contain_text("Registrar o pagamento de R$ 32,75")
        page.locator(".register-payment-confirm").click()
        expect(page.locator("#payment-detail")).to_contain_text(protocol)
        expect(page.locator(".payment-row").first).to_contain_text("R$ 32,75")

        page.set_viewport_size({"width": 390, "height": 844})
        for path in ("/operadora/lotes", "/operadora/recursos", "/operadora/pagamentos", "/operadora/critica"):
            page.goto(f"{base}{path}")
            expect(page.locator(".list-skeleton")).to_have_count(0)
            no_sideways_scroll(page)
            shoot(page, f"operadora_{path.rsplit('/', 1)[1]}-390")
        page.goto(f"{base}/operadora/lotes")
        page.locator("#received-status").click()
        page.get_by_role("option", name="Pagamento efetuado").click()
        page.locator(".received-row", has_text=protocol).locator(".analysis-link").click()
        expect(page.locator("#analysis-status")).to_contain_text("Pagamento efetuado")
        no_sideways_scroll(page)
        shoot(page, "operadora_analise-390")
    finally:
        context.close()
    assert not errors, f"Erros de JavaScript na página: {errors}"
