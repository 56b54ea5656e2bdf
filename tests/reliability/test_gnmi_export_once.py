"""`netrosetta run` streaming from a gNMI simulator process to a real OTLP gRPC receiver: each
device sample is exported once (issue 12) - not again at every export interval while the stream
is slower than the export schedule, and not after the target died."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.harness import GrpcReceiver, ServiceProcess, free_tcp_port, wait_for, write_yaml
from tests.reliability.test_gnmi_reconnect import _kill, _start

pytestmark = pytest.mark.reliability

KEY = "gnmi/g1"


def _config(tmp_path: Path, port: int, backend: GrpcReceiver, sample_interval: float) -> Path:
    return write_yaml(tmp_path / "config.yaml", {
        "defaults": {"interval": 0.5, "jitter": 0},
        "targets": {"gnmi": [{
            "name": "g1", "address": f"127.0.0.1:{port}", "tls": {"enabled": False}, "rpc_timeout": 2,
            "keepalive_time": 1, "keepalive_timeout": 1,
            "subscriptions": [{"path": "/interfaces/interface[name=Ethernet1]/state/counters",
                               "sample_interval": sample_interval}],
            "reconnect": {"initial": 5, "maximum": 5}}]},
        "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}}], "from_env": False},
        "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False}})


def _data(backend: GrpcReceiver) -> list[tuple[str, str, str, int, int, float]]:
    """The device's points, without the session's own netrosetta.gnmi.* state metrics."""
    return [p for p in backend.received.points() if not p[1].startswith("netrosetta.gnmi.")]


def _twice(points: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    seen = Counter((d, m, a, t) for d, m, a, _s, t, _v in points)
    return [k for k, n in seen.items() if n > 1]


def test_sample_interval_longer_than_export_interval_each_sample_once(tmp_path: Path) -> None:
    port = free_tcp_port()
    proc = _start(port, time.time() - 100)
    backend = GrpcReceiver().start()
    svc = ServiceProcess(_config(tmp_path, port, backend, 2.0), tmp_path / "service.log")
    try:
        svc.start()
        # 4 samples (2 s apart) span ~16 export intervals of 0.5 s
        wait_for(lambda: len({p[4] for p in _data(backend) if p[1] == "hw.network.io"}) >= 4, 30,
                 "four samples at the backend")
        assert svc.target(KEY)["polls_ok"] >= 8
        points = _data(backend)
        assert points and _twice(points) == []
        # every series got each sample once: as many points per series as device timestamps
        per_series = Counter((m, a) for _d, m, a, _s, _t, _v in points)
        stamps = {t for *_r, t, _v in points}
        assert len(stamps) >= 4 and max(per_series.values()) <= len(stamps) + 1
    finally:
        svc.stop()
        backend.stop()
        _kill(proc)


def test_target_killed_nothing_re_exported_status_not_ok(tmp_path: Path) -> None:
    port = free_tcp_port()
    proc = _start(port, time.time() - 100)
    backend = GrpcReceiver().start()
    svc = ServiceProcess(_config(tmp_path, port, backend, 0.3), tmp_path / "service.log")
    try:
        svc.start()
        wait_for(lambda: len({p[4] for p in _data(backend)}) >= 3, 30, "samples at the backend")
        _kill(proc)
        st = wait_for(lambda: (t := svc.target(KEY))["state"] == "failed" and t, 15, "the target seen down")
        assert st["error_kind"] == "down"
        n = len(_data(backend))
        # six more export intervals (the reconnect backoff is 5 s: the target stays down)
        wait_for(lambda: svc.target(KEY)["polls_failed"] >= st["polls_failed"] + 6, 15, "more polls")
        st = svc.target(KEY)
        assert st["state"] == "failed" and st["error_kind"] == "down"
        assert len(_data(backend)) == n, "cached samples re-exported after the target died"
        assert _twice(_data(backend)) == []
        ups = [(t, v) for _d, m, _a, _s, t, v in backend.received.points() if m == "netrosetta.gnmi.target.up"]
        assert max(ups)[1] == 0            # the session state still goes out: down
    finally:
        svc.stop()
        backend.stop()
        _kill(proc)
