"""As `clinica`, the whole web billing flow in headless Chromium, down to the estorno."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import Session, create_engine, select

from copass_app import clock
from copass_app.models import CatalogItem
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _material_codes(live_app) -> list[str]:
    engine = create_engine(live_app["env"]["DATABASE_URL"])
    with Session(engine) as db:
        codes = db.exec(select(CatalogItem.code).where(CatalogItem.table_code == "19")
                        .order_by(CatalogItem.code).limit(2)).all()
    engine.dispose()
    return list(codes)


def _summary_guides(page) -> tuple[int, int]:
    selected, available = re.findall(r"\d+", page.locator("#summary-guides").inner_text())
    return int(selected), int(available)


def _money(text: str) -> Decimal:
    """'R$ 1.525,50' as the page shows it (test reading only)."""
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


def _add_from_catalog(page, card, button: str, term: str) -> None:
    card.locator(button).click()
    search = page.locator("#catalog-search")
    search.press_sequentially(term, delay=40)
    expect(page.locator(".catalog-hit").first).to_be_visible()
    search.press("Enter")


def test_clinic_bills_on_the_web_then_reverses(page, live_app):
    base = live_app["url"]
    login(page, base, "clinica")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/faturamento")
    today = clock.today()
    page.fill("#period-start", (today - timedelta(days=40)).isoformat())
    page.fill("#period-end", today.isoformat())
    page.click("#faturar")
    cards = page.locator(".billing-guide")
    expect(cards.first).to_be_visible()
    selected, available = _summary_guides(page)
    assert selected == available > 3

    # Leave the first guide out.
    # Cards are found by guide number: a changed date moves a guide in the list.
    numbers = [cards.nth(i).locator(".guide-number").inner_text() for i in range(3)]
    first, second, third = (page.locator(".billing-guide", has_text=number) for number in numbers)
    left_out = numbers[0]
    first.locator(".guide-check").click()
    expect(page.locator("#summary-guides")).to_contain_text(f"{available - 1} de {available}")

    # A date in the future is refused with a reason; a valid earlier one is kept.
    date_input = second.locator("input.performed-date, .performed-date input").first
    original = date.fromisoformat(date_input.input_value())
    date_input.fill((today + timedelta(days=2)).isoformat())
    expect(page.get_by_text(re.compile("futur"))).to_be_visible()
    new_date = original - timedelta(days=1)
    date_input.fill(new_date.isoformat())
    expect(date_input).to_have_value(new_date.isoformat())

    # A fee on the second guide, two materials on the third.
    _add_from_catalog(page, second, ".add-fees", "taxa")
    expect(page.locator("#catalog-added")).to_contain_text("·")
    page.click("#catalog-done")
    expect(second.locator(".remove-extra")).to_have_count(1)
    first_code, second_code = _material_codes(live_app)
    _add_from_catalog(page, third, ".add-materials", first_code)
    page.locator("#catalog-search").fill("")
    page.locator("#catalog-search").press_sequentially(second_code, delay=40)
    expect(page.locator(".catalog-hit").first).to_contain_text(second_code)
    # As the manual says: double-click chooses (value and quantity filled), "Adicionar" adds, once.
    page.locator(".catalog-hit").first.dblclick()
    expect(page.locator("#catalog-added")).not_to_contain_text(second_code)
    page.click("#catalog-add")
    expect(page.locator("#catalog-added")).to_contain_text(second_code)
    page.click("#catalog-done")
    expect(third.locator(".remove-extra")).to_have_count(2)

    # A value typed the Brazilian way, with the thousands dot, is R$ 1.500,00 (it was R$ 1,50).
    before = _money(second.locator(".guide-total").inner_text())
    second.locator(".add-materials").click()
    page.locator("#catalog-search").press_sequentially(first_code, delay=40)
    expect(page.locator(".catalog-hit").first).to_contain_text(first_code)
    page.get_by_label("Valor unitário (R$)").fill("1.500,00")
    page.get_by_label("Quantidade").fill("1")
    page.click("#catalog-add")
    expect(page.locator("#catalog-added")).to_contain_text(first_code)
    page.click("#catalog-done")
    expect(second.locator(".draft-item", has_text=first_code)).to_contain_text("R$ 1.500,00")
    expected_total = f"{before + Decimal('1500.00'):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    expect(second.locator(".guide-total")).to_have_text(f"R$ {expected_total}")

    # The draft survives a reload.
    page.reload()
    expect(page.locator(".billing-guide").first).to_be_visible()
    expect(page.locator("#summary-guides")).to_contain_text(f"{available - 1} de {available}")
    expect(second.locator("input.performed-date, .performed-date input").first).to_have_value(new_date.isoformat())
    expect(first.locator(".guide-check")).not_to_be_checked()

    page.click("#confirm-open")
    page.click("#confirm-send")
    confirmed = page.locator("#confirmed")
    expect(confirmed).to_contain_text("Protocolo")
    protocols = re.findall(r"Protocolo (\d{12})", confirmed.inner_text())
    assert protocols

    with page.expect_download() as download_info:
        page.locator(".download-protocol").first.click()
    pdf = download_info.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert protocols[0] in text
    assert "Clínica São Lucas de Especialidades Ltda" in text

    # Acompanhamento lists the batches; each is reversed while unprocessed.
    page.goto(f"{base}/acompanhamento")
    table = page.locator("#batches-table")
    for protocol in protocols:
        expect(table).to_contain_text(protocol)
    for protocol in protocols:
        row = page.locator(".batch-row", has_text=protocol)
        row.locator(".reverse-batch").click()
        page.locator(".reverse-confirm").click()
        expect(row).to_contain_text("Cancelado")

    # The guides are billable again, the one left out included.
    page.goto(f"{base}/faturamento")
    page.fill("#period-start", (today - timedelta(days=40)).isoformat())
    page.fill("#period-end", today.isoformat())
    page.click("#faturar")
    expect(page.locator("#summary-guides")).to_contain_text(f"{available} de {available}")
    expect(page.locator(".guide-number", has_text=left_out)).to_be_visible()
    page.click("#cancel-open")
    page.click("#cancel-confirm")
