"""Sinks from the config's `outputs:` (OTLP gRPC/HTTP with headers and TLS, OTLP/JSON file)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics.export import MetricExportResult

from netrosetta.errors import NetrosettaError
from netrosetta.exporter.sinks import JsonLinesSink, OtlpHttpSink, Sink, _PrebuiltGrpc, sink_from_env

from .config import OtlpOutput, Outputs

log = logging.getLogger(__name__)


def _read(path: Any) -> bytes | None:
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise NetrosettaError(f"outputs: cannot read TLS file {path}: {exc.strerror}") from None


class GrpcSink:
    """OTLP/gRPC through the SDK exporter (its transport and retry), with our TLS and headers."""

    name = "otlp-grpc"

    def __init__(self, out: OtlpOutput) -> None:
        import grpc

        creds = None
        if not out.tls.insecure:
            creds = grpc.ssl_channel_credentials(_read(out.tls.ca_file), _read(out.tls.key_file),
                                                 _read(out.tls.cert_file))
        from opentelemetry.exporter.otlp.proto.grpc.exporter import Compression
        comp = Compression.Gzip if out.compression == "gzip" else None
        headers = {k: v.get_secret_value() for k, v in out.headers.items()}
        self.endpoint = out.endpoint
        self.name = f"otlp-grpc {out.endpoint}"
        self._exp = _PrebuiltGrpc(endpoint=out.endpoint, insecure=out.tls.insecure, credentials=creds,
                                  headers=headers or None, timeout=out.timeout, compression=comp)
        self._lock = threading.Lock()

    def export(self, req: ExportMetricsServiceRequest) -> bool:
        with self._lock:
            return self._exp._export(req) is MetricExportResult.SUCCESS  # type: ignore[arg-type]

    def shutdown(self) -> None:
        self._exp.shutdown()


def build_sinks(outputs: Outputs) -> list[Sink]:
    sinks: list[Sink] = []
    for o in outputs.otlp_grpc:
        sinks.append(GrpcSink(o))
    for o in outputs.otlp_http:
        if o.tls.ca_file is not None:
            _read(o.tls.ca_file)      # a missing CA is a start-up error, not an export-time traceback
        h = OtlpHttpSink(o.endpoint, headers={k: v.get_secret_value() for k, v in o.headers.items()} or None,
                         timeout=o.timeout, certificate_file=str(o.tls.ca_file) if o.tls.ca_file else None)
        h.name = f"otlp-http {o.endpoint}"
        sinks.append(h)
    for j in outputs.otlp_json:
        s = JsonLinesSink(j.path)
        s.name = f"otlp-json {j.path}"
        sinks.append(s)
    if outputs.from_env:
        env = sink_from_env()
        if env is not None:
            env.name = f"{env.name} {getattr(env, 'endpoint', '')} (OTEL_EXPORTER_OTLP_ENDPOINT)"
            sinks.append(env)
    return sinks
