"""Real OTLP receivers for tests: a gRPC MetricsService + LogsService server and an HTTP/protobuf
endpoint (/v1/metrics, /v1/logs; gzip bodies accepted). Logs requests are kept apart in ``logs``.

They speak the real protocols on loopback and keep every request they accepted; ``fail``
makes them refuse (UNAVAILABLE / HTTP 503) to simulate a backend outage; ``gate`` (gRPC), when
set to an Event, holds each export until it is set (``entered`` tells one is being held).
"""

from __future__ import annotations

import gzip
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as logs_svc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2_grpc as logs_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as svc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc as svc_grpc


class _Store:
    def __init__(self) -> None:
        self.requests: list[svc.ExportMetricsServiceRequest] = []
        self.logs: list[logs_svc.ExportLogsServiceRequest] = []
        self.headers: list[dict[str, str]] = []
        self.fail = False
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    def add(self, req: svc.ExportMetricsServiceRequest, headers: dict[str, str]) -> None:
        with self.arrived:
            self.requests.append(req)
            self.headers.append(headers)
            self.arrived.notify_all()

    def wait(self, n: int, timeout: float = 10.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= n, timeout)

    def points(self) -> int:
        total = 0
        for r in self.requests:
            for rm in r.resource_metrics:
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        kind = m.WhichOneof("data")
                        total += len(getattr(m, kind).data_points) if kind else 0
        return total


class _Servicer(svc_grpc.MetricsServiceServicer):
    def __init__(self, store: _Store) -> None:
        self.store = store

    def Export(self, request: Any, context: Any) -> Any:
        self.store.entered.set()
        gate = self.store.gate
        if gate is not None:
            gate.wait(30)
        if self.store.fail:
            context.abort(grpc.StatusCode.UNAVAILABLE, "backend down (test)")
        self.store.add(request, {k: v for k, v in context.invocation_metadata()})
        return svc.ExportMetricsServiceResponse()


class _LogsServicer(logs_grpc.LogsServiceServicer):
    def __init__(self, store: _Store) -> None:
        self.store = store

    def Export(self, request: Any, context: Any) -> Any:
        if self.store.fail:
            context.abort(grpc.StatusCode.UNAVAILABLE, "backend down (test)")
        with self.store.arrived:
            self.store.logs.append(request)
            self.store.headers.append({k: v for k, v in context.invocation_metadata()})
        return logs_svc.ExportLogsServiceResponse()


class GrpcReceiver(_Store):
    def __init__(self) -> None:
        super().__init__()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        svc_grpc.add_MetricsServiceServicer_to_server(_Servicer(self), self.server)
        logs_grpc.add_LogsServiceServicer_to_server(_LogsServicer(self), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"127.0.0.1:{self.port}"

    def __enter__(self) -> GrpcReceiver:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(grace=None)


class HttpReceiver(_Store):
    def __init__(self) -> None:
        super().__init__()
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if store.fail or self.path not in ("/v1/metrics", "/v1/logs"):
                    self.send_response(503 if store.fail else 404)
                    self.end_headers()
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == "/v1/logs":
                    with store.arrived:
                        store.logs.append(logs_svc.ExportLogsServiceRequest.FromString(body))
                        store.headers.append(headers)
                    out = logs_svc.ExportLogsServiceResponse().SerializeToString()
                else:
                    store.add(svc.ExportMetricsServiceRequest.FromString(body), headers)
                    out = svc.ExportMetricsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}/v1/metrics"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
