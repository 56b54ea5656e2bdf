"""`match.snmp` `present`: a device known by the data it serves. Precedence: any sysObjectID /
sysDescr entry beats a present-only one; present-only beats generic; an entry that adds `present`
to the same system-group test beats the entry without; a longer probe beats a shorter one."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.matching import match_rulebook, snmp_conflicts, snmp_probes, with_served
from netrosetta.engine.model import SnmpMatch
from netrosetta.engine.rulebooks import RulebookSet
from tests.unit.test_engine_matching import book

ACME = "1.3.6.1.4.1.99999.1.7"     # a private subtree some agents serve
ACME_DEEP = f"{ACME}.3"


@pytest.fixture
def rs(tmp_path: Path) -> RulebookSet:
    book(tmp_path, "v/by-oid", "  snmp: [{sys_object_id: 1.3.6.1.4.1.8072.3.2.*}]")
    book(tmp_path, "v/by-descr", "  snmp: [{sys_descr: '^Linux'}]")
    book(tmp_path, "v/present", f"  snmp: [{{present: {ACME}}}]")
    book(tmp_path, "v/present-deep", f"  snmp: [{{present: {ACME_DEEP}}}]")
    book(tmp_path, "v/oid-and-present", f"  snmp: [{{sys_object_id: 1.3.6.1.4.1.8072.3.2.*, present: {ACME}}}]")
    book(tmp_path, "v/generic", "  generic: true")
    return RulebookSet.from_paths([tmp_path])


def chosen(rs: RulebookSet, facts: DeviceFacts) -> str | None:
    m = match_rulebook(rs, facts)
    return m.chosen.id if m.chosen else None


def test_system_group_match_beats_present(rs: RulebookSet) -> None:
    # a Linux agent that also serves the ACME tree stays with its sysDescr rulebook
    linux = DeviceFacts(sys_object_id="1.3.6.1.4.1.99998.1", sys_descr="Linux box", present=frozenset([ACME]))
    assert chosen(rs, linux) == "v/by-descr"
    # and the probe is not even sent: a present-only entry could not win
    assert snmp_probes(rs, linux) == []


def test_present_beats_generic_and_deeper_probe_wins(rs: RulebookSet) -> None:
    blank = DeviceFacts(sys_object_id="1.3.6.1.4.1.0", sys_descr="")
    assert snmp_probes(rs, blank) == [ACME, ACME_DEEP]
    assert chosen(rs, DeviceFacts(sys_object_id="1.3.6.1.4.1.0", sys_descr="", present=frozenset())) == "v/generic"
    assert chosen(rs, DeviceFacts(sys_object_id="1.3.6.1.4.1.0", sys_descr="",
                                  present=frozenset([ACME]))) == "v/present"
    assert chosen(rs, DeviceFacts(sys_object_id="1.3.6.1.4.1.0", sys_descr="",
                                  present=frozenset([ACME, ACME_DEEP]))) == "v/present-deep"
    # never probed (present None): the entry cannot match
    assert chosen(rs, blank) == "v/generic"


def test_present_refines_a_system_group_entry(rs: RulebookSet) -> None:
    net_snmp = "1.3.6.1.4.1.8072.3.2.10"
    assert snmp_probes(rs, DeviceFacts(sys_object_id=net_snmp, sys_descr="")) == [ACME]
    assert chosen(rs, DeviceFacts(sys_object_id=net_snmp, sys_descr="", present=frozenset([ACME]))) \
        == "v/oid-and-present"
    assert chosen(rs, DeviceFacts(sys_object_id=net_snmp, sys_descr="", present=frozenset())) == "v/by-oid"


def test_a_walk_answers_the_probes(rs: RulebookSet) -> None:
    facts = DeviceFacts(sys_object_id="1.3.6.1.4.1.0", sys_descr="")
    walk = SnmpDataset([(f"{ACME}.1.0", 4, b"x"), ("1.3.6.1.2.1.1.3.0", 67, 5)])
    served = with_served(rs, facts, walk)
    assert served.present == frozenset([ACME])
    assert chosen(rs, served) == "v/present"
    # an OID that only shares the probe's text prefix (…7 vs …70) is not under it
    other = with_served(rs, facts, SnmpDataset([(f"{ACME}0.1.0", 4, b"x")]))
    assert other.present == frozenset() and chosen(rs, other) == "v/generic"


def test_identical_present_entries_are_a_conflict(tmp_path: Path) -> None:
    book(tmp_path, "v/a", f"  snmp: [{{present: {ACME}}}]")
    book(tmp_path, "v/b", f"  snmp: [{{present: {ACME}}}]")
    rs = RulebookSet.from_paths([tmp_path])
    assert [(a, b) for a, b, _k in snmp_conflicts(rs)] == [("v/a", "v/b")]


@pytest.mark.parametrize("bad", ["1.3.6.1.2.1.33", "1.3.6.1.4.1.318", "1.3.6.1.4.1.x.1", "1.3.6.1.2.1.1.1.0.1"])
def test_present_must_name_an_object_inside_an_enterprise(bad: str) -> None:
    with pytest.raises(ValueError, match=r"enterprise|numeric"):
        SnmpMatch(present=bad)
