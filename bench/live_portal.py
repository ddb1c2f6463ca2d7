"""Start the real portal for the browser tests and `make bench-browser`, without touching the checkout.

The portal runs from the checkout's code but builds its frontend in a private folder
(`REFLEX_WEB_WORKDIR`, `REFLEX_STATES_WORKDIR`): a developer's `make run` keeps its `.web/env.json`
(it pointed at the tests' port before, and the running portal lost its backend), and several
runs may go at once. The checkout's installed npm packages are copied in, so no download is needed.
"""

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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 900  # a first run without the checkout's node_modules installs them
# What is never copied from the checkout's .web: its builds, caches and the running portal's ports.
# (At the top of .web only: packages in node_modules have folders called build too.)
_NOT_COPIED = {"build", ".react-router", "backend", "env.json", ".reflex_dev_backend_started"}


@dataclass(frozen=True)
class LivePortal:
    url: str  # where the browser goes (frontend)
    api: str  # the backend (the same as url in production)
    env: dict[str, str]
    workdir: Path
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_web_dir(workdir: Path) -> Path:
    """A copy of the checkout's .web (npm packages included, builds left out) inside `workdir`."""
    web = workdir / ".web"
    source = ROOT / ".web"
    if source.is_dir():
        top = str(source)
        shutil.copytree(source, web, symlinks=True,
                        ignore=lambda folder, names: [n for n in names if folder == top and n in _NOT_COPIED])
    return web


def portal_env(workdir: Path, *, database_url: str, api_url: str) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    # The development server restarts its backend when a file of the checkout changes, and a restart
    # drops every tab's state: it watches an empty folder of its own instead.
    no_reload = workdir / "no-reload"
    no_reload.mkdir(exist_ok=True)
    env.update(
        REFLEX_WEB_WORKDIR=str(workdir / ".web"),
        REFLEX_STATES_WORKDIR=str(workdir / ".states"),
        REFLEX_HOT_RELOAD_OVERRIDE_PATHS=str(no_reload),
        DATABASE_URL=database_url,
        COPASS_PRIVATE_DIR=str(workdir / "private"),
        REFLEX_API_URL=api_url,
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        npm_config_fetch_timeout="60000",
        npm_config_fetch_retries="5",
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("TEST_DATABASE_URL", None)
    return env


def prepare_database(env: dict[str, str], root: Path = ROOT) -> None:
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "copass_app.cli", *command], cwd=root, env=env, check=True,
                       capture_output=True)


def wait_for(url: str, process: subprocess.Popen, log_path: Path, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"O portal não iniciou:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"O portal não respondeu em {timeout:.0f}s:\n{log_path.read_text()[-4000:]}")


def committed_copy(workdir: Path, revision: str = "HEAD") -> Path:
    """A commit's files (`git archive HEAD`): what others are editing in the checkout stays out."""
    source = workdir / "src"
    source.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    return source


@contextmanager
def live_portal(*, prod: bool = True, workers: int = 1, extra_env: dict[str, str] | None = None,
                committed: bool | str = False) -> Iterator[LivePortal]:
    """The portal on free ports with its own SQLite file and the demo data; stopped on exit.

    `prod`: the production build (`reflex run --env prod`: one port for frontend and backend);
    otherwise the development server. `committed`: run the last commit (or the revision given), not
    the working tree.
    """
    workdir = Path(tempfile.mkdtemp(prefix="copass-portal-"))
    private_web_dir(workdir)
    revision = committed if isinstance(committed, str) else "HEAD"
    root = committed_copy(workdir, revision) if committed else ROOT
    port = free_port()
    frontend_port = port if prod else free_port()
    env = portal_env(workdir, database_url=f"sqlite:///{workdir / 'portal.db'}", api_url=f"http://localhost:{port}")
    env["GRANIAN_WORKERS"] = str(workers)
    if committed:
        env["PYTHONPATH"] = str(root)
    env.update(extra_env or {})
    prepare_database(env, root)
    reflex = str(Path(sys.executable).parent / "reflex")
    if prod:
        command = [reflex, "run", "--env", "prod", "--backend-port", str(port), "--loglevel", "info"]
    else:
        command = [reflex, "run", "--frontend-port", str(frontend_port), "--backend-port", str(port),
                   "--loglevel", "info"]
    log_path = workdir / "reflex.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for(f"http://localhost:{port}/ping", process, log_path)
        wait_for(f"http://localhost:{frontend_port}/login", process, log_path)
        yield LivePortal(f"http://localhost:{frontend_port}", f"http://localhost:{port}", env, workdir, log_path)
    finally:
        stop(process)
        # The log is kept for the caller's last look (see `log_text`); the rest goes.
        for child in workdir.iterdir():
            if child != log_path:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
