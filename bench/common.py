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
        from tests.conftest import _reset_postgres

        _reset_postgres(engine)
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


def report(title: str, rows: list[tuple[str, dict[str, float], float | None]]) -> bool:
    """Prints one table; returns False when a target is missed."""
    print(f"\n## {title}")
    print(f"{'medida':<62} {'mediana':>9} {'p95':>9} {'alvo':>9}")
    ok = True
    for label, stats, target in rows:
        verdict = ""
        if target is not None:
            passed = stats["p95"] <= target
            ok &= passed
            verdict = "ok" if passed else "ACIMA DO ALVO"
        target_text = f"{target:.0f} ms" if target is not None else "—"
        print(f"{label:<62} {stats['median']:>6.1f} ms {stats['p95']:>6.1f} ms {target_text:>9} {verdict}")
    return ok
