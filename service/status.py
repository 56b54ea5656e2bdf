"""What the service knows about each target, for the status page, the live table and self-telemetry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from netrosetta.engine.matching import MatchResult
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.values import OUT_OF_RANGE_REASON

# skip reasons that mean the device sent a bad value (not a rule's choice, like `where`)
INVALID_REASONS = (OUT_OF_RANGE_REASON,)


@dataclass
class TargetStatus:
    key: str
    kind: str
    address: str
    interval: float
    state: str = "pending"          # pending | ok | failed | not-owned
    last_poll: float | None = None  # unix seconds of the last poll's end
    started: float | None = None    # unix seconds the latest poll (maybe still running) started
    duration: float | None = None   # seconds the last poll took
    error: str | None = None
    error_kind: str | None = None
    polls_ok: int = 0
    polls_failed: int = 0
    polls_missed: int = 0           # slots skipped: the previous poll was still running
    polls_late: int = 0             # polls started late (scheduler.PollTiming)
    lag: float = 0.0                # seconds the latest poll started after its slot
    failures: Counter[str] = field(default_factory=Counter)
    points: int = 0                 # data points of the last good poll
    points_total: int = 0
    rulebook: str | None = None
    rulebook_version: str | None = None
    match_reason: str | None = None
    fell_back: bool = False
    metrics: dict[str, int] = field(default_factory=dict)   # unified metric -> points last poll
    # the last good poll whole (~150 KiB for a switch): kept only while something reads it (Poller)
    latest: DeviceTranslation | None = None
    resource: dict[str, str] | None = None   # the device's resource attributes (for its traps)
    # values of the last good poll skipped as invalid (absurd numbers), and since start
    invalid_values: int = 0
    invalid_values_total: int = 0
    warning: str | None = None

    def record_ok(self, t: DeviceTranslation, m: MatchResult, duration: float, now: float,
                  keep: bool = True) -> None:
        self.state, self.last_poll, self.duration = "ok", now, duration
        self.error = self.error_kind = None
        self.polls_ok += 1
        self.points = t.count()
        self.points_total += self.points
        if m.chosen is not None:
            self.rulebook, self.rulebook_version = m.chosen.id, m.chosen.version
        self.match_reason, self.fell_back = m.reason, m.fell_back
        # metrics the rulebook defines but this device gave no data for are left out
        self.metrics = {name: len(mp.points) for s in t.scopes for name, mp in s.metrics.items() if mp.points}
        self.latest = t if keep else None
        self.resource = t.resource
        skipped = t.skipped()
        self.invalid_values = sum(skipped.get(r, 0) for r in INVALID_REASONS)
        self.invalid_values_total += self.invalid_values
        self.warning = (f"{self.invalid_values} value(s) skipped: {', '.join(r for r in INVALID_REASONS if skipped.get(r))}"
                        " (netrosetta explain shows which rule)") if self.invalid_values else None

    def record_failure(self, message: str, kind: str, duration: float, now: float) -> None:
        self.state, self.last_poll, self.duration = "failed", now, duration
        self.error, self.error_kind = message, kind
        self.polls_failed += 1
        self.failures[kind] += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "kind": self.kind, "address": self.address, "interval": self.interval,
            "state": self.state, "last_poll": self.last_poll, "duration": self.duration,
            "error": self.error, "error_kind": self.error_kind, "polls_ok": self.polls_ok,
            "polls_failed": self.polls_failed, "polls_missed": self.polls_missed,
            "polls_late": self.polls_late, "lag": round(self.lag, 3), "failures": dict(self.failures), "points": self.points,
            "points_total": self.points_total, "rulebook": self.rulebook,
            "rulebook_version": self.rulebook_version, "match_reason": self.match_reason,
            "fell_back": self.fell_back, "metrics": self.metrics, "warning": self.warning,
            "invalid_values": self.invalid_values, "invalid_values_total": self.invalid_values_total,
        }
