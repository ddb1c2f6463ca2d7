"""The tests' portal never writes the checkout's .web: a developer's `make run` keeps working."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHECKOUT_ENV_JSON, FileSeen, login

pytestmark = pytest.mark.browser


def test_a_running_portal_keeps_its_env_json(page, live_app, checkout_env_json):
    login(page, live_app["url"], "clinica")
    page.wait_for_url(re.compile(r"/painel$"))
    expect(page.locator("#conteudo")).to_be_visible()
    # Before, the tests' `reflex run` rewrote it with its own port: the developer's page at :3000
    # then called a backend that did not exist ("Cannot connect to server").
    assert FileSeen.of(CHECKOUT_ENV_JSON) == checkout_env_json
    assert str(live_app["workdir"]) in live_app["env"]["REFLEX_WEB_WORKDIR"]
