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


def _refuse_connection(ws) -> None:
    """Answers the page's socket as a portal that refuses it: the engine.io handshake, then a socket.io
    CONNECT_ERROR packet for the namespace (the client reports connect_error and retries)."""
    ws.send('0{"sid":"recusado","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')
    ws.on_message(lambda message: ws.send('44{"message":"portal fora do ar"}')
                  if str(message).startswith("40") else None)


def test_a_lost_connection_shows_the_portuguese_banner(page, live_app):
    page.route_web_socket(re.compile(r"/_event"), _refuse_connection)
    page.goto(f"{live_app['url']}/login")
    banner = page.locator("#connection-banner")
    expect(banner).to_have_text(CONNECTION_LOST)
    expect(banner).to_have_attribute("role", "alert")
    page.wait_for_timeout(1500)  # several failed attempts: Reflex's toast would be up by now
    _no_english(page)
