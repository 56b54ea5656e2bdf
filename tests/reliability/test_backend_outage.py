"""Backend down for a while, then back: nothing lost; drops counted only when the disk buffer is exhausted.

Real parts: snmpsim serving the lab switch, `netrosetta run` as a child process, a real OTLP/gRPC
receiver stopped and restarted on the same port.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent

from .harness import LAB_SNMPREC, GrpcReceiver, ServiceProcess, snmp_target, wait_for, write_yaml

pytestmark = pytest.mark.reliability


def _config(tmp: Path, port: int, backend: GrpcReceiver, *, spill_mb: float, queue: int) -> Path:
    targets_file = write_yaml(tmp / "targets.yaml", {"targets": {"snmp": [
        snmp_target("sw1", port, "lab"), snmp_target("sw2", port, "lab2")]}})
    return write_yaml(tmp / "config.yaml", {
        "defaults": {"interval": 2.0, "jitter": 0.5, "poll_timeout": 2.0},
        "targets_file": str(targets_file),
        "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 1.0}],
                    "from_env": False},
        "delivery": {"spill_dir": str(tmp / "spill"), "spill_max_mb": spill_mb, "queue_batches": queue,
                     "retry_initial": 0.1, "retry_max": 0.5, "shutdown_flush_seconds": 10},
        "http": {"listen": "127.0.0.1:0"},
        "self_telemetry": {"enabled": False},
    })


def _stop_polling(tmp: Path, svc: ServiceProcess) -> None:
    """Remove every target through the watched file (no restart), then let the polls in flight end."""
    write_yaml(tmp / "targets.yaml", {"targets": {}})
    wait_for(lambda: not svc.status()["targets"], 15, "targets to be removed")


def _settled(svc: ServiceProcess) -> dict:
    out = svc.status()["outputs"][0]
    return out if out["queue"] == 0 and not out["retrying"] else None


def test_outage_loses_nothing(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC, "lab2": LAB_SNMPREC}) as agent:
        backend = GrpcReceiver().start()
        svc = ServiceProcess(_config(tmp_path, agent.port, backend, spill_mb=64, queue=4),
                             tmp_path / "service.log").start()
        try:
            wait_for(lambda: len(backend.received.points()) > 0, 20, "first data at the backend")
            backend.stop()                                   # the outage
            time.sleep(6)
            during = svc.status()["outputs"][0]
            assert during["export_errors"] > 0
            assert during["spill_bytes"] > 0, "batches must go to disk while the backend is down"
            backend.start()                                  # back, same port
            _stop_polling(tmp_path, svc)
            out = wait_for(lambda: _settled(svc), 30, "the backlog to be delivered")
            st = svc.status()
            got = backend.received.points()
            assert out["dropped_points"] == 0
            assert len(got) == st["translated_points"] == out["exported_points"]
            # every poll arrived: one distinct timestamp per good poll per device
            polls = {(dev, ts) for dev, _m, _a, _s, ts, _v in got}
            assert len({dev for dev, _ts in polls}) == 2
            assert len(polls) >= 4
            assert not [p for p in got if p[1] == "hw.network.io" and p[3] == 0], "counters carry a start time"
        finally:
            svc.stop()
            backend.stop()


def test_drops_only_when_spill_is_exhausted(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC, "lab2": LAB_SNMPREC}) as agent:
        backend = GrpcReceiver().start()
        # ~40 KB of disk: a few batches, so a 6 s outage must overflow it
        svc = ServiceProcess(_config(tmp_path, agent.port, backend, spill_mb=0.04, queue=1),
                             tmp_path / "service.log").start()
        try:
            wait_for(lambda: len(backend.received.points()) > 0, 20, "first data at the backend")
            backend.stop()
            wait_for(lambda: svc.status()["outputs"][0]["dropped_points"] > 0, 20, "the spill to overflow")
            backend.start()
            _stop_polling(tmp_path, svc)
            out = wait_for(lambda: _settled(svc), 30, "the backlog to be delivered")
            st = svc.status()
            got = len(backend.received.points())
            # every translated point is either at the backend or counted as dropped — nothing vanishes
            assert got + out["dropped_points"] == st["translated_points"]
            assert out["spill_bytes"] == 0
        finally:
            svc.stop()
            backend.stop()


def test_kill9_during_outage_keeps_the_spill_for_the_next_start(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC, "lab2": LAB_SNMPREC}) as agent:
        backend = GrpcReceiver()           # down from the start
        cfg = _config(tmp_path, agent.port, backend, spill_mb=64, queue=4)
        svc = ServiceProcess(cfg, tmp_path / "service.log").start()
        try:
            wait_for(lambda: svc.status()["translated_points"] >= 142 * 4, 30, "polls while the backend is down")
            wait_for(lambda: svc.status()["outputs"][0]["spill_bytes"] > 0, 10, "batches on disk")
            time.sleep(1.0)                # let in-flight batches reach the disk too
            translated = svc.status()["translated_points"]
            svc.kill9()
            backend.start()
            # restart with no targets: it only delivers what the killed process left on disk
            write_yaml(tmp_path / "targets.yaml", {"targets": {}})
            svc2 = ServiceProcess(cfg, tmp_path / "service2.log").start()
            try:
                out = wait_for(lambda: _settled(svc2), 30, "the spill to be delivered after restart")
                got = len(backend.received.points())
                # kill -9 can only cut off the poll being handed over at that instant (one batch)
                assert translated - 142 <= got <= translated + 2 * 142
                assert got >= 142 * 4 and out["dropped_points"] == 0
            finally:
                svc2.stop()
        finally:
            svc.stop()
            backend.stop()
