"""ifAlias and ifType on interface series (IF-MIB mixin defaults), read from a walk written here:
the description is the row's ifAlias (blank or empty: no attribute, not ""), the type its
IANAifType name (a number IANA has not named stays the number); a rule that names its interface
from other rows (an ENTITY-MIB row of the same index) gets neither, nor do sensors."""

from __future__ import annotations

from pathlib import Path

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.paths import MAPPINGS

IFX, IF, ENT = "1.3.6.1.2.1.31.1.1.1", "1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.47.1.1.1.1"
# ifIndex -> (ifName, ifAlias, ifType); 6 ethernetCsmacd, 24 softwareLoopback, 4000 unassigned
ROWS = {1: ("Gi1", "to core-1", 6), 2: ("Lo0", "", 24), 3: ("Gi3", "   ", 6), 4: ("Odd4", "odd", 4000)}
BOOK = """\
id: test/if-attrs
version: 1.0.0
extends: [mixins/if-mib]
match: {platform: [test_if_attrs]}
rules:
  - name: entity-rows
    metric: netrosetta.interface.mtu
    snmp: {value: ENTITY-MIB::entPhysicalClass}
    attributes: {network.interface.name: {field: ENTITY-MIB::entPhysicalName}}
"""


def _translate(tmp_path: Path):  # type: ignore[no-untyped-def]
    lines = ["1.3.6.1.2.1.1.1.0|4|Acme router", "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.7"]
    for i, (name, alias, typ) in ROWS.items():
        lines += [f"{IF}.1.{i}|2|{i}", f"{IF}.3.{i}|2|{typ}", f"{IF}.8.{i}|2|1", f"{IFX}.1.{i}|4|{name}",
                  f"{IFX}.18.{i}|4|{alias}", f"{ENT}.5.{i}|2|10", f"{ENT}.7.{i}|4|optic {i}"]
    walk = tmp_path / "walk.snmprec"
    walk.write_text("\n".join(sorted(lines, key=lambda s: [int(x) for x in s.split("|")[0].split(".")])) + "\n")
    books = tmp_path / "books"
    books.mkdir()
    (books / "if-attrs.yaml").write_text(BOOK)
    ds = SnmpDataset(read_snmprec(walk).varbinds)
    rs = RulebookSet.from_paths([MAPPINGS, books])
    return rs.translator("test/if-attrs").translate(ds, snmp_facts(ds), time_ns=1)


def test_alias_and_type_on_interface_rows_only(tmp_path: Path) -> None:
    t = _translate(tmp_path)
    up = {a["network.interface.name"]: a for _s, m, a, _v in t.iter_points() if m.name == "hw.network.up"}
    assert up["Gi1"] == {"network.interface.name": "Gi1", "netrosetta.interface.description": "to core-1",
                         "netrosetta.interface.type": "ethernetCsmacd"}
    assert up["Lo0"] == {"network.interface.name": "Lo0", "netrosetta.interface.type": "softwareLoopback"}
    assert up["Gi3"] == {"network.interface.name": "Gi3", "netrosetta.interface.type": "ethernetCsmacd"}
    assert up["Odd4"]["netrosetta.interface.type"] == "4000"
    # the ENTITY-MIB rule names its interface itself: row 1 there is not ifIndex 1's interface
    ent = [a for _s, m, a, _v in t.iter_points() if m.name == "netrosetta.interface.mtu"
           and a["network.interface.name"].startswith("optic")]
    assert len(ent) == len(ROWS)
    assert all(set(a) == {"network.interface.name"} for a in ent), ent
