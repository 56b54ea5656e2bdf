"""`workers: N`: one instance as worker processes sharing nothing, sharded like NATS instances.

Real processes throughout: `netrosetta run` (a supervisor and its workers), one snmpsim per
device, an OTLP/gRPC receiver, nats-server. Who polled what is read from what the backend
received: each device's Resources, and each worker's self-telemetry (its own
``service.instance.id``, ``netrosetta.polls`` per target).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    GrpcReceiver,
    NatsServer,
    Received,
    ServiceProcess,
    snmp_target,
    snmpsim_devices,
    wait_for,
    write_yaml,
)

pytestmark = pytest.mark.reliability

INTERVAL = 2.0
DEVICES = [f"dev{i}" for i in range(4)]


def _config(path: Path, ports: dict[str, int], backend: GrpcReceiver, **extra: Any) -> Path:
    return write_yaml(path, {
        "defaults": {"interval": INTERVAL, "jitter": 0.5, "poll_timeout": INTERVAL},
        "targets": {"snmp": [snmp_target(d, port, timeout=1.0) for d, port in ports.items()]},
        "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 2}],
                    "from_env": False},
        "delivery": {"spill_dir": str(path.parent / f"spill-{path.stem}"), "retry_initial": 0.2, "retry_max": 1},
        "http": {"listen": "127.0.0.1:0"},
        "self_telemetry": {"enabled": True, "interval": 1.0},
    } | extra)


def _polls(rx: Received) -> dict[str, list[int]]:
    """device -> sorted distinct poll timestamps the backend received."""
    by: dict[str, set[int]] = defaultdict(set)
    for dev, _m, _a, _s, ts, _v in rx.points():
        by[dev].add(ts)
    return {d: sorted(v) for d, v in by.items()}


def _attrs(text: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in text.split(",") if kv)


def _pollers(rx: Received) -> dict[str, set[str]]:
    """target -> the members that report good polls of it in their self-telemetry (its Resource's
    host.name is ``netrosetta/<member>``)."""
    out: dict[str, set[str]] = defaultdict(set)
    for host, m, attrs, _s, _t, v in rx.points(self_telemetry=True):
        a = _attrs(attrs)
        if m == "netrosetta.polls" and a.get("outcome") == "ok" and v > 0:
            out[a["netrosetta.target"]].add(host.removeprefix("netrosetta/"))
    return out


def _restarts(rx: Received) -> dict[str, int]:
    """worker -> the highest netrosetta.worker.restarts it exported."""
    out: dict[str, int] = {}
    for _dev, m, attrs, _s, _t, v in rx.points(self_telemetry=True):
        if m == "netrosetta.worker.restarts":
            w = _attrs(attrs)["netrosetta.worker"]
            out[w] = max(out.get(w, 0), int(v))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_two_workers_poll_each_target_once_and_a_killed_worker_comes_back(tmp_path: Path) -> None:
    backend = GrpcReceiver().start()
    svc: ServiceProcess | None = None
    try:
        with snmpsim_devices(DEVICES) as ports:
            cfg = _config(tmp_path / "workers.yaml", ports, backend, workers=2, instance="lab")
            svc = ServiceProcess(cfg, tmp_path / "service.log").start(120)
            st = svc.status()
            workers = {w["name"]: w for w in st["workers"]}
            assert sorted(workers) == ["lab/w0", "lab/w1"] and all(w["alive"] for w in workers.values())
            assert len({w["pid"] for w in workers.values()} | {svc.proc.pid}) == 3, "three processes"   # type: ignore[union-attr]
            wait_for(lambda: set(_polls(backend.received)) == set(DEVICES), 60, "data from every device")
            time.sleep(4 * INTERVAL)
            # every target polled by exactly one worker, and the targets are spread over both
            pollers = _pollers(backend.received)
            assert sorted(pollers) == [f"snmp/{d}" for d in DEVICES]
            assert all(len(p) == 1 for p in pollers.values()), pollers
            owner = {k: next(iter(p)) for k, p in pollers.items()}
            assert set(owner.values()) == {"lab/w0", "lab/w1"}, owner
            for dev, ts in _polls(backend.received).items():
                # from the second poll on (a device's first poll pays for warm-up on shared cores)
                gaps = [(b - a) / 1e9 for a, b in itertools.pairwise(ts[1:])]
                assert gaps and min(gaps) > INTERVAL * 0.5, f"{dev} polled twice within {min(gaps):.2f}s"
            # the status page shows the whole instance: every target, as its owner reports it
            st = svc.status()
            assert {t["key"]: t["worker"] for t in st["targets"]} == owner
            assert all(t["state"] == "ok" for t in st["targets"]), st["targets"]

            victim = "lab/w1"
            moved = [k.split("/", 1)[1] for k, o in owner.items() if o == victim]
            old_pid = workers[victim]["pid"]
            killed = time.time_ns()
            os.kill(old_pid, signal.SIGKILL)
            back = wait_for(lambda: next((w for w in svc.status()["workers"]  # type: ignore[union-attr]
                                          if w["name"] == victim and w["alive"] and w["restarts"] == 1), None),
                            60, "the supervisor to restart the killed worker")
            assert back["pid"] != old_pid and back["last_exit"] == -signal.SIGKILL
            wait_for(lambda: all(any(t > killed for t in _polls(backend.received).get(d, [])) for d in moved),
                     60, "the killed worker's targets polled again")
            wait_for(lambda: _restarts(backend.received).get(victim) == 1, 30,
                     "the restarted worker's self-telemetry to count its restart")
            assert _restarts(backend.received).get("lab/w0", 0) == 0
            assert all(len(p) == 1 for p in _pollers(backend.received).values()), "still one poller each"

            # SIGHUP reaches every worker: a target removed from the config leaves the whole instance
            _config(cfg, {d: p for d, p in ports.items() if d != "dev3"}, backend, workers=2, instance="lab")
            svc.signal(signal.SIGHUP)
            wait_for(lambda: [t["key"] for t in svc.status()["targets"]] == ["snmp/dev0", "snmp/dev1", "snmp/dev2"],  # type: ignore[union-attr]
                     60, "every worker to reload without snmp/dev3")

            pids = [w["pid"] for w in svc.status()["workers"]]
            assert svc.stop(60) == 0
            assert not [p for p in pids if _alive(p)], "SIGTERM stopped every worker"
        log = (tmp_path / "service.log").read_text()
        assert "Traceback" not in log and "Fatal Python error" not in log
    finally:
        if svc is not None:
            with contextlib.suppress(AssertionError):
                svc.stop()
        backend.stop()


def _settled(svcs: list[ServiceProcess], members: int) -> dict[str, str] | None:
    """target -> member once each target has exactly one owner among ``members`` live members."""
    owners: dict[str, str] = {}
    for s in svcs:
        c = s.status()["cluster"]
        views = c["workers"] if "workers" in c else {c["instance"]: c}
        for name, v in views.items():
            if len(v["members"]) != members:
                return None
            for key in v["owned"]:
                if key in owners:
                    return None
                owners[key] = name
    return owners if len(owners) == len(DEVICES) else None


def test_workers_and_instances_agree_on_owners(tmp_path: Path) -> None:
    """One instance with 2 workers, without and with NATS, and 2 instances named like its workers:
    the same owner for every target."""
    backend = GrpcReceiver().start()
    found: dict[str, dict[str, str]] = {}
    try:
        with snmpsim_devices(DEVICES) as ports:
            static = ServiceProcess(_config(tmp_path / "static.yaml", ports, backend, workers=2, instance="fleet"),
                                    tmp_path / "static.log").start(120)
            try:
                found["static workers"] = wait_for(
                    lambda: (lambda ts: {t["key"]: t["worker"] for t in ts}
                             if len(ts) == len(DEVICES) and all(t["state"] == "ok" for t in ts) else None)(
                                 static.status()["targets"]), 60, "every target polled")
                # a worker whose supervisor dies (kill -9: no SIGTERM forwarded) stops by itself
                pids = [w["pid"] for w in static.status()["workers"]]
                static.kill9()
                wait_for(lambda: not [p for p in pids if _alive(p)], 60, "the orphaned workers to stop")
            finally:
                static.stop(60)
            for run, layout in (("nats workers", [{"workers": 2, "instance": "fleet"}]),
                                ("nats instances", [{"instance": f"fleet/w{k}"} for k in range(2)])):
                nats = NatsServer(tmp_path / run.replace(" ", "-")).start()
                svcs: list[ServiceProcess] = []
                try:
                    for i, extra in enumerate(layout):
                        cluster = {"nats": [nats.url], "lease_seconds": 3.0, "instance": extra.pop("instance")}
                        cfg = _config(tmp_path / f"{run.replace(' ', '-')}-{i}.yaml", ports, backend,
                                      cluster=cluster, **extra)
                        svcs.append(ServiceProcess(cfg, tmp_path / f"{run}-{i}.log").launch())
                    svcs = [s.wait_started(120) for s in svcs]
                    found[run] = wait_for(lambda ss=svcs: _settled(ss, 2), 60, f"{run}: one owner per target")
                finally:
                    for s in svcs:
                        with contextlib.suppress(AssertionError):
                            s.stop(60)
                    nats.stop()
    finally:
        backend.stop()
    assert found["static workers"] == found["nats workers"] == found["nats instances"], found
    assert set(found["static workers"].values()) == {"fleet/w0", "fleet/w1"}
