"""The narrow interfaces between the service's stages, and between the service and its cluster.

Each stage is handed only the interface it calls, never the object behind it: the scheduler sees
``Ownership``, the router ``Publisher`` and ``BatchSink``, the cluster ``TargetsView`` and
``Exporter``, producers on other threads ``Producer``. Single-instance defaults are trivial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.engine.points import DeviceTranslation

# self-telemetry series: metric name -> {attributes -> value}
Series = dict[str, dict[tuple[tuple[str, str], ...], int]]


class OwnershipListener(Protocol):
    """Told when this instance gains or loses a target (the scheduler listens)."""

    def acquired(self, key: str, previous_start: float | None) -> None:
        """``key`` is ours now. ``previous_start``: unix time its last poll started elsewhere (keep
        that phase), or None when nobody polled it lately (poll it now)."""

    def lost(self, key: str) -> None:
        """``key`` is polled by another instance from now on."""


class Ownership(Protocol):
    """Who polls a target."""

    def owns(self, key: str) -> bool: ...

    def subscribe(self, listener: OwnershipListener) -> None: ...


class EveryTarget:
    """Single instance: every target is ours, and that never changes."""

    def owns(self, key: str) -> bool:
        return True

    def subscribe(self, listener: OwnershipListener) -> None:
        return None


class Publisher(Protocol):
    """Hands a batch to a stream shared by the instances (loop thread only)."""

    async def publish(self, req: ExportMetricsServiceRequest, points: int) -> bool:
        """True once the stream acknowledged the batch; False when it did not take it (the
        caller then delivers it locally)."""
        ...


class BatchSink(Protocol):
    """Takes a batch and owns it from then on (queue, spill, retry, drop accounting)."""

    def offer(self, req: ExportMetricsServiceRequest, points: int) -> None: ...


class Exporter(Protocol):
    """Exports a batch to every output now, bypassing the queues (the cluster's stream consumer)."""

    async def export_now(self, req: ExportMetricsServiceRequest, points: int) -> bool:
        """True when every output accepted it (accounted as exported), else False (an error each)."""
        ...


class TargetsView(Protocol):
    """What the cluster reads of the schedule: which targets exist, when each last started."""

    def target_keys(self) -> list[str]: ...

    def last_start(self, key: str) -> float | None: ...


class Producer(Protocol):
    """Entry for data made outside the polls (flow rollups, sFlow counters), from any thread."""

    def submit(self, translations: Sequence[DeviceTranslation]) -> None:
        """One batch: start times and series identity applied (Emit), then Route → Delivery.
        Thread-safe and non-blocking; ordered per calling thread."""
