"""`make load`: simulated providers against a running portal (only 127.0.0.1), bounded in count and time.

    python -m load.run --url http://127.0.0.1:8000 --sessions 500 --seconds 300 --interval 5
    python -m load.run --workers 2 --sessions 50 --seconds 30        # starts its own cluster (load/cluster.py)
    python -m load.run --workers 2 --sessions 100,250,500:300,1000 --seconds 60   # stages, one cluster

The portal's database (DATABASE_URL, the same one the portal uses) gets the bench accounts first
(load/seed.py: one provider, user and API token per session) and each account a TISS lot of its own
older guides for the API upload. The providers open their tab and log in `--logins` at a time (the
password check is argon2, meant to be slow: not part of the figures), then every provider acts once
every `--interval` seconds; `--seconds` of that are measured. With stages, the providers of a stage stay
connected into the next. Prints the table per action (p50/p95/p99 from emit to answer, errors) and saves
the JSON to `--out`; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import aiohttp

from copass_app import clock
from load.client import ANSWER_TIMEOUT, CLOSE_TIMEOUT
from load.cpu import CpuWindow
from load.provider import Account, Lot, Plan, Provider
from load.stats import Stats, table

MAX_SESSIONS = 2000
MAX_SECONDS = 1800
RESULTS = Path(__file__).resolve().parent / "results"


def local_only(url: str) -> str:
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"carga: só 127.0.0.1 (recebido {host!r})")
    return url


def prepare_accounts(count: int, *, period_days: int, lots: bool = True) -> list[Account]:
    """Bench accounts in the portal's database, each with a lot of its guides performed before the period."""
    from load.seed import seed_accounts

    started = time.monotonic()
    seeded = seed_accounts(count)
    lots_by_code = _lots_for([a.provider_code for a in seeded], period_days) if lots else {}
    print(f"carga: {count} contas prontas em {time.monotonic() - started:.0f}s", file=sys.stderr)
    return [Account(a.login, a.password, a.api_token, lots_by_code.get(a.provider_code, [])) for a in seeded]


def _lots_for(codes: list[str], period_days: int) -> dict[str, list[Lot]]:
    """What each provider's own system sends: one lot of 1–2 authorized guides of one type not billed yet,
    performed before the period the web billing opens (so the two never want the same guide)."""
    from sqlmodel import select

    from copass_app.models import BilledItem, Guide, GuideItem, Provider
    from copass_app.services.billing.queries import AUTHORIZED
    from copass_app.services.lot_export import lot_for_guides
    from copass_app.services.unit_of_work import perform

    before = clock.today() - timedelta(days=period_days + 1)

    def build(db):
        found: dict[str, list[Lot]] = {}
        billed = select(GuideItem.guide_id).join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
        providers = db.exec(select(Provider).where(Provider.code.in_(codes))).all()
        for provider in providers:
            guides = db.exec(select(Guide).where(
                Guide.provider_id == provider.id, Guide.status.in_(AUTHORIZED), Guide.performed_on.is_not(None),
                Guide.performed_on < before, Guide.id.not_in(billed)).order_by(Guide.id)).all()
            by_type = defaultdict(list)
            for guide in guides:
                by_type[guide.guide_type].append(guide)
            chosen = next((g for g in by_type.values() if g), [])[:2]
            if chosen:
                number = f"{int(time.time() * 1000) % 10**9}{provider.id % 100:02d}"
                found[provider.code] = [Lot(f"lote-{number}.xml", lot_for_guides(db, provider, chosen, number))]
        return found

    return perform(build)


@dataclass
class Stage:
    sessions: int  # providers connected in this stage (the earlier stages' ones included)
    seconds: float  # measured once they are all logged in


async def run_stages(base_url: str, accounts: list[Account], stages: list[Stage], *, interval: float,
                     period_days: int = 20, seed: int = 14, login_concurrency: int = 2,
                     max_ramp: float = 600, during: Callable[[], Awaitable[None]] | None = None,
                     workers: Callable[[], set[int]] = set) -> list[dict]:
    """Providers added stage by stage (they stay connected): each stage waits until its new providers are
    logged in (not measured), then measures `seconds` of everyone acting every `interval` seconds.
    `during`, when given, runs alongside the last stage's measurement (a fault). `workers` gives the
    portal workers' pids, so that the CPU of each stage is reported per group (load/cpu.py)."""
    stats = Stats(counting=False)
    plan = Plan(base_url, interval, period_days, login_gate=asyncio.Semaphore(login_concurrency))
    rng = random.Random(seed)
    summaries = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
        providers: list[Provider] = []
        tasks: list[asyncio.Task] = []
        try:
            for index, stage in enumerate(stages):
                stats.counting = False
                ramp_started = time.monotonic()
                for account in accounts[len(providers):stage.sessions]:
                    provider = Provider(account, plan, stats, http, random.Random(rng.random()))
                    providers.append(provider)
                    tasks.append(asyncio.create_task(provider.run()))
                while (sum(p.logged_in for p in providers) < len(providers)
                       and time.monotonic() - ramp_started < max_ramp):
                    await asyncio.sleep(0.5)
                ramp = time.monotonic() - ramp_started
                stats.reset()
                stats.counting = True
                started = time.monotonic()
                last = index == len(stages) - 1
                fault = asyncio.create_task(during()) if last and during is not None else None
                before = _socket_counts(providers)
                cpu = CpuWindow()
                cpu.start()
                await asyncio.sleep(stage.seconds)
                cores = cpu.cores(workers())
                if fault is not None:
                    await fault
                elapsed = time.monotonic() - started
                summaries.append(summarize(stats, elapsed, providers, before=before, sessions=len(providers),
                                           ramp_s=round(ramp, 1), interval_s=interval, seconds=stage.seconds,
                                           cpu_cores=cores))
                print(f"carga: {len(providers)} sessões medidas ({summaries[-1]['p95_ms']} ms p95, "
                      f"{summaries[-1]['errors']} erros)", file=sys.stderr)
            stats.counting = False
        finally:  # the end of the last stage, or an interrupt (Ctrl-C cancels this task): no tab outlives the run
            plan.stop_at = time.monotonic()
            await _stop_providers(tasks)
    return summaries


async def _stop_providers(tasks: list[asyncio.Task]) -> None:
    """Each provider ends its current action (an answer comes within ANSWER_TIMEOUT) and closes its tab;
    on an interrupt, or past that, it is cancelled and closes its tab at once (Tab.close: CLOSE_TIMEOUT)."""
    if not tasks:
        return
    interrupted = asyncio.current_task().cancelling() > 0
    _, pending = await asyncio.wait(tasks, timeout=0 if interrupted else ANSWER_TIMEOUT + CLOSE_TIMEOUT)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=CLOSE_TIMEOUT + 1)


def _socket_counts(providers: list[Provider]) -> tuple[int, int, int]:
    return (sum(p.tab.disconnects for p in providers), sum(p.tab.reconnects for p in providers),
            sum(p.tab.new_tokens for p in providers))


def summarize(stats: Stats, elapsed: float, providers: list[Provider], *, before: tuple[int, int, int] = (0, 0, 0),
              **context) -> dict:
    summary = stats.summary(elapsed)
    summary.update(context)
    disconnects, reconnects, new_tokens = (now - then for now, then in zip(_socket_counts(providers), before,
                                                                          strict=True))
    summary["sessions_logged_in"] = sum(p.logged_in for p in providers)
    summary["disconnects"], summary["reconnects"], summary["new_tab_tokens"] = disconnects, reconnects, new_tokens
    summary["measured_seconds"] = round(elapsed, 1)
    # The machine's load when the window closed: a shared machine's other work is in these figures too.
    summary["load_average"] = [round(x, 2) for x in os.getloadavg()]
    summary["error_timeline"] = stats.timeline[:200]
    return summary


def save(summary: dict, out: Path | None) -> None:
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(f"carga: resultado em {out}", file=sys.stderr)


def parse_stages(text: str, seconds: float) -> list[Stage]:
    """"100,250,500:300,1000": cumulative session counts, each measured `seconds` (or its own ":seconds")."""
    stages = []
    for part in text.split(","):
        count, _, own = part.strip().partition(":")
        stages.append(Stage(int(count), float(own) if own else seconds))
    if any(b.sessions <= a.sessions for a, b in zip(stages, stages[1:], strict=False)):
        raise ValueError("as etapas devem crescer")
    return stages


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="portal já no ar (http://127.0.0.1:PORTA); sem ele, --workers sobe um")
    parser.add_argument("--workers", type=int, default=2, help="workers do cluster que a carga sobe (sem --url)")
    parser.add_argument("--sessions", default="50",
                        help="sessões; várias etapas crescentes: 100,250,500:300,1000 (':s' = duração própria)")
    parser.add_argument("--seconds", type=float, default=30, help="duração medida de cada etapa (após os logins)")
    parser.add_argument("--interval", type=float, default=5.0, help="segundos entre duas ações de um prestador")
    parser.add_argument("--logins", type=int, default=2, help="prestadores entrando (senha argon2) ao mesmo tempo")
    parser.add_argument("--out", type=Path, help="JSON do resultado (ex.: load/results/x.json)")
    parser.add_argument("--working-tree", action="store_true",
                        help="o cluster roda os arquivos do checkout, não o último commit (sem --url)")
    args = parser.parse_args(argv)
    try:
        args.stages = parse_stages(args.sessions, args.seconds)
    except ValueError as error:
        parser.error(f"--sessions: {error}")
    if not all(1 <= s.sessions <= MAX_SESSIONS and 1 <= s.seconds <= MAX_SECONDS for s in args.stages):
        parser.error(f"sessões de 1 a {MAX_SESSIONS} e duração de 1 a {MAX_SECONDS} s")
    return args


def report(summaries: list[dict], workers: int | None, interval: float) -> None:
    for summary in summaries:
        print(f"\n## {summary['sessions']} sessões, {workers or '?'} worker(s), {summary['measured_seconds']} s "
              f"medidos, uma ação a cada {interval:g} s (logins antes: {summary['ramp_s']} s)")
        print(table(summary))
        print(f"sessões logadas: {summary['sessions_logged_in']} · desconexões: {summary['disconnects']} · "
              f"reconexões: {summary['reconnects']} · tokens de aba novos: {summary['new_tab_tokens']} · "
              f"carga da máquina: {summary.get('load_average')}")
        cores = summary.get("cpu_cores") or {}
        if cores:
            per_action = cores.get("portal (workers)", 0) * 1000 / max(summary["events_per_s"], 1e-9)
            print("CPU (núcleos): " + " · ".join(f"{group} {value:.2f}" for group, value in cores.items())
                  + (f" · portal: {per_action:.1f} ms de CPU por ação" if "portal (workers)" in cores else ""))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m load.run " + " ".join(argv if argv is not None else sys.argv[1:])
    total = args.stages[-1].sessions
    if args.url:
        accounts = prepare_accounts(total, period_days=20)
        summaries = asyncio.run(run_stages(local_only(args.url), accounts, args.stages, interval=args.interval,
                                           login_concurrency=args.logins))
        workers, log_errors = int(os.environ.get("GRANIAN_WORKERS", "0")) or None, []
    else:
        from load.cluster import running_cluster

        with running_cluster(workers=args.workers, committed=not args.working_tree) as cluster:
            accounts = prepare_accounts(total, period_days=20)
            summaries = asyncio.run(run_stages(cluster.url, accounts, args.stages, interval=args.interval,
                                               login_concurrency=args.logins,
                                               workers=lambda: set(cluster.worker_pids())))
            workers, log_errors = args.workers, cluster.log_errors()
    for summary in summaries:
        summary.update(workers=workers, command=command)
    report(summaries, workers, args.interval)
    save({"command": command, "workers": workers, "portal_log_errors": log_errors, "stages": summaries}, args.out)
    return 0 if all(s["errors"] == 0 for s in summaries) and not log_errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
