"""OTLP exporter settings from the standard ``OTEL_EXPORTER_OTLP_*`` variables.

Each setting is read from the signal's own variable (``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT``,
``..._LOGS_HEADERS``...) first, then the general one, as the OpenTelemetry specification says.
Arguments given in code or config win over both. Timeouts are seconds, as the Python SDK reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from netrosetta.errors import NetrosettaError

from .requests import Signal

GRPC_DEFAULT = "http://localhost:4317"
HTTP_DEFAULT = "http://localhost:4318"
HTTP_PATHS: dict[Signal, str] = {"metrics": "/v1/metrics", "logs": "/v1/logs"}


def env(name: str, signal: Signal = "metrics") -> str | None:
    """``OTEL_EXPORTER_OTLP_<SIGNAL>_<name>``, else ``OTEL_EXPORTER_OTLP_<name>``."""
    return os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_{name}") or os.environ.get(f"OTEL_EXPORTER_OTLP_{name}")


def parse_headers(text: str | None) -> dict[str, str]:
    """``k1=v1,k2=v2`` with URL-encoded values; a pair without ``=`` is an error (values unsaid)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        k, sep, v = part.partition("=")
        if not sep or not k.strip():
            raise NetrosettaError("OTEL_EXPORTER_OTLP_HEADERS: each entry must be key=value")
        out[unquote(k.strip()).lower()] = unquote(v.strip())
    return out


@dataclass(frozen=True)
class OtlpSettings:
    """Where and how to export: ``endpoint`` is host:port for gRPC, a full URL for HTTP."""

    endpoint: str
    insecure: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    compression: str | None = None          # "gzip" or None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


def _timeout(given: float | None, signal: Signal) -> float:
    if given is not None:
        return float(given)
    raw = env("TIMEOUT", signal)
    try:
        return float(raw) if raw else 10.0
    except ValueError:
        raise NetrosettaError(f"OTEL_EXPORTER_OTLP_TIMEOUT: not a number of seconds: {raw!r}") from None


def _compression(given: str | None, signal: Signal) -> str | None:
    c = (given if given is not None else env("COMPRESSION", signal) or "none").strip().lower()
    if c not in ("gzip", "none", ""):
        raise NetrosettaError(f"OTLP compression must be gzip or none, not {c!r}")
    return "gzip" if c == "gzip" else None


def grpc_settings(endpoint: str | None = None, *, insecure: bool | None = None,
                  headers: dict[str, str] | None = None, timeout: float | None = None,
                  compression: str | None = None, signal: Signal = "metrics") -> OtlpSettings:
    """gRPC: ``http://`` means plaintext, ``https://`` TLS; a bare host:port follows ``insecure``,
    else OTEL_EXPORTER_OTLP_INSECURE, else TLS (the SDK's rule)."""
    raw = endpoint or env("ENDPOINT", signal) or GRPC_DEFAULT
    url = urlparse(raw if "://" in raw else f"//{raw}")
    if url.scheme == "https":
        insecure = False
    elif insecure is None:
        flag = env("INSECURE", signal)
        insecure = flag.strip().lower() == "true" if flag is not None else url.scheme == "http"
    return OtlpSettings(url.netloc or raw, insecure, headers if headers is not None else parse_headers(env("HEADERS", signal)),
                        _timeout(timeout, signal), _compression(compression, signal), env("CERTIFICATE", signal),
                        env("CLIENT_CERTIFICATE", signal), env("CLIENT_KEY", signal))


def http_url(endpoint: str | None, signal: Signal) -> str:
    """The signal's own variable is the full URL; the general one is a base that gets /v1/<signal>."""
    if endpoint:
        return endpoint
    own = os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    if own:
        return own
    return (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or HTTP_DEFAULT).rstrip("/") + HTTP_PATHS[signal]


def sibling_url(url: str, signal: Signal) -> str:
    """The other signal's URL next to ``url`` (…/v1/metrics ↔ …/v1/logs); unchanged otherwise."""
    for path in HTTP_PATHS.values():
        if url.endswith(path):
            return url[: -len(path)] + HTTP_PATHS[signal]
    return url


def http_settings(endpoint: str | None = None, *, headers: dict[str, str] | None = None,
                  timeout: float | None = None, compression: str | None = None,
                  certificate_file: str | None = None, signal: Signal = "metrics") -> OtlpSettings:
    url = http_url(endpoint, signal)
    return OtlpSettings(url, urlparse(url).scheme != "https",
                        headers if headers is not None else parse_headers(env("HEADERS", signal)),
                        _timeout(timeout, signal), _compression(compression, signal),
                        certificate_file or env("CERTIFICATE", signal), env("CLIENT_CERTIFICATE", signal),
                        env("CLIENT_KEY", signal))
