"""As `clinica`: login, filter by "negada", open a guide, log out — in real headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_logged_out_visitor_is_sent_to_login(page, live_app):
    page.goto(f"{live_app['url']}/guias")
    page.wait_for_url(re.compile(r"/login\?next=/guias"))
    expect(page.locator("#login-submit")).to_be_visible()


def test_login_page_is_in_portuguese_with_labelled_fields_logo_and_favicon(page, live_app):
    page.goto(f"{live_app['url']}/login")
    expect(page.get_by_label("Usuário")).to_have_attribute("name", "login")
    expect(page.get_by_label("Senha")).to_have_attribute("type", "password")
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    expect(page.get_by_role("img", name="Portal do Prestador")).to_be_visible()
    page.wait_for_function(
        "() => [...document.images].some(i => i.alt === 'Portal do Prestador' && i.naturalWidth > 0)")
    icon = page.locator("link[rel=icon][type='image/svg+xml']").get_attribute("href")
    response = page.request.get(f"{live_app['url']}{icon}")
    assert response.ok and b"<svg" in response.body()


def test_wrong_password_shows_a_message(page, live_app):
    login(page, live_app["url"], "laboratorio", "senha-errada")
    expect(page.locator("#login-error")).to_contain_text("Usuário ou senha inválidos")


def test_clinic_filters_denied_guides_opens_one_and_logs_out(page, live_app):
    base = live_app["url"]
    login(page, base, "clinica")
    page.wait_for_url(re.compile(r"/painel$"))  # the provider's home: the Painel
    page.goto(f"{base}/guias")
    expect(page.locator("#provider-name")).to_have_text("Clínica São Lucas de Especialidades Ltda")
    expect(page.locator(".guide-row").first).to_be_visible()

    # Paging happens on the server: the next page is another page of the same list.
    first_number = page.locator(".guide-link").first.inner_text()
    page.click("#next-page")
    expect(page.locator("#pager-label")).to_contain_text("Página 2 de")
    expect(page.locator(".guide-link").first).not_to_have_text(first_number)

    denied_count = page.locator("#status-negada .situation-count").inner_text()
    page.click("#status-negada")
    expect(page.locator("#pager-label")).to_contain_text("Página 1 de")
    badges = page.locator(".guide-row .rt-Badge")
    expect(badges.first).to_have_text("Negada")
    assert set(badges.all_inner_texts()) == {"Negada"}
    expect(page.get_by_text(f"{denied_count} registro(s)")).to_be_visible()

    number = page.locator(".guide-link").first.inner_text()
    page.locator(".guide-link").first.click()
    detail = page.locator("#guide-detail")
    expect(detail).to_contain_text(f"Guia {number}")
    expect(detail).to_contain_text("Negado")
    expect(detail).to_contain_text("Itens")
    page.click("#close-detail")

    page.click("#logout")
    page.wait_for_url(re.compile(r"/login"))
    # The session is gone on the server: going back to the guides asks for login again.
    page.goto(f"{base}/guias")
    page.wait_for_url(re.compile(r"/login\?next=/guias"))


def test_staff_cannot_open_provider_pages_and_provider_cannot_open_staff_pages(page, live_app):
    base = live_app["url"]
    login(page, base, "operadora")
    page.wait_for_url(re.compile(r"/operadora$"))
    expect(page.locator("#providers-table")).to_contain_text("Hospital Nossa Senhora da Conceição")
    page.goto(f"{base}/guias")
    page.wait_for_url(re.compile(r"/operadora$"))
    page.click("#logout")
    login(page, base, "hospital")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/operadora")
    page.wait_for_url(re.compile(r"/painel$"))
