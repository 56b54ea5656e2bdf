"""Real protocol peers and processes for service tests: OTLP receivers, misbehaving SNMP agents,
`netrosetta run` as a child process. Every wait is bounded; everything binds to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from aiohttp import web
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as ls
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2_grpc as ls_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as ms
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc as ms_grpc

ROOT = Path(__file__).resolve().parents[2]
LAB_SNMPREC = ROOT / "service" / "lab" / "lab-switch.snmprec"


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(cond: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


# -- what a backend received ----------------------------------------------------------------------

@dataclass
class Received:
    requests: list[ms.ExportMetricsServiceRequest] = field(default_factory=list)
    logs: list[ls.ExportLogsServiceRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_logs(self, req: ls.ExportLogsServiceRequest) -> None:
        with self.lock:
            self.logs.append(req)

    def log_records(self) -> list[Any]:
        with self.lock:
            reqs = list(self.logs)
        return [lr for r in reqs for rl in r.resource_logs for sl in rl.scope_logs for lr in sl.log_records]

    def add(self, req: ms.ExportMetricsServiceRequest) -> None:
        with self.lock:
            self.requests.append(req)

    def batch_ids(self) -> list[str]:
        """One identity per request received: ``<host.name>@<time_unix_nano of its first point>``
        (one request is one poll of one device), in arrival order, repeats included."""
        out = []
        with self.lock:
            reqs = list(self.requests)
        for req in reqs:
            for rm in req.resource_metrics[:1]:
                res = {kv.key: kv.value.string_value for kv in rm.resource.attributes}
                host = res.get("host.name") or res.get("service.name") or "?"
                t = next((dp.time_unix_nano for sm in rm.scope_metrics for m in sm.metrics
                          if m.WhichOneof("data") for dp in getattr(m, m.WhichOneof("data")).data_points), 0)
                out.append(f"{host.replace(' ', '_')}@{t}")
        return out

    def points(self, *, self_telemetry: bool = False) -> list[tuple[str, str, str, int, int, float]]:
        """(device, metric, attrs, start ns, time ns, value) for every data point received."""
        out = []
        with self.lock:
            reqs = list(self.requests)
        for req in reqs:
            for rm in req.resource_metrics:
                res = {kv.key: kv.value.string_value for kv in rm.resource.attributes}
                is_self = res.get("service.name") == "netrosetta"
                if is_self != self_telemetry:
                    continue
                dev = res.get("host.name", "?")
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        kind = m.WhichOneof("data")
                        if not kind:
                            continue
                        for dp in getattr(m, kind).data_points:
                            attrs = ",".join(f"{a.key}={a.value.string_value}" for a in dp.attributes)
                            v = dp.as_int if dp.WhichOneof("value") == "as_int" else dp.as_double
                            out.append((dev, m.name, attrs, dp.start_time_unix_nano, dp.time_unix_nano, v))
        return out


class _Servicer(ms_grpc.MetricsServiceServicer):
    def __init__(self, received: Received, metadata: list[dict[str, str]]) -> None:
        self.received = received
        self.metadata = metadata

    def Export(self, request: ms.ExportMetricsServiceRequest, context: Any) -> ms.ExportMetricsServiceResponse:
        self.metadata.append({k: v for k, v in context.invocation_metadata()})
        self.received.add(request)
        return ms.ExportMetricsServiceResponse()


class _LogsServicer(ls_grpc.LogsServiceServicer):
    def __init__(self, received: Received) -> None:
        self.received = received

    def Export(self, request: ls.ExportLogsServiceRequest, context: Any) -> ls.ExportLogsServiceResponse:
        self.received.add_logs(request)
        return ls.ExportLogsServiceResponse()


class GrpcReceiver:
    """A real OTLP/gRPC metrics and logs backend; stop() and start() again on the same port to
    simulate an outage."""

    def __init__(self, port: int | None = None, *, tls: tuple[Path, Path, Path | None] | None = None) -> None:
        """``tls``: (server cert, server key, client CA for mutual TLS or None)."""
        self.port = port or free_tcp_port()
        self.received = Received()
        self.metadata: list[dict[str, str]] = []
        self.tls = tls
        self._server: grpc.Server | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> GrpcReceiver:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        ms_grpc.add_MetricsServiceServicer_to_server(_Servicer(self.received, self.metadata), server)
        ls_grpc.add_LogsServiceServicer_to_server(_LogsServicer(self.received), server)
        if self.tls is None:
            server.add_insecure_port(self.endpoint)
        else:
            cert, key, client_ca = self.tls
            creds = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())],
                                                client_ca.read_bytes() if client_ca else None,
                                                require_client_auth=client_ca is not None)
            server.add_secure_port(self.endpoint, creds)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=0).wait(5)
            self._server = None


class HttpReceiver:
    """A real OTLP/HTTP (protobuf) metrics backend on aiohttp, in its own thread and loop."""

    def __init__(self) -> None:
        self.port = free_tcp_port()
        self.received = Received()
        self.headers: list[dict[str, str]] = []
        self._thread: threading.Thread | None = None
        self._stop: Callable[[], None] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/metrics"

    def start(self) -> HttpReceiver:
        import asyncio

        ready = threading.Event()

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            if request.headers.get("Content-Encoding") == "gzip":
                import gzip
                body = gzip.decompress(body)
            self.headers.append({k.lower(): v for k, v in request.headers.items()})
            self.received.add(ms.ExportMetricsServiceRequest.FromString(body))
            return web.Response(body=ms.ExportMetricsServiceResponse().SerializeToString(),
                                content_type="application/x-protobuf")

        def run() -> None:
            loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/v1/metrics", handle)
            runner = web.AppRunner(app)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            stop_evt = asyncio.Event()
            self._stop = lambda: loop.call_soon_threadsafe(stop_evt.set)
            ready.set()
            loop.run_until_complete(stop_evt.wait())
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10), "HTTP receiver did not start"
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
        if self._thread is not None:
            self._thread.join(10)


# -- misbehaving SNMP agents -------------------------------------------------------------------

class UdpAgent:
    """A UDP 'agent' on 127.0.0.1: ``reply(data) -> bytes | None`` decides the answer (None: silence)."""

    def __init__(self, reply: Callable[[bytes], bytes | None]) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.requests = 0
        self._reply = reply
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._running:
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.requests += 1
            out = self._reply(data)
            if out is not None:
                self.sock.sendto(out, peer)

    def close(self) -> None:
        self._running = False
        self._thread.join(2)
        self.sock.close()


# -- the service as a child process ------------------------------------------------------------

class ServiceProcess:
    """`python -m netrosetta run --config FILE` with its output in a log file."""

    def __init__(self, config: Path, log: Path, env: dict[str, str] | None = None, verbose: int = 1) -> None:
        """``verbose``: 2 logs at debug level (each batch made, by identity)."""
        self.config = config
        self.verbose = verbose
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.http_port: int | None = None

    def start(self, timeout: float = 30) -> ServiceProcess:
        return self.launch().wait_started(timeout)

    def launch(self) -> ServiceProcess:
        self._log_start = self.log.stat().st_size if self.log.exists() else 0  # a restart appends
        with open(self.log, "ab") as f:
            self.proc = subprocess.Popen([sys.executable, "-m", "netrosetta", "-" + "v" * self.verbose, "run", "--config", str(self.config)],
                                         stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=self.env, start_new_session=True, cwd=ROOT)
        return self

    def wait_started(self, timeout: float = 30) -> ServiceProcess:
        def started() -> int | None:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            with open(self.log, "rb") as f:
                f.seek(self._log_start)
                text = f.read().decode(errors="replace")
            for line in text.splitlines():
                if line.startswith("netrosetta: running") and "http_port=" in line:
                    return int(line.rsplit("http_port=", 1)[1].split()[0])
            return None

        self.http_port = wait_for(started, timeout, "the service to start")
        return self

    def status(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/status.json", timeout=5) as r:
            return json.loads(r.read())  # type: ignore[no-any-return]

    def target(self, key: str) -> dict[str, Any]:
        for t in self.status()["targets"]:
            if t["key"] == key:
                return t  # type: ignore[no-any-return]
        raise KeyError(key)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("service did not stop on SIGTERM in time") from None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


MADE = re.compile(r": batch (\S+) made \(")
DROPPED = re.compile(r": dropped batch #-?\d+ (\S+) \(")


def batches_in_log(log: Path) -> tuple[list[str], list[str]]:
    """(batches made, batches dropped) by identity, from a service log run with ``verbose=2``."""
    made: list[str] = []
    dropped: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        if m := MADE.search(line):
            made.append(m.group(1))
        elif m := DROPPED.search(line):
            dropped.append(m.group(1))
    return made, dropped


@contextlib.contextmanager
def snmpsim_devices(names: Iterable[str]) -> Iterator[dict[str, int]]:
    """device name -> port of its own snmpsim serving the lab walk (community ``lab``): snmpsim
    answers several communities noticeably slower than one."""
    from netrosetta.collectors.snmp.lab import snmpsim_agent

    with contextlib.ExitStack() as stack:
        yield {d: stack.enter_context(snmpsim_agent({"lab": LAB_SNMPREC})).port for d in names}


def snmp_target(name: str, port: int, community: str = "lab", **kw: Any) -> dict[str, Any]:
    return {"name": name, "host": "127.0.0.1", "port": port, "version": "2c",
            "credentials": {"community": f"literal:{community}"}, "timeout": 0.5, "retries": 1} | kw


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    # JSON is YAML: no extra dependency, exact round trip
    path.write_text(json.dumps(data, indent=2))
    return path


# -- nats-server ----------------------------------------------------------------------------------

class NatsServer:
    """Debian's nats-server with JetStream on free loopback ports; optionally one node of a cluster."""

    def __init__(self, store: Path, *, name: str = "n1", port: int | None = None,
                 cluster_port: int | None = None, routes: list[int] | None = None,
                 monitor_port: int | None = None) -> None:
        self.store = store
        self.monitor_port = monitor_port      # HTTP monitoring (/varz, /jsz) when given
        self.name = name
        self.port = port or free_tcp_port()
        self.cluster_port = cluster_port
        self.routes = routes or []
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> NatsServer:
        exe = "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else "nats-server"
        args = [exe, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store), "-n", self.name]
        if self.monitor_port:
            args += ["-m", str(self.monitor_port)]
        if self.cluster_port:
            args += ["--cluster_name", "nr", "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
                     "--routes", ",".join(f"nats://127.0.0.1:{p}" for p in self.routes)]
        self.store.mkdir(parents=True, exist_ok=True)
        log = open(self.store.parent / f"{self.name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"nats-server {self.name} exited {self.proc.returncode}")
            with socket.socket() as s:
                s.settimeout(0.2)
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(up, timeout, f"nats-server {self.name}")
        return self

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
