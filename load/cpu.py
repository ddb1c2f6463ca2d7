"""Where the machine's CPU went during a measured window, per group of processes: the portal's workers,
PostgreSQL, Redis, this load generator and the rest (from /proc, Linux only).

The load runs on the same machine as the portal, so a latency figure means little without knowing who
used the cores: this is what showed that PostgreSQL's share per action had grown on a database whose
planner statistics were missing, and that the workers' share is most of the rest.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (CPU ticks used so far, command name) of every process still running."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(entry.name)] = (int(fields[11]) + int(fields[12]), name)  # utime + stime
    return found


def _group(pid: int, name: str, workers: set[int]) -> str:
    if pid in workers:
        return "portal (workers)"
    if pid == os.getpid():
        return "gerador de carga"
    if name.startswith("postgres"):
        return "postgresql"
    if name.startswith("redis"):
        return "redis"
    return "outros"


class CpuWindow:
    """`start()`, then `cores(workers)`: cores used by each group since the start (1.0 = one core busy).
    A process that ended during the window is not counted (its ticks left with it)."""

    def __init__(self) -> None:
        self._before: dict[int, tuple[int, str]] = {}
        self._started = 0.0

    def start(self) -> None:
        self._before, self._started = _processes(), time.monotonic()

    def cores(self, workers: set[int] = frozenset()) -> dict[str, float]:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        used: dict[str, float] = {}
        for pid, (ticks, name) in _processes().items():
            spent = ticks - self._before.get(pid, (0, name))[0]
            if spent > 0:
                group = _group(pid, name, workers)
                used[group] = used.get(group, 0.0) + spent / TICKS_PER_SECOND
        return {group: round(seconds / elapsed, 3) for group, seconds in sorted(used.items(), key=lambda x: -x[1])}
