"""The gNMI collector against the simulator over a real socket: modes, encodings, TLS, auth, faults.

Expected counter values come from the simulated device's own definition (base + rate x elapsed),
never from the collector's output.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest

from netrosetta.collectors.gnmi.client import GnmiClient, GnmiError
from netrosetta.collectors.gnmi.config import GnmiTarget
from netrosetta.collectors.gnmi.lab.certs import Pki, make_pki
from netrosetta.collectors.gnmi.lab.device import SimDevice
from netrosetta.collectors.gnmi.lab.simulator import Faults, SimConfig, SimServer, TLSFiles
from netrosetta.collectors.gnmi.session import Batch, TargetState, run_target

pytestmark = pytest.mark.live

COUNTERS = "/interfaces/interface[name=Ethernet2]/state/counters"


def target(address: str, **kw: object) -> GnmiTarget:
    base: dict[str, object] = {"name": "sim", "address": address, "tls": {"enabled": False},
                               "subscriptions": [{"path": COUNTERS, "sample_interval": 0.2}],
                               "rpc_timeout": 3, "reconnect": {"initial": 0.05, "maximum": 0.2}}
    base.update(kw)
    return GnmiTarget.model_validate(base)


async def collect(t: GnmiTarget, until: int, timeout: float = 8.0,
                  state: TargetState | None = None) -> tuple[list[Batch], TargetState]:
    """Run the target until ``until`` batches arrived (or the session ends, for ONCE)."""
    batches: list[Batch] = []
    stop = asyncio.Event()

    def on(b: Batch) -> None:
        batches.append(b)
        if len(batches) >= until:
            stop.set()

    st = await asyncio.wait_for(run_target(t, on, stop=stop, state=state), timeout)
    return batches, st


@pytest.fixture
def sim():
    device = SimDevice.generated(3)
    server = SimServer(SimConfig(device=device)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _value(batches: list[Batch], leaf: str) -> int:
    for b in batches:
        for lf in b.leaves:
            if lf.path.endswith(leaf):
                return int(lf.value)
    raise AssertionError(f"{leaf} not received")


@pytest.mark.parametrize("encoding", ["proto", "json_ietf", "json"])
async def test_once_every_encoding_gives_the_device_values(sim: SimServer, encoding: str) -> None:
    dev = sim.cfg.device
    dev.frozen = True           # counters stay at their base values: exact expectations
    t = target(sim.address, mode="once", encoding=encoding)
    batches, st = await collect(t, 1000)
    assert batches[-1].sync
    it = dev.interfaces[1]
    assert _value(batches, "/in-octets") == it.base["in-octets"]
    assert _value(batches, "/out-unicast-pkts") == it.base["out-unicast-pkts"]
    names = {lf.keys for b in batches for lf in b.leaves}
    assert names == {(("interface", "name", "Ethernet2"),)}
    assert st.connects == 1 and st.last_error is None


async def test_poll_mode_polls_and_counters_move(sim: SimServer) -> None:
    t = target(sim.address, mode="poll", poll_interval=1.1)
    batches, _ = await _poll_twice(t)
    syncs = [i for i, b in enumerate(batches) if b.sync]
    assert len(syncs) >= 2, "a second snapshot came only after a Poll request"
    first = next(lf for b in batches[:syncs[0]] for lf in b.leaves if lf.path.endswith("/in-octets"))
    second = next(lf for b in batches[syncs[0] + 1:syncs[1]] for lf in b.leaves if lf.path.endswith("/in-octets"))
    it = sim.cfg.device.interfaces[1]
    # in-octets grows by rate per whole second elapsed on the device
    assert (second.value - first.value) % it.rate["in-octets"] == 0
    assert second.value > first.value
    assert sim.servicer.polls >= 1


async def _poll_twice(t: GnmiTarget) -> tuple[list[Batch], TargetState]:
    batches: list[Batch] = []
    stop = asyncio.Event()

    def on(b: Batch) -> None:
        batches.append(b)
        if sum(1 for x in batches if x.sync) >= 2:
            stop.set()

    st = await asyncio.wait_for(run_target(t, on, stop=stop), 8)
    return batches, st


async def test_stream_sample_and_on_change(sim: SimServer) -> None:
    t = target(sim.address, subscriptions=[
        {"path": COUNTERS, "mode": "sample", "sample_interval": 0.2},
        {"path": "/interfaces/interface[name=Ethernet1]/state/oper-status", "mode": "on_change"}])
    seen: list[Batch] = []
    stop = asyncio.Event()

    async def on(b: Batch) -> None:
        seen.append(b)
        if b.sync:
            sim.cfg.device.interfaces[0].oper_status = "DOWN"   # a change after the initial sync
        down = any(lf.value == "DOWN" for x in seen for lf in x.leaves)
        samples = sum(1 for x in seen for lf in x.leaves if lf.path.endswith("/in-octets"))
        if down and samples >= 2:
            stop.set()

    st = await asyncio.wait_for(run_target(t, on, stop=stop), 8)
    samples = [lf for b in seen for lf in b.leaves if lf.path.endswith("/in-octets")]
    assert len(samples) >= 2
    assert any(lf.value == "DOWN" and lf.keys == (("interface", "name", "Ethernet1"),)
               for b in seen for lf in b.leaves)
    assert not st.up   # stopped


async def test_capabilities_and_get(sim: SimServer) -> None:
    async with GnmiClient(target(sim.address)) as c:
        caps = await c.capabilities()
        assert {m.name for m in caps.supported_models} >= {"openconfig-interfaces"}
        got = await c.get(["/system/memory/state"], "json_ietf")
        assert got.notification[0].update[0].val.json_ietf_val


async def test_username_password_checked_and_never_shown(sim: SimServer) -> None:
    sim.cfg.username, sim.cfg.password = "admin", "s3cr3t-pw"
    ok = target(sim.address, mode="once", username="admin", password="s3cr3t-pw")
    batches, st = await collect(ok, 1000)
    assert batches and st.last_error is None
    bad = target(sim.address, mode="once", username="admin", password="wrong-pw-123")
    _, st = await collect(bad, 1000)
    assert st.last_error and "authentication failed for user 'admin'" in st.last_error
    assert "wrong-pw-123" not in st.last_error
    assert "wrong-pw-123" not in repr(bad) and "wrong-pw-123" not in bad.model_dump_json()


def _tls_server(pki: Pki, mutual: bool = False) -> SimServer:
    tls = TLSFiles(pki.server_cert.read_bytes(), pki.server_key.read_bytes(),
                   pki.ca.read_bytes() if mutual else None)
    return SimServer(SimConfig(device=SimDevice.generated(2)), tls=tls).start()


async def test_tls_verified_by_default(pki: Pki) -> None:
    srv = _tls_server(pki)
    try:
        good = target(srv.address, mode="once", tls={"ca_file": pki.ca})
        batches, st = await collect(good, 1000)
        assert st.last_error is None and batches[-1].sync
    finally:
        srv.stop()


async def test_tls_bad_certificate_refused_with_clear_error(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    srv = _tls_server(pki)
    try:
        wrong_ca = target(srv.address, mode="once", tls={"ca_file": pki.other_ca})
        with caplog.at_level(logging.WARNING):
            batches, st = await collect(wrong_ca, 1000)
        assert batches == []
        assert st.last_error and "TLS handshake failed" in st.last_error
        # the default (system trust store) refuses a private CA too: verification is on
        default = target(srv.address, mode="once", tls={})
        _, st2 = await collect(default, 1000)
        assert st2.last_error and "TLS handshake failed" in st2.last_error
    finally:
        srv.stop()


async def test_mutual_tls(pki: Pki) -> None:
    srv = _tls_server(pki, mutual=True)
    try:
        with_cert = target(srv.address, mode="once",
                           tls={"ca_file": pki.ca, "cert_file": pki.client_cert, "key_file": pki.client_key})
        batches, st = await collect(with_cert, 1000)
        assert st.last_error is None and batches
        without = target(srv.address, mode="once", tls={"ca_file": pki.ca})
        _, st2 = await collect(without, 1000)
        assert st2.last_error is not None and batches
    finally:
        srv.stop()


async def test_malformed_updates_counted_stream_continues(sim: SimServer) -> None:
    sim.cfg.faults = Faults(malformed_every=2)
    batches, st = await collect(target(sim.address), 8)
    assert st.malformed >= 3 * 2          # 3 bad updates in every second notification
    good = [lf for b in batches for lf in b.leaves if lf.path.endswith("/in-octets")]
    assert len(good) >= 4                 # the good leaves of the same notifications are kept
    assert st.connects == 1               # no reconnect for bad data


async def test_corrupt_trailing_extension_counted_session_stays_up(sim: SimServer) -> None:
    """Issue 12: a response ending in a corrupt Extension (``2a02ffff``: 2 bytes of truncated
    varint) raised DecodeError out of the wire reader and tore the session down."""
    sim.cfg.faults = Faults(corrupt_every=2)
    batches, st = await collect(target(sim.address), 10)
    assert st.connects == 1 and st.failures == 0 and sim.servicer.subscribes == 1
    bad = [b for b in batches if b.errors]
    assert len(bad) >= 4 and all("undecodable SubscribeResponse" in b.errors[0] for b in bad)
    assert st.malformed == sum(len(b.errors) for b in batches) >= 4
    good = [lf for b in batches for lf in b.leaves if lf.path.endswith("/in-octets")]
    assert len(good) >= 4                 # the intact notifications in between are kept


async def test_dropped_stream_reconnects_and_resubscribes(sim: SimServer) -> None:
    sim.cfg.faults = Faults(drop_after=3)
    batches, st = await collect(target(sim.address), 12)
    assert sim.cfg.faults.drops >= 2
    assert st.connects >= 3 and sim.servicer.subscribes >= 3
    assert "simulated stream drop" in (st.last_error or "simulated stream drop")
    assert sum(1 for b in batches if b.sync) >= 3   # every resubscription starts with a full sync


async def test_stalled_stream_detected(sim: SimServer) -> None:
    sim.cfg.faults = Faults(stall_after=3)
    t = target(sim.address, stall_timeout=0.6)
    state = TargetState("sim", sim.address)
    stop = asyncio.Event()

    def on(b: Batch) -> None:
        if state.failures >= 1 and state.up:
            stop.set()

    await asyncio.wait_for(run_target(t, on, stop=stop, state=state), 8)
    assert state.failures >= 1 and state.connects >= 2


async def test_unreachable_target_backs_off() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))   # a free port nothing listens on
    addr = f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    t = target(addr, reconnect={"initial": 0.05, "maximum": 0.1})
    state = TargetState("sim", addr)
    stop = asyncio.Event()
    task = asyncio.ensure_future(run_target(t, lambda b: None, stop=stop, state=state))
    for _ in range(100):              # bounded: 3 failures take ~0.3 s unloaded
        await asyncio.sleep(0.05)
        if state.failures >= 3:
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    assert state.failures >= 3 and not state.up
    assert state.up_point()["value"] == 0
    from netrosetta.collectors.gnmi.session import state_metrics
    up, reconnects, _bad = state_metrics([state])
    assert up.points == [((("netrosetta.target", "sim"), ("server.address", addr)), 0)]
    assert reconnects.points[0][1] == state.failures
    assert "unreachable" in (state.last_error or "")


def test_config_rejects_half_mtls(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cert_file and key_file go together"):
        GnmiTarget.model_validate({"name": "x", "address": "h:1", "subscriptions": [{"path": "/a"}],
                                   "tls": {"cert_file": str(tmp_path / "c.pem")}})
    with pytest.raises(ValueError, match="host:port"):
        GnmiTarget.model_validate({"name": "x", "address": "nohost", "subscriptions": [{"path": "/a"}]})


def test_unreadable_ca_is_a_clear_error(tmp_path: Path) -> None:
    t = target("127.0.0.1:1", tls={"ca_file": tmp_path / "missing.pem"})
    with pytest.raises(GnmiError, match="cannot read CA file"):
        asyncio.run(GnmiClient(t).__aenter__())


async def test_gnmi_device_translates_streamed_data(sim: SimServer) -> None:
    from netrosetta.collectors.gnmi.device import GnmiDevice
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import translate

    sim.cfg.device.frozen = True
    dev = GnmiDevice(target(sim.address, subscriptions=[{"path": "/interfaces", "sample_interval": 0.2}]))
    stop = asyncio.Event()
    task = asyncio.ensure_future(dev.run(stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if dev.dataset.synced:
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    facts = dev.facts()
    assert "openconfig-interfaces@3.7.1" in facts.gnmi_models and facts.address == "127.0.0.1"
    t = translate(dev.dataset, facts, RulebookSet.from_paths())
    pts = {(m.name, frozenset(a.items())): v for _s, m, a, v in t.iter_points()}
    it = sim.cfg.device.interfaces[2]
    # the simulator's interfaces have a type (state/type) and no description: no attribute for it
    key = ("hw.network.io", frozenset({("network.interface.name", it.name), ("network.io.direction", "receive"),
                                       ("netrosetta.interface.type", it.if_type)}))
    assert not it.description and pts[key] == it.base["in-octets"]
    assert dev.take_ended() == []


async def test_arista_native_smash_counters_with_element_captures() -> None:
    from netrosetta.collectors.gnmi.dataset import GnmiDataset
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import translate

    dev = SimDevice.generated(2, native="eos")
    dev.frozen = True
    srv = SimServer(SimConfig(device=dev)).start()
    ds = GnmiDataset("eos")
    try:
        t = target(srv.address, mode="once",
                   subscriptions=[{"path": "eos_native:/Smash/counters/ethIntf"}])
        batches, _ = await collect(t, 1000)
    finally:
        srv.stop()
    for b in batches:
        ds.apply(b.leaves, b.deletes, b.sync)
    tr = translate(ds, DeviceFacts(name="eos", platform="arista_eos"), RulebookSet.from_paths())
    assert tr.matched.chosen.id == "arista/eos-gnmi"
    pts = {(m.name, frozenset(a.items())): v for _s, m, a, v in tr.iter_points()}
    for it in dev.interfaces:
        key = ("hw.network.io", frozenset({("network.interface.name", it.name), ("network.io.direction", "transmit")}))
        assert pts[key] == it.base["out-octets"]


async def test_callback_failure_does_not_end_collection(sim: SimServer, caplog: pytest.LogCaptureFixture) -> None:
    t = target(sim.address)
    state = TargetState("sim", sim.address)
    stop = asyncio.Event()
    calls = [0]

    def on(b: Batch) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("boom in the consumer")
        if state.connects >= 2:
            stop.set()

    with caplog.at_level(logging.ERROR, logger="netrosetta.collectors.gnmi.session"):
        await asyncio.wait_for(run_target(t, on, stop=stop, state=state), 20)
    assert state.connects >= 2 and state.failures >= 1   # reconnected after the failure
    assert any("unexpected RuntimeError" in r.message for r in caplog.records)


async def test_silent_target_is_not_up(sim: SimServer) -> None:
    sim.cfg.faults = Faults(stall_after=0)   # accepts the Subscribe, never answers
    t = target(sim.address, rpc_timeout=0.5,
               subscriptions=[{"path": "/interfaces/interface/state/oper-status", "mode": "on_change"}])
    state = TargetState("sim", sim.address)
    stop = asyncio.Event()
    task = asyncio.ensure_future(run_target(t, lambda b: None, stop=stop, state=state))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if state.failures >= 1:
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    assert state.connects == 0 and state.failures >= 1
    assert "nothing received" in (state.last_error or "")


def test_cli_subscribe_translate(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from netrosetta.cli import main

    dev = SimDevice.generated(2)
    dev.frozen = True
    srv = SimServer(SimConfig(device=dev)).start()
    try:
        rc = main(["gnmi", "subscribe", srv.address, "--insecure", "--path", "/interfaces",
                   "--translate", "--format", "otlp-json"])
    finally:
        srv.stop()
    assert rc == 0
    req = json.loads(capsys.readouterr().out.splitlines()[0])
    pts = [dp for rm in req["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]
           if m["name"] == "hw.network.io" for dp in m["sum"]["dataPoints"]]
    by = {(a["value"]["stringValue"] for a in dp["attributes"] if a["key"] == "network.interface.name").__next__():
          dp for dp in pts if any(a["value"]["stringValue"] == "receive" for a in dp["attributes"])}
    assert int(by["Ethernet1"]["asInt"]) == dev.interfaces[0].base["in-octets"]
