"""Sinks from the config's `outputs:` (OTLP gRPC/HTTP with headers and TLS, OTLP/JSON file)."""

from __future__ import annotations

import logging
from dataclasses import replace

from netrosetta.exporter.otlp_env import grpc_settings
from netrosetta.exporter.sinks import (
    JsonLinesSink,
    OtlpGrpcSink,
    OtlpHttpSink,
    Sink,
    read_file,
    sink_from_env,
)

from .config import OtlpOutput, Outputs

log = logging.getLogger(__name__)


def _tls_path(path: object) -> str | None:
    if not path:
        return None
    read_file(str(path), "outputs: TLS file")   # a missing file is a start-up error, not an export-time traceback
    return str(path)


def _headers(out: OtlpOutput) -> dict[str, str] | None:
    """The output's headers (secrets resolved); none configured: OTEL_EXPORTER_OTLP_HEADERS."""
    return {k: v.get_secret_value() for k, v in out.headers.items()} or None


def grpc_sink(out: OtlpOutput) -> OtlpGrpcSink:
    """OTLP/gRPC with the output's TLS (mTLS with a client key and certificate) and secret headers."""
    settings = grpc_settings(out.endpoint, insecure=out.tls.insecure, headers=_headers(out), timeout=out.timeout,
                             compression=out.compression or "none")
    settings = replace(settings, ca_file=_tls_path(out.tls.ca_file), cert_file=_tls_path(out.tls.cert_file),
                       key_file=_tls_path(out.tls.key_file))
    sink = OtlpGrpcSink(settings=settings)
    sink.name = f"otlp-grpc {out.endpoint}"
    return sink


def http_sink(out: OtlpOutput) -> OtlpHttpSink:
    sink = OtlpHttpSink(out.endpoint, headers=_headers(out),
                        timeout=out.timeout, certificate_file=_tls_path(out.tls.ca_file),
                        compression="gzip" if out.compression == "gzip" else "none")
    sink.name = f"otlp-http {out.endpoint}"
    return sink


def build_sinks(outputs: Outputs) -> list[Sink]:
    sinks: list[Sink] = [*map(grpc_sink, outputs.otlp_grpc), *map(http_sink, outputs.otlp_http)]
    for j in outputs.otlp_json:
        s = JsonLinesSink(j.path)
        s.name = f"otlp-json {j.path}"
        s.signals = frozenset(j.signals)
        sinks.append(s)
    if outputs.from_env:
        env = sink_from_env()
        if env is not None:
            env.name = f"{env.name} {getattr(env, 'endpoint', '')} (OTEL_EXPORTER_OTLP_ENDPOINT)"
            sinks.append(env)
    return sinks
