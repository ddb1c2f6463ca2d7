"""Runs the real portal (production build, own SQLite file with the demo data, own .web folder)
and drives it in headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.live_portal import live_portal

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
CHECKOUT_ENV_JSON = ROOT / ".web" / "env.json"


@dataclass(frozen=True)
class FileSeen:
    content: bytes
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileSeen:
        return cls(path.read_bytes(), path.stat().st_mtime_ns)


@pytest.fixture(scope="session")
def checkout_env_json() -> FileSeen:
    """The checkout's .web/env.json (where a developer's `make run` tells its page the backend's
    port) as it was before the tests' portal started; a dummy one if there was none."""
    if not CHECKOUT_ENV_JSON.exists():
        CHECKOUT_ENV_JSON.parent.mkdir(exist_ok=True)
        CHECKOUT_ENV_JSON.write_text('{"PING": "http://localhost:3999/ping"}')
    return FileSeen.of(CHECKOUT_ENV_JSON)


@pytest.fixture(scope="session")
def live_app(checkout_env_json) -> Iterator[dict]:
    """The production build of the portal, built and run from a private folder (see bench.live_portal)."""
    with live_portal(prod=True) as portal:
        yield {"url": portal.url, "api": portal.api, "log": portal.log, "env": portal.env,
               "workdir": portal.workdir}
    log_text = portal.log.read_text()
    shutil.rmtree(portal.workdir, ignore_errors=True)
    # Like Reflex's own browser tests: any error logged by the backend fails the run.
    assert "Traceback" not in log_text, log_text[-6000:]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium não encontrado: `make test` instala os pacotes chromium e chromium-driver.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_app):
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", accept_downloads=True,
                                  viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"Erros de JavaScript na página: {errors}"


def login(page, base_url: str, user: str, password: str = "demo1234") -> None:
    page.goto(f"{base_url}/login")
    # By their labels, as a screen reader or a password manager finds them.
    page.get_by_label("Usuário").fill(user)
    page.get_by_label("Senha").fill(password)
    page.click("#login-submit")
