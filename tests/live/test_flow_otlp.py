"""Raw flows as OTLP log records and rollups as OTLP metrics, received by a real OTLP/gRPC server.

The server is grpcio with the OTLP collector service definitions, on 127.0.0.1 and a free port;
flows come from pmacct's IOS XR capture, replayed over UDP to the listener by the lab replayer.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent import futures
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.listener import FlowListener
from netrosetta.collectors.flow.pcap import read_pcap
from netrosetta.collectors.flow.pipeline import FlowPipeline
from netrosetta.collectors.flow.simulator import FlowReplayer
from tests.conftest import need_shared

pytestmark = pytest.mark.live


class Receiver(logs_service_pb2_grpc.LogsServiceServicer, metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self) -> None:
        self.logs: list[Any] = []
        self.metrics: list[Any] = []

    def Export(self, request: Any, context: Any) -> Any:
        if isinstance(request, logs_service_pb2.ExportLogsServiceRequest):
            self.logs.append(request)
            return logs_service_pb2.ExportLogsServiceResponse()
        self.metrics.append(request)
        return metrics_service_pb2.ExportMetricsServiceResponse()


@pytest.fixture
def otlp_server() -> Any:
    rec = Receiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    logs_service_pb2_grpc.add_LogsServiceServicer_to_server(rec, server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(rec, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield rec, port
    server.stop(1)


def _attrs(kvs: Any) -> dict[str, Any]:
    out = {}
    for kv in kvs:
        v = kv.value
        out[kv.key] = getattr(v, v.WhichOneof("value"))
    return out


def test_flows_as_logs_and_rollups_as_metrics(otlp_server: Any) -> None:
    rec, port = otlp_server
    pcap = need_shared("corpus", "flow", "pmacct", "101-NFv9-CISCO-cust_primitives", "traffic-00.pcap")
    datagrams = [p.payload for p in read_pcap(pcap)]
    cfg = FlowListenerConfig.model_validate({
        "port": 0, "batch_wait_ms": 20, "rollup_interval": 3600,
        "rollups": ["sum,bytes_by_dst,bytes,dst_addr"],
        "outputs": [{"type": "otlp", "endpoint": f"127.0.0.1:{port}", "protocol": "grpc"}],
    })
    pipe = FlowPipeline(cfg)
    lst = FlowListener(cfg, pipe.process)
    t = threading.Thread(target=lst.serve, kwargs={"duration": 30}, daemon=True)
    t.start()
    rep = FlowReplayer(lst.port)
    rep.replay(datagrams)
    rep.close()
    deadline = time.monotonic() + 10
    while pipe.flows_in < 51 and time.monotonic() < deadline:
        time.sleep(0.05)
    lst.stop()
    t.join(5)
    pipe.close()  # flushes the last rollup interval
    records = [lr for req in rec.logs for rl in req.resource_logs for sl in rl.scope_logs for lr in sl.log_records]
    assert len(records) == 51
    first = _attrs(records[0].attributes)
    # pmacct's first record of this capture: 138.187.58.13:10000 -> 138.187.57.33:58779 tcp, 60 bytes
    by_key = {(a["source.address"], a["source.port"], a["destination.address"], a["destination.port"]): a
              for a in (_attrs(r.attributes) for r in records)}
    a = by_key[("138.187.58.13", 10000, "138.187.57.33", 58779)]
    assert a["network.transport"] == "tcp" and a["network.type"] == "ipv4"
    assert a["flow.bytes"] == 60 and a["flow.packets"] == 1 and a["flow.in_if"] == 143
    assert "flow.src_addr" not in first  # semantic-convention names replace ours, not duplicate them
    res_attrs = _attrs(rec.logs[0].resource_logs[0].resource.attributes)
    assert res_attrs["service.name"] == "netrosetta-flow"
    assert records[0].time_unix_nano > 0
    # the rollup: bytes per destination, as a gauge per interval
    pts = [(dp, m) for req in rec.metrics for rm in req.resource_metrics for sm in rm.scope_metrics
           for m in sm.metrics for dp in m.gauge.data_points]
    assert pts and all(m.name == "netrosetta.flow.rollup.bytes_by_dst" and m.unit == "By" for _, m in pts)
    # each point covers its window: it starts at the window's start (aligned to the interval)
    assert all(0 < dp.start_time_unix_nano < dp.time_unix_nano for dp, _ in pts)
    assert all(dp.start_time_unix_nano % (3600 * 10**9) == 0 for dp, _ in pts)
    total = sum(dp.as_double for dp, _ in pts)
    pmacct = need_shared("corpus", "flow", "pmacct", "101-NFv9-CISCO-cust_primitives", "output-flow-00.json")
    expected = sum(json.loads(line)["bytes"] for line in pmacct.read_text().splitlines() if line.strip())
    assert total == expected == sum(_attrs(r.attributes)["flow.bytes"] for r in records)


def test_sflow_counters_as_unified_interface_metrics(otlp_server: Any) -> None:
    rec, port = otlp_server
    d = need_shared("corpus", "flow", "telegraf", "sflow_v5_example", "sflow_v5.bin").read_bytes()
    cfg = FlowListenerConfig.model_validate({
        "port": 0, "batch_wait_ms": 20,
        "outputs": [{"type": "otlp", "endpoint": f"127.0.0.1:{port}", "protocol": "grpc"}],
    })
    pipe = FlowPipeline(cfg)
    lst = FlowListener(cfg, pipe.process)
    t = threading.Thread(target=lst.serve, kwargs={"duration": 30}, daemon=True)
    t.start()
    rep = FlowReplayer(lst.port)
    rep.send([d])
    rep.close()
    deadline = time.monotonic() + 10
    while not rec.metrics and time.monotonic() < deadline:
        time.sleep(0.05)
    lst.stop()
    t.join(5)
    pipe.close()
    got = {}
    for req in rec.metrics:
        for rm in req.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    for dp in (m.sum.data_points if m.HasField("sum") else m.gauge.data_points):
                        a = _attrs(dp.attributes)
                        got[(m.name, a.get("network.io.direction"), a.get("network.interface.name"))] = \
                            dp.as_int or dp.as_double
    # Telegraf's decode of this datagram: port eno1, in_bytes 3910, out_bytes 3946
    assert got[("hw.network.io", "receive", "eno1")] == 3910
    assert got[("hw.network.io", "transmit", "eno1")] == 3946


def test_flow_logs_over_otlp_http() -> None:
    import http.server

    from netrosetta.collectors.flow.decoder import FlowDecoder
    from netrosetta.collectors.flow.otlp_logs import OtlpLogOutput
    from netrosetta.exporter.sinks import OtlpHttpSink

    bodies: list[tuple[str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            n = int(self.headers["Content-Length"])
            bodies.append((self.path, self.rfile.read(n)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()
            self.wfile.write(logs_service_pb2.ExportLogsServiceResponse().SerializeToString())

        def log_message(self, *args: Any) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        d = need_shared("corpus", "flow", "telegraf", "netflow_v9_example", "netflow_v9.bin").read_bytes()
        flows = FlowDecoder().decode_one(d, "192.0.2.3", 2055, 0).flows
        url = f"http://127.0.0.1:{srv.server_address[1]}"
        out = OtlpLogOutput(OtlpHttpSink(f"{url}/v1/metrics", logs_endpoint=f"{url}/v1/logs", timeout=5))
        assert out.write(flows) == 8
        assert out.refused == 0
        out.close()
    finally:
        srv.shutdown()
    assert bodies and all(p == "/v1/logs" for p, _ in bodies)
    recs = []
    for _, b in bodies:
        req = logs_service_pb2.ExportLogsServiceRequest.FromString(b)
        recs += [_attrs(lr.attributes) for rl in req.resource_logs for sl in rl.scope_logs for lr in sl.log_records]
    # Telegraf's decode of this datagram: first record 140.82.121.3:443 -> 192.168.119.100:55516, 87477 bytes
    a = next(r for r in recs if r["destination.port"] == 55516)
    assert (a["source.address"], a["source.port"], a["flow.bytes"], a["flow.packets"]) == \
        ("140.82.121.3", 443, 87477, 78)
    assert a["flow.sampler_address"] == "192.0.2.3" and a["network.transport"] == "tcp"
