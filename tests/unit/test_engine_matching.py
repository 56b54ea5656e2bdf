"""Rulebook matching: most specific wins, sysDescr refines, ties are reported, generic fallback."""

from __future__ import annotations

from pathlib import Path

from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.matching import match_rulebook, oid_pattern_matches, snmp_conflicts
from netrosetta.engine.rulebooks import RulebookSet

RULE = """
rules:
  - name: up
    metric: system.uptime
    snmp: {value: 1.3.6.1.2.1.1.3}
"""


def book(tmp_path: Path, rid: str, match: str, extra: str = "", rules: str = RULE) -> None:
    (tmp_path / (rid.replace("/", "_") + ".yaml")).write_text(
        f"id: {rid}\nversion: 1.0.0\n{extra}match:\n{match}\n{rules}")


def test_oid_patterns() -> None:
    assert oid_pattern_matches("1.3.6.1.4.1.9.1.*", "1.3.6.1.4.1.9.1.2494")
    assert oid_pattern_matches("1.3.6.1.4.1.9.*", "1.3.6.1.4.1.9.1.2494")
    assert not oid_pattern_matches("1.3.6.1.4.1.9.1.*", "1.3.6.1.4.1.2636.1.1.1.2.29")
    assert oid_pattern_matches("1.3.6.1.4.1.9.*.2494", "1.3.6.1.4.1.9.1.2494")
    assert not oid_pattern_matches("1.3.6.1.4.1.9.1.2494", "1.3.6.1.4.1.9.1.24940")


def test_most_specific_wins_and_descr_refines(tmp_path: Path) -> None:
    book(tmp_path, "v/wide", "  snmp: [{sys_object_id: 1.3.6.1.4.1.9.*}]")
    book(tmp_path, "v/family", "  snmp: [{sys_object_id: 1.3.6.1.4.1.9.1.*}]")
    book(tmp_path, "v/xe", "  snmp: [{sys_object_id: 1.3.6.1.4.1.9.1.*, sys_descr: IOS-XE|CAT9K_IOSXE}]")
    book(tmp_path, "v/generic", "  generic: true")
    rs = RulebookSet.from_paths([tmp_path])
    xe = DeviceFacts(sys_object_id="1.3.6.1.4.1.9.1.2494", sys_descr="Cisco IOS Software [Everest], (CAT9K_IOSXE)")
    m = match_rulebook(rs, xe)
    assert m.chosen is not None and m.chosen.id == "v/xe"
    assert [c.rulebook.id for c in m.candidates] == ["v/xe", "v/family", "v/wide"]
    classic = DeviceFacts(sys_object_id="1.3.6.1.4.1.9.1.283", sys_descr="Cisco IOS Software, s72033_rp")
    m = match_rulebook(rs, classic)
    assert m.chosen is not None and m.chosen.id == "v/family"
    other = DeviceFacts(sys_object_id="1.3.6.1.4.1.2636.1.1.1.2.29", sys_descr="Juniper Networks")
    m = match_rulebook(rs, other)
    assert m.fell_back and m.chosen is not None and m.chosen.id == "v/generic"
    assert "generic" in m.reason


def test_identical_entries_are_a_conflict(tmp_path: Path) -> None:
    book(tmp_path, "v/a", "  snmp: [{sys_object_id: 1.3.6.1.4.1.9.1.*}]")
    book(tmp_path, "v/b", "  snmp: [{sys_object_id: 1.3.6.1.4.1.9.1.*}]")
    rs = RulebookSet.from_paths([tmp_path])
    assert [(a, b) for a, b, _k in snmp_conflicts(rs)] == [("v/a", "v/b")]
    m = match_rulebook(rs, DeviceFacts(sys_object_id="1.3.6.1.4.1.9.1.5"))
    assert m.ambiguous == ["v/a", "v/b"] and m.chosen is not None and m.chosen.id == "v/a"


def test_descr_not_excludes(tmp_path: Path) -> None:
    book(tmp_path, "v/linux", "  snmp: [{sys_object_id: 1.3.6.1.4.1.8072.3.2.10, sys_descr: ^Linux, sys_descr_not: Cumulus}]")
    book(tmp_path, "v/generic", "  generic: true")
    rs = RulebookSet.from_paths([tmp_path])
    f = DeviceFacts(sys_object_id="1.3.6.1.4.1.8072.3.2.10", sys_descr="Linux host 5.10")
    chosen = match_rulebook(rs, f).chosen
    assert chosen is not None and chosen.id == "v/linux"
    f2 = DeviceFacts(sys_object_id="1.3.6.1.4.1.8072.3.2.10", sys_descr="Linux Cumulus 4.2")
    chosen = match_rulebook(rs, f2).chosen
    assert chosen is not None and chosen.id == "v/generic"


GNMI_RULE = """
rules:
  - name: in-octets
    metric: hw.network.io
    gnmi: {path: /interfaces/interface/state/counters/in-octets}
    attributes:
      network.interface.name: {key: name}
      network.io.direction: {const: receive}
"""


def gbook(tmp_path: Path, rid: str, gnmi: str) -> None:
    book(tmp_path, rid, f"  gnmi: {gnmi}", rules=GNMI_RULE)


def test_gnmi_model_versions(tmp_path: Path) -> None:
    gbook(tmp_path, "v/any", "{models: [openconfig-interfaces]}")
    gbook(tmp_path, "v/new", "{models: ['openconfig-interfaces>=3.0.0']}")
    gbook(tmp_path, "v/old", "{models: ['openconfig-interfaces<3']}")
    gbook(tmp_path, "v/exact", "{models: ['openconfig-interfaces@2.4.3']}")
    rs = RulebookSet.from_paths([tmp_path])

    def chosen(*models: str) -> str | None:
        m = match_rulebook(rs, DeviceFacts(gnmi_models=list(models)), "gnmi")
        return m.chosen.id if m.chosen else None

    assert chosen("openconfig-interfaces@3.1.0") == "v/new"            # versioned beats plain
    assert chosen("openconfig-interfaces@2.10.0") == "v/old"           # numbers, not text: 2.10 < 3
    exact = match_rulebook(rs, DeviceFacts(gnmi_models=["openconfig-interfaces@2.4.3"]), "gnmi")
    assert {c.rulebook.id for c in exact.candidates} == {"v/any", "v/old", "v/exact"}
    assert chosen("openconfig-interfaces") == "v/any"                  # no version reported
    assert chosen("openconfig-platform@1.0.0") is None


def test_gnmi_model_spec_errors_name_the_line(tmp_path: Path) -> None:
    import pytest

    from netrosetta.errors import NetrosettaError

    gbook(tmp_path, "v/bad", "{models: ['openconfig-interfaces=>3']}")
    with pytest.raises(NetrosettaError) as exc:
        RulebookSet.from_paths([tmp_path]).resolve("v/bad")
    assert "v_bad.yaml:" in str(exc.value) and "openconfig-interfaces=>3" in str(exc.value)
