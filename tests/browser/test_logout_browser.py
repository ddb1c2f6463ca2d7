"""After "Sair", nothing of the previous user comes back in the same tab: not on the page and not in the
websocket frames the server sends on a reload of /login. In real headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _frames(page) -> list[str]:
    """Every websocket frame the server sends to this tab from now on, as text."""
    received: list[str] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda frame: received.append(frame if isinstance(frame, str)
                                                                  else frame.decode("utf-8", "replace")))

    page.on("websocket", watch)
    return received


def test_after_sair_and_a_reload_no_patient_of_the_previous_user_reaches_the_tab(page, live_app):
    base = live_app["url"]
    frames = _frames(page)
    login(page, base, "clinica")
    page.wait_for_url(re.compile(r"/painel$"))  # the provider's home: the Painel
    page.goto(f"{base}/guias")
    row = page.locator(".guide-row").first
    expect(row).to_be_visible()
    patient = row.locator("td").nth(2).locator("span, p").first.inner_text().strip()
    card = row.locator("td").nth(2).locator("span, p").nth(1).inner_text().strip()
    assert patient and card
    page.locator(".guide-link").first.click()
    expect(page.locator("#guide-detail")).to_contain_text(patient)
    assert any(patient in frame for frame in frames)  # the watch works: the name did come over the socket
    page.click("#close-detail")

    page.click("#logout")
    # The address bar says where the user is (it stayed on /guias before).
    page.wait_for_url(re.compile(r"/login$"))
    assert page.url.rstrip("/").endswith("/login")

    frames.clear()
    page.reload()
    expect(page.locator("#login-submit")).to_be_visible()
    page.wait_for_timeout(1500)  # the hydration and on_load answers of the reload
    assert frames, "the reload talked to the server"
    assert not [frame for frame in frames if patient in frame or card in frame]
    assert patient not in page.content() and card not in page.content()

    # Logging in as someone else in the same tab starts from empty pages too.
    frames.clear()
    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    expect(page.locator("#provider-name")).not_to_have_text("")
    page.wait_for_timeout(1000)
    assert not [frame for frame in frames if card in frame]
