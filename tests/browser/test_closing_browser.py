"""As `hospital`, "Encerrar Fatura / Gerar Protocolo" in headless Chromium: the table of the competência's
typed attendances expands to each attendance, "Gerar Protocolo" asks "Tem certeza que deseja continuar com o
fechamento?"; "Cancelar" leaves everything as it was (same open attendances, no batch), "Confirmar" closes
them into a batch whose protocol PDF is downloaded and read back, and whose TISS XML Acompanhamento gives."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import exists
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Batch, BatchOrigin, BilledItem, Guide, GuideItem, Provider, TypedAttendance, User
from copass_app.services import attendances as att
from copass_app.services.auth import actor_for_user
from copass_app.services.unit_of_work import perform
from copass_app.tiss.validation import validate_lot
from tests.browser.conftest import login
from tests.browser.test_a11y import blocking_violations
from tests.browser.test_attendances_browser import PROVIDER_CODE, live_db
from tests.browser.test_layout import PHONE, no_sideways_scroll, settled, shoot

pytestmark = pytest.mark.browser

CONFIRM_QUESTION = "Tem certeza que deseja continuar com o fechamento?"


def _type_attendances(engine, count: int) -> list[str]:
    """`count` consultas typed for the hospital through the service (the form is test_attendances_browser's)."""
    today = clock.today()

    def type_them(db):
        user = db.exec(select(User).where(User.login == "hospital")).one()
        actor = actor_for_user(db, user)
        provider = db.get(Provider, user.provider_id)
        patients = db.exec(select(Guide.beneficiary_id).where(Guide.provider_id == provider.id).distinct()
                           .limit(count)).all()
        from copass_app.models import Beneficiary

        numbers = []
        for beneficiary_id in patients:
            card = db.get(Beneficiary, beneficiary_id).card_number
            view = att.create_attendance(db, actor, att.AttendanceInput(
                guide_type="CONSULTA", competence=f"{today:%Y-%m}", card_number=card, performed_on=today,
                professional=att.ProfessionalInput("Dr. Caio Fechamento", "06", "55501", "35", "225125"),
                accident_indication="9", care_regime="01", consultation_type="2",
                procedures=[att.ProcedureInput("10101012", "1", "130,00")]))
            numbers.append(view.number)
        return numbers

    return perform(type_them, engine=engine)


def _state(engine) -> tuple[set[int], int]:
    """(the hospital's open typed attendances, its TYPED batches): what Cancelar must leave as it was."""
    with Session(engine) as db:
        provider = db.exec(select(Provider).where(Provider.code == PROVIDER_CODE)).one()
        billed = exists().where(BilledItem.guide_item_id == GuideItem.id)
        closed = select(GuideItem.guide_id).where(billed)
        open_ids = set(db.exec(select(TypedAttendance.guide_id).where(
            TypedAttendance.provider_id == provider.id, TypedAttendance.guide_id.not_in(closed))).all())
        batches = len(db.exec(select(Batch.id).where(Batch.provider_id == provider.id,
                                                     Batch.origin == BatchOrigin.TYPED)).all())
    return open_ids, batches


def test_gerar_protocolo_cancelar_changes_nothing_confirmar_closes_with_the_protocol_pdf(page, live_app):
    base = live_app["url"]
    engine = live_db(live_app)
    numbers = _type_attendances(engine, 2)
    open_before, batches_before = _state(engine)
    assert len(open_before) >= 2

    login(page, base, "hospital")
    page.wait_for_url(re.compile(r"/(guias|painel)$"))
    page.goto(f"{base}/atendimentos/fechamento")
    settled(page)
    expect(page.get_by_role("heading", name="Encerrar Fatura / Gerar Protocolo")).to_be_visible()
    table = page.locator("#closing-table")
    for header in ("Nº Protocolo", "Prestador", "Qtde Atendimento", "Total", "Gerar Protocolo"):
        expect(table.get_by_role("columnheader", name=header)).to_be_visible()
    row = page.locator(".closing-row").first
    expect(row).to_contain_text("Gerado ao encerrar")
    expect(row).to_contain_text("Hospital Nossa Senhora da Conceição")
    expect(row).to_contain_text(str(len(open_before)))
    expect(row).to_contain_text("1 lote ao encerrar: Consulta")

    # The row expands to its attendances: Núm. Atendimento, Beneficiário, Total.
    row.locator(".expand-row").click()
    details = page.locator(".closing-details").first
    expect(details.get_by_role("columnheader", name="Núm. Atendimento")).to_be_visible()
    for number in numbers:
        expect(details.locator(".closing-attendance", has_text=number)).to_contain_text("R$ 130,00")
    expect(row.locator(".expand-row")).to_have_attribute("aria-expanded", "true")
    shoot(page, "fechamento-expandido-1400")
    assert not blocking_violations(page, "fechamento expandido")

    # "Gerar Protocolo" asks; "Cancelar" changes nothing.
    row.locator(".generate-protocol").click()
    dialog = page.locator(".confirm-dialog")
    expect(dialog).to_contain_text(CONFIRM_QUESTION)
    expect(dialog.get_by_role("button", name="Cancelar")).to_be_focused()  # Enter by mistake does not close
    expect(dialog.get_by_role("button", name="Confirmar")).to_be_visible()
    shoot(page, "fechamento-confirmacao-1400")
    assert not blocking_violations(page, "confirmação do fechamento")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_have_count(0)
    expect(row).to_contain_text("Gerado ao encerrar")
    assert _state(engine) == (open_before, batches_before)

    # "Confirmar" closes them into a batch with its protocol.
    row.locator(".generate-protocol").click()
    page.locator(".confirm-dialog").get_by_role("button", name="Confirmar").click()
    done = page.locator("#closing-done")
    expect(done).to_contain_text("Fatura encerrada")
    protocol = done.locator(".closed-protocol").first.inner_text()
    assert re.fullmatch(r"\d{12}", protocol)
    expect(page.locator("#closing-empty")).to_be_visible()  # nothing left to close in the competência
    open_after, batches_after = _state(engine)
    assert open_after == set() and batches_after == batches_before + 1

    with page.expect_download() as download_info:
        done.locator(".download-protocol").first.click()
    pdf = download_info.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert protocol in text
    assert "Atendimentos digitados no portal" in text  # the batch's origin
    assert f"({len(open_before)} guias)" in text
    shoot(page, "fechamento-protocolo-1400")

    # Acompanhamento: the batch, and its TISS XML (valid as an uploaded lot would be).
    page.goto(f"{base}/acompanhamento")
    settled(page)
    batch_row = page.locator(".batch-row", has_text=protocol)
    expect(batch_row).to_contain_text("Digitação")
    with page.expect_download() as download_info:
        batch_row.locator(".batch-xml").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"protocolo-{protocol}.xml")
    xml = download.path().read_bytes()
    assert xml.startswith(b"<?xml") and b"ISO-8859-1" in xml[:100].upper()
    check = validate_lot(xml, filename=download.suggested_filename, max_bytes=len(xml))
    assert not check.errors, [e.code for e in check.errors]
    assert b"Dr. Caio Fechamento" in xml and b"<ans:tipoConsulta>2</ans:tipoConsulta>" in xml
    engine.dispose()


def test_the_closing_page_on_a_phone_has_no_sideways_scroll(browser, live_app):
    engine = live_db(live_app)
    _type_attendances(engine, 1)
    engine.dispose()
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, live_app["url"], "hospital")
        page.wait_for_url(re.compile(r"/(guias|painel)$"))
        page.goto(f"{live_app['url']}/atendimentos/fechamento")
        settled(page)
        page.locator(".expand-row").first.click()
        expect(page.locator(".closing-attendance").first).to_be_visible()
        no_sideways_scroll(page)
        shoot(page, "fechamento-390")
    finally:
        context.close()
