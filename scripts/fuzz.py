#!/usr/bin/env python
"""Fuzz the portal's hostile-input surfaces for a bounded time.

    .venv/bin/python scripts/fuzz.py --seconds 60 --target all

Targets (the checks of tests/fuzz/checks.py, the strategies of tests/fuzz/strategies.py):
  xml    the XML pipeline (validate_lot: parser, XSD messages, hash, totals) on random bytes and
         mutations of every corpus file, now and then under tracemalloc; and check 6
         (lot_rules.check_lot) on mutated, rehashed, schema-valid lots of a real provider
  input  every typed-input parser, and the search and filter fields on a real SQLite database

Hypothesis runs each target in rounds of a few dozen examples with a fresh random seed until the
time is up. A failing input is shrunk and saved under tests/fuzz/regressions/ (one file per input,
replayed by tests/fuzz/test_regressions.py); the script then exits 1. Exit 0: no finding.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TMP = Path(tempfile.mkdtemp(prefix="copass-fuzz-"))
# The app reads its database from the environment when first imported: a throwaway SQLite file.
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'fuzz.db'}"
os.environ["COPASS_PRIVATE_DIR"] = str(_TMP / "private")
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests.fuzz import checks, regressions  # noqa: E402
from tests.fuzz.strategies import LEAK_MARKER, hostile_text, typed_value, xml_input  # noqa: E402

ROUND = {"xml": 40, "memory": 5, "rules": 20, "input": 200, "search": 20}
GROUPS = {"xml": ("xml", "memory", "rules"), "input": ("input", "search")}


class Fuzzer:
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.examples: Counter[str] = Counter()
        self.findings: dict[tuple[str, str], object] = {}  # (target, signature) -> smallest failing input
        self.round_found = False  # a check failed in the current round (so its exception is a finding)
        self.saved: list[Path] = []
        marker = _TMP / "segredo.txt"
        marker.write_text(f"{LEAK_MARKER}\n", encoding="ascii")
        self.marker = str(marker)
        self._worlds = None

    @property
    def worlds(self):
        if self._worlds is None:
            from sqlmodel import Session

            from copass_app.db import get_engine
            from copass_app.migrations import upgrade
            from tests.fuzz.worlds import build_worlds

            upgrade(os.environ["DATABASE_URL"])
            self._worlds = build_worlds(Session(get_engine(), expire_on_commit=False))
        return self._worlds

    def _recorded(self, target: str, check):
        """The check, counting examples and remembering the last failing input of each kind of failure."""
        def run(value: object) -> None:
            self.examples[target] += 1
            try:
                check(value)
            except Exception as exc:
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                self.findings[(target, f"{type(exc).__name__} {frame.filename}:{frame.lineno}")] = value
                self.round_found = True
                raise
        return run

    def _strategy_and_check(self, target: str):
        if target == "xml":
            return xml_input(self.marker), checks.check_xml
        if target == "memory":
            return xml_input(self.marker), checks.check_xml_memory
        if target == "input":
            return typed_value(), checks.check_typed_input
        search_world, rules_world = self.worlds
        if target == "search":
            return hostile_text(max_size=120), lambda term: checks.check_search(search_world, term)
        from tests.fuzz.worlds import rules_lot

        return rules_lot(rules_world.lot), lambda data: checks.check_rules(rules_world, data)

    def round(self, target: str) -> None:
        strategy, check = self._strategy_and_check(target)
        run = self._recorded(target, check)

        @settings(max_examples=ROUND[target], deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=True)
        @given(value=strategy)
        def fuzz(value: object) -> None:
            run(value)

        self.round_found = False
        try:
            fuzz()
        except Exception:
            # A failing check was recorded above and hypothesis raises it again after shrinking; any other
            # error is the fuzzer's own and must not pass for a clean round.
            if not self.round_found:
                raise

    def run(self, targets: list[str]) -> int:
        while time.monotonic() < self.deadline:
            for target in targets:
                if time.monotonic() >= self.deadline:
                    break
                self.round(target)
        for (target, signature), value in self.findings.items():
            path = regressions.save(target if target != "memory" else "xml", value)
            self.saved.append(path)
            print(f"ACHADO {target}: {signature} -> {path.relative_to(ROOT)}")
        return 1 if self.findings else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="tempo total de fuzzing (padrão 60)")
    parser.add_argument("--target", choices=["xml", "input", "all"], default="all")
    args = parser.parse_args(argv)
    started = time.monotonic()
    targets = [t for group, names in GROUPS.items() if args.target in (group, "all") for t in names]
    fuzzer = Fuzzer(started + args.seconds)
    status = fuzzer.run(targets)
    elapsed = time.monotonic() - started
    counts = ", ".join(f"{t}={fuzzer.examples[t]}" for t in targets)
    print(f"fuzz: {sum(fuzzer.examples.values())} exemplos em {elapsed:.0f} s ({counts}); "
          f"{len(fuzzer.findings)} achado(s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
