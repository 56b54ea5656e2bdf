"""Export to real OTLP receivers over gRPC and HTTP/protobuf, and the OTLP/JSON file sink."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.sinks import JsonLinesSink, OtlpGrpcSink, OtlpHttpSink, sink_from_env
from tests.support.otlp_receiver import GrpcReceiver, HttpReceiver
from tests.unit.test_exporter_otlp import device


def test_grpc_sink_delivers_with_headers() -> None:
    with GrpcReceiver() as rx:
        sink = OtlpGrpcSink(rx.endpoint, insecure=True, headers={"x-tenant": "lab"}, timeout=5)
        req = build_request([device("r1", 5), device("r2", 6)])
        assert sink.export(req)
        assert rx.wait(1)
        assert rx.requests[0] == req
        assert rx.headers[0]["x-tenant"] == "lab"
        sink.shutdown()


def test_grpc_sink_reports_refusal() -> None:
    with GrpcReceiver() as rx:
        rx.fail = True
        sink = OtlpGrpcSink(rx.endpoint, insecure=True, timeout=1)
        assert not sink.export(build_request([device("r1", 5)]))
        sink.shutdown()


def test_http_sink_delivers() -> None:
    with HttpReceiver() as rx:
        sink = OtlpHttpSink(rx.endpoint, timeout=5)
        req = build_request([device("r1", 5)])
        assert sink.export(req)
        assert rx.requests[0] == req
        assert rx.headers[0]["content-type"] == "application/x-protobuf"
        sink.shutdown()


def test_env_selects_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    with HttpReceiver() as rx:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{rx.port}")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        sink = sink_from_env()
        assert isinstance(sink, OtlpHttpSink)
        assert sink.export(build_request([device("r1", 9)]))
        assert rx.points() == 2
        sink.shutdown()


def test_json_lines_file(tmp_path: Path) -> None:
    path = tmp_path / "out" / "metrics.jsonl"
    sink = JsonLinesSink(path)
    sink.export(build_request([device("r1", 1)]))
    sink.export(build_request([device("r1", 2)]))
    sink.shutdown()
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert [json.loads(x)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]["asInt"]
            for x in lines] == ["1", "2"]


def _flow_logs() -> Any:
    from netrosetta.collectors.flow.decoder import FlowDecoder
    from netrosetta.collectors.flow.otlp_logs import build_logs_request
    from netrosetta.service.lab.netflow_v5 import synthetic_datagrams

    batch = FlowDecoder().decode_one(synthetic_datagrams(7, flows=12)[0], "192.0.2.9", 2055).flows
    return build_logs_request(batch, {"service.name": "netrosetta-flow"})


def test_grpc_sink_carries_logs_and_metrics_on_one_channel() -> None:
    with GrpcReceiver() as rx:
        sink = OtlpGrpcSink(rx.endpoint, insecure=True, compression="gzip", timeout=5)
        logs = _flow_logs()
        assert sink.export(logs) and sink.export(build_request([device("r1", 5)]))
        assert rx.logs == [logs] and rx.points() == 2
        sink.shutdown()


def test_http_sink_posts_logs_beside_metrics_gzipped(monkeypatch: pytest.MonkeyPatch) -> None:
    with HttpReceiver() as rx:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=lab")
        sink = OtlpHttpSink(rx.endpoint, compression="gzip", timeout=5)      # …/v1/metrics
        logs = _flow_logs()
        assert sink.export(logs) and sink.export(build_request([device("r1", 5)]))
        assert rx.logs == [logs] and rx.points() == 2
        assert all(h["content-encoding"] == "gzip" and h["x-tenant"] == "lab" for h in rx.headers)
        rx.fail = True
        assert not sink.export(logs)
        sink.shutdown()


def test_grpc_sink_to_nobody_says_no_within_its_timeout() -> None:
    from tests.reliability.harness import free_tcp_port

    sink = OtlpGrpcSink(f"127.0.0.1:{free_tcp_port()}", insecure=True, timeout=1)
    assert not sink.export(build_request([device("r1", 5)]))
    sink.shutdown()
