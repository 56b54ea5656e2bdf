"""Golden test: Linux net-snmp walk through net-snmp/linux, and the generic fallback.

net-snmp answers every Linux host with the same sysObjectID (1.3.6.1.4.1.8072.3.2.10), which
many appliances share: the rulebook must need a Linux sysDescr, and anything else with that
sysObjectID must fall back to generic/snmp.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.matching import match_rulebook
from netrosetta.engine.rulebooks import RulebookSet
from tests.conftest import need_shared
from tests.golden.snmp_corpus import (
    Points,
    _rulebooks,
    lnms_device,
    lnms_rows,
    load_expected,
    load_walk,
    translate_walk,
)

NAME = "linux"
HR_LOAD, HR_DESCR = "1.3.6.1.2.1.25.3.3.1.2", "1.3.6.1.2.1.25.3.2.1.3"


def rulebooks() -> RulebookSet:
    """The rulebook set translate_walk uses (loading mappings/ once per session)."""
    return _rulebooks()


def test_rulebook_and_resource() -> None:
    t = translate_walk(NAME)
    assert t.matched.chosen.id == "net-snmp/linux"
    assert not t.matched.fell_back
    dev = lnms_device(load_expected(NAME))
    assert t.resource["os.name"] == "Linux"
    assert t.resource["os.version"] == dev["version"] == "4.9.0"
    assert t.resource["netrosetta.device.sys_object_id"] == "1.3.6.1.4.1.8072.3.2.10"
    # LibreNMS's hardware "Generic x86 64-bit" is its reading of the machine type in sysDescr
    # (x86_64), not a device model: no device.model.identifier here
    assert "device.model.identifier" not in t.resource


@pytest.mark.parametrize("descr,expected", [
    ("Linux fw01 5.10.0-21-amd64 #1 SMP Debian 5.10.162-1 x86_64", "net-snmp/linux"),
    ("FreeBSD nas.example 13.2-RELEASE FreeBSD 13.2-RELEASE amd64", "generic/snmp"),
    ("Some Appliance OS 7.1", "generic/snmp"),
])
def test_net_snmp_sysobjectid_needs_linux_sysdescr(descr: str, expected: str) -> None:
    ds = SnmpDataset(read_snmprec(need_shared("corpus", "snmp", f"{NAME}.snmprec")).varbinds)
    facts = replace(snmp_facts(ds), sys_descr=descr)
    m = match_rulebook(rulebooks(), facts, "snmp")
    assert m.chosen is not None and m.chosen.id == expected
    assert m.fell_back == (expected == "generic/snmp")


def test_processors() -> None:
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    rows = lnms_rows(load_expected(NAME), "processors", "processors")
    assert len(rows) == 8
    for row in rows:
        idx = row["processor_index"]
        got = pts.one("system.cpu.utilization", {"hw.id": idx})
        assert got == walk.get(f"{HR_LOAD}.{idx}") / 100
        assert round(got * 100) == row["processor_usage"]
        # hw.name is hrDeviceDescr as the host reports it ("GenuineIntel: Intel(R) Core(TM)
        # i7-3632QM CPU @ 2.20GHz"); LibreNMS shortens it to "Intel Core i7-3632QM @ 2.20GHz"
        name = walk.text(walk.get(f"{HR_DESCR}.{idx}"))
        assert pts.one("system.cpu.utilization", {"hw.id": idx, "hw.name": name}) == got
        assert row["processor_descr"].replace("Intel Core", "Intel(R) Core(TM)").replace(" @", " CPU @") in name
    assert len(pts.series("system.cpu.utilization")) == 8


def test_nothing_invented() -> None:
    # the walk holds only the HOST-RESOURCES device/processor tables: no interfaces, no
    # hrStorage, no sysUpTime -> no points for them
    walk = load_walk(NAME)
    pts = Points(translate_walk(NAME))
    assert walk.column("1.3.6.1.2.1.2.2.1.2") == {} and walk.column("1.3.6.1.2.1.25.2.3.1.5") == {}
    assert set(pts.by_metric) == {"system.cpu.utilization"}
