"""Runs the real portal (reflex run, own SQLite file with the demo data) and drives it in headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
STARTUP_TIMEOUT = 600  # the first run installs the frontend's npm packages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"O portal não iniciou:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"O portal não respondeu em {STARTUP_TIMEOUT}s:\n{log_path.read_text()[-4000:]}")


def _app_env(database_url: str, private_dir: Path, backend_port: int, workdir: Path) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    # The development server restarts its backend when a file of the checkout changes, and a restart
    # drops every tab's state (the memory state manager): someone editing the code while the tests
    # run made them fail at random (a catalog search with no hits, the confirmed lots gone). The
    # tests' server watches an empty folder of its own instead.
    no_reload = workdir / "no-reload"
    no_reload.mkdir(exist_ok=True)
    env.update(
        REFLEX_HOT_RELOAD_OVERRIDE_PATHS=str(no_reload),
        DATABASE_URL=database_url,
        COPASS_PRIVATE_DIR=str(private_dir),
        REFLEX_API_URL=f"http://localhost:{backend_port}",
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        npm_config_fetch_timeout="60000",
        npm_config_fetch_retries="5",
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("TEST_DATABASE_URL", None)
    return env


def _prepare_database(env: dict[str, str]) -> None:
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "copass_app.cli", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)


@pytest.fixture(scope="session")
def live_app() -> Iterator[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="copass-browser-"))
    frontend_port, backend_port = _free_port(), _free_port()
    env = _app_env(f"sqlite:///{workdir / 'portal.db'}", workdir / "private", backend_port, workdir)
    _prepare_database(env)
    log_path = workdir / "reflex.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "reflex"), "run", "--frontend-port", str(frontend_port),
             "--backend-port", str(backend_port), "--loglevel", "info"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(f"http://localhost:{backend_port}/ping", process, log_path)
        _wait_for(f"http://localhost:{frontend_port}/login", process, log_path)
        yield {"url": f"http://localhost:{frontend_port}", "api": f"http://localhost:{backend_port}",
               "log": log_path, "env": env, "workdir": workdir}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    log_text = log_path.read_text()
    shutil.rmtree(workdir, ignore_errors=True)
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
