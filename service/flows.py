"""Flow listeners inside the service: each FlowListener in its own thread feeding its FlowPipeline
(filters, rollups, outputs from its own config); datagram and malformed counts go to self-telemetry.

Scaling: ``workers`` > 1 forks SO_REUSEPORT sockets on this host (collectors/flow/listener.py);
across hosts, point each exporter at one instance (the kernel hashes one exporter to one socket).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from netrosetta.engine.points import DeviceTranslation
    from netrosetta.engine.rulebooks import RulebookSet

    from .delivery import Delivery


class Service(Protocol):
    """What the flow path needs of the service (runtime.Service is one): Emit, Route, the outputs
    and the current rulebook set - a narrow view, so this module does not import the runtime."""

    @property
    def rulebooks(self) -> RulebookSet: ...

    @property
    def deliveries(self) -> Sequence[Delivery]: ...

    def emit(self, t: DeviceTranslation) -> int: ...

    def deliver(self, req: Any, pts: int) -> None: ...

log = logging.getLogger(__name__)


class _ServiceSink:
    """The flow pipeline's way into the service's Emit/Delivery path, from the listener thread.

    Metrics (rollups) go where polled metrics go (``Service.deliver``: the cluster stream in
    cluster mode); raw flow logs go to this instance's deliveries (the cluster stream carries
    metrics only). Both get the same queue, spill, retry and drop accounting."""

    name = "service"

    def __init__(self, svc: Service, loop: asyncio.AbstractEventLoop) -> None:
        self.svc, self.loop = svc, loop

    def export(self, req: Any) -> bool:
        from netrosetta.exporter.requests import count_items, signal_of

        pts = count_items(req)
        if pts:
            deliver = self.svc.deliver if signal_of(req) == "metrics" else self._local
            self.loop.call_soon_threadsafe(deliver, req, pts)
        return True

    def _local(self, req: Any, pts: int) -> None:
        for d in self.svc.deliveries:
            if "logs" in d.signals:
                d.offer(req, pts)

    def counters(self, rulebook_id: str, samples: list[Any], interfaces: Any = None) -> None:
        """sFlow counter samples: translated by the service's current rulebook set (configured
        folders, swapped by SIGHUP), then emitted like a poll (start times, wraps, resets)."""
        from netrosetta.collectors.flow.sflow_counters import translate_counters

        rulebooks = self.svc.rulebooks      # read once: a reload swaps the whole set
        if rulebook_id not in rulebooks:
            log.warning("sFlow counters skipped: rulebook %r is not loaded", rulebook_id)
            return
        for t in translate_counters(samples, rulebooks, rulebook_id, interfaces):
            if t.scopes:
                self.loop.call_soon_threadsafe(self.svc.emit, t)

    def shutdown(self) -> None:
        return None


class FlowRunner:
    def __init__(self, svc: Service, cfgs: list[Any]) -> None:
        self.svc = svc
        self.cfgs = cfgs
        self.listeners: list[Any] = []
        self.pipelines: list[Any] = []
        self._threads: list[threading.Thread] = []

    async def start(self) -> None:
        from functools import partial

        from netrosetta.collectors.flow.listener import FlowListener
        from netrosetta.collectors.flow.pipeline import FlowPipeline, build_outputs
        from netrosetta.collectors.flow.rollup_metrics import RollupMetricsOutput

        loop = asyncio.get_running_loop()
        to_service = _ServiceSink(self.svc, loop)
        for cfg in self.cfgs:
            if cfg.counters_rulebook not in self.svc.rulebooks:
                from netrosetta.errors import NetrosettaError
                raise NetrosettaError(f"flow listener port {cfg.port}: counters_rulebook {cfg.counters_rulebook!r} "
                                      "is neither built in nor in the configured rulebook folders")
            # rollups, sFlow interface counters and raw flows of `{type: otlp}` outputs without an
            # endpoint leave through the service's outputs; other outputs are the listener's own
            outputs = [*build_outputs(cfg, service_sink=to_service),
                       RollupMetricsOutput(to_service, {"service.name": "netrosetta-flow"})]
            pipe = FlowPipeline(cfg, outputs, on_counters=partial(to_service.counters, cfg.counters_rulebook))
            lis = FlowListener(cfg, pipe.process)
            t = threading.Thread(target=self._serve, args=(lis, pipe), name=f"flow-{lis.port}", daemon=True)
            t.start()
            self.listeners.append(lis)
            self.pipelines.append(pipe)
            self._threads.append(t)
            await asyncio.to_thread(lis.ready.wait, 10)
            log.info("flow listener on %s:%d", cfg.bind, lis.port)

    @staticmethod
    def _serve(lis: Any, pipe: Any) -> None:
        try:
            lis.serve()
        except Exception:
            log.exception("flow listener on port %s stopped", lis.port)
        finally:
            pipe.tick(force=True)
            pipe.close()

    def liveness(self) -> list[tuple[Any, threading.Thread]]:
        """(listener, its thread) per configured listener, for the health checks."""
        return list(zip(self.listeners, self._threads, strict=False))

    def counters(self) -> dict[str, dict[tuple[tuple[str, str], ...], int]]:
        out: dict[str, dict[tuple[tuple[str, str], ...], int]] = {
            "netrosetta.flow.datagrams": {}, "netrosetta.flow.malformed": {}, "netrosetta.flow.flows": {},
            "netrosetta.flow.template_missing": {}, "netrosetta.flow.templates_refused": {},
            "netrosetta.flow.absurd_values": {}, "netrosetta.flow.emit_errors": {},
            # which template scope answered (issue 16), sets refused for their layout, elements
            # no table names, records whose packet section was parsed
            "netrosetta.flow.template_scope_strict": {}, "netrosetta.flow.template_scope_domain": {},
            "netrosetta.flow.template_layout_mismatch": {}, "netrosetta.flow.unknown_elements": {},
            "netrosetta.flow.packet_sections": {}}
        for cfg, lis in zip(self.cfgs, self.listeners, strict=False):
            st = lis.stats()
            a = (("netrosetta.flow.listener", f"{cfg.bind}:{lis.port}"),)
            for name, series in out.items():
                series[a] = getattr(st, name.rsplit(".", 1)[1])
        return out

    def status(self) -> list[dict[str, Any]]:
        res = []
        for cfg, lis, pipe in zip(self.cfgs, self.listeners, self.pipelines, strict=False):
            st = lis.stats()
            res.append({"listen": f"{cfg.bind}:{lis.port}", "datagrams": st.datagrams, "flows": st.flows,
                        "malformed": st.malformed, "template_missing": st.template_missing,
                        "flows_out": pipe.flows_out})
        return res

    async def stop(self) -> None:
        for lis in self.listeners:
            lis.stop()
        for t in self._threads:
            await asyncio.to_thread(t.join, 5)
