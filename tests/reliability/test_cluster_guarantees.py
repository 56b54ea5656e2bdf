"""The two cluster guarantees, checked by exact data point identities at a real OTLP receiver:

- NATS restart (issue 12 item 3): nats-server killed and restarted on the same port and store; both
  instances keep polling what they hold (no gap, owned targets never 0), one owner per target again
  after it is back, and every point made reaches the backend.
- Instance loss: kill -9 of one of three instances; its targets move and nothing it published is lost.
- One instance cut off from NATS (a TCP proxy that drops its connections): it keeps polling, the other
  takes the expired leases; when it is back the conflicts go to the rendezvous winner, one poller each.

"Made" is each instance's `cluster.record_file` (every batch, written before it is published); the
backend's identities must equal it as a set, duplicates (at-least-once) counted and printed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import socket
import threading
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
from .identities import compare, makers

pytestmark = pytest.mark.reliability

INTERVAL = 3.0
LEASE = 3.0
OUTAGE = 16.0
DEVICES = [f"dev{i}" for i in range(4)]


def _record(tmp: Path, i: int) -> Path:
    return tmp / f"made-i{i}.jsonl"


class TcpProxy:
    """A loopback TCP forwarder to a NATS server; ``cut()`` drops every connection and refuses new ones
    (accepted and closed at once) until ``restore()``: a network partition of one client."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = upstream_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.cut_off = False
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while self._running:
            try:
                client, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            if self.cut_off:
                client.close()
                continue
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, up]
            for a, b in ((client, up), (up, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.cut_off = True
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def restore(self) -> None:
        self.cut_off = False

    def close(self) -> None:
        self._running = False
        self.cut()
        self._thread.join(2)
        self.sock.close()


def _winner(members: list[str], target: str) -> str:
    """The documented rule: highest sha1(member NUL target) wins (computed here, not by the service)."""
    return max(members, key=lambda m: hashlib.sha1(f"{m}\0{target}".encode()).digest())


def _start(tmp: Path, ports: dict[str, int], backend: GrpcReceiver, nats: NatsServer, n: int,
           urls: list[str] | None = None, self_telemetry: bool = False) -> list[ServiceProcess]:
    svcs = []
    for i in range(n):
        cfg = write_yaml(tmp / f"config-{i}.yaml", {
            "defaults": {"interval": INTERVAL, "jitter": 0.5, "poll_timeout": INTERVAL},
            "targets": {"snmp": [snmp_target(d, ports[d], timeout=1.0) for d in DEVICES]},
            "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}, "timeout": 2}],
                        "from_env": False},
            "delivery": {"spill_dir": str(tmp / f"spill-{i}"), "retry_initial": 0.2, "retry_max": 1},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"enabled": self_telemetry, "interval": 2.0},
            "cluster": {"nats": [urls[i] if urls else nats.url], "instance": f"i{i}", "lease_seconds": LEASE, "ack_wait": 4,
                        "record_file": str(_record(tmp, i))},
        })
        svcs.append(ServiceProcess(cfg, tmp / f"service-{i}.log").launch())
    return [s.wait_started(60) for s in svcs]


def _owners(svcs: list[ServiceProcess], settled: bool = True) -> dict[str, str] | None:
    """target -> instance once every instance sees all members and each target has exactly one owner.

    settled: also wait for the hand-off after a join to finish, i.e. every target held by its
    rendezvous winner; a snapshot taken in the settle window would name an owner about to let go.
    """
    owners: dict[str, str] = {}
    names = []
    for s in svcs:
        c = s.status()["cluster"]
        if len(c["members"]) != len(svcs) or c.get("outage", {}).get("now"):
            return None
        names.append(c["instance"])
        for key in c["owned"]:
            if key in owners:
                return None
            owners[key] = c["instance"]
    if len(owners) != len(DEVICES):
        return None
    if settled and any(inst != _winner(names, key) for key, inst in owners.items()):
        return None
    return owners


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
        with snmpsim_devices(DEVICES) as ports:
            svcs = _start(tmp_path, ports, backend, nats, 2, self_telemetry=True)
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
            # the steady window ends before the stop: a stopping instance releases its leases and the
            # other takes them over on its next tick (a stop moves targets at once, by design)
            t_end = time.time_ns()
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
        steady = [t for t in polls[dev] if t_steady < t < t_end]
        assert len(steady) >= 3, dev
        assert {frozenset(who[(dev, t)]) for t in steady} in ({frozenset({"i0"})}, {frozenset({"i1"})}), \
            f"{dev}: not polled by exactly one instance after NATS came back"
        gaps = [(b - a) / 1e9 for a, b in itertools.pairwise(steady)]
        assert min(gaps) > INTERVAL * 0.5, f"{dev} polled twice within {min(gaps):.2f}s"
    # the outage in self-telemetry, as the backend got it: per instance the largest value sent
    seen: dict[tuple[str, str], float] = defaultdict(float)
    for inst, m, _a, _s, _ts, v in backend.received.points(self_telemetry=True):
        if m.startswith("netrosetta.cluster."):
            seen[(inst, m)] = max(seen[(inst, m)], v)
    for i in range(2):
        inst = f"netrosetta/i{i}"
        assert seen[(inst, "netrosetta.cluster.outage.seconds")] >= OUTAGE * 0.8, dict(seen)
        assert seen[(inst, "netrosetta.cluster.reconnects")] >= 1, dict(seen)
        assert seen[(inst, "netrosetta.cluster.nats.outage")] == 1, "the outage gauge was sent during it"
    dropped = sum(o["dropped_points"] for st in after for o in st["outputs"])
    _check_identities(tmp_path, 2, backend.received, dropped)


def _gate(rx: Received) -> threading.Event:
    """While the returned event is clear, the backend stores each export but holds its reply (bounded):
    consumers then hold un-acked batches, their exports time out, and a kill -9 in that window
    exercises redelivery (at-least-once), not just the happy path."""
    add = rx.add
    open_ = threading.Event()
    open_.set()

    def held_add(req: Any) -> None:
        add(req)
        open_.wait(10)

    rx.add = held_add  # type: ignore[method-assign]
    return open_


def test_instance_loss_loses_nothing_it_published(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path / "nats").start()
    backend = GrpcReceiver().start()
    gate = _gate(backend.received)
    svcs: list[ServiceProcess] = []
    try:
        with snmpsim_devices(DEVICES) as ports:
            svcs = _start(tmp_path, ports, backend, nats, 3)
            owners = wait_for(lambda: _owners(svcs), 30, "every target owned by exactly one instance")
            time.sleep(2 * INTERVAL)
            victim_name = max(set(owners.values()), key=lambda i: sum(1 for o in owners.values() if o == i))
            victim = svcs[int(victim_name[1:])]
            moved = [k.split("/", 1)[1] for k, o in owners.items() if o == victim_name]
            gate.clear()                   # replies held: every consumer's batches stay un-acked
            time.sleep(2 * INTERVAL)
            killed_at = time.time_ns()
            victim.kill9()
            time.sleep(1)
            gate.set()
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
    cmp = compare([_record(tmp_path, i) for i in range(3)], backend.received)
    print(f"instance loss: {redelivered} batches redelivered to the survivors, {cmp.duplicates} duplicate points")
    # a duplicate is a batch the victim exported but could not ack before it died: only redelivery makes one
    assert cmp.duplicates == 0 or redelivered > 0, cmp.describe()
    dropped = sum(o["dropped_points"] for st in after for o in st["outputs"])
    _check_identities(tmp_path, 3, backend.received, dropped)


def test_partitioned_instance_conflicts_settle_by_rendezvous(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path / "nats").start()
    backend = GrpcReceiver().start()
    proxies = [TcpProxy(nats.port) for _ in range(2)]
    svcs: list[ServiceProcess] = []
    try:
        with snmpsim_devices(DEVICES) as ports:
            svcs = _start(tmp_path, ports, backend, nats, 2, [p.url for p in proxies])
            owners = wait_for(lambda: _owners(svcs), 30, "every target owned by exactly one instance")
            cut_name = max(["i0", "i1"], key=lambda i: sum(1 for o in owners.values() if o == i))
            cut, other = (svcs[0], svcs[1]) if cut_name == "i0" else (svcs[1], svcs[0])
            held_before = sorted(k for k, o in owners.items() if o == cut_name)
            proxies[int(cut_name[1:])].cut()
            # the other instance takes the expired leases; the cut-off one keeps polling what it held
            wait_for(lambda: len(other.status()["cluster"]["owned"]) == len(DEVICES), 6 * LEASE,
                     "the connected instance to take every target")
            time.sleep(2 * LEASE)          # cut off well past its leases' expiry
            during = cut.status()["cluster"]
            proxies[int(cut_name[1:])].restore()
            owners = wait_for(lambda: _owners(svcs), 30, "one owner per target after the partition")
            time.sleep(INTERVAL)
            t_steady = time.time_ns()
            time.sleep(4 * INTERVAL)
            # the steady window ends before the stop: a stopping instance releases its leases and the
            # other takes them over on its next tick (a stop moves targets at once, by design)
            t_end = time.time_ns()
            after = [s.status() for s in svcs]
            _stop_all(svcs)
    finally:
        _stop_all(svcs)
        for p in proxies:
            p.close()
        backend.stop()
        nats.stop()

    assert during["outage"]["now"] and sorted(during["owned"]) == held_before, during
    conflicts = sum(st["cluster"]["outage"]["lease_conflicts_resolved"] for st in after)
    print(f"partition: {len(held_before)} targets double-polled while cut off, {conflicts} conflicts resolved")
    assert conflicts >= 1, "the returning instance met the other's leases: a conflict to resolve"
    for key, inst in owners.items():
        assert inst == _winner(["i0", "i1"], key), f"{key}: owned by {inst}, not the rendezvous winner"
    polls = _polls(backend.received)
    who = makers({f"i{i}": _record(tmp_path, i) for i in range(2)})
    for dev in DEVICES:
        steady = [t for t in polls[dev] if t_steady < t < t_end]
        assert len(steady) >= 3, dev
        assert {inst for t in steady for inst in who[(dev, t)]} == {owners[f"snmp/{dev}"]}, \
            f"{dev}: not polled by its owner alone after the partition"
    dropped = sum(o["dropped_points"] for st in after for o in st["outputs"])
    _check_identities(tmp_path, 2, backend.received, dropped)
