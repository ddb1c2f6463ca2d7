"""Reflex's own English never reaches a user: a pt-BR 404 page with a way home, and a Portuguese banner
when the connection to the portal is lost (instead of the "Cannot connect to server" toast)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from copass_app.components.feedback import CONNECTION_LOST

pytestmark = pytest.mark.browser

ENGLISH = ("404: Page not found", "Cannot connect to server", "Connection Error", "Page not found")


def _no_english(page) -> None:
    html = page.content()
    for text in ENGLISH:
        assert text not in html, f"texto em inglês na página: {text!r}"


def test_an_unknown_address_shows_the_portuguese_404_with_a_way_home(page, live_app):
    base = live_app["url"]
    page.goto(f"{base}/nao-existe")
    expect(page.get_by_role("heading", name="Página não encontrada")).to_be_visible()
    expect(page).to_have_title(re.compile("Página não encontrada"))
    _no_english(page)
    page.get_by_role("link", name="Voltar ao início").click()
    page.wait_for_url(re.compile(r"/login"))  # the start page of a visitor without a session


def test_the_connection_banner_shipped_to_the_browser_is_the_portuguese_one(page, live_app):
    """Reflex's English toast ("Cannot connect to server: …") is replaced by the portal's banner: the
    JavaScript the browser loads carries the Portuguese text and none of Reflex's English ones."""
    page.goto(f"{live_app['url']}/login")
    expect(page.locator("#login-submit")).to_be_visible()
    page.wait_for_load_state("networkidle")
    scripts = page.evaluate(
        "() => performance.getEntriesByType('resource').map(r => r.name).filter(n => n.endsWith('.js'))")
    bundles = {url: page.request.get(url).text() for url in scripts}
    assert any(CONNECTION_LOST in code or CONNECTION_LOST.encode("unicode_escape").decode() in code
               for code in bundles.values()), "o aviso de conexão em português não está no frontend"
    for url, code in bundles.items():
        for text in ("Cannot connect to server", "404: Page not found"):
            assert text not in code, f"{url} traz o texto em inglês {text!r}"
