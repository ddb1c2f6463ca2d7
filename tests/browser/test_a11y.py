"""axe-core over every page, as a provider and as the operator's staff, at a laptop's and a phone's
width, with the dialogs people open: no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from copass_app.routes import Audience
from tests.browser.conftest import login
from tests.browser.test_layout import LAPTOP, PHONE, USERS, pages_of, settled

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
AXE = Axe()


def blocking_violations(page, where: str) -> list[str]:
    # A dialog fading in is half transparent: scan what a person reads once it has settled.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    found = AXE.run(page).response["violations"]
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']} — "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                        for node in v["nodes"][:3])
            for v in found if v["impact"] in BLOCKING]


@pytest.fixture
def sized_page(browser, live_app):
    contexts = []

    def open_page(viewport):
        context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize("audience", [Audience.PROVIDER, Audience.STAFF])
def test_every_page_has_no_serious_accessibility_violation(sized_page, live_app, audience, viewport):
    base = live_app["url"]
    page = sized_page(viewport)
    problems: list[str] = []
    page.goto(f"{base}/login")
    expect(page.locator("#login-submit")).to_be_visible()
    problems += blocking_violations(page, "/login")
    page.goto(f"{base}/nao-existe")
    expect(page.locator("#not-found")).to_be_visible()
    problems += blocking_violations(page, "404")
    login(page, base, USERS[audience])
    page.wait_for_url(re.compile(r"/(painel|operadora)$"))
    for path in pages_of(audience):
        page.goto(f"{base}{path}")
        settled(page)
        problems += blocking_violations(page, path)
    if viewport is PHONE:
        page.get_by_role("button", name="Menu").click()
        expect(page.locator("#menu-drawer")).to_be_visible()
        problems += blocking_violations(page, "menu (gaveta)")
    assert not problems, "\n".join(problems)


def test_the_guide_detail_and_a_confirmation_have_no_serious_violation(page, live_app):
    base = live_app["url"]
    login(page, base, "clinica")
    page.wait_for_url(re.compile(r"/painel$"))  # the provider's home: the Painel
    page.goto(f"{base}/guias")
    settled(page)
    page.locator(".guide-link").first.click()
    expect(page.locator("#guide-detail")).to_be_visible()
    problems = blocking_violations(page, "detalhe da guia")
    page.keyboard.press("Escape")
    page.goto(f"{base}/integracao")
    settled(page)
    page.get_by_label("Nome do sistema").fill("Sistema de teste a11y")
    page.click("#create-token")
    page.locator(".token-row", has_text="Sistema de teste a11y").locator(".revoke-token").click()
    expect(page.locator(".confirm-dialog")).to_be_visible()
    problems += blocking_violations(page, "confirmação")
    assert not problems, "\n".join(problems)
