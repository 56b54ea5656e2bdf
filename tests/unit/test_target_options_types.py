"""The interface type filters of the per-target options: a misspelt IANAifType name is a config
error at its file:line with the close names; `types` keeps only interfaces of those types (one
without a type is not kept), `exclude_types` drops only interfaces known to be of them; points
that are about no interface are never touched; a vendor rule's point without the type attribute
follows its interface's type from the other points."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.target_options import InterfaceFilter, apply
from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.errors import NetrosettaError
from netrosetta.service.config import load_config

N, T = "network.interface.name", "netrosetta.interface.type"


def _translation() -> DeviceTranslation:
    io = MetricPoints("hw.network.io", "counter", "By", "", points=[
        (((N, "Gi1"), (T, "ethernetCsmacd")), 1), (((N, "Lo0"), (T, "softwareLoopback")), 2),
        (((N, "Tu1"), (T, "tunnel")), 3), (((N, "x"),), 4)])
    # a vendor rule's point for Gi1/Lo0 without the type attribute
    drops = MetricPoints("system.network.packet.dropped", "counter", "{packet}", "",
                         points=[(((N, "Gi1"),), 5), (((N, "Lo0"),), 6)])
    cpu = MetricPoints("system.cpu.utilization", "gauge", "1", "", points=[((("hw.id", "0"),), 0.5)])
    scope = ScopeBatch("t/t", "1", "snmp", {m.name: m for m in (io, drops, cpu)})
    return DeviceTranslation({}, [scope], 1)


def _kept(filt: InterfaceFilter) -> dict[str, set[str]]:
    t = apply(_translation(), type("Spec", (), {"interfaces": filt})())
    return {m.name: {dict(a).get(N, "-") for a, _v in m.points} for m in t.scopes[0].metrics.values()}


def test_types_and_exclude_types() -> None:
    assert _kept(InterfaceFilter(types=["ethernetCsmacd"])) == {
        "hw.network.io": {"Gi1"}, "system.network.packet.dropped": {"Gi1"}, "system.cpu.utilization": {"-"}}
    assert _kept(InterfaceFilter(exclude_types=["softwareLoopback", "tunnel"])) == {
        "hw.network.io": {"Gi1", "x"}, "system.network.packet.dropped": {"Gi1"}, "system.cpu.utilization": {"-"}}


def test_misspelt_type_is_a_located_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("targets:\n  snmp:\n    - name: a\n      host: 192.0.2.1\n      credentials: {community: 'literal:x'}\n"
                   "      interfaces: {exclude_types: [loopback]}\n")
    with pytest.raises(NetrosettaError) as exc:
        load_config(cfg)
    text = str(exc.value)
    assert f"{cfg}:6:" in text and "'loopback' is not an IANAifType name" in text and "softwareLoopback" in text
