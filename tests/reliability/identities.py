"""Exact data point identities for delivery guarantees: what instances made vs what a backend received.

An identity is (resource host.name, metric, attributes, time ns): a poll's point is made once, so the
same identity twice at the backend is a duplicate (at-least-once delivery), never a new point.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.json_format import ParseDict
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from .harness import Received

Identity = tuple[str, str, str, int]


def identities(rx: Received) -> Counter[Identity]:
    """Every device data point (self-telemetry excluded) with how often it arrived."""
    return Counter((dev, m, a, ts) for dev, m, a, _s, ts, _v in rx.points())


def read_record(path: Path) -> Received:
    """An OTLP/JSON lines file (the cluster's record_file) as if a backend had received it."""
    rx = Received()
    if not path.exists():
        return rx
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rx.add(ParseDict(json.loads(line), ExportMetricsServiceRequest()))
        except ValueError as exc:
            raise AssertionError(f"{path}:{n}: not an OTLP/JSON request: {exc}") from None
    return rx


@dataclass
class Comparison:
    made: Counter[Identity]
    received: Counter[Identity]

    @property
    def missing(self) -> set[Identity]:
        return set(self.made) - set(self.received)

    @property
    def invented(self) -> set[Identity]:
        return set(self.received) - set(self.made)

    @property
    def made_twice(self) -> int:
        return sum(n - 1 for n in self.made.values() if n > 1)

    @property
    def duplicates(self) -> int:
        """Extra copies at the backend (at-least-once): arrivals beyond the first per identity."""
        return sum(n - 1 for n in self.received.values() if n > 1)

    def describe(self) -> str:
        return (f"made {len(self.made)} identities, received {len(self.received)} "
                f"({sum(self.received.values())} arrivals, {self.duplicates} duplicates); "
                f"missing {len(self.missing)} e.g. {sorted(self.missing)[:3]}; "
                f"invented {len(self.invented)} e.g. {sorted(self.invented)[:3]}")


def compare(records: list[Path], rx: Received) -> Comparison:
    made: Counter[Identity] = Counter()
    for p in records:
        made.update(identities(read_record(p)))
    return Comparison(made, identities(rx))


def makers(records: dict[str, Path]) -> dict[tuple[str, int], set[str]]:
    """(device, poll time ns) -> the instances whose record holds a point of that poll."""
    out: dict[tuple[str, int], set[str]] = {}
    for inst, p in records.items():
        for dev, _m, _a, _s, ts, _v in read_record(p).points():
            out.setdefault((dev, ts), set()).add(inst)
    return out
