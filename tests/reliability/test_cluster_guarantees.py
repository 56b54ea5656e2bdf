"""The two cluster guarantees, checked by exact data point identities at a real OTLP receiver:

- NATS restart (issue 12 item 3): nats-server killed and restarted on the same port and store; both
  instances keep polling what they hold (no gap, owned targets never 0), one owner per target again
  after it is back, and every point made reaches the backend.
- Instance loss: kill -9 of one of three instances; its targets move and nothing it published is lost.

"Made" is each instance's `cluster.record_file` (every batch, written before it is published); the
backend's identities must equal it as a set, duplicates (at-least-once) counted and printed.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent

from .harness import (
    LAB_SNMPREC,
    GrpcReceiver,
    NatsServer,
    Received,
    ServiceProcess,
    snmp_target,
    wait_for,
    write_yaml,
)
from .identities import compare, makers

pytestmark = pytest.mark.reliability

INTERVAL = 3.0
LEASE = 3.0
OUTAGE = 16.0
DEVICES = [f"dev{i}" for i in range(4)]


@contextlib.contextmanager
def _agents() -> Iterator[dict[str, int]]:
    with contextlib.ExitStack() as stack:
        yield {d: stack.enter_context(snmpsim_agent({"lab": LAB_SNMPREC})).port for d in DEVICES}


def _record(tmp: Path, i: int) -> Path:
    return tmp / f"made-i{i}.jsonl"


def _start(tmp: Path, ports: dict[str, int], backend: GrpcReceiver, nats: NatsServer, n: int) -> list[ServiceProcess]:
    svcs = []
    for i in range(n):
        cfg = write_yaml(tmp / f"config-{i}.yaml", {
            "defaults": {"interval": INTERVAL, "jitter": 0.5, "poll_timeout": INTERVAL},
            "targets": {"snmp": [snmp_target(d, ports[d], timeout=1.0) for d in DEVICES]},
            "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 2}],
                        "from_env": False},
            "delivery": {"spill_dir": str(tmp / f"spill-{i}"), "retry_initial": 0.2, "retry_max": 1},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"enabled": False},
            "cluster": {"nats": [nats.url], "instance": f"i{i}", "lease_seconds": LEASE, "ack_wait": 4,
                        "record_file": str(_record(tmp, i))},
        })
        svcs.append(ServiceProcess(cfg, tmp / f"service-{i}.log").launch())
    return [s.wait_started(60) for s in svcs]


def _owners(svcs: list[ServiceProcess]) -> dict[str, str] | None:
    """target -> instance once every instance sees all members and each target has exactly one owner."""
    owners: dict[str, str] = {}
    for s in svcs:
        c = s.status()["cluster"]
        if len(c["members"]) != len(svcs) or c.get("outage", {}).get("now"):
            return None
        for key in c["owned"]:
            if key in owners:
                return None
            owners[key] = c["instance"]
    return owners if len(owners) == len(DEVICES) else None


def _polls(rx: Received) -> dict[str, list[int]]:
    by: dict[str, set[int]] = defaultdict(set)
    for dev, _m, _a, _s, ts, _v in rx.points():
        by[dev].add(ts)
    return {d: sorted(v) for d, v in by.items()}


def _stop_all(svcs: list[ServiceProcess]) -> None:
    for s in svcs:
        with contextlib.suppress(AssertionError):
            s.stop()


def _check_identities(tmp: Path, n: int, rx: Received, dropped: int) -> None:
    cmp = compare([_record(tmp, i) for i in range(n)], rx)
    print("identities:", cmp.describe())
    assert cmp.made, "the instances recorded what they made"
    assert cmp.made_twice == 0, "a point made twice (two instances polling the same target in one instant)"
    assert not cmp.invented, f"the backend got points nobody made: {cmp.describe()}"
    assert dropped == 0, f"{dropped} points counted dropped (the backend never refused)"
    assert not cmp.missing, f"points made but never received: {cmp.describe()}"


def test_nats_outage_keeps_polling_and_loses_nothing(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path / "nats").start()
    backend = GrpcReceiver().start()
    svcs: list[ServiceProcess] = []
    try:
        with _agents() as ports:
            svcs = _start(tmp_path, ports, backend, nats, 2)
            wait_for(lambda: _owners(svcs), 30, "every target owned by exactly one instance")
            wait_for(lambda: len(_polls(backend.received)) == len(DEVICES), 20, "data from every device")
            time.sleep(INTERVAL)
            t_fault = time.time_ns()
            nats.kill9()
            held: list[int] = []          # targets owned by any instance, sampled through the outage
            end = time.monotonic() + OUTAGE
            while time.monotonic() < end:
                owned: set[str] = set()
                for s in svcs:
                    owned |= set(s.status()["cluster"]["owned"])
                held.append(len(owned))
                time.sleep(0.5)
            during = [s.status()["cluster"] for s in svcs]
            nats.start()                  # same port, same JetStream store
            wait_for(lambda: _owners(svcs), 30, "one owner per target after NATS is back")
            time.sleep(INTERVAL)          # one interval for a poll scheduled before settling
            t_steady = time.time_ns()
            time.sleep(4 * INTERVAL)
            after = [s.status() for s in svcs]
            _stop_all(svcs)               # graceful: the stream and local queues are flushed
    finally:
        _stop_all(svcs)
        backend.stop()
        nats.stop()

    assert min(held) == len(DEVICES), f"owned targets fell during the NATS outage: {held}"
    for c in during:
        assert c["outage"]["now"] and c["leases_state"].startswith("advisory"), c
    for st in after:
        o = st["cluster"]["outage"]
        assert not o["now"] and o["outages"] >= 1 and o["reconnects"] >= 1, o
        assert o["seconds"] >= OUTAGE * 0.8, o
    polls = _polls(backend.received)
    limit = 1.5 * INTERVAL
    for dev in DEVICES:
        through = [t for t in polls[dev] if t_fault - int(2 * INTERVAL * 1e9) <= t <= t_steady]
        gaps = [(b - a) / 1e9 for a, b in itertools.pairwise(through)]
        assert gaps and max(gaps) <= limit, f"{dev}: gap {max(gaps, default=0):.1f}s through the outage"
    who = makers({f"i{i}": _record(tmp_path, i) for i in range(2)})
    for dev in DEVICES:
        steady = [t for t in polls[dev] if t > t_steady]
        assert len(steady) >= 3, dev
        assert {frozenset(who[(dev, t)]) for t in steady} in ({frozenset({"i0"})}, {frozenset({"i1"})}), \
            f"{dev}: not polled by exactly one instance after NATS came back"
        gaps = [(b - a) / 1e9 for a, b in itertools.pairwise(steady)]
        assert min(gaps) > INTERVAL * 0.5, f"{dev} polled twice within {min(gaps):.2f}s"
    dropped = sum(o["dropped_points"] for st in after for o in st["outputs"])
    _check_identities(tmp_path, 2, backend.received, dropped)


def test_instance_loss_loses_nothing_it_published(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path / "nats").start()
    backend = GrpcReceiver().start()
    svcs: list[ServiceProcess] = []
    try:
        with _agents() as ports:
            svcs = _start(tmp_path, ports, backend, nats, 3)
            owners = wait_for(lambda: _owners(svcs), 30, "every target owned by exactly one instance")
            time.sleep(2 * INTERVAL)
            victim_name = max(set(owners.values()), key=lambda i: sum(1 for o in owners.values() if o == i))
            victim = svcs[int(victim_name[1:])]
            moved = [k.split("/", 1)[1] for k, o in owners.items() if o == victim_name]
            killed_at = time.time_ns()
            victim.kill9()
            survivors = [s for s in svcs if s is not victim]
            wait_for(lambda: _owners(survivors), 4 * LEASE, "the survivors to own every target")
            time.sleep(3 * INTERVAL)
            after: list[dict[str, Any]] = [s.status() for s in survivors]
            _stop_all(survivors)
    finally:
        _stop_all(svcs)
        backend.stop()
        nats.stop()

    polls = _polls(backend.received)
    for dev in moved:
        assert [t for t in polls[dev] if t > killed_at + int(LEASE * 1e9)], f"{dev} polled again after the takeover"
    redelivered = sum(st["cluster"]["redelivered"] for st in after)
    print(f"redelivered batches at the survivors: {redelivered}")
    dropped = sum(o["dropped_points"] for st in after for o in st["outputs"])
    _check_identities(tmp_path, 3, backend.received, dropped)
