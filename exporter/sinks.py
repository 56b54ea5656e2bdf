"""Where OTLP requests go: one sink per transport (gRPC, HTTP/protobuf, OTLP/JSON lines), each
taking metrics and logs requests alike (exporter/requests.py).

gRPC goes through opentelemetry-proto's generated service stubs on a plain grpc channel, HTTP is
a POST of the serialized request (stdlib http.client, one kept-alive connection per host). A sink
makes one attempt per call and says whether the backend accepted it: retry, backoff and spill
are the caller's (service/delivery.py). Settings not given come from ``OTEL_EXPORTER_OTLP_*``
(exporter/otlp_env.py).
"""

from __future__ import annotations

import gzip
import http.client
import logging
import ssl
import sys
import threading
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlparse

import grpc
from opentelemetry.proto.collector.logs.v1.logs_service_pb2_grpc import LogsServiceStub
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2_grpc import MetricsServiceStub

from netrosetta import __version__
from netrosetta.errors import NetrosettaError

from .otlp_env import OtlpSettings, env, grpc_settings, http_settings, http_url, sibling_url
from .otlp_json import request_to_json_line
from .requests import Request, Signal, count_items, signal_of

log = logging.getLogger(__name__)
USER_AGENT = f"netrosetta/{__version__}"
# a backend that comes back is reached within seconds (gRPC's own default backs off to 2 minutes)
_CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 500), ("grpc.max_reconnect_backoff_ms", 5000),
                    ("grpc.primary_user_agent", USER_AGENT)]


class Sink(Protocol):
    name: str

    def export(self, req: Request) -> bool:
        """True when the backend accepted the request."""
        ...

    def shutdown(self) -> None: ...


count_points = count_items


def read_file(path: str | Path | None, what: str) -> bytes | None:
    """A TLS file's bytes; a missing one is a start-up error naming it, never an export-time traceback."""
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise NetrosettaError(f"cannot read {what} {path}: {exc.strerror}") from None


class _Refusals:
    """One warning when a backend starts refusing, one line when it accepts again (no flood)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failing = False
        self.last_error: str | None = None

    def failed(self, why: str) -> bool:
        self.last_error = why
        if not self.failing:
            log.warning("%s: export not accepted: %s", self.name, why)
        self.failing = True
        return False

    def ok(self) -> bool:
        if self.failing:
            log.info("%s: export accepted again", self.name)
        self.failing = False
        return True


class OtlpGrpcSink:
    """OTLP/gRPC: the generated MetricsService / LogsService stubs on one channel."""

    name = "otlp-grpc"

    def __init__(self, endpoint: str | None = None, *, insecure: bool | None = None,
                 headers: dict[str, str] | None = None, timeout: float | None = None,
                 compression: str | None = None, credentials: grpc.ChannelCredentials | None = None,
                 settings: OtlpSettings | None = None) -> None:
        s = settings or grpc_settings(endpoint, insecure=insecure, headers=headers, timeout=timeout,
                                      compression=compression)
        self.endpoint, self.timeout = s.endpoint, s.timeout
        self._metadata = tuple((k.lower(), v) for k, v in s.headers.items())
        comp = grpc.Compression.Gzip if s.compression == "gzip" else None
        if s.insecure:
            self._channel = grpc.insecure_channel(s.endpoint, options=_CHANNEL_OPTIONS, compression=comp)
        else:
            creds = credentials or grpc.ssl_channel_credentials(
                read_file(s.ca_file, "CA file"), read_file(s.key_file, "client key"),
                read_file(s.cert_file, "client certificate"))
            self._channel = grpc.secure_channel(s.endpoint, creds, options=_CHANNEL_OPTIONS, compression=comp)
        self._calls: dict[Signal, Any] = {"metrics": MetricsServiceStub(self._channel).Export,
                                          "logs": LogsServiceStub(self._channel).Export}
        self._state = _Refusals(f"{self.name} {self.endpoint}")

    def export(self, req: Request) -> bool:
        try:
            resp = self._calls[signal_of(req)](req, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            code = exc.code() if callable(getattr(exc, "code", None)) else None  # type: ignore[attr-defined]
            return self._state.failed(code.name if code is not None else type(exc).__name__)
        _partial(resp, self._state.name)
        return self._state.ok()

    def shutdown(self) -> None:
        self._channel.close()


def _partial(resp: Any, name: str) -> None:
    """A partial success is accepted (retrying would send the rest twice); the backend's count is logged."""
    ps = getattr(resp, "partial_success", None)
    if ps is None:
        return
    rejected = getattr(ps, "rejected_data_points", 0) or getattr(ps, "rejected_log_records", 0)
    if rejected:
        log.warning("%s: backend rejected %d of the items sent: %s", name, rejected, ps.error_message[:200])


class OtlpHttpSink:
    """OTLP/HTTP with binary protobuf: a POST to …/v1/metrics or …/v1/logs."""

    name = "otlp-http"

    def __init__(self, endpoint: str | None = None, *, headers: dict[str, str] | None = None,
                 timeout: float | None = None, certificate_file: str | None = None,
                 compression: str | None = None, logs_endpoint: str | None = None) -> None:
        s = http_settings(endpoint, headers=headers, timeout=timeout, compression=compression,
                          certificate_file=certificate_file)
        self.endpoint, self.timeout, self.gzip = s.endpoint, s.timeout, s.compression == "gzip"
        logs = logs_endpoint or (sibling_url(endpoint, "logs") if endpoint else http_url(None, "logs"))
        self._urls: dict[Signal, str] = {"metrics": s.endpoint, "logs": logs}
        self._headers = {"Content-Type": "application/x-protobuf", "User-Agent": USER_AGENT, **s.headers}
        if self.gzip:
            self._headers["Content-Encoding"] = "gzip"
        self._tls: ssl.SSLContext | None = None
        if any(urlparse(u).scheme == "https" for u in self._urls.values()):
            self._tls = ssl.create_default_context(cadata=(read_file(s.ca_file, "CA file") or b"").decode() or None)
            if s.cert_file:
                self._tls.load_cert_chain(s.cert_file, s.key_file)
        self._conns: dict[str, http.client.HTTPConnection] = {}
        self._lock = threading.Lock()
        self._state = _Refusals(f"{self.name} {self.endpoint}")

    def _conn(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        c = self._conns.get(netloc)
        if c is None:
            c = self._conns[netloc] = (http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self._tls)
                                       if scheme == "https" else http.client.HTTPConnection(netloc, timeout=self.timeout))
        return c

    def export(self, req: Request) -> bool:
        url = urlparse(self._urls[signal_of(req)])
        body = req.SerializeToString()
        if self.gzip:
            body = gzip.compress(body)
        with self._lock:
            conn = self._conn(url.scheme, url.netloc)
            try:
                conn.request("POST", url.path or "/", body, self._headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()    # a fresh connection next time
                self._conns.pop(url.netloc, None)
                return self._state.failed(type(exc).__name__)
        if 200 <= resp.status < 300:
            return self._state.ok()
        return self._state.failed(f"HTTP {resp.status}")

    def shutdown(self) -> None:
        with self._lock:
            for c in self._conns.values():
                c.close()
            self._conns.clear()


class JsonLinesSink:
    """OTLP/JSON, one request per line, to a file or stdout ("-")."""

    name = "otlp-json"
    signals: frozenset[str] = frozenset({"metrics", "logs"})   # what this file takes

    def __init__(self, path: str | Path = "-") -> None:
        self.path = str(path)
        self._out: IO[str]
        if self.path == "-":
            self._out = sys.stdout
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._out = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the sink
        self._lock = threading.Lock()

    def export(self, req: Request) -> bool:
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
    if not env("ENDPOINT"):
        return None
    if (env("PROTOCOL") or "grpc").startswith("http"):
        return OtlpHttpSink()
    return OtlpGrpcSink()
