"""Benchmark of the offline TISS checks on a 100-guide SP/SADT lot (~0.4 MB).

    python bench/tiss_bench.py [--runs N] [--pytiss-runs N] [--startup-rounds N]

Prints, side by side and in one run, the median time (ms) of:
  * bare lxml: parse + XSD validation (the floor for any XSD-validating reader);
  * the portal's checks 1–5 (`validate_lot`: safe parse, encoding, XSD, hash,
    header, guide count and totals, and the extraction of every guide);
  * pytiss's own validator (`pytiss.XSDValidator`, built on xmlschema).
`bench_lines()` returns the same rows so the whole pipeline (with database) can add its own.

`startup_figures()` times whole commands, as a provider's IT runs them: `copass validate` on one
lot (start-up included), then `copass validate` and the PyPI `tiss` package's own command
(`tiss validate`) on the same 30 lots, each in one process, taken in turn (ours, theirs, ours...)
so the ratio holds on a busy machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree

from copass_app.tiss.messages import build_lot
from copass_app.tiss.model import GUIDE_SP_SADT
from copass_app.tiss.schema import get_schema
from copass_app.tiss.validation import validate_lot
from tests.corpus.samples import sample_lot

Row = tuple[str, float]


STARTUP_LOTS = 30


def bench_lot(lot_number: str = "BENCH1") -> bytes:
    """100 SP/SADT guides, 4 items each (exams, medicines, a fee): about 0.4 MB."""
    return build_lot(sample_lot(GUIDE_SP_SADT, guides=100, items_per_guide=4, lot_number=lot_number))


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved_medians(actions: list[tuple[str, Callable[[], object], int]], rounds: int) -> list[Row]:
    """Median ms of each (label, action, runs), the runs spread over the same rounds.

    Interleaving keeps a burst of load on the machine from landing on one row
    only, so the ratios between rows stay meaningful on a busy host.
    """
    times: dict[str, list[float]] = {label: [] for label, _, _ in actions}
    for _, action, _ in actions:
        action()  # warm-up: schema loaded, caches filled
    for step in range(rounds):
        for label, action, runs in actions:
            if step * runs // rounds != (step + 1) * runs // rounds:  # `runs` evenly spread over the rounds
                times[label].append(_timed(action))
    return [(label, statistics.median(times[label]) * 1000) for label, _, _ in actions]


def bare_lxml(data: bytes) -> None:
    schema = get_schema()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if not schema.validate(etree.fromstring(data, parser).getroottree()):
        raise AssertionError("o lote de benchmark deveria ser válido")


def portal_checks(data: bytes) -> None:
    if not validate_lot(data).valid:
        raise AssertionError("o lote de benchmark deveria ser válido")


def portal_checks_and_guides(data: bytes) -> None:
    """What an upload costs before the database: checks 1–5 plus every guide read (check 6's input)."""
    result = validate_lot(data)
    if not result.valid or len(result.guides) != 100:
        raise AssertionError("o lote de benchmark deveria ser válido, com 100 guias")


def pytiss_validator(data: bytes) -> None:
    from pytiss import XSDValidator

    if not XSDValidator().validate(data).is_valid:
        raise AssertionError("o pytiss deveria aceitar o lote de benchmark")


def bench_lines(runs: int = 31, pytiss_runs: int = 7, data: bytes | None = None) -> list[Row]:
    """(label, median ms) rows: bare lxml, the portal's checks 1–5 (alone, then with the guides
    read for check 6), pytiss's validator. The first row is the baseline of the ratios."""
    data = data or bench_lot()
    return interleaved_medians([
        ("lxml puro: parse + XSD", lambda: bare_lxml(data), runs),
        ("portal: verificações 1-5 (validate_lot)", lambda: portal_checks(data), runs),
        ("portal: 1-5 + leitura das 100 guias (result.guides)", lambda: portal_checks_and_guides(data), runs),
        ("pytiss: XSDValidator", lambda: pytiss_validator(data), pytiss_runs),
    ], rounds=max(runs, pytiss_runs))


def _command(name: str, module: str) -> list[str]:
    """The installed console script next to this interpreter, else `python -m module`."""
    script = Path(sys.executable).parent / name
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


OURS = _command("copass", "copass_app.cli") + ["validate"]
THEIRS = _command("tiss", "tiss") + ["validate"]


def _run_seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def startup_figures(rounds: int = 7, lots: int = STARTUP_LOTS) -> dict[str, float]:
    """Whole-process seconds (medians): `one` = copass validate on one lot; `ours`/`theirs` = the 30
    lots in one run; `ratio` = median of ours/theirs taken pair by pair."""
    with tempfile.TemporaryDirectory(prefix="copass-validate-") as folder:
        paths = []
        for number in range(1, lots + 1):
            path = Path(folder) / f"lote-{number:02d}.xml"
            path.write_bytes(bench_lot(f"BENCH{number:02d}"))
            paths.append(str(path))
        ours, theirs = OURS + paths, THEIRS + paths
        for command in (OURS + paths[:1], ours, theirs):  # warm-up: files and bytecode in cache
            _run_seconds(command)
        one, pairs = [], []
        for _ in range(rounds):
            one.append(_run_seconds(OURS + paths[:1]))
            pairs.append((_run_seconds(ours), _run_seconds(theirs)))
    return {
        "one": statistics.median(one),
        "ours": statistics.median(a for a, _ in pairs),
        "theirs": statistics.median(b for _, b in pairs),
        "ratio": statistics.median(a / b for a, b in pairs),
        "one_max": max(one),
    }


def format_startup(figures: dict[str, float], lots: int = STARTUP_LOTS) -> str:
    return "\n".join([
        "Comando inteiro (mediana, início do processo incluído)",
        f"  copass validate, 1 lote de 100 guias      {figures['one'] * 1000:8.0f} ms",
        f"  copass validate, {lots} lotes num processo   {figures['ours'] * 1000:8.0f} ms",
        f"  tiss validate (PyPI), os mesmos {lots} lotes {figures['theirs'] * 1000:8.0f} ms",
        f"  copass / tiss, par a par:                  {figures['ratio']:8.3f} (meta: <= 0.12)",
    ])


def format_lines(rows: list[Row], size: int) -> str:
    baseline = rows[0][1]
    width = max(len(label) for label, _ in rows)
    lines = [f"Lote SP/SADT de 100 guias, {size / 1024:.0f} KB (mediana, ms)"]
    for label, ms in rows:
        lines.append(f"  {label:<{width}}  {ms:9.1f} ms  {ms / baseline:6.2f}x lxml puro")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--pytiss-runs", type=int, default=7)
    parser.add_argument("--startup-rounds", type=int, default=7, help="0: skip the whole-command figures")
    args = parser.parse_args(argv)
    data = bench_lot()
    rows = bench_lines(args.runs, args.pytiss_runs, data)
    print(format_lines(rows, len(data)))
    checks, pytiss = rows[1][1], rows[-1][1]
    print(f"  verificações 1-5 / lxml puro: {checks / rows[0][1]:.2f}x (meta: <= 3x)")
    print(f"  pytiss / verificações 1-5:    {pytiss / checks:.1f}x (meta: >= 20x)")
    if args.startup_rounds:
        print(format_startup(startup_figures(args.startup_rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
