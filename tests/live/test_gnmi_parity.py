"""SNMP/gNMI parity on one simulated device: the same counters, polled over SNMP or streamed over
gNMI, come out as the same unified data points (metric, network.interface.name, unit, value).

The device is a real recorded SNMP walk (Arista EOS, ../shared/corpus/snmp); the gNMI simulator
serves the same interfaces and counter values as OpenConfig over a real socket. The SNMP side is
the walk translated by its SNMP rulebook; values are also checked against the walk's raw lines.
"""

from __future__ import annotations

import asyncio

import pytest

from netrosetta.collectors.gnmi.config import GnmiTarget
from netrosetta.collectors.gnmi.dataset import GnmiDataset
from netrosetta.collectors.gnmi.lab.device import SimDevice
from netrosetta.collectors.gnmi.lab.simulator import SimConfig, SimServer
from netrosetta.collectors.gnmi.session import Batch, run_target
from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from tests.conftest import need_shared

pytestmark = pytest.mark.live

PARITY_METRICS = {"hw.network.io", "hw.network.packets", "hw.errors", "system.network.packet.dropped",
                  "netrosetta.interface.status", "hw.network.up"}


def _series(t) -> dict[tuple[str, frozenset[tuple[str, str]]], tuple[float, str]]:
    out = {}
    for _scope, m, attrs, v in t.iter_points():
        if m.name in PARITY_METRICS:
            out[(m.name, frozenset(attrs.items()))] = (v, m.unit)
    return out


async def test_snmp_and_gnmi_give_the_same_unified_points() -> None:
    walk_path = need_shared("corpus", "snmp", "arista_eos.snmprec")
    rs = RulebookSet.from_paths()
    walk = read_snmprec(walk_path)
    sds = SnmpDataset(walk.varbinds)
    snmp = translate(sds, snmp_facts(sds, name="eos1"), rs)

    srv = SimServer(SimConfig(device=SimDevice.from_snmp_walk(walk_path))).start()
    ds = GnmiDataset("eos1")
    try:
        t = GnmiTarget.model_validate({"name": "eos1", "address": srv.address, "tls": {"enabled": False},
                                       "mode": "once", "subscriptions": [{"path": "/interfaces"}]})

        def on(b: Batch) -> None:
            ds.apply(b.leaves, b.deletes, b.sync)

        await asyncio.wait_for(run_target(t, on), 10)
    finally:
        srv.stop()
    gnmi = translate(ds, DeviceFacts(name="eos1"), rs)

    s, g = _series(snmp), _series(gnmi)
    assert len(g) > 100
    common = set(s) & set(g)
    # every gNMI series has its SNMP twin, with the same value and unit
    missing = sorted(k for k in g if k not in s)
    assert not missing, missing[:5]
    diff = [(k, s[k], g[k]) for k in common if s[k] != g[k]]
    assert not diff, diff[:5]
    # and the numbers are the walk's own: Ethernet1 ifHCInOctets (1.3.6.1.2.1.31.1.1.1.6.<ifIndex>)
    ifname = {oid.rsplit(".", 1)[1]: v for oid, _t, v in walk.varbinds if oid.startswith("1.3.6.1.2.1.31.1.1.1.1.")}
    idx = next(i for i, n in ifname.items() if n == b"Ethernet1")
    row = {oid: v for oid, _t, v in walk.varbinds if oid.endswith(f".{idx}")}
    raw = row[f"1.3.6.1.2.1.31.1.1.1.6.{idx}"]
    # its description (ifAlias) and type (ifType 6 is IANAifType ethernetCsmacd) as attributes on
    # both sides: gNMI's state/description and state/type carry the same
    alias = row[f"1.3.6.1.2.1.31.1.1.1.18.{idx}"].decode().strip()
    assert alias and row[f"1.3.6.1.2.1.2.2.1.3.{idx}"] == 6
    key = ("hw.network.io", frozenset({("network.interface.name", "Ethernet1"), ("network.io.direction", "receive"),
                                       ("netrosetta.interface.description", alias),
                                       ("netrosetta.interface.type", "ethernetCsmacd")}))
    assert g[key] == (raw, "By") == s[key]
