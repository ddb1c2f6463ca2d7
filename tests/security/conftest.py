"""The browser fixtures (the live portal, Chromium, a page) for the crafted-websocket tests in this folder."""

from tests.browser.conftest import browser, checkout_env_json, live_app, page  # noqa: F401
