"""Self-telemetry: the service's own counters as one more device, exported through the same outputs."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from netrosetta import __version__
from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.exporter.otlp_wire import DROP_REASON, DROPPED

from . import gc_stats

if TYPE_CHECKING:
    from .delivery import Delivery
    from .spill import Orphan
    from .status import TargetStatus

SCOPE = "netrosetta.service"


def _mp(name: str, instrument: str, unit: str, description: str) -> MetricPoints:
    return MetricPoints(name, instrument, unit, description)


def self_translation(instance: str, started_ns: int, targets: Iterable[TargetStatus],
                     deliveries: Iterable[Delivery], translated_points: int,
                     extra_counters: dict[str, dict[tuple[tuple[str, str], ...], int]] | None = None,
                     extra_gauges: dict[str, dict[tuple[tuple[str, str], ...], int]] | None = None,
                     health: Iterable[tuple[str, bool]] = (), orphans: Iterable[Orphan] = ()
                     ) -> DeviceTranslation:
    polls = _mp("netrosetta.polls", "counter", "{poll}", "polls per target and outcome")
    duration = _mp("netrosetta.poll.duration", "gauge", "s", "duration of the last poll per target")
    points = _mp("netrosetta.points.translated", "counter", "{point}", "data points translated")
    depth = _mp("netrosetta.queue.depth", "gauge", "{batch}", "batches waiting per output (memory + disk)")
    errors = _mp("netrosetta.export.errors", "counter", "{error}", "failed export attempts per output")
    exported = _mp("netrosetta.export.points", "counter", "{point}", "data points the backend accepted")
    drops = _mp("netrosetta.dropped.points", "counter", "{point}", "data points dropped (buffer exhausted)")
    spill = _mp("netrosetta.spill.size", "gauge", "By", "disk usage of the on-disk buffer per output")
    invalid = _mp("netrosetta.values.invalid", "counter", "{value}",
                  "device values skipped as invalid (out of range for their type or for OTLP) per target")
    checks = _mp("netrosetta.health", "gauge", "1", "1 when a readiness check passes, 0 when it fails")
    orphaned = _mp("netrosetta.spill.orphaned", "gauge", "By",
                   "disk usage of spill folders no configured output owns (not delivered)")
    missed = _mp("netrosetta.poll.missed", "counter", "{poll}",
                 "poll slots skipped because the target's previous poll was still running")
    late = _mp("netrosetta.poll.late", "counter", "{poll}",
               "polls started later than a tenth of their interval after their slot")
    lag = _mp("netrosetta.poll.lag", "gauge", "s", "the largest delay of a target's latest poll start")
    gc_n = _mp("netrosetta.gc.collections", "counter", "{collection}", "garbage collections per generation")
    gc_s = _mp("netrosetta.gc.time", "counter", "s", "time spent in garbage collection per generation")
    for g, (n, sec) in enumerate(zip(gc_stats.STATS.collections, gc_stats.STATS.seconds, strict=True)):
        a = (("netrosetta.gc.generation", str(g)),)
        gc_n.points.append((a, n))
        gc_s.points.append((a, round(sec, 6)))
    for o in orphans:
        orphaned.points.append(((("netrosetta.spill.folder", o.folder.name),), o.bytes))
    for name, ok in health:
        checks.points.append(((("netrosetta.check", name),), int(ok)))
    n_missed = n_late = 0
    max_lag = 0.0
    for t in targets:
        n_missed, n_late, max_lag = n_missed + t.polls_missed, n_late + t.polls_late, max(max_lag, t.lag)
        a = (("netrosetta.target", t.key),)
        polls.points.append(((*a, ("outcome", "ok")), t.polls_ok))
        polls.points.append(((*a, ("outcome", "failed")), t.polls_failed))
        if t.duration is not None:
            duration.points.append((a, round(t.duration, 6)))
        invalid.points.append((a, t.invalid_values_total))
    points.points.append(((), translated_points))
    missed.points.append(((), n_missed))
    late.points.append(((), n_late))
    lag.points.append(((), round(max_lag, 6)))
    unencodable = sum(DROPPED.values())
    if unencodable:
        invalid.points.append(((("netrosetta.target", "-"), ("reason", DROP_REASON)), unencodable))
    for d in deliveries:
        a = (("netrosetta.output", d.name),)
        depth.points.append((a, d.depth()))
        errors.points.append((a, d.stats.export_errors))
        exported.points.append((a, d.stats.exported_points))
        drops.points.append((a, d.stats.dropped_points))
        if d.spill is not None:
            spill.points.append((a, d.spill.bytes))
    scope = ScopeBatch(SCOPE, __version__, "self")
    for mp in (polls, duration, points, depth, errors, exported, drops, spill, invalid, checks, orphaned,
               missed, late, lag, gc_n, gc_s):
        scope.metrics[mp.name] = mp
    for name, series in (extra_counters or {}).items():
        mp = scope.metrics[name] = _mp(name, "counter", "1", name)
        mp.points.extend((attrs, v) for attrs, v in series.items())
    for name, series in (extra_gauges or {}).items():
        mp = scope.metrics[name] = _mp(name, "gauge", "1", name)
        mp.points.extend((attrs, v) for attrs, v in series.items())
    resource = {"service.name": "netrosetta", "service.instance.id": instance, "service.version": __version__,
                "host.name": f"netrosetta/{instance}"}
    return DeviceTranslation(resource, [scope], time.time_ns(), started_ns)
