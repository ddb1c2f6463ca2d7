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


def test_a_lost_connection_shows_the_portuguese_banner(page, live_app):
    # Every connection to the portal's backend is closed as it opens, like a server that went away.
    page.route_web_socket(re.compile(r"/_event"), lambda ws: ws.close())
    page.goto(f"{live_app['url']}/login")
    banner = page.locator("#connection-banner")
    expect(banner).to_have_text(CONNECTION_LOST)
    expect(banner).to_have_attribute("role", "alert")
    page.wait_for_timeout(1500)  # several failed attempts: Reflex's toast would be up by now
    _no_english(page)
