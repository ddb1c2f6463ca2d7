"""Helpers shared by the benchmarks: a fresh database with the demo data, and timing."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine


def fresh_database() -> tuple[str, Engine]:
    """A new SQLite file (or BENCH_DATABASE_URL) migrated and loaded with the demo data."""
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tempfile.mkdtemp(prefix='copass-bench-')) / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    from copass_app.db import get_engine, session_scope
    from copass_app.migrations import upgrade
    from copass_app.services.demo import seed_demo

    engine = get_engine()
    if engine.dialect.name == "postgresql":
        from tests.pg import reset_schema

        reset_schema(engine)
    upgrade(url)
    with session_scope(engine) as db:
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

    A row is (label, stats, target_ms) for timings (p95 against the target), or
    (label, value, target, unit, at_least) for ratios such as "≤ 3×" or "≥ 20×".
    """
    print(f"\n## {title}")
    print(f"{'medida':<62} {'mediana':>10} {'p95':>10} {'alvo':>10}")
    ok = True
    for row in rows:
        if len(row) == 3:
            label, stats, target = row
            value, shown = stats["p95"], f"{stats['median']:>7.1f} ms {stats['p95']:>7.1f} ms"
            passed = target is None or value <= target
            target_text = f"≤ {target:.0f} ms" if target is not None else "—"
        else:
            label, value, target, unit, at_least = row
            shown = f"{value:>8.1f} {unit} {'':>10}"
            passed = value >= target if at_least else value <= target
            target_text = f"{'≥' if at_least else '≤'} {target:g} {unit}"
        ok &= passed
        verdict = "" if target is None else ("ok" if passed else "FORA DO ALVO")
        print(f"{label:<62} {shown} {target_text:>10} {verdict}")
    return ok
