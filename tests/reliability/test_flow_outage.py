"""Flows leave through the service's delivery: a backend outage loses no raw flow record.

Real parts: `netrosetta run` as a child process with a NetFlow listener whose raw flows go to the
service's outputs (`{type: otlp}` without an endpoint), NetFlow v5 datagrams over real UDP, a
real OTLP/gRPC backend (metrics and logs services) stopped and restarted on the same port.
While it is down the flow log batches go to the spill on disk; when it is back every record
arrives, and each batch made is at the backend (none dropped).
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from netrosetta.service.lab.netflow_v5 import synthetic_datagrams

from .harness import GrpcReceiver, ServiceProcess, batches_in_log, wait_for, write_yaml

pytestmark = pytest.mark.reliability
PER_DATAGRAM = 30


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _send(port: int, first_seq: int, datagrams: int) -> list[int]:
    """``datagrams`` NetFlow v5 datagrams of 30 flows each, 0.3 s apart (each its own batch);
    returns their header sequence numbers."""
    seqs = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(datagrams):
            seq = first_seq + i * PER_DATAGRAM
            [dg] = synthetic_datagrams(seq, flows=PER_DATAGRAM)
            s.sendto(dg, ("127.0.0.1", port))
            seqs.append(seq)
            time.sleep(0.3)
    return seqs


def _records_by_datagram(backend: GrpcReceiver) -> Counter[int]:
    """Distinct flow records received per datagram (its header sequence); a batch sent twice
    (at-least-once delivery) counts once."""
    seen = set()
    for lr in backend.received.log_records():
        a = {kv.key: kv.value for kv in lr.attributes}
        seen.add((a["flow.sequence_num"].int_value, a["source.address"].string_value, a["source.port"].int_value,
                  a["destination.address"].string_value, a["destination.port"].int_value,
                  a["flow.bytes"].int_value, lr.time_unix_nano))
    return Counter(k[0] for k in seen)


def test_flow_logs_survive_a_backend_outage_through_the_spill(tmp_path: Path) -> None:
    backend = GrpcReceiver().start()
    flow_port = _free_udp_port()
    cfg = write_yaml(tmp_path / "config.yaml", {
        "flow": [{"port": flow_port, "bind": "127.0.0.1", "batch_wait_ms": 20, "outputs": [{"type": "otlp"}]}],
        "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 1.0}],
                    "from_env": False},
        "delivery": {"spill_dir": str(tmp_path / "spill"), "spill_max_mb": 64, "queue_batches": 2,
                     "retry_initial": 0.1, "retry_max": 0.5, "shutdown_flush_seconds": 10},
        "http": {"listen": "127.0.0.1:0"},
        "self_telemetry": {"enabled": False},
    })
    svc = ServiceProcess(cfg, tmp_path / "service.log", verbose=2).start()
    try:
        sent = _send(flow_port, 1, 3)
        wait_for(lambda: sum(_records_by_datagram(backend).values()) == 3 * PER_DATAGRAM, 20,
                 "the first flows at the backend")
        backend.stop()                                           # the outage
        sent += _send(flow_port, 1001, 8)
        during = wait_for(lambda: (o := svc.status()["outputs"][0])["spill_bytes"] > 0 and o, 20,
                          "flow batches to go to the spill")
        assert during["export_errors"] > 0 and during["retrying"]
        backend.start()                                          # back, same port
        out = wait_for(lambda: (o := svc.status()["outputs"][0])["queue"] == 0 and not o["retrying"] and o, 30,
                       "the flow backlog to be delivered")
        by_dg = wait_for(lambda: (c := _records_by_datagram(backend)) and
                         sum(c.values()) == len(sent) * PER_DATAGRAM and c, 10, "every flow record")
        assert by_dg == {seq: PER_DATAGRAM for seq in sent}
        assert out["dropped_points"] == 0 and out["spill_bytes"] == 0
        # accounting by batch identity: every flow batch the service made reached the backend
        made, dropped = batches_in_log(tmp_path / "service.log")
        flow_batches = [m for m in made if m.startswith("netrosetta-flow@")]
        assert len(flow_batches) >= len(sent) and not dropped
        got = {f"netrosetta-flow@{rl.scope_logs[0].log_records[0].time_unix_nano}"
               for r in backend.received.logs for rl in r.resource_logs[:1]}
        assert set(flow_batches) == got
    finally:
        svc.stop()
        backend.stop()
