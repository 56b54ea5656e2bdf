"""After decoding: filters, rollups, outputs (replicated to each), sFlow counters to metrics.

Rollup windows are aligned to multiples of ``rollup_interval`` (wall clock) and closed by a timer
thread at each boundary, whether or not data arrives; a batch processed after a boundary counts
in the new window. Empty windows emit nothing; ``close()`` emits the last (partial) window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoding import CounterSample, DecodeResult
from netrosetta.collectors.flow.record import FlowBatch
from netrosetta.collectors.flow.rollups import Rollup, RollupResult

log = logging.getLogger(__name__)


class FlowOutput(Protocol):
    def write(self, batch: FlowBatch) -> int: ...
    def close(self) -> None: ...


class RollupSink(Protocol):
    def write_rollups(self, results: list[RollupResult]) -> None: ...


class FlowPipeline:
    """Applies a FlowListenerConfig's processing to decode results, then fans out to outputs."""

    def __init__(self, cfg: FlowListenerConfig, outputs: list[Any] | None = None,
                 on_counters: Callable[[list[CounterSample]], None] | None = None,
                 interfaces: Any = None) -> None:
        """``interfaces``: an enrichment.InterfaceProvider (the service's SNMP interface table);
        ``on_counters``: where sFlow counter samples go (default: through the engine to the
        outputs that take metrics)."""
        self.cfg = cfg
        self.interfaces = interfaces
        self.geo = None
        if cfg.geo.enabled():
            from netrosetta.collectors.flow.geo import GeoEnricher
            self.geo = GeoEnricher(cfg.geo)
        self.filters = cfg.build_filters()
        self.columns = cfg.build_columns()
        self.rollups = [Rollup(s) for s in cfg.build_rollups()]
        self.outputs = outputs if outputs is not None else build_outputs(cfg)
        self.on_counters = on_counters if on_counters is not None else self._counters_to_outputs
        self.flows_in = 0
        self.flows_out = 0
        # process() (receive thread) and the window timer both reach rollups and outputs
        self._lock = threading.RLock()
        self._interval_ns = max(1, int(cfg.rollup_interval * 1e9))
        self._window_end = self._next_boundary(time.time_ns())
        for r in self.rollups:
            r.start_ns = self._window_end - self._interval_ns
        self._closed = threading.Event()
        self._timer: threading.Thread | None = None
        if self.rollups:
            self._timer = threading.Thread(target=self._run_timer, name="flow-rollup-timer", daemon=True)
            self._timer.start()

    def _next_boundary(self, now_ns: int) -> int:
        return (now_ns // self._interval_ns + 1) * self._interval_ns

    def _run_timer(self) -> None:
        """Close each window at its boundary, even when no datagram arrives."""
        while not self._closed.is_set():
            delay = (self._window_end - time.time_ns()) / 1e9
            if delay > 0:  # re-checked at least every interval (the wall clock may be stepped)
                self._closed.wait(min(delay, self.cfg.rollup_interval))
                continue
            try:
                self.tick()
            except Exception:  # an output failing must not stop the windows; the window has moved on
                log.exception("flow rollup flush failed")

    def process(self, res: DecodeResult) -> None:
        with self._lock:
            if self.rollups:
                self.tick()  # a window whose boundary has passed closes before this batch counts
            self._process(res)

    def _process(self, res: DecodeResult) -> None:
        self.flows_in += len(res.flows)
        flows = res.flows
        if self.geo is not None and len(flows):      # before filters and rollups: both may use them
            flows = self.geo.enrich(flows)
        flows = self.filters.apply(flows)
        for r in self.rollups:
            r.add(flows)
        if len(flows):
            if self.interfaces is not None:
                from netrosetta.collectors.flow.enrichment import enrich
                flows = enrich(flows, self.interfaces)
            flows = self.columns.apply(flows)
            for out in self.outputs:
                if getattr(out, "flows", True):
                    out.write(flows)
            self.flows_out += len(flows)
        if res.counters:
            self.on_counters(res.counters)

    def _counters_to_outputs(self, samples: list[CounterSample]) -> None:
        takers = [o for o in self.outputs if hasattr(o, "write_metrics") or hasattr(o, "write_counters")]
        if not takers:
            return
        translations = None
        for out in takers:
            if hasattr(out, "write_metrics"):
                if translations is None:
                    from netrosetta.collectors.flow.sflow_counters import translate_counters
                    translations = translate_counters(samples, rulebook_id=self.cfg.counters_rulebook,
                                                      interfaces=self.interfaces)
                out.write_metrics(translations)
            else:
                out.write_counters(samples)

    def tick(self, force: bool = False) -> list[RollupResult]:
        """Close the rollup window if its boundary has passed (``force``: close it now, as at
        shutdown) and send the non-empty results to the outputs; returns what was sent."""
        if not self.rollups:
            return []
        with self._lock:
            now = time.time_ns()
            if now >= self._window_end:  # boundary passed: the window ends there
                end = self._window_end
                self._window_end = self._next_boundary(now)  # windows skipped meanwhile were empty
                start = self._window_end - self._interval_ns
            elif force or now < self._window_end - self._interval_ns:  # shutdown, or clock stepped back
                end = start = now
                self._window_end = self._next_boundary(now)
            else:
                return []
            results = []
            for r in self.rollups:
                results.append(r.flush(end))
                r.start_ns = start
            results = [r for r in results if r.rows]
            if not results:  # an empty window emits nothing
                return []
            for out in self.outputs:
                w = getattr(out, "write_rollups", None)
                if w is not None and getattr(out, "rollups", True):
                    w(results)
            return results

    def close(self) -> None:
        self._closed.set()
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.join(10)
        with self._lock:
            self.tick(force=True)
            for out in self.outputs:
                out.close()


def build_outputs(cfg: FlowListenerConfig, service_sink: Any = None) -> list[Any]:
    """The listener's outputs. ``service_sink`` (inside the service): where an ``otlp`` output
    without an endpoint sends raw flows, the service's delivery; its rollups and sFlow counters
    leave there anyway. Outside the service such an output uses OTEL_EXPORTER_OTLP_*."""
    from netrosetta.collectors.flow.otlp_logs import JsonLinesOutput, OtlpLogOutput
    from netrosetta.errors import NetrosettaError

    outs: list[Any] = []
    for o in cfg.outputs:
        if o.type == "jsonl":
            try:
                out: Any = JsonLinesOutput(o.path)
            except OSError as exc:
                raise NetrosettaError(f"cannot open output: {exc.strerror}", file=o.path) from None
            out.flows, out.rollups = o.flows, o.rollups
            outs.append(out)
            continue
        if o.endpoint is None and service_sink is not None:
            if o.flows:
                outs.append(OtlpLogOutput(service_sink))
            continue
        sink = _otlp_sink(o.endpoint, o.protocol)
        if o.flows:
            outs.append(OtlpLogOutput(sink))
        if o.rollups:  # rollups and sFlow counters leave as OTLP metrics to the same endpoint
            from netrosetta.collectors.flow.rollup_metrics import RollupMetricsOutput
            outs.append(RollupMetricsOutput(sink))
    return outs


def _otlp_sink(endpoint: str | None, protocol: str) -> Any:
    """One sink per otlp output, for its logs and its metrics (gRPC: one channel; HTTP: the
    configured URL for logs, …/v1/metrics beside it)."""
    from netrosetta.errors import NetrosettaError
    from netrosetta.exporter.otlp_env import env, sibling_url
    from netrosetta.exporter.sinks import OtlpGrpcSink, OtlpHttpSink

    if endpoint is None and not env("ENDPOINT", "logs"):
        raise NetrosettaError("otlp output needs an endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT)")
    if protocol == "grpc":
        return OtlpGrpcSink(endpoint, insecure=True if endpoint else None)
    if endpoint is None:
        return OtlpHttpSink()
    return OtlpHttpSink(sibling_url(endpoint, "metrics"), logs_endpoint=endpoint)
