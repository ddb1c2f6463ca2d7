"""What a load run measured: per action the latencies (ms), the errors by reason and the outcomes."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ordered list (0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    outcomes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    counting: bool = True  # False during the ramp-up: its actions are not in the steady-state figures
    timeline: list[tuple[float, str, str]] = field(default_factory=list)  # (seconds, action, error) of each error

    def reset(self) -> None:
        """A new measurement window (the timeline of errors is kept whole)."""
        self.latencies.clear()
        self.errors.clear()
        self.outcomes.clear()

    def latency(self, action: str, ms: float) -> None:
        if self.counting:
            self.latencies[action].append(ms)

    def error(self, action: str, reason: str) -> None:
        self.timeline.append((round(time.monotonic() - self.started, 2), action, reason))
        if self.counting:
            self.errors[action][reason] += 1

    def event(self, action: str, outcome: str) -> None:
        """Something that happened and is neither a latency nor an error (a refusal, a disconnect)."""
        if self.counting:
            self.outcomes[action][outcome] += 1

    def summary(self, seconds: float) -> dict:
        actions = {}
        for action in sorted(set(self.latencies) | set(self.errors) | set(self.outcomes)):
            ordered = sorted(self.latencies.get(action, []))
            actions[action] = {
                "count": len(ordered), "errors": sum(self.errors.get(action, Counter()).values()),
                "p50_ms": round(percentile(ordered, 0.50), 1), "p95_ms": round(percentile(ordered, 0.95), 1),
                "p99_ms": round(percentile(ordered, 0.99), 1), "max_ms": round(ordered[-1], 1) if ordered else 0.0,
                "error_reasons": dict(self.errors.get(action, {})), "outcomes": dict(self.outcomes.get(action, {})),
            }
        # Event latency overall: the websocket actions (the API upload is an HTTP request, shown on its own).
        events = sorted(ms for action, values in self.latencies.items() if action != "api_upload" for ms in values)
        total_events = sum(a["count"] for name, a in actions.items() if name != "api_upload")
        return {
            "events": total_events, "events_per_s": round(total_events / seconds, 1) if seconds else 0.0,
            "p50_ms": round(percentile(events, 0.50), 1), "p95_ms": round(percentile(events, 0.95), 1),
            "p99_ms": round(percentile(events, 0.99), 1),
            "errors": sum(a["errors"] for a in actions.values()), "actions": actions,
        }


def table(summary: dict) -> str:
    lines = [f"{'ação':<18} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'máx ms':>8} {'erros':>6}  detalhes"]
    for name, a in summary["actions"].items():
        details = ", ".join(f"{k}: {v}" for k, v in {**a["error_reasons"], **a["outcomes"]}.items())
        lines.append(f"{name:<18} {a['count']:>7} {a['p50_ms']:>8.1f} {a['p95_ms']:>8.1f} {a['p99_ms']:>8.1f} "
                     f"{a['max_ms']:>8.1f} {a['errors']:>6}  {details}")
    lines.append(f"{'eventos (websocket)':<18} {summary['events']:>7} {summary['p50_ms']:>8.1f} "
                 f"{summary['p95_ms']:>8.1f} {summary['p99_ms']:>8.1f} {'':>8} {summary['errors']:>6}  "
                 f"{summary['events_per_s']} eventos/s")
    return "\n".join(lines)
