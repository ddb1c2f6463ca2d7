"""Faults under load (`python -m load.faults NAME`): what the simulated users saw, and the database afterwards.

    python -m load.faults kill-worker      # kill -9 of one Granian worker of two
    python -m load.faults redis-restart    # the portal's own Redis (port 6390) shut down and started again
    python -m load.faults postgres-refuses # a TCP proxy in front of PostgreSQL refuses connections for 10 s

Each starts its own cluster (load/cluster.py: PostgreSQL copass_cluster, 2 workers), runs `--sessions`
simulated providers (load/provider.py) and injects the fault `--at` seconds into the measured part.
Afterwards the database is checked with the crash harness's consistency queries (scripts/crash_run.py
CHECKS: no batch without items, no item billed twice, every batch and transition audited, ...) and the
result (per action latencies and errors, reconnects, page states kept or lost, the checks) is printed
and saved to load/results/fault-NAME.json. Redis and the PostgreSQL proxy are the run's own: the shared
Redis (6379) and PostgreSQL (5432) are never stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from load.cluster import DATABASE_URL, Cluster, running_cluster
from load.run import RESULTS, Stage, prepare_accounts, run_stages, save
from load.stats import table

ROOT = Path(__file__).resolve().parents[1]
OWN_REDIS_PORT = 6390
PG_PROXY_PORT = 6543


def crash_checks() -> list[tuple[str, str]]:
    """The crash harness's consistency queries (plain SQL, valid on SQLite and PostgreSQL)."""
    spec = importlib.util.spec_from_file_location("copass_crash_run", ROOT / "scripts" / "crash_run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.CHECKS


def check_database(url: str) -> dict:
    """Each consistency query's offending rows (none expected), and a few counts."""
    engine = create_engine(url)
    problems, counts = {}, {}
    try:
        with engine.connect() as connection:
            for what, query in crash_checks():  # plain SQL, the same on SQLite and PostgreSQL
                rows = [row[0] for row in connection.execute(text(query)).fetchall()]
                if rows:
                    problems[what] = rows[:10]
            for table_name in ("batch", "batch_guide", "batch_item", "billed_item", "upload_record", "audit_log"):
                counts[table_name] = connection.execute(text(f"SELECT count(*) FROM {table_name}")).scalar_one()
    finally:
        engine.dispose()
    return {"problems": problems, "counts": counts}


# ---- the faults ------------------------------------------------------------------------------------


async def kill_worker(cluster: Cluster, log: list[str]) -> None:
    before = cluster.worker_pids()
    pid = cluster.kill_worker()
    log.append(f"kill -9 do worker {pid} (workers antes: {before})")
    await asyncio.sleep(8)
    log.append(f"workers 8 s depois: {cluster.worker_pids()}")


class OwnRedis:
    """A redis-server of this run only (port 6390, no snapshots; the append-only file unless `persistent`
    is False), started and stopped by the run."""

    def __init__(self, port: int = OWN_REDIS_PORT, *, persistent: bool = True) -> None:
        self.port, self.persistent = port, persistent
        self.folder = Path(tempfile.mkdtemp(prefix="copass-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--dir", str(self.folder), "--daemonize", "yes", "--pidfile", str(self.folder / "redis.pid"),
                   "--appendonly", "yes" if self.persistent else "no", "--appendfsync", "everysec"]
        subprocess.run(command, check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline:
                raise RuntimeError("o redis-server da carga não subiu")
            time.sleep(0.1)

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        deadline = time.monotonic() + 10
        while (self.folder / "redis.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def redis_restart(redis: OwnRedis, down_seconds: float) -> Callable[[Cluster, list[str]], Awaitable[None]]:
    async def fault(cluster: Cluster, log: list[str]) -> None:
        await asyncio.to_thread(redis.stop)
        log.append(f"redis-server :{redis.port} parado (shutdown nosave)")
        await asyncio.sleep(down_seconds)
        await asyncio.to_thread(redis.start)
        log.append(f"redis-server :{redis.port} de volta depois de {down_seconds:g} s "
                   f"({'com' if redis.persistent else 'sem'} o arquivo append-only)")
    return fault


class RefusingProxy:
    """A TCP forwarder 127.0.0.1:6543 → PostgreSQL that can refuse connections for a while: while refusing,
    its listening socket is closed (a connect gets ECONNREFUSED) and the open connections are cut, as when
    PostgreSQL restarts. Runs its own event loop in a thread."""

    def __init__(self, port: int = PG_PROXY_PORT, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.port, self.target = port, target
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader, writer) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        self.writers -= {writer, upstream_writer}

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _refuse(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    def refuse(self) -> None:
        asyncio.run_coroutine_threadsafe(self._refuse(), self.loop).result(10)

    def accept(self) -> None:
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)

    def stop(self) -> None:
        if self.server is not None:
            self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)


def postgres_refuses(proxy: RefusingProxy, seconds: float) -> Callable[[Cluster, list[str]], Awaitable[None]]:
    async def fault(cluster: Cluster, log: list[str]) -> None:
        proxy.refuse()
        log.append(f"PostgreSQL recusando conexões (proxy :{proxy.port} fechado, conexões abertas cortadas)")
        await asyncio.sleep(seconds)
        proxy.accept()
        log.append(f"PostgreSQL aceitando de novo depois de {seconds:g} s")
    return fault


# ---- the run ---------------------------------------------------------------------------------------


async def _load_with_fault(cluster: Cluster, accounts, fault, *, seconds: float, interval: float, at: float,
                           log: list[str]) -> dict:
    async def inject():
        await asyncio.sleep(at)
        log.append(f"t={at:g} s: falha injetada")
        await fault(cluster, log)

    [summary] = await run_stages(cluster.url, accounts, [Stage(len(accounts), seconds)], interval=interval,
                                 during=inject)
    return summary


def run_fault(name: str, *, sessions: int, seconds: float, interval: float, at: float,
              persistent_redis: bool = True) -> dict:
    log: list[str] = []
    extra_env, database_url, redis_url = {}, DATABASE_URL, None
    redis = proxy = None
    if name == "redis-restart":
        redis = OwnRedis(persistent=persistent_redis)
        redis.start()
        redis_url = redis.url
        fault = redis_restart(redis, down_seconds=5)
    elif name == "postgres-refuses":
        proxy = RefusingProxy()
        proxy.start()
        database_url = DATABASE_URL.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        fault = postgres_refuses(proxy, seconds=10)
    elif name == "kill-worker":
        fault = kill_worker
    else:
        raise SystemExit(f"falha desconhecida: {name}")
    try:
        kwargs = {"workers": 2, "database_url": database_url, "extra_env": extra_env}
        if redis_url:
            kwargs["redis_url"] = redis_url
        with running_cluster(**kwargs) as cluster:
            accounts = prepare_accounts(sessions, period_days=20)
            summary = asyncio.run(_load_with_fault(cluster, accounts, fault, seconds=seconds, interval=interval,
                                                   at=at, log=log))
            alive = cluster.worker_pids()
            log.append(f"workers no fim: {alive}")
            log_errors = cluster.log_errors()
    finally:
        if redis is not None:
            redis.cleanup()
        if proxy is not None:
            proxy.stop()
    summary.update(fault=name, workers=2, fault_at_s=at, persistent_redis=persistent_redis,
                   command="python -m load.faults " + " ".join(sys.argv[1:]))
    summary["fault_log"] = log
    summary["portal_log_errors"] = log_errors
    summary["database"] = check_database(DATABASE_URL)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fault", choices=["kill-worker", "redis-restart", "postgres-refuses"])
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--at", type=float, default=20.0, help="segundos da parte medida até a falha")
    parser.add_argument("--no-persistence", action="store_true",
                        help="redis-restart: o Redis volta vazio (sem o arquivo append-only)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 500 or not 10 <= args.seconds <= 600:
        parser.error("de 1 a 500 sessões e de 10 a 600 s")
    summary = run_fault(args.fault, sessions=args.sessions, seconds=args.seconds, interval=args.interval, at=args.at,
                        persistent_redis=not args.no_persistence)
    suffix = "-sem-persistencia" if args.no_persistence else ""
    print(f"\n## falha: {args.fault}{suffix} — {args.sessions} sessões, 2 workers, {args.seconds:g} s")
    print("\n".join(summary["fault_log"]))
    print(table(summary))
    print(f"desconexões: {summary['disconnects']} · reconexões: {summary['reconnects']} · "
          f"tokens de aba novos: {summary['new_tab_tokens']} · sessões logadas no fim: {summary['sessions_logged_in']}")
    database = summary["database"]
    print(f"banco: {'consistente' if not database['problems'] else database['problems']} · {database['counts']}")
    save(summary, args.out or RESULTS / f"fault-{args.fault}{suffix}.json")
    return 0 if not database["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
