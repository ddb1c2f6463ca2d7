"""Every page at a phone's 390×844 and a laptop's 1366×900: no sideways scroll of the page, "Sair"
reachable, the menu in a drawer on the phone, and the rows' actions in view without scrolling sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from copass_app import routes
from copass_app.routes import Audience
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
USERS = {Audience.PROVIDER: "hospital", Audience.STAFF: "operadora"}
SHOTS = Path("/tmp/copass-screens")


def pages_of(audience: Audience) -> list[str]:
    """Every page of the registry for `audience` (pages added later are checked too)."""
    return [r.path for r in routes.ROUTES if r.audience == audience and r.path != routes.HOME.path]


def settled(page) -> None:
    """The page's heading is there and its lists have arrived (no skeleton left)."""
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator(".list-skeleton")).to_have_count(0)


def no_sideways_scroll(page) -> None:
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{page.url}: a página tem {sizes[0]} px de largura numa janela de {sizes[1]} px"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def sized(browser, live_app):
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


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
@pytest.mark.parametrize("audience", [Audience.PROVIDER, Audience.STAFF])
def test_no_page_scrolls_sideways_and_sair_is_reachable(sized, live_app, viewport, audience):
    base = live_app["url"]
    page = sized(viewport)
    page.goto(f"{base}/login")
    expect(page.locator("#login-submit")).to_be_in_viewport()
    no_sideways_scroll(page)
    shoot(page, f"login-{viewport['width']}")
    login(page, base, USERS[audience])
    page.wait_for_url(re.compile(r"/(painel|operadora)$"))
    for path in pages_of(audience):
        page.goto(f"{base}{path}")
        settled(page)
        no_sideways_scroll(page)
        expect(page.locator("#logout")).to_be_in_viewport()
        shoot(page, f"{path.strip('/').replace('/', '_')}-{viewport['width']}")


def test_on_a_phone_the_menu_is_a_drawer(sized, live_app):
    base = live_app["url"]
    page = sized(PHONE)
    login(page, base, USERS[Audience.PROVIDER])
    page.wait_for_url(re.compile(r"/painel$"))
    settled(page)
    expect(page.get_by_role("link", name="Envios de XML")).to_be_hidden()  # no sidebar on a phone
    page.get_by_role("button", name="Menu").click()
    drawer = page.locator("#menu-drawer")
    expect(drawer).to_be_in_viewport()
    shoot(page, "menu-drawer-390")
    drawer.get_by_role("link", name="Envios de XML").click()
    page.wait_for_url(re.compile(r"/acompanhamento/envios$"))
    expect(drawer).to_have_count(0)  # the drawer closed with the navigation
    page.get_by_role("button", name="Menu").click()
    page.keyboard.press("Escape")
    expect(page.locator("#menu-drawer")).to_have_count(0)


def test_on_a_laptop_the_sidebar_shows_and_there_is_no_menu_button(sized, live_app):
    page = sized(LAPTOP)
    login(page, live_app["url"], USERS[Audience.PROVIDER])
    page.wait_for_url(re.compile(r"/painel$"))
    expect(page.get_by_role("link", name="Envios de XML")).to_be_visible()
    expect(page.locator("#menu-button")).to_be_hidden()


def _upload(page, base: str, path: Path) -> None:
    page.goto(f"{base}/envio-xml")
    page.set_input_files("#xml-upload input[type=file]", str(path))
    expect(page.locator("#selected-file")).to_contain_text(path.name)
    page.click("#send-xml")


def _in_view_after_scrolling_down(page, locator) -> None:
    """Scrolled vertically only (never sideways), the button is on screen."""
    locator.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 200)")
    expect(locator).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_row_actions_are_visible_without_a_sideways_scroll(sized, live_app, tmp_path, viewport):
    from tests.browser.test_upload_browser import _valid_lot

    base = live_app["url"]
    page = sized(viewport)
    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    lot = tmp_path / f"lote-88{viewport['width']:04d}.xml"
    _valid_lot(live_app, lot, f"88{viewport['width']:04d}")
    _upload(page, base, lot)
    number = page.locator("#upload-protocol").inner_text()
    broken = tmp_path / "lote-quebrado.xml"
    broken.write_bytes(b"<?xml version='1.0'?><nao-e-tiss/>")
    _upload(page, base, broken)
    expect(page.locator("#upload-refused")).to_be_visible()

    page.goto(f"{base}/acompanhamento")
    settled(page)
    row = page.locator(".batch-row", has_text=number)
    for action in (".batch-pdf", ".reverse-batch"):
        _in_view_after_scrolling_down(page, row.locator(action))
    no_sideways_scroll(page)
    shoot(page, f"acompanhamento-actions-{viewport['width']}")

    page.goto(f"{base}/acompanhamento/envios")
    settled(page)
    refused = page.locator(".upload-row", has_text="lote-quebrado.xml").first
    _in_view_after_scrolling_down(page, refused.get_by_role("button", name="Relatório"))
    _in_view_after_scrolling_down(page, page.locator(".upload-row", has_text=lot.name).first
                                  .get_by_role("button", name="Protocolo"))
    no_sideways_scroll(page)
    shoot(page, f"envios-actions-{viewport['width']}")
