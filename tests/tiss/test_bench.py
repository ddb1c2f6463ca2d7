"""The benchmark runs and reports its rows (timings are checked by running it, not here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "tiss_bench.py"


def test_bench_lines_reports_each_row():
    spec = importlib.util.spec_from_file_location("tiss_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    data = bench.bench_lot()
    assert 350_000 < len(data) < 500_000
    rows = bench.bench_lines(runs=1, pytiss_runs=1, data=data)
    assert [label.split(":")[0] for label, _ in rows] == ["lxml puro", "portal", "portal", "pytiss"]
    assert all(ms > 0 for _, ms in rows)
    assert "x lxml puro" in bench.format_lines(rows, len(data))


def test_startup_figures_time_both_commands_on_the_same_lots():
    spec = importlib.util.spec_from_file_location("tiss_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.startup_figures(rounds=1, lots=2)
    assert set(figures) == {"one", "ours", "theirs", "ratio", "one_max"}
    assert all(value > 0 for value in figures.values())
    assert "copass / tiss" in bench.format_startup(figures, lots=2)
