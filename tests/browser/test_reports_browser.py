"""As `clinica` (demo data) in headless Chromium: each report of the Relatórios menu shows its lines and
totals, its PDF and CSV download and open (PDF text, CSV parsed back), the page never scrolls sideways at
390 px (the table scrolls in its own box); the staff's reports filter by provider."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from copass_app import routes
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/copass-screens")
DEMO_PROVIDER = "Clínica São Lucas"
TOTAL_LABEL = {"nf": "Total", "demonstrativos": "Total", "extrato": "Total bruto", "glosas": "Total"}


def _no_sideways_scroll(page) -> None:
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"{page.url}: {width} px numa janela de {window} px"


def _download(page, button: str) -> bytes:
    with page.expect_download(timeout=60_000) as info:
        page.click(button)
    return Path(info.value.path()).read_bytes()


def _signed_in(page, base: str, user: str) -> None:
    login(page, base, user)
    expect(page.locator("#logout")).to_be_visible()


def test_each_report_on_screen_as_pdf_and_as_csv(page, live_app):
    base = live_app["url"]
    _signed_in(page, base, "clinica")
    for route, kind in zip(routes.PROVIDER_REPORTS, ("nf", "demonstrativos", "extrato", "glosas"), strict=True):
        page.goto(f"{base}{route.path}")
        table = page.locator("#report-table")
        expect(table).to_be_visible()
        expect(page.locator(".report-row").first).to_be_visible()
        totals = page.locator("#report-totals")
        expect(totals).to_contain_text(TOTAL_LABEL[kind])
        expect(totals).to_contain_text("R$")
        expect(page.locator("#report-provider-label")).to_contain_text(DEMO_PROVIDER)
        pdf = PdfReader(io.BytesIO(_download(page, "#report-pdf")))
        text = "\n".join(p.extract_text() for p in pdf.pages)
        assert text.startswith(route.title) and DEMO_PROVIDER in text, text[:300]
        assert f"Página 1 de {len(pdf.pages)}" in text
        expect(page.locator("#report-progress")).to_have_count(0)  # the indicator is gone once the file is sent
        data = _download(page, "#report-csv")
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) >= 3 and rows[-1][0].startswith("Total") and "," in rows[-1][-1], rows[-1]


def test_statements_open_the_payment_and_a_period_without_payments_says_so(page, live_app):
    base = live_app["url"]
    _signed_in(page, base, "clinica")
    page.goto(f"{base}{routes.REPORT_STATEMENTS.path}")
    expect(page.locator(".report-row").first).to_be_visible()
    data = _download(page, ".report-row >> text=XML TISS")
    assert b"DEMONSTRATIVO_PAGAMENTO" in data or b"demonstrativoPagamento" in data
    page.locator(".report-row").first.get_by_label("Valores para emissão de NF deste pagamento").click()
    expect(page.locator("#report-period")).to_contain_text("somente o pagamento escolhido")
    expect(page.locator(".report-row")).to_have_count(1)
    expect(page.locator("#report-totals")).to_contain_text("R$")
    page.goto(f"{base}{routes.REPORT_STATEMENTS.path}")
    page.locator(".report-row").first.get_by_label("Detalhe do pagamento").click()
    expect(page.locator("#payment-detail")).to_be_visible()
    page.goto(f"{base}{routes.REPORT_STATEMENTS.path}")
    page.get_by_label("Pago de", exact=True).fill("2001-01-01")
    page.get_by_label("Pago até", exact=True).fill("2001-01-31")
    page.click("#report-filter")
    expect(page.locator("#report-empty")).to_be_visible()
    expect(page.locator("#report-period")).to_contain_text("01/01/2001 a 31/01/2001")


def test_usable_at_390_px(page, live_app):
    base = live_app["url"]
    _signed_in(page, base, "clinica")
    page.set_viewport_size(PHONE)
    for route in routes.PROVIDER_REPORTS:
        page.goto(f"{base}{route.path}")
        expect(page.locator("#report-table")).to_be_visible()
        _no_sideways_scroll(page)
        expect(page.locator("#report-pdf")).to_be_in_viewport()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "relatorio-glosas-390.png"), full_page=True)


def test_staff_filter_the_reports_by_provider(page, live_app):
    base = live_app["url"]
    _signed_in(page, base, "operadora")
    page.goto(f"{base}{routes.STAFF_REPORT_STATEMENTS.path}")
    expect(page.locator(".report-row").first).to_be_visible()
    expect(page.locator("#report-provider-label")).to_contain_text("Todos os prestadores")
    page.click("#report-provider")
    page.get_by_role("option", name=DEMO_PROVIDER, exact=False).first.click()
    page.click("#report-filter")
    expect(page.locator("#report-provider-label")).to_contain_text(DEMO_PROVIDER)
    expect(page.locator(".report-row").first).to_be_visible()
