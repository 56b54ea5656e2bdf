"""A file output takes the signals it is configured for: the lab's metrics.jsonl keeps metrics only
while raw flows and traps (logs) go to the outputs that take logs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta.service.config import ServiceConfig
from netrosetta.service.flows import _ServiceSink
from netrosetta.service.runtime import Service


def test_metrics_and_logs_go_only_where_they_are_taken(tmp_path: Path) -> None:
    cfg = ServiceConfig.model_validate({"outputs": {"from_env": False, "otlp_json": [
        {"path": str(tmp_path / "metrics.jsonl"), "signals": ["metrics"]},
        {"path": str(tmp_path / "logs.jsonl"), "signals": ["logs"]},
        {"path": str(tmp_path / "all.jsonl")}]}})

    async def run() -> list[int]:
        svc = Service(cfg)
        svc.outputs.offer(ExportMetricsServiceRequest(), 1)
        _ServiceSink(svc, asyncio.get_running_loop())._local(ExportLogsServiceRequest(), 1)
        return [d.depth() for d in svc.deliveries]

    assert asyncio.run(run()) == [1, 1, 2]
