"""Helpers shared by the benchmarks: a fresh database with the demo data, and timing."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from copass_app import clock
from copass_app.db import get_engine
from copass_app.migrations import upgrade
from copass_app.models import Beneficiary, Provider, Role
from copass_app.services import auth
from copass_app.services.demo import SEED, build_catalogs, full_cnpj, generate_guides, seed_demo
from copass_app.services.unit_of_work import unit_of_work
from copass_app.services.users import add_user
from tests.pg import reset_schema

BENCH_PASSWORD = "bench-senha-1"


def fresh_database() -> tuple[str, Engine]:
    """A new SQLite file (or BENCH_DATABASE_URL) migrated and loaded with the demo data."""
    folder = Path(tempfile.mkdtemp(prefix="copass-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        reset_schema(engine)
    upgrade(url)
    with unit_of_work(engine) as db:
        seed_demo(db)
    return url, engine


def measure(action: Callable[[], object], runs: int = 30, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, int(len(samples) * 0.95))],
        "max": samples[-1],
    }


def report(title: str, rows: list[tuple]) -> bool:
    """Prints one table; returns False when a target is missed.

    A row is (label, stats, target_ms) for timings (p95 against the target), (label, stats,
    target_ms, "median") for whole processes on a shared machine (the median against the target),
    or (label, value, target, unit, at_least) for ratios such as "≤ 3×" or "≥ 20×".
    """
    print(f"\n## {title}")
    print(f"{'medida':<62} {'mediana':>10} {'p95':>10} {'alvo':>10}")
    ok = True
    for row in rows:
        if len(row) in (3, 4):
            label, stats, target, judged = (*row, "p95") if len(row) == 3 else row
            value, shown = stats[judged], f"{stats['median']:>7.1f} ms {stats['p95']:>7.1f} ms"
            passed = target is None or value <= target
            target_text = "—" if target is None else f"≤ {target:.0f} ms" + (" (med.)" if judged == "median" else "")
        else:
            label, value, target, unit, at_least = row
            shown = f"{value:>8.{2 if value < 1 else 1}f} {unit} {'':>10}"  # 0.075 must not read as 0.1
            passed = value >= target if at_least else value <= target
            target_text = f"{'≥' if at_least else '≤'} {target:g} {unit}"
        ok &= passed
        verdict = "" if target is None else ("ok" if passed else "FORA DO ALVO")
        print(f"{label:<62} {shown} {target_text:>10} {verdict}")
    return ok


def bench_provider(engine, *, code: str, name: str, cnpj_base: str, kind: str, login: str,
                   guide_types: tuple, guides: int, days_back: int, seed_offset: int) -> tuple[int, str]:
    """A provider with `guides` demo guides and a logged-in user; returns (provider id, session token)."""
    with unit_of_work(engine) as db:
        provider = Provider(operator_id=1, code=code, name=name, document=full_cnpj(cnpj_base), kind=kind)
        db.add(provider)
        db.flush()
        add_user(db, login, "Bench", BENCH_PASSWORD, Role.PROVIDER, provider_code=code)
        beneficiaries = list(db.exec(select(Beneficiary.id)))
        generate_guides(db, provider, guide_types, guides, beneficiaries, clock.today(),
                        random.Random(SEED + seed_offset), build_catalogs(random.Random(SEED)),
                        days_back=days_back, chunk=5000)
        provider_id = provider.id
    if engine.dialect.name == "postgresql":
        # A live database has planner statistics (autovacuum); freshly bulk-loaded tables do not.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    with unit_of_work(engine) as db:
        return provider_id, auth.login(db, login, BENCH_PASSWORD)

