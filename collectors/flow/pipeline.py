"""After decoding: filters, rollups, outputs (replicated to each), sFlow counters to metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoder import CounterSample, DecodeResult
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
        self.filters = cfg.build_filters()
        self.columns = cfg.build_columns()
        self.rollups = [Rollup(s) for s in cfg.build_rollups()]
        self.outputs = outputs if outputs is not None else build_outputs(cfg)
        self.on_counters = on_counters if on_counters is not None else self._counters_to_outputs
        self.last_flush = time.monotonic()
        self.flows_in = 0
        self.flows_out = 0

    def process(self, res: DecodeResult) -> None:
        self.flows_in += len(res.flows)
        flows = self.filters.apply(res.flows)
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
        self.tick()

    def _counters_to_outputs(self, samples: list[CounterSample]) -> None:
        takers = [o for o in self.outputs if hasattr(o, "write_metrics") or hasattr(o, "write_counters")]
        if not takers:
            return
        translations = None
        for out in takers:
            if hasattr(out, "write_metrics"):
                if translations is None:
                    from netrosetta.collectors.flow.sflow_counters import translate_counters
                    translations = translate_counters(samples, interfaces=self.interfaces)
                out.write_metrics(translations)
            else:
                out.write_counters(samples)

    def tick(self, force: bool = False) -> list[RollupResult]:
        now = time.monotonic()
        if not self.rollups or (not force and now - self.last_flush < self.cfg.rollup_interval):
            return []
        self.last_flush = now
        results = [r.flush() for r in self.rollups]
        for out in self.outputs:
            w = getattr(out, "write_rollups", None)
            if w is not None and getattr(out, "rollups", True):
                w(results)
        return results

    def close(self) -> None:
        self.tick(force=True)
        for out in self.outputs:
            out.close()


def build_outputs(cfg: FlowListenerConfig) -> list[Any]:
    from netrosetta.exporter.flow_logs import JsonLinesOutput, OtlpLogOutput

    outs: list[Any] = []
    for o in cfg.outputs:
        if o.type == "jsonl":
            try:
                out: Any = JsonLinesOutput(o.path)
            except OSError as exc:
                from netrosetta.errors import NetrosettaError
                raise NetrosettaError(f"cannot open output: {exc.strerror}", file=o.path) from None
        else:
            if not o.endpoint:
                from netrosetta.errors import NetrosettaError
                raise NetrosettaError("otlp output needs an endpoint")
            out = OtlpLogOutput(o.endpoint, o.protocol)
            if o.rollups:  # rollups and sFlow counters leave as OTLP metrics to the same endpoint
                from netrosetta.collectors.flow.rollup_metrics import RollupMetricsOutput
                from netrosetta.exporter.sinks import OtlpGrpcSink, OtlpHttpSink
                sink: Any = OtlpGrpcSink(o.endpoint, insecure=True) if o.protocol == "grpc" else \
                    OtlpHttpSink(o.endpoint.replace("/v1/logs", "/v1/metrics"))
                outs.append(RollupMetricsOutput(sink))
            out.flows, out.rollups = o.flows, False
            outs.append(out)
            continue
        out.flows, out.rollups = o.flows, o.rollups
        outs.append(out)
    return outs
