"""The portal as `make serve-cluster` runs it, started for a load or fault run: PostgreSQL, Redis and N
Granian workers sharing one port, from a private build (`bench.live_portal`), stopped on exit.

The database and the Redis database are the load runs' own (LOAD_DATABASE_URL, LOAD_REDIS_URL), never
the tests' ones; the PostgreSQL database is created when missing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.live_portal import (
    ROOT,
    LivePortal,
    committed_copy,
    free_port,
    portal_env,
    private_web_dir,
    stop,
    wait_for,
)

DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/copass_cluster")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/3")


def ensure_database(url: str) -> None:
    """CREATE DATABASE when the PostgreSQL database does not exist yet (nothing for SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": parsed.database}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


@dataclass
class Cluster:
    portal: LivePortal
    database_url: str
    redis_url: str
    workers: int

    @property
    def url(self) -> str:
        return self.portal.api

    def processes(self) -> list[tuple[int, int, str]]:
        """(pid, parent pid, command) of every process of this portal (found by its private build folder)."""
        marker = f"REFLEX_WEB_WORKDIR={self.portal.workdir / '.web'}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            found.append((int(entry.name), parent, command))
        return found

    def worker_pids(self) -> list[int]:
        """The Granian workers: the children of the portal's main process (`reflex run`, which runs Granian's
        main loop and forks the workers), Node's build tools aside (gone once the build is done)."""
        processes = self.processes()
        pids = {pid for pid, _, _ in processes}
        mains = {pid for pid, parent, _ in processes if parent not in pids}
        return sorted(pid for pid, parent, command in processes
                      if parent in mains and "node" not in command and "npm" not in command)

    def kill_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def log_errors(self) -> list[str]:
        text_ = self.portal.log.read_text(errors="replace") if self.portal.log.exists() else ""
        return re.findall(r"^.*(?:Traceback|ERROR|Error:).*$", text_, re.MULTILINE)[:50]


RESPAWN_LAUNCHER = Path(__file__).resolve().parents[1] / "deploy" / "reflex_respawn.py"


@contextmanager
def running_cluster(*, workers: int = 2, database_url: str = DATABASE_URL, redis_url: str = REDIS_URL,
                    committed: bool | str = True, extra_env: dict[str, str] | None = None,
                    respawn: bool = True) -> Iterator[Cluster]:
    """`bench.live_portal`'s private build and folders, started as `make serve-cluster` starts it:
    `reflex run --env prod` through deploy/reflex_respawn.py (Granian respawns a worker that dies)."""
    ensure_database(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="copass-cluster-"))
    private_web_dir(workdir)
    root = committed_copy(workdir, committed if isinstance(committed, str) else "HEAD") if committed else ROOT
    port = free_port()
    env = portal_env(workdir, database_url=database_url, api_url=f"http://127.0.0.1:{port}")
    env.update(GRANIAN_WORKERS=str(workers), REFLEX_REDIS_URL=redis_url, **(extra_env or {}))
    if committed:
        env["PYTHONPATH"] = str(root)
    # The load generator reads and seeds the same database in this process.
    os.environ["DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "copass_app.cli", "db", "upgrade"], cwd=root, env=env, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "copass_app.cli", "seed-demo"], cwd=root, env=env, check=True,
                   capture_output=True)
    launcher = [sys.executable, str(RESPAWN_LAUNCHER)] if respawn else [str(Path(sys.executable).parent / "reflex")]
    command = [*launcher, "run", "--env", "prod", "--backend-port", str(port), "--loglevel", "info"]
    log_path = workdir / "reflex.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    portal = LivePortal(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}", env, workdir, log_path)
    try:
        wait_for(f"http://127.0.0.1:{port}/ping", process, log_path)
        wait_for(f"http://127.0.0.1:{port}/login", process, log_path)
        yield Cluster(portal, database_url, redis_url, workers)
    finally:
        stop(process)
        for child in workdir.iterdir():
            if child != log_path:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
