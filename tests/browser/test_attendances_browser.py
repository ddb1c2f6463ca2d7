"""As `hospital`, a consulta typed on "Digitação de atendimentos" with the keyboard only: Tab from field to
field, selects chosen by typing, a wrong CBO refused in Portuguese under its field as soon as the field is
left, Enter adds the procedure, the attendance saved appears as "Digitado" and can be deleted after a
confirmation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from copass_app import clock
from copass_app.models import Beneficiary, Guide, Provider, TypedAttendance
from tests.browser.conftest import login
from tests.browser.test_a11y import blocking_violations
from tests.browser.test_layout import PHONE, no_sideways_scroll, settled, shoot

pytestmark = pytest.mark.browser

PROVIDER_CODE = "100003"  # the demo's hospital
CONSULTA_CODE = "10101012"


def live_db(live_app):
    return create_engine(live_app["env"]["DATABASE_URL"])


def a_beneficiary(live_app) -> tuple[str, str]:
    """A beneficiary of the operator the hospital never attended (found by the card number only)."""
    engine = live_db(live_app)
    with Session(engine) as db:
        provider = db.exec(select(Provider).where(Provider.code == PROVIDER_CODE)).one()
        attended = select(Guide.beneficiary_id).where(Guide.provider_id == provider.id)
        found = db.exec(select(Beneficiary).where(Beneficiary.id.not_in(attended))
                        .order_by(Beneficiary.card_number)).first()
        assert found is not None
        card, name = found.card_number, found.name
    engine.dispose()
    return card, name


def typed_count(live_app) -> int:
    engine = live_db(live_app)
    with Session(engine) as db:
        provider = db.exec(select(Provider).where(Provider.code == PROVIDER_CODE)).one()
        count = len(db.exec(select(TypedAttendance.guide_id).where(TypedAttendance.provider_id == provider.id)).all())
    engine.dispose()
    return count


def tab_to(page, selector: str) -> None:
    page.keyboard.press("Tab")
    expect(page.locator(selector)).to_be_focused()


def test_a_consulta_typed_with_the_keyboard_shows_a_field_error_in_portuguese(page, live_app):
    base = live_app["url"]
    card, name = a_beneficiary(live_app)
    before = typed_count(live_app)
    login(page, base, "hospital")
    page.wait_for_url(re.compile(r"/(guias|painel)$"))
    page.goto(f"{base}/atendimentos")
    settled(page)
    expect(page.get_by_role("heading", name="Digitação de atendimentos")).to_be_visible()

    # The beneficiary by the card: typed, the hit appears, Enter chooses it.
    page.locator("#att-card_number").focus()
    page.keyboard.type(card, delay=15)
    expect(page.locator(".beneficiary-hit").first).to_contain_text(card)
    page.keyboard.press("Enter")
    expect(page.locator("#beneficiary-chosen")).to_contain_text(name)

    tab_to(page, "#att-performed_on")
    page.keyboard.type(clock.today().strftime("%d/%m/%Y"))
    tab_to(page, "#att-provider_guide_number")  # blank: the portal numbers it
    tab_to(page, "#att-consultation_type")
    page.keyboard.type("Primeira")
    expect(page.locator("#att-consultation_type")).to_have_value("1")
    tab_to(page, "#att-accident_indication")
    expect(page.locator("#att-accident_indication")).to_have_value("9")  # "Não acidente", pre-selected
    tab_to(page, "#att-care_regime")
    tab_to(page, "#att-professional-name")
    page.keyboard.type("Dra. Helena Prado")
    tab_to(page, "#att-professional-council")
    page.keyboard.type("CRM")
    expect(page.locator("#att-professional-council")).to_have_value("06")
    tab_to(page, "#att-professional-number")
    page.keyboard.type("98765")
    tab_to(page, "#att-professional-uf")
    page.keyboard.type("SP")
    expect(page.locator("#att-professional-uf")).to_have_value("35")
    tab_to(page, "#att-professional-cbos")
    page.keyboard.type("12345")
    tab_to(page, "#att-procedure-search")

    # Leaving the CBO field: its message, in Portuguese, under it; the field is marked invalid.
    error = page.locator("#att-professional-cbos-error")
    expect(error).to_contain_text("não é um código CBO aceito pelo padrão TISS")
    expect(page.locator("#att-professional-cbos")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#att-professional-name-error")).to_have_text("")  # a right field: no message
    shoot(page, "digitacao-erro-cbo-1400")
    assert not blocking_violations(page, "digitação com erro")

    # Back to the CBO with Shift+Tab, corrected: the message goes.
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#att-professional-cbos")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("225125")
    tab_to(page, "#att-procedure-search")
    expect(error).to_have_text("")

    # The procedure by its code; the demo has no contracted price for it, so the value is typed; Enter adds.
    page.keyboard.type(CONSULTA_CODE, delay=20)
    expect(page.locator(".procedure-hit").first).to_contain_text(CONSULTA_CODE)
    tab_to(page, "#att-quantity")
    tab_to(page, "#att-unit-value")
    page.keyboard.type("150,00")
    page.keyboard.press("Enter")
    lines = page.locator(".procedure-line")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text(CONSULTA_CODE)
    expect(lines.first).to_contain_text("R$ 150,00")
    expect(page.locator("#critique-clear, #critique-findings")).to_be_visible()

    page.locator("#save-attendance").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#saved-message")).to_contain_text("salvo como digitado")
    row = page.locator(".attendance-row", has_text=name)
    expect(row).to_contain_text("Digitado")
    expect(row).to_contain_text("R$ 150,00")
    assert typed_count(live_app) == before + 1
    expect(page.locator("#att-professional-name")).to_have_value("Dra. Helena Prado")  # kept for the next one
    shoot(page, "digitacao-salvo-1400")

    # "Editar" brings it back into the form, as stored.
    row.locator(".edit-attendance").click()
    expect(page.locator("#form-title")).to_contain_text("Alterar o atendimento")
    expect(page.locator("#att-card_number")).to_have_value(card)
    expect(page.locator("#att-professional-cbos")).to_have_value("225125")
    expect(page.locator(".procedure-line")).to_contain_text(CONSULTA_CODE)
    page.click("#cancel-edit")
    expect(page.locator("#form-title")).to_have_text("Novo atendimento")

    # Delete asks first; "Cancelar" keeps it, "Excluir" deletes it.
    row.locator(".delete-attendance").click()
    dialog = page.locator(".confirm-dialog")
    expect(dialog).to_contain_text("Excluir o atendimento")
    dialog.locator(".confirm-cancel").click()
    expect(row).to_be_visible()
    assert typed_count(live_app) == before + 1
    row.locator(".delete-attendance").click()
    page.locator(".delete-confirm").click()
    expect(page.locator(".attendance-row", has_text=name)).to_have_count(0)
    assert typed_count(live_app) == before


def test_saving_an_empty_form_names_each_missing_field(page, live_app):
    base = live_app["url"]
    login(page, base, "hospital")
    page.wait_for_url(re.compile(r"/(guias|painel)$"))
    page.goto(f"{base}/atendimentos")
    settled(page)
    page.click("#save-attendance")
    expect(page.locator("#att-card_number-error")).to_contain_text("Beneficiário: informe o número da carteira")
    expect(page.locator("#att-consultation_type-error")).to_contain_text("Tipo de consulta: escolha uma opção.")
    expect(page.locator("#att-procedures-error")).to_contain_text("Inclua ao menos um procedimento.")
    expect(page.locator("#att-card_number")).to_be_focused()  # the first wrong field, to start correcting


def test_the_sp_sadt_form_on_a_phone_has_no_sideways_scroll(browser, live_app):
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, live_app["url"], "hospital")
        page.wait_for_url(re.compile(r"/(guias|painel)$"))
        page.goto(f"{live_app['url']}/atendimentos")
        settled(page)
        page.get_by_role("radio", name="SP/SADT").click()
        expect(page.locator("#att-care_character")).to_be_visible()
        expect(page.locator("#att-requester-name")).to_be_visible()
        no_sideways_scroll(page)
        shoot(page, "digitacao-sadt-390")
        assert not blocking_violations(page, "digitação SP/SADT (390)")
    finally:
        context.close()
