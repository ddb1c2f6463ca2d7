"""As `laboratorio`: upload a valid and an invalid TISS lot, download the protocol and the error report."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import Session, create_engine, select

from copass_app.models import BilledItem, Guide, GuideItem, GuideStatus, Provider
from copass_app.services.lot_export import lot_for_guides
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _valid_lot(live_app, path: Path, lot_number: str = "880001") -> None:
    """A lot of two unbilled authorized guides of the laboratory, as its own system would write it."""
    engine = create_engine(live_app["env"]["DATABASE_URL"])
    with Session(engine) as db:
        provider = db.exec(select(Provider).where(Provider.code == "100002")).one()
        billed = select(GuideItem.guide_id).join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
        guides = db.exec(select(Guide).where(
            Guide.provider_id == provider.id, Guide.status == GuideStatus.AUTORIZADO, Guide.guide_type == "SP_SADT",
            Guide.performed_on.is_not(None), Guide.id.not_in(billed)).order_by(Guide.id).limit(2)).all()
        path.write_bytes(lot_for_guides(db, provider, list(guides), lot_number))
    engine.dispose()


def _pdf_text(download) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(download.path().read_bytes())).pages)


def _send(page, path: Path) -> None:
    page.set_input_files("#xml-upload input[type=file]", str(path))
    expect(page.locator("#selected-file")).to_contain_text(path.name)
    page.click("#send-xml")


def test_lab_uploads_valid_and_invalid_lots(page, live_app, tmp_path):
    base = live_app["url"]
    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/envio-xml")

    valid = tmp_path / "lote-880001.xml"
    _valid_lot(live_app, valid)
    _send(page, valid)
    protocol = page.locator("#upload-protocol")
    expect(protocol).to_have_text(re.compile(r"\d{12}"))
    number = protocol.inner_text()
    with page.expect_download() as info:
        page.click("#download-upload-protocol")
    text = _pdf_text(info.value)
    assert number in text and "Laboratório Análises Vitória S.A." in text

    invalid = tmp_path / "lote-com-hash-errado.xml"
    invalid.write_bytes(valid.read_bytes().replace(b"<ans:hash>", b"<ans:hash>f"))
    _send(page, invalid)
    expect(page.locator("#upload-refused")).to_contain_text("recusado")
    expect(page.locator("#error-groups")).to_contain_text("5014")
    with page.expect_download() as info:
        page.click("#download-error-report")
    report = _pdf_text(info.value)
    assert "lote-com-hash-errado.xml" in report and "5014" in report

    page.goto(f"{base}/acompanhamento/envios")
    table = page.locator("#uploads-table")
    expect(table).to_contain_text("lote-com-hash-errado.xml")
    expect(table).to_contain_text(number)


def test_staff_processing_ends_the_providers_estorno(page, live_app, tmp_path):
    base = live_app["url"]
    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/envio-xml")
    lot = tmp_path / "lote-880002.xml"
    _valid_lot(live_app, lot, "880002")
    _send(page, lot)
    protocol = page.locator("#upload-protocol")
    expect(protocol).to_have_text(re.compile(r"\d{12}"))
    number = protocol.inner_text()
    page.goto(f"{base}/acompanhamento")
    expect(page.locator(".batch-row", has_text=number).locator(".reverse-batch")).to_be_visible()
    page.click("#logout")

    login(page, base, "operadora")
    page.wait_for_url(re.compile(r"/operadora$"))
    page.goto(f"{base}/operadora/lotes")
    row = page.locator(".received-row", has_text=number)
    expect(row).to_contain_text("Laboratório Análises Vitória S.A.")
    # It asks first, saying what will happen; Esc and "Cancelar" (where the focus starts) leave the row as is.
    row.locator(".start-analysis").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("A data de processamento será registrada e o prestador não poderá mais "
                                   "estornar o lote.")
    expect(dialog.get_by_role("button", name="Cancelar")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    row.locator(".start-analysis").click()
    dialog.get_by_role("button", name="Cancelar").click()
    expect(row.locator(".start-analysis")).to_be_visible()
    row.locator(".start-analysis").click()
    page.locator(".start-analysis-confirm").click()
    expect(page.locator(".received-row", has_text=number)).to_have_count(0)  # no longer "Recebido"
    page.click("#logout")

    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/acompanhamento")
    row = page.locator(".batch-row", has_text=number)
    expect(row).to_contain_text("Em análise")
    expect(row.locator(".reverse-batch")).to_have_count(0)


def test_an_estorno_asks_first_and_a_refused_one_shows_the_stored_state(page, browser, live_app, tmp_path):
    """Cancelar leaves the batch as it is; when the operator started the analysis meanwhile, the refused
    estorno leaves the row showing "Em análise" without "Estornar"."""
    base = live_app["url"]
    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/envio-xml")
    lot = tmp_path / "lote-880003.xml"
    _valid_lot(live_app, lot, "880003")
    _send(page, lot)
    number = page.locator("#upload-protocol").inner_text()
    page.goto(f"{base}/acompanhamento")
    row = page.locator(".batch-row", has_text=number)
    row.locator(".reverse-batch").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("suas guias voltarão a ficar disponíveis para faturamento")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(row).to_contain_text("Recebido")

    staff = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo")
    try:
        staff_page = staff.new_page()
        login(staff_page, base, "operadora")
        staff_page.wait_for_url(re.compile(r"/operadora$"))
        staff_page.goto(f"{base}/operadora/lotes")
        staff_page.locator(".received-row", has_text=number).locator(".start-analysis").click()
        staff_page.locator(".start-analysis-confirm").click()
        expect(staff_page.locator(".received-row", has_text=number)).to_have_count(0)
    finally:
        staff.close()

    # The provider's screen still offers "Estornar" (it was loaded before); the server refuses it.
    row.locator(".reverse-batch").click()
    page.locator(".reverse-confirm").click()
    expect(row).to_contain_text("Em análise")
    expect(row.locator(".reverse-batch")).to_have_count(0)
