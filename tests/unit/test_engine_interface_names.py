"""Interfaces are never merged: two interfaces of one name, or of none, stay two series.

Real agents do this (a DrayTek leaves ifDescr empty on its unused ports; stacks and VLAN
interfaces repeat ifName). The walk excerpt is read from a real snmprec file through the public
translate API with the real rulebooks (generic/snmp).
"""

from __future__ import annotations

from pathlib import Path

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from netrosetta.paths import MAPPINGS

IFX, IF = "1.3.6.1.2.1.31.1.1.1", "1.3.6.1.2.1.2.2.1"
# ifIndex -> (ifName, ifDescr, ifHCInOctets)
ROWS = {1: ("uplink", "port 1", 100), 2: ("uplink", "port 2", 200), 3: ("", "", 300), 4: ("", "", 400),
        5: ("lan", "port 5", 500)}


def _walk(tmp_path: Path) -> Path:
    lines = ["1.3.6.1.2.1.1.1.0|4|Acme router", "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.7"]
    for i, (name, descr, octets) in ROWS.items():
        lines += [f"{IF}.1.{i}|2|{i}", f"{IF}.2.{i}|4|{descr}", f"{IFX}.1.{i}|4|{name}", f"{IFX}.6.{i}|70|{octets}"]
    p = tmp_path / "walk.snmprec"
    p.write_text("\n".join(sorted(lines, key=lambda s: [int(x) for x in s.split("|")[0].split(".")])) + "\n")
    return p


def _rx_points(tmp_path: Path) -> list[tuple[dict[str, str], object]]:
    ds = SnmpDataset(read_snmprec(_walk(tmp_path)).varbinds)
    t = translate(ds, snmp_facts(ds), RulebookSet.from_paths([MAPPINGS]), time_ns=1)
    assert t.matched.chosen.id == "generic/snmp"
    return [(a, v) for _s, m, a, v in t.iter_points()
            if m.name == "hw.network.io" and a.get("network.io.direction") == "receive"]


def test_equal_and_empty_names_stay_separate_series(tmp_path: Path) -> None:
    pts = _rx_points(tmp_path)
    # every interface's counter is there once: none merged, none dropped
    assert sorted(int(v) for _a, v in pts) == [100, 200, 300, 400, 500]  # type: ignore[call-overload]
    series = {frozenset(a.items()) for a, _v in pts}
    assert len(series) == 5, "two interfaces ended up in one series"
    by_value = {int(v): a for a, v in pts}  # type: ignore[call-overload]
    # the two "uplink" rows: same name, told apart by their ifIndex
    assert by_value[100]["network.interface.name"] == by_value[200]["network.interface.name"] == "uplink"
    assert (by_value[100]["netrosetta.interface.index"], by_value[200]["netrosetta.interface.index"]) == ("1", "2")
    # no ifName and no ifDescr: named by the ifIndex instead of dropped
    assert by_value[300]["network.interface.name"] == "ifIndex 3"
    assert by_value[400]["network.interface.name"] == "ifIndex 4"
    # an interface whose name is its own keeps its series as before: no index attribute
    assert by_value[500] == {"network.interface.name": "lan", "network.io.direction": "receive"}
