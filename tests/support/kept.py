"""A sink that keeps what it is given: as a Service's ``record`` it sees every batch the service
made, in order, before any delivery (tests that check translations without a backend)."""

from __future__ import annotations

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest


class Kept:
    name = "kept"

    def __init__(self, into: list[ExportMetricsServiceRequest]) -> None:
        self.into = into

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        self.into.append(req)
        return True

    def shutdown(self) -> None:
        return None
