"""`make run` with OTEL_EXPORTER_OTLP_ENDPOINT set: the lab's raw flows reach the backend as OTLP
log records beside the metrics (issue 15 item 2: 0 log requests arrived before), and the lab says
where the flows file is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.harness import GrpcReceiver, free_tcp_port, wait_for

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def test_lab_flows_reach_the_backend_named_by_the_environment(tmp_path: Path) -> None:
    backend = GrpcReceiver().start()
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{backend.endpoint}",
           "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_INSECURE": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "netrosetta", "lab", "--run", "--plain", "--only", "snmp",
                             "--only", "flow", "--interval", "2", "--duration", "40", "--out", str(tmp_path),
                             "--http", f"127.0.0.1:{free_tcp_port()}"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        records: list[Any] = wait_for(lambda: backend.received.log_records(), 35, "flow log records at the backend")
        wait_for(lambda: backend.received.requests, 10, "metrics at the backend too")
    finally:
        proc.terminate()
        try:
            _out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
        backend.stop()
    names = {kv.key for lr in records for kv in lr.attributes}
    assert {"source.address", "destination.address"} & names or {"src_addr", "dst_addr"} & names, sorted(names)
    assert str(tmp_path / "flows.jsonl") in err, err[-2000:]
    assert (tmp_path / "flows.jsonl").stat().st_size > 0
