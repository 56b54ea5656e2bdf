"""`rulebook import`: a Datadog-format profile family written here (not copied from any profile
set) converts into rulebooks that lint clean, translate a walk, and report what they left out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netrosetta.cli import main
from netrosetta.coverage.walks import translate_walk
from netrosetta.engine.lint import lint_paths
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.errors import NetrosettaError
from netrosetta.rulebook_import import REPORT, import_profiles

BASE = """\
metrics:
  - MIB: IF-MIB
    table: {OID: 1.3.6.1.2.1.2.2, name: ifTable}
    symbols:
      - {OID: 1.3.6.1.2.1.31.1.1.1.6, name: ifHCInOctets}
    metric_tags:
      - {tag: interface, column: {OID: 1.3.6.1.2.1.31.1.1.1.1, name: ifName}}
      - {tag: alias, column: {OID: 1.3.6.1.2.1.31.1.1.1.18, name: ifAlias}}
"""

DEVICE = """\
extends: [base.yml]
sysobjectid: [1.3.6.1.4.1.99998.1.*]
static_tags: ["site:lab"]
matches:
  "^widget pro": widget-pro.yml
metadata:
  device:
    fields:
      vendor: {value: Widgetco}
      serial_number: {symbol: {OID: 1.3.6.1.4.1.99998.2.1.0, name: wSerial}}
      bogus_field: {value: x}
      version:
        symbols:
          - {OID: 1.3.6.1.2.1.1.1.0, name: sysDescr, match_pattern: 'Pro (\\d+)', match_value: $1}
          - {OID: 1.3.6.1.4.1.99998.2.2.0, name: wVersion}
  interface:
    fields: {alias: {symbol: {OID: 1.3.6.1.2.1.31.1.1.1.18, name: ifAlias}}}
metrics:
  - MIB: WIDGET-MIB
    symbol: {OID: 1.3.6.1.4.1.99998.3.1.0, name: wCpuBusy, tag: CPU}
  - MIB: WIDGET-MIB
    symbol: {OID: 1.3.6.1.4.1.99998.3.2.0, name: wSessions}\t
    forced_type: gauge
    options: {placement: 2}
  - MIB: WIDGET-MIB
    table: {OID: 1.3.6.1.4.1.99998.4.1, name: wPsuTable}
    symbols:
      - {OID: 1.3.6.1.4.1.99998.4.1.1.3, name: wPsuWatts, scale_factor: 0.1, metric_type: gauge}
      - {OID: 1.3.6.1.4.1.99998.4.1.1.4, name: wPsuPackets, forced_type: monotonic_count}
      - {OID: 1.3.6.1.4.1.99998.4.1.1.5, name: wPsuState, conversion: to_one}
      - {OID: 1.3.6.1.4.1.99998.4.1.1.6, name: wPsuFlags, metric_type: flag_stream}
      - OID: 1.3.6.1.4.1.99998.4.1.1.8
        name: wPsuDoor
        metric_type: gauge
        enum: {null: -1, open: 0, closed: 1}
    metric_tags:
      - {index: 1, tag: psu_slot}
      - symbol: {OID: 1.3.6.1.4.1.99998.4.1.1.2, name: wPsuName}
        tag: psu_name
      - {tag: psu_mac, column: {OID: 1.3.6.1.4.1.99998.4.1.1.7, name: wPsuMac}, index_transform: [{start: 1, end: 2}]}
"""

PRO = """\
extends: [widget.yml]
metrics:
  - MIB: WIDGET-MIB
    symbol: {OID: 1.3.6.1.4.1.99998.5.1.0, name: wProThing, metric_type: counter}
"""

WALK = """\
1.3.6.1.2.1.1.1.0|4|Widget Pro 3000
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99998.1.7
1.3.6.1.2.1.1.3.0|67|1000
1.3.6.1.2.1.31.1.1.1.1.1|4|eth0
1.3.6.1.2.1.31.1.1.1.6.1|70|5000
1.3.6.1.4.1.99998.2.1.0|4|SN123
1.3.6.1.4.1.99998.3.1.0|66|42
1.3.6.1.4.1.99998.3.2.0|66|7
1.3.6.1.4.1.99998.4.1.1.2.2|4|PSU-B
1.3.6.1.4.1.99998.4.1.1.3.2|2|1234
1.3.6.1.4.1.99998.4.1.1.4.2|65|99
1.3.6.1.4.1.99998.5.1.0|65|5
"""


def _profiles(tmp_path: Path) -> Path:
    root = tmp_path / "profiles"
    (root / "_general").mkdir(parents=True)
    (root / "widgetco").mkdir()
    (root / "_general" / "base.yml").write_text(BASE)
    (root / "widgetco" / "widget.yml").write_text(DEVICE)
    (root / "widgetco" / "widget-pro.yml").write_text(PRO)
    return root


def test_profiles_become_rulebooks_that_lint_and_translate(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = import_profiles([_profiles(tmp_path)], out, "datadog", context=[])
    assert sorted(p.name for p in res.written) == ["base.yaml", "widget-pro.yaml", "widget.yaml"]
    assert lint_paths([out]) == []
    widget = yaml.safe_load((out / "widget.yaml").read_text())
    pro = yaml.safe_load((out / "widget-pro.yaml").read_text())
    assert widget["extends"] == ["datadog/base"] and pro["extends"] == ["datadog/widget"]
    assert widget["match"] == {"snmp": [{"sys_object_id": "1.3.6.1.4.1.99998.1.*"}]}
    # the sysDescr redirect is the target's own, more specific entry (agents lower-case sysDescr)
    assert pro["match"] == {"snmp": [{"sys_object_id": "1.3.6.1.4.1.99998.1.*", "sys_descr": "(?i)^widget pro"}]}
    assert widget["device"] == {"device.manufacturer": "Widgetco",
                                "netrosetta.device.serial_number": {"snmp": {"value": "1.3.6.1.4.1.99998.2.1"}},
                                "os.version": {"snmp": {"value": "1.3.6.1.2.1.1.1"}, "transforms": [{"regex": r"Pro (\d+)"}]}}
    ext = widget["extensions"]
    assert ext["vendor.widgetco.w_psu_packets"]["instrument"] == "counter"
    assert ext["vendor.widgetco.w_sessions"]["instrument"] == "gauge"
    # a `null:` enum name (YAML null as a key) is a name, as the agents read it
    assert ext["vendor.widgetco.w_psu_door"]["description"].endswith("(-1 null, 0 open, 1 closed)")
    assert ext["vendor.widgetco.w_psu_watts"]["attributes"] == ["vendor.widgetco.psu_name", "vendor.widgetco.psu_slot"]

    t, _ = translate_walk(_walk(tmp_path), RulebookSet.from_paths([out]))
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "datadog/widget-pro"
    got = {(m.name, tuple(sorted(a.items())), v) for _s, m, a, v in t.iter_points()}
    assert got == {
        ("hw.network.io", (("network.interface.name", "eth0"), ("network.io.direction", "receive")), 5000),
        ("system.cpu.utilization", (("hw.id", "0"),), 0.42),
        ("vendor.widgetco.w_sessions", (), 7),
        ("vendor.widgetco.w_psu_watts", (("vendor.widgetco.psu_name", "PSU-B"), ("vendor.widgetco.psu_slot", "2")),
         123.4),
        ("vendor.widgetco.w_psu_packets", (("vendor.widgetco.psu_name", "PSU-B"), ("vendor.widgetco.psu_slot", "2")),
         99),
        ("vendor.widgetco.w_pro_thing", (), 5),
    }
    assert t.resource["netrosetta.device.serial_number"] == "SN123"
    assert t.resource["os.version"] == "3000"


def test_what_is_left_out_is_reported(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = import_profiles([_profiles(tmp_path)], out, "datadog", context=[])
    lines = {cv.rulebook_id: cv.not_kept for cv in res.converted}
    widget = " | ".join(lines["datadog/widget"])
    for said in ("trailing tab removed on line(s) 22", "metadata.interface: only device metadata",
                 "fields.version: only the first of 2 symbols is read", "metrics[1]: key 'options' not understood", "top-level key 'static_tags' not understood", "bogus_field: no Resource attribute",
                 "wPsuState: a text value sent as the number 1", "'flag_stream' has no netrosetta instrument",
                 "tag 'psu_mac' (index_transform"):
        assert said in widget, said
    # ifAlias is the schema's interface description: kept on hw.network.io, as text, not reported
    assert lines["datadog/base"] == []
    base = yaml.safe_load((out / "base.yaml").read_text())["rules"][0]["attributes"]
    assert base["netrosetta.interface.description"] == {
        "field": "1.3.6.1.2.1.31.1.1.1.18", "transforms": [{"format": "ascii"}, {"strip": True}]}
    report = (out / REPORT).read_text()
    assert "3 profile(s): 2 unified-schema rule(s), 5 vendor extension rule(s)" in report
    assert "9 item(s) not kept" in report
    assert sum(len(v) for v in lines.values()) == int(report.split("rule(s), ")[-1].split(" item")[0])


def test_a_match_a_shipped_rulebook_has_is_left_out(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "w.yaml").write_text("id: widgetco/os\nversion: 1.0.0\nmatch: {snmp: [{sys_object_id: "
                                    "1.3.6.1.4.1.99998.1.*}]}\nrules: [{name: up, metric: system.uptime, "
                                    "snmp: {value: 1.3.6.1.2.1.1.3}, transforms: [{convert: centiseconds_to_seconds}]}]\n")
    out = tmp_path / "out"
    res = import_profiles([_profiles(tmp_path)], out, "ktranslate", context=[shipped])
    widget = next(cv for cv in res.converted if cv.rulebook_id == "ktranslate/widget")
    assert widget.book["match"] == {"snmp": []}
    assert any("already matched by widgetco/os" in n for n in widget.not_kept)
    assert lint_paths([out], context_paths=[shipped]) == []


def test_bad_profiles_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.yml").write_text("extends: [nowhere.yml]\n")
    with pytest.raises(NetrosettaError, match=r"extends unknown profile 'nowhere\.yml'"):
        import_profiles([tmp_path / "a"], tmp_path / "out", "datadog", context=[])
    (tmp_path / "a" / "x.yml").write_text("metrics: [\n")
    assert main(["rulebook", "import", "datadog", str(tmp_path / "a"), str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    assert "x.yml:2" in err and "Traceback" not in err


def _walk(tmp_path: Path) -> Path:
    p = tmp_path / "w.snmprec"
    p.write_text(WALK)
    return p


def test_coverage_compare_walk_by_walk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`coverage --compare`: the imported set alone against ours on the same walk."""
    import json

    out = tmp_path / "out"
    import_profiles([_profiles(tmp_path)], out, "datadog", context=[])
    walks = tmp_path / "walks"
    walks.mkdir()
    _walk(walks)
    assert main(["coverage", "--walk", str(walks), "--compare", str(out), "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    row = got["devices"]["w"]
    assert row["imported"]["rulebook"] == "datadog/widget-pro"
    assert row["imported"]["families"] == {"cpu": 1, "interfaces": 1, "extensions": 4}
    assert row["ours"]["rulebook"] == "generic/snmp (fallback)" and "extensions" not in row["ours"]["families"]
    assert row["closer"] == ""                     # no LibreNMS decode given: nothing scored
    # the one exact sysObjectID pattern of the profiles is a wildcard: counted apart
    assert got["sys_object_ids"] == {"oids": 0, "matched": 0, "subtree": 0, "wildcards": 1}


def test_a_child_symbol_named_like_a_parents_keeps_both(tmp_path: Path) -> None:
    """Same name, another object: the child's rule gets its own name, so it does not override
    (and silently drop) the parent's; same name and object: the child's rule is the parent's."""
    root = tmp_path / "p" / "acme"
    root.mkdir(parents=True)
    (root / "parent.yml").write_text("metrics:\n"
                                     "  - {MIB: A, symbol: {OID: 1.3.6.1.4.1.99996.1.0, name: aTemp, metric_type: gauge}}\n"
                                     "  - {MIB: A, symbol: {OID: 1.3.6.1.4.1.99996.2.0, name: aFan, metric_type: gauge}}\n")
    (root / "child.yml").write_text("extends: [parent.yml]\nsysobjectid: [1.3.6.1.4.1.99996.9]\nmetrics:\n"
                                    "  - {MIB: A, symbol: {OID: 1.3.6.1.4.1.99996.3.0, name: aTemp, metric_type: gauge}}\n"
                                    "  - {MIB: A, symbol: {OID: 1.3.6.1.4.1.99996.2.0, name: aFan, metric_type: gauge}}\n")
    out = tmp_path / "out"
    import_profiles([tmp_path / "p"], out, "datadog", context=[])
    rb = RulebookSet.from_paths([out]).resolve("datadog/child")
    assert sorted((r.name, r.snmp.value) for r in rb.rules if r.snmp is not None) == [
        ("a-fan", "1.3.6.1.4.1.99996.2"), ("a-temp", "1.3.6.1.4.1.99996.1"), ("a-temp-2", "1.3.6.1.4.1.99996.3")]
    assert lint_paths([out]) == []
