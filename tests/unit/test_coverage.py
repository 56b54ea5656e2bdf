"""`netrosetta coverage` pieces that need no corpus: metric families, the rulebook matrix, the
snmpwalk text reader on net-snmp's documented output forms, what a walk held that no rule read, and
clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netrosetta.cli import main
from netrosetta.collectors.snmp.snmpwalk_text import read_snmpwalk
from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER64,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_IPADDRESS,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_TIMETICKS,
)
from netrosetta.coverage.families import FAMILIES, FAMILY_OF
from netrosetta.coverage.walks import cover_device
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.schema import load_schema


def test_every_schema_metric_has_a_family() -> None:
    metrics = set(load_schema().metrics)
    assert metrics - set(FAMILY_OF) == set(), "file the new metric under a family in coverage/families.py"
    assert set(FAMILY_OF) - metrics == set(), "coverage/families.py names a metric the schema lacks"
    assert set(FAMILY_OF.values()) <= set(FAMILIES)


def test_snmpwalk_text_forms(tmp_path: Path) -> None:
    walk = tmp_path / "dev.walk"
    walk.write_bytes(
        b'.1.3.6.1.2.1.1.1.0 = STRING: "Acme OS 1.0\r\nline two"\n'
        b".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.9.1.1\n"
        b".1.3.6.1.2.1.1.3.0 = Timeticks: (4200) 0:00:42.00\n"
        b".1.3.6.1.2.1.2.2.1.8.1 = INTEGER: up(1)\n"
        b".1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1B 21 3A 4F 5E \n"
        b".1.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 18446744073709551615\n"
        b".1.3.6.1.4.1.9.9.13.1.3.1.3.1 = Gauge32: 35 degrees Celsius\n"
        b'.1.3.6.1.2.1.1.4.0 = ""\n'
        b"iso.3.6.1.2.1.4.20.1.1.10.0.0.1 = IpAddress: 10.0.0.1\n"
        b"IF-MIB::ifDescr.1 = STRING: eth0\n"
        b".1.3.6.1.2.1.2.2.1.5.1 = Gauge32: 99999999999\n"
        b".1.3.6.1.2.1.2.2.1.7.1 = No Such Instance currently exists at this OID\n"
        b".1.3.6.1.2.1.99 = No more variables left in this MIB View (It is past the end of the MIB tree)\n")
    w = read_snmpwalk(walk)
    got = {o: (t, v) for o, t, v in w.varbinds}
    assert got["1.3.6.1.2.1.1.1.0"] == (TAG_OCTET_STRING, b"Acme OS 1.0\r\nline two")
    assert got["1.3.6.1.2.1.1.2.0"] == (TAG_OID, "1.3.6.1.4.1.9.1.1")
    assert got["1.3.6.1.2.1.1.3.0"] == (TAG_TIMETICKS, 4200)
    assert got["1.3.6.1.2.1.2.2.1.8.1"] == (TAG_INTEGER, 1)
    assert got["1.3.6.1.2.1.2.2.1.6.1"] == (TAG_OCTET_STRING, bytes([0, 0x1B, 0x21, 0x3A, 0x4F, 0x5E]))
    assert got["1.3.6.1.2.1.31.1.1.1.6.1"] == (TAG_COUNTER64, 2**64 - 1)
    assert got["1.3.6.1.4.1.9.9.13.1.3.1.3.1"] == (TAG_GAUGE32, 35)
    assert got["1.3.6.1.2.1.1.4.0"] == (TAG_OCTET_STRING, b"")
    assert got["1.3.6.1.2.1.4.20.1.1.10.0.0.1"] == (TAG_IPADDRESS, "10.0.0.1")
    assert got["1.3.6.1.2.1.2.2.1.7.1"][1] is None
    assert "1.3.6.1.2.1.99" not in got            # the walk's end marker is not a value
    # the symbolic line and the out-of-range gauge are counted skips with their file line and reason
    # (line 1 runs over two lines: the string holds a CR LF)
    assert [(n, why.split(" (")[0]) for n, why in w.skipped] == [
        (11, "OID is not numeric"), (12, "99999999999 is outside the type's range")]


def test_coverage_matrix_lists_every_rulebook(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--format", "json"]) == 0
    books = json.loads(capsys.readouterr().out)["rulebooks"]
    # the generic fallback gives the standard MIBs' CPU, memory, temperature and interfaces over SNMP
    for fam in ("cpu", "memory", "temperature", "interfaces"):
        assert books["generic/snmp"][fam] == ["SNMP"], fam
    assert "gNMI" in books["arista/eos-gnmi"]["interfaces"]
    assert not any(rid.startswith("mixins/") for rid in books), "abstract mixins are not families"


def test_coverage_bad_input_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--walk", str(tmp_path / "nowhere")]) == 1
    assert "not a folder of walks" in capsys.readouterr().err
    assert main(["coverage", "--expected", str(tmp_path)]) == 1
    assert "--expected needs --walk" in capsys.readouterr().err
    (tmp_path / "broken.snmprec").write_text("this is not a walk\n")
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["coverage", "--walk", str(tmp_path), "--expected", str(tmp_path), "--format", "json"]) == 0
    dev = json.loads(capsys.readouterr().out)["devices"]["broken"]
    assert dev["rulebook"] == "-" and "no valid OID|TYPE|VALUE lines" in dev["error"]
    # a readable walk with an unreadable decode keeps its coverage, unscored, with the decode's error
    (tmp_path / "broken.snmprec").write_text("1.3.6.1.2.1.1.3.0|67|4200\n")
    assert main(["coverage", "--walk", str(tmp_path), "--expected", str(tmp_path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    dev = report["devices"]["broken"]
    assert dev["rulebook"] == "generic/snmp" and dev["families"] == {"uptime": 1}
    assert "broken.json:1: not JSON" in dev["error"] and "librenms" not in dev
    assert report["summary"]["cpu"] == {"right": 0, "of": 0, "where_librenms_has_it": {"right": 0, "of": 0}}


UNREAD_WALK = """\
1.3.6.1.2.1.1.1.0|4|Linux box 5.10
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10
1.3.6.1.2.1.1.3.0|67|1000
1.3.6.1.2.1.25.3.8.1.2.1|4|/
1.3.6.1.2.1.25.3.8.1.2.2|4|/boot
1.3.6.1.2.1.25.3.8.1.3.1|4|remote
1.3.6.1.4.1.99997.7.1.0|2|5
1.3.6.1.4.1.99997.7.2.0|2|6
"""


def test_walk_coverage_names_what_no_rule_read(tmp_path: Path) -> None:
    """hrFSTable (filesystems: the generic fallback reads RAM-type storage only) and an enterprise
    subtree no compiled MIB knows are listed per MIB module with their value counts; the system
    group the Resource and matching read is not."""
    walks = tmp_path / "walks"
    walks.mkdir()
    (walks / "box.snmprec").write_text(UNREAD_WALK)
    dc = cover_device(walks / "box.snmprec", RulebookSet.from_paths())
    assert dc.unused == {"HOST-RESOURCES-MIB": {"hrFSTable": 3}, "(unknown)": {"1.3.6.1.4.1.99997.7": 2}}
    assert dc.as_json()["unused"] == dc.unused
