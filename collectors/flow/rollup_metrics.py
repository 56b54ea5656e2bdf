"""Rollups as OTLP metrics, in the engine's output types (so exporter.otlp encodes them).

One DeviceTranslation per flush: the collector as Resource, scope ``netrosetta/flow-rollups``,
one gauge per rollup named ``netrosetta.flow.rollup.<name>`` whose points are the interval's
groups; dimensions use the OTel names the flow logs use (``source.address``...). A gauge, not a
counter: each point is that interval's own aggregate, not a running total.
"""

from __future__ import annotations

from netrosetta.collectors.flow.otlp_logs import NAMESPACE, SEMCONV
from netrosetta.collectors.flow.rollups import RollupResult
from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch

SCOPE = "netrosetta/flow-rollups"
UNITS = {"bytes": "By", "out_bytes": "By", "packets": "{packet}", "out_packets": "{packet}", "flows": "{flow}"}


def _unit(r: RollupResult) -> str:
    if r.spec.method == "count":
        return "{flow}"
    if r.spec.method == "unique":
        return "{value}"
    units = {UNITS.get(m.removeprefix("s_"), "1") for m in r.spec.metrics}
    return units.pop() if len(units) == 1 else "1"


def rollups_to_translation(results: list[RollupResult], resource: dict[str, str] | None = None) -> DeviceTranslation:
    scope = ScopeBatch(SCOPE, "1", "flow")
    end = max((r.end_ns for r in results), default=0)
    for r in results:
        name = f"netrosetta.flow.rollup.{r.spec.name}"
        desc = f"{r.spec.method} of {'+'.join(r.spec.metrics)} by {', '.join(r.spec.dims) or 'all'}"
        mp = MetricPoints(name, "gauge", _unit(r), desc)
        for row in r.rows:
            attrs = tuple(sorted((SEMCONV.get(k, NAMESPACE + k), v) for k, v in row.dims.items()))
            mp.points.append((attrs, row.value))
        if mp.points:
            scope.metrics[name] = mp
    res = {"service.name": "netrosetta-flow", **(resource or {})}
    return DeviceTranslation(res, [scope] if scope.metrics else [], end or 0)


class RollupMetricsOutput:
    """Sends each rollup flush through an exporter.sinks Sink (OTLP gRPC/HTTP or JSON lines), or
    the service's delivery entry. Each point starts at its window's start and ends at its end."""

    flows = False
    rollups = True

    def __init__(self, sink: object, resource: dict[str, str] | None = None) -> None:
        self.sink = sink
        self.resource = resource

    def write(self, batch: object) -> int:
        return 0

    def write_rollups(self, results: list[RollupResult]) -> None:
        from netrosetta.exporter.otlp import build_request

        t = rollups_to_translation(results, self.resource)
        if t.scopes:
            start = min(r.start_ns for r in results)
            self.sink.export(build_request([t], window_start_ns=start))  # type: ignore[attr-defined]

    def write_metrics(self, translations: list[DeviceTranslation]) -> None:
        """Engine output (sFlow counters as hw.network.* metrics) through the same sink."""
        from netrosetta.exporter.otlp import build_request

        if any(t.scopes for t in translations):
            self.sink.export(build_request(translations))  # type: ignore[attr-defined]

    def close(self) -> None:
        shut = getattr(self.sink, "shutdown", None)
        if shut:
            shut()
