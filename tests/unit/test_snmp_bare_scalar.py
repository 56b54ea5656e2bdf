"""`snmp: {instance: none}`: a scalar some agents serve without its .0 instance (FireBrick's
fbTotalMem / fbFreeMem). The .0 is read where served, else the bare OID; a neighbour that only
shares the OID's text prefix is not it; lint refuses the option on a table column; the collector
walks the parent (a GETNEXT from the OID itself would step past the bare varbind)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials
from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.source import SnmpSource
from netrosetta.collectors.snmp.target import SnmpTargetSpec
from netrosetta.collectors.snmp.varbind import TAG_GAUGE32
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.lint import lint_paths
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translator import Translator

TOTAL, FREE = "1.3.6.1.4.1.99999.7.1.1", "1.3.6.1.4.1.99999.7.1.2"

BOOK = f"""\
id: test/bare
version: 1.0.0
match:
  snmp: [{{sys_object_id: 1.3.6.1.4.1.99999.*}}]
rules:
  - name: limit
    metric: system.memory.limit
    snmp: {{value: {TOTAL}, instance: none}}
    attributes: {{hw.id: {{const: ram}}}}
  - name: used
    metric: system.memory.usage
    snmp: {{value: {FREE}, instance: none}}
    attributes: {{hw.id: {{const: ram}}, system.memory.state: used}}
    transforms: [{{subtract_from: {TOTAL}}}]
"""


def translate(tmp_path: Path, walk: list[tuple[str, int, int]]) -> dict[str, float]:
    (tmp_path / "b.yaml").write_text(BOOK)
    rs = RulebookSet.from_paths([tmp_path])
    t = Translator(rs.resolve("test/bare")).translate(SnmpDataset(walk), DeviceFacts())
    return {m.name: v for _s, m, _a, v in t.iter_points()}


def test_bare_scalars_are_read(tmp_path: Path) -> None:
    got = translate(tmp_path, [(TOTAL, TAG_GAUGE32, 1000), (FREE, TAG_GAUGE32, 300)])
    assert got == {"system.memory.limit": 1000, "system.memory.usage": 700}


def test_the_instance_wins_where_served(tmp_path: Path) -> None:
    got = translate(tmp_path, [(TOTAL + ".0", TAG_GAUGE32, 2000), (FREE + ".0", TAG_GAUGE32, 500)])
    assert got == {"system.memory.limit": 2000, "system.memory.usage": 1500}


def test_a_text_prefix_neighbour_is_not_the_scalar(tmp_path: Path) -> None:
    # …7.1.10 and …7.1.20 sort right after …7.1.1 / …7.1.2 but are other objects
    got = translate(tmp_path, [(TOTAL + "0", TAG_GAUGE32, 1), (FREE + "0", TAG_GAUGE32, 2)])
    assert got == {}


def test_without_the_option_the_bare_oid_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BOOK.replace(", instance: none", ""))
    rs = RulebookSet.from_paths([tmp_path])
    t = Translator(rs.resolve("test/bare")).translate(
        SnmpDataset([(TOTAL, TAG_GAUGE32, 1000), (FREE, TAG_GAUGE32, 300)]), DeviceFacts())
    assert list(t.iter_points()) == []


def test_the_collector_walks_the_parent(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BOOK)
    rs = RulebookSet.from_paths([tmp_path])
    spec = SnmpTargetSpec.model_validate({"host": "127.0.0.1", "version": "2c",
                                          "credentials": SnmpV2cCredentials(community=SecretStr("x"))})
    src = SnmpSource("snmp/x", spec)
    assert src._roots_for(rs.translator("test/bare")) == ["1.3.6.1.4.1.99999.7.1"]


def test_lint_refuses_instance_none_on_a_column(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("""\
id: test/col
version: 1.0.0
match:
  snmp: [{sys_object_id: 1.3.6.1.4.1.99999.*}]
rules:
  - name: io
    metric: hw.network.io
    snmp: {value: IF-MIB::ifHCInOctets, instance: none}
    attributes: {network.interface.name: {index: 0}, network.io.direction: receive}
""")
    messages = [p.message for p in lint_paths([tmp_path])]
    assert any("instance: none is for scalars" in m for m in messages), messages
