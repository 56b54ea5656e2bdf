"""Backend down for a while, then back: nothing lost; drops counted only when the disk buffer is exhausted.

Real parts: snmpsim serving the lab switch, `netrosetta run` as a child process, a real OTLP/gRPC
receiver stopped and restarted on the same port.

Accounting is by batch identity (``<host.name>@<poll time>``, one batch per poll of a device): the
service logs each batch it made and each it dropped (run at debug level); the receiver's batches
are read from what it got. Delivery is at-least-once (a batch whose reply missed the export
timeout is sent again), so the receiver's batches are compared as a set; duplicates are allowed
only there.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent

from .harness import (
    LAB_SNMPREC,
    GrpcReceiver,
    ServiceProcess,
    batches_in_log,
    snmp_target,
    wait_for,
    write_yaml,
)

pytestmark = pytest.mark.reliability


def _config(tmp: Path, port: int, backend: GrpcReceiver, *, spill_mb: float, queue: int,
            devices: int = 2, interval: float = 2.0) -> Path:
    communities = ["lab", "lab2", "lab3", "lab4"][:devices]
    targets_file = write_yaml(tmp / "targets.yaml", {"targets": {"snmp": [
        snmp_target(f"sw{i + 1}", port, c) for i, c in enumerate(communities)]}})
    return write_yaml(tmp / "config.yaml", {
        "defaults": {"interval": interval, "jitter": 0.5, "poll_timeout": interval},
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


def _accounted(log: Path, backend: GrpcReceiver) -> tuple[set[str], set[str], set[str]]:
    """(made, received, dropped) batch identities; checks each batch made is in exactly one of
    received and dropped, and no batch is counted dropped twice."""
    made, dropped = batches_in_log(log)
    got = backend.received.batch_ids()
    assert made and len(made) == len(set(made)), "batch identities must be unique"
    assert len(dropped) == len(set(dropped)), "a batch counted dropped twice"
    assert not set(got) & set(dropped), f"counted dropped but delivered: {sorted(set(got) & set(dropped))[:5]}"
    lost = set(made) - set(got) - set(dropped)
    assert not lost, f"{len(lost)} batches neither delivered nor counted dropped: {sorted(lost)[:5]}"
    assert set(got) <= set(made), "the receiver got a batch that was never made"
    return set(made), set(got), set(dropped)


def test_outage_loses_nothing(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC, "lab2": LAB_SNMPREC}) as agent:
        backend = GrpcReceiver().start()
        svc = ServiceProcess(_config(tmp_path, agent.port, backend, spill_mb=64, queue=4),
                             tmp_path / "service.log", verbose=2).start()
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
            made, received, dropped = _accounted(tmp_path / "service.log", backend)
            assert received == made and not dropped
            assert len(set(got)) == st["translated_points"]
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
                             tmp_path / "service.log", verbose=2).start()
        try:
            wait_for(lambda: len(backend.received.points()) > 0, 20, "first data at the backend")
            backend.stop()
            wait_for(lambda: svc.status()["outputs"][0]["dropped_points"] > 0, 20, "the spill to overflow")
            backend.start()
            _stop_polling(tmp_path, svc)
            out = wait_for(lambda: _settled(svc), 30, "the backlog to be delivered")
            # every batch made is either at the backend or counted as dropped — by identity, not
            # totals: a batch retried after its reply missed the export timeout arrives twice
            _made, received, dropped = _accounted(tmp_path / "service.log", backend)
            assert dropped and received
            assert out["dropped_batches"] == len(dropped)
            assert out["spill_bytes"] == 0
        finally:
            svc.stop()
            backend.stop()


def test_flapping_backend_with_a_small_spill_accounts_every_batch(tmp_path: Path) -> None:
    """Issue 12 item 4 under load: the backend goes away and comes back while the spill drains and
    overflows; every batch is delivered or counted dropped, never both, never neither."""
    comms = {c: LAB_SNMPREC for c in ("lab", "lab2", "lab3", "lab4")}
    with snmpsim_agent(comms) as agent:
        backend = GrpcReceiver().start()
        svc = ServiceProcess(_config(tmp_path, agent.port, backend, spill_mb=0.04, queue=1, devices=4,
                                     interval=1.0), tmp_path / "service.log", verbose=2).start()
        try:
            wait_for(lambda: len(backend.received.points()) > 0, 20, "first data at the backend")
            # at least 4 flaps, and more until 20 batches were made: on a loaded machine many 1 s
            # polls of snmpsim time out, and the point is the accounting under flapping, not speed
            flaps = 0
            while flaps < 4 or (len(batches_in_log(tmp_path / "service.log")[0]) < 20 and flaps < 16):
                backend.stop()
                time.sleep(2.5)
                backend.start()
                time.sleep(1.0)          # long enough to start draining, too short to finish
                flaps += 1
            _stop_polling(tmp_path, svc)
            out = wait_for(lambda: _settled(svc), 60, "the backlog to be delivered")
            made, _received, dropped = _accounted(tmp_path / "service.log", backend)
            assert dropped, "a 40 KB spill must overflow"
            assert out["dropped_batches"] == len(dropped)
            assert len(made) >= 20
        finally:
            svc.stop()
            backend.stop()


def _key(label: str) -> str:
    """The key a spill file's name holds for a batch (documented in service/spill.py)."""
    return hashlib.blake2b(label.encode(), digest_size=8).hexdigest()


def test_kill9_with_spilled_data_delivers_each_batch_once(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC, "lab2": LAB_SNMPREC}) as agent:
        backend = GrpcReceiver()           # down from the start
        cfg = _config(tmp_path, agent.port, backend, spill_mb=64, queue=4)
        svc = ServiceProcess(cfg, tmp_path / "service.log", verbose=2).start()
        try:
            wait_for(lambda: len(list((tmp_path / "spill").rglob("*.pb"))) >= 4, 30, "batches on disk")
            time.sleep(1.0)
            svc.kill9()
            spilled = {f.stem.split("-")[2] for f in (tmp_path / "spill").rglob("*.pb")}
            made, _dropped = batches_in_log(tmp_path / "service.log")
            backend.start()
            # restart with no targets: it only delivers what the killed process left on disk
            write_yaml(tmp_path / "targets.yaml", {"targets": {}})
            svc2 = ServiceProcess(cfg, tmp_path / "service2.log", verbose=2).start()
            try:
                out = wait_for(lambda: _settled(svc2), 30, "the spill to be delivered after restart")
                got = backend.received.batch_ids()
                assert len(got) == len(set(got)), "a spilled batch was delivered twice"
                assert {_key(g) for g in got} == spilled, "delivered batches differ from those on disk"
                assert set(got) <= set(made)
                # kill -9 can only cut off the batch being handed to the disk at that instant
                assert len(set(made) - set(got)) <= 1, sorted(set(made) - set(got))
                assert len(got) >= 4 and out["dropped_points"] == 0
                assert not list((tmp_path / "spill").rglob("*.pb"))
            finally:
                svc2.stop()
        finally:
            svc.stop()
            backend.stop()
