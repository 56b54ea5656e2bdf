"""What translation produces: per device, per rulebook (scope), per unified metric, data points.

Points are kept as plain tuples — ``(attributes, value)`` with attributes a tuple of
``(key, value)`` pairs shared between points of the same row — because a poll makes thousands of
them and an object per point would cost more than the translation itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any

Attrs = tuple[tuple[str, Any], ...]
Point = tuple[Attrs, float | int]


@dataclass(slots=True)
class MetricPoints:
    name: str
    instrument: str           # counter | updowncounter | gauge
    unit: str
    description: str
    points: list[Point] = field(default_factory=list)
    # device timestamps (ns) parallel to points, when the source has them (gNMI); else None
    timestamps: list[int] | None = None
    # rule names that contributed (lineage)
    rules: list[str] = field(default_factory=list)
    # counters: the series whose value came from a column known to be 32 bits wide (Counter32,
    # YANG counter32) - only those wrap at 2^32; any other decrease is a reset (start_times.py)
    counter32: Set[Attrs] | None = None


@dataclass(slots=True)
class ScopeBatch:
    """All points one rulebook made for one device: the OpenTelemetry InstrumentationScope."""

    rulebook_id: str
    rulebook_version: str
    source: str               # snmp | gnmi | xpath | json | cli
    metrics: dict[str, MetricPoints] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(m.points) for m in self.metrics.values())


def _empty_counter() -> Counter[str]:
    """An empty Counter without Counter.__init__ (Python code calling update): the same object,
    several times cheaper, and a translation makes one per rule per poll."""
    return dict.__new__(Counter)


@dataclass
class RuleStat:
    points: int = 0
    skipped: Counter[str] = field(default_factory=_empty_counter)


@dataclass
class DeviceTranslation:
    """One device's translated data: its Resource attributes and its scopes."""

    resource: dict[str, str]
    scopes: list[ScopeBatch]
    time_ns: int
    # when the device (agent) started, from sysUpTime or equivalent: counters' start time
    boot_time_ns: int | None = None
    rule_stats: dict[str, RuleStat] = field(default_factory=dict)
    matched: Any = None       # engine.matching.MatchResult

    def count(self) -> int:
        return sum(s.count() for s in self.scopes)

    def skipped(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for st in self.rule_stats.values():
            total.update(st.skipped)
        return total

    def iter_points(self) -> Any:
        """(scope, metric, attrs dict, value) for tests and tables."""
        for scope in self.scopes:
            for m in scope.metrics.values():
                for attrs, value in m.points:
                    yield scope, m, dict(attrs), value
