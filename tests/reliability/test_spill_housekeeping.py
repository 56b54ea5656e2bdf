"""Issue 12 item 10: a spill folder no configured output owns (the endpoint changed) is reported,
or with ``delivery.orphaned_spill: deliver`` delivered — never silently left behind.

Real parts: `netrosetta run` as a child process, a real OTLP/gRPC receiver, spill files written by
a Spill on a real directory as a previous run with another endpoint would have left them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.service.spill import Spill

from .harness import GrpcReceiver, ServiceProcess, wait_for, write_yaml
from .test_delivery_identities import make_batch

pytestmark = pytest.mark.reliability

OLD = "otlp-grpc_127.0.0.1_1"      # the folder of an output whose endpoint was 127.0.0.1:1


def _leave_orphan(spill_dir: Path) -> set[str]:
    sp = Spill(spill_dir / OLD, 1 << 20)
    ids = set()
    for i in range(3):
        sp.push(make_batch(i, 10).SerializeToString(), 1, f"dev{i}@{1000 + i}")
        ids.add(f"dev{i}@{1000 + i}")
    return ids


def _config(tmp: Path, backend: GrpcReceiver, policy: str, telemetry: bool = False) -> Path:
    return write_yaml(tmp / "config.yaml", {
        "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 2.0}],
                    "from_env": False},
        "delivery": {"spill_dir": str(tmp / "spill"), "orphaned_spill": policy, "retry_initial": 0.1},
        "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": telemetry, "interval": 0.5}})


def test_an_orphaned_spill_folder_is_reported_and_kept(tmp_path: Path) -> None:
    ids = _leave_orphan(tmp_path / "spill")
    files = sorted((tmp_path / "spill" / OLD).glob("*.pb"))
    du = sum(f.stat().st_blocks * 512 for f in files)
    backend = GrpcReceiver().start()
    svc = ServiceProcess(_config(tmp_path, backend, "report", telemetry=True), tmp_path / "service.log").start()
    try:
        orphans = svc.status()["orphaned_spill"]
        assert orphans == [{"folder": str(tmp_path / "spill" / OLD), "batches": 3, "points": 3, "bytes": du}]
        log = (tmp_path / "service.log").read_text()
        assert f"spill folder {tmp_path / 'spill' / OLD} belongs to no configured output: 3 batches" in log
        gauge = wait_for(lambda: [p for p in backend.received.points(self_telemetry=True)
                                  if p[1] == "netrosetta.spill.orphaned"], 20, "self-telemetry")
        assert gauge[0][2] == f"netrosetta.spill.folder={OLD}" and gauge[0][5] == du
        assert sorted((tmp_path / "spill" / OLD).glob("*.pb")) == files       # left as it was
        assert not ids & set(backend.received.batch_ids())
    finally:
        svc.stop()
        backend.stop()


def test_an_orphaned_spill_folder_is_delivered_when_asked(tmp_path: Path) -> None:
    ids = _leave_orphan(tmp_path / "spill")
    backend = GrpcReceiver().start()
    svc = ServiceProcess(_config(tmp_path, backend, "deliver"), tmp_path / "service.log").start()
    try:
        wait_for(lambda: len(backend.received.batch_ids()) >= 3, 20, "the orphaned batches at the backend")
        got = backend.received.batch_ids()
        assert sorted(got) == sorted(ids), "each orphaned batch delivered once"
        assert svc.status()["orphaned_spill"] == []
        assert not (tmp_path / "spill" / OLD).exists()
    finally:
        svc.stop()
        backend.stop()
