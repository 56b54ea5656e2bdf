"""Where translated data goes: OTLP gRPC, OTLP HTTP/protobuf, OTLP/JSON lines.

The OTLP sinks use the OpenTelemetry SDK's own exporters for transport, configuration
(`OTEL_EXPORTER_OTLP_*` variables: endpoint, headers, TLS certificates, timeout, compression)
and their retry policy; we only hand them a request we built ourselves (see otlp.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import IO, Any, Protocol

from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as _GrpcExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as _HttpExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics.export import MetricExportResult

from .otlp_json import request_to_json_line

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        """True when the backend accepted the request."""
        ...

    def shutdown(self) -> None: ...


def count_points(req: ExportMetricsServiceRequest) -> int:
    n = 0
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind:
                    n += len(getattr(m, kind).data_points)
    return n


class _PrebuiltGrpc(_GrpcExporter):
    """The SDK gRPC exporter, fed an already built ExportMetricsServiceRequest."""

    def _translate_data(self, data: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return data

    def _count_data(self, data: Any) -> int:  # type: ignore[override]
        return count_points(data)


class OtlpGrpcSink:
    name = "otlp-grpc"

    def __init__(self, endpoint: str | None = None, *, insecure: bool | None = None,
                 headers: dict[str, str] | None = None, timeout: float | None = None,
                 compression: str | None = None) -> None:
        from opentelemetry.exporter.otlp.proto.grpc.exporter import Compression
        comp = Compression(compression) if compression else None
        self._exp = _PrebuiltGrpc(endpoint=endpoint, insecure=insecure, headers=headers, timeout=timeout,
                                  compression=comp)
        self.endpoint = endpoint or os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") or \
            os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "localhost:4317"
        self._lock = threading.Lock()

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        with self._lock:
            return self._exp._export(req) is MetricExportResult.SUCCESS  # type: ignore[arg-type]

    def shutdown(self) -> None:
        self._exp.shutdown()


class OtlpHttpSink:
    name = "otlp-http"

    def __init__(self, endpoint: str | None = None, *, headers: dict[str, str] | None = None,
                 timeout: float | None = None, certificate_file: str | None = None) -> None:
        self._exp = _HttpExporter(endpoint=endpoint, headers=headers, timeout=timeout,
                                  certificate_file=certificate_file)
        self.endpoint = getattr(self._exp, "_endpoint", endpoint)
        self._lock = threading.Lock()

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        with self._lock:
            return self._exp._export_batch(req) is MetricExportResult.SUCCESS

    def shutdown(self) -> None:
        self._exp.shutdown()


class JsonLinesSink:
    """OTLP/JSON, one ExportMetricsServiceRequest per line, to a file or stdout ("-")."""

    name = "otlp-json"

    def __init__(self, path: str | Path = "-") -> None:
        self.path = str(path)
        self._out: IO[str]
        if self.path == "-":
            self._out = sys.stdout
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._out = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the sink
        self._lock = threading.Lock()

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        line = request_to_json_line(req)
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except OSError as exc:
                log.error("cannot write OTLP/JSON to %s: %s", self.path, exc.strerror)
                return False
        return True

    def shutdown(self) -> None:
        if self._out is not sys.stdout:
            self._out.close()


def sink_from_env() -> Sink | None:
    """An OTLP sink when OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT is set, honouring OTEL_EXPORTER_OTLP_PROTOCOL."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not endpoint:
        return None
    proto = (os.environ.get("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
             or "grpc")
    if proto.startswith("http"):
        return OtlpHttpSink()
    return OtlpGrpcSink()
