"""`netrosetta translate --gnmi` / `explain --gnmi` from the command line."""

from __future__ import annotations

import json

import pytest

from netrosetta.cli import main
from netrosetta.collectors.gnmi.config import GnmiTarget
from tests.conftest import need_shared


def test_translate_gnmi_otlp_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = need_shared("corpus", "gnmi", "issue_15046", "responses.json")
    assert main(["translate", "--gnmi", str(path), "--format", "otlp-json"]) == 0
    req = json.loads(capsys.readouterr().out.splitlines()[0])
    metrics = {m["name"]: m for rm in req["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]}
    temps = {next(a["value"]["stringValue"] for a in dp["attributes"] if a["key"] == "hw.name"): dp
             for dp in metrics["hw.temperature"]["gauge"]["dataPoints"]}
    # the recording says {"instant":"35.000000"} for InletTempSensor1 at 1715838159171548000
    assert temps["InletTempSensor1"]["asDouble"] == 35.0
    assert temps["InletTempSensor1"]["timeUnixNano"] == "1715838159171548000"


def test_explain_lists_unused_paths(capsys: pytest.CaptureFixture[str]) -> None:
    path = need_shared("corpus", "gnmi", "issue_14530", "responses.json")
    assert main(["explain", "--gnmi", str(path)]) == 0
    out = capsys.readouterr().out
    assert "oc-if-in-octets" in out and "/interfaces/interface/state/counters/in-fcs-errors" in out
    unused = out[out.index("Data in the input no rule used"):]
    assert "origin" in unused and "OID" not in unused     # gNMI paths have an origin, not an OID


def test_bad_recording_is_one_clear_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:   # type: ignore[no-untyped-def]
    bad = tmp_path / "r.json"
    bad.write_text('[{"update": {"nope": 1}}]')
    assert main(["translate", "--gnmi", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "entry 0 is not a gNMI SubscribeResponse" in err and "Traceback" not in err
    bad.write_text("[{")
    assert main(["translate", "--gnmi", str(bad)]) == 1
    assert "not JSON" in capsys.readouterr().err


def test_stall_timeout_defaults() -> None:
    base = {"name": "x", "address": "h:1"}
    t = GnmiTarget.model_validate({**base, "subscriptions": [{"path": "/a", "sample_interval": 10}]})
    assert t.effective_stall_timeout() == 35
    t = GnmiTarget.model_validate({**base, "subscriptions": [{"path": "/a", "mode": "on_change"}]})
    assert t.effective_stall_timeout() is None
    t = GnmiTarget.model_validate({**base, "subscriptions": [
        {"path": "/a", "mode": "on_change", "heartbeat_interval": 60}, {"path": "/b", "sample_interval": 10}]})
    assert t.effective_stall_timeout() == 185


def test_rows_without_list_keys_are_counted_skips(capsys: pytest.CaptureFixture[str]) -> None:
    """issue_14063: counters under /oc-if:interfaces/oc-if:interface with no [name=...] key. The
    rules read them and count them as skipped (no interface name), not as data no rule used."""
    import argparse

    from netrosetta.cli.gnmi import load_gnmi
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import translate

    case = need_shared("corpus", "gnmi", "issue_14063")
    ((ds, facts),) = load_gnmi(argparse.Namespace(gnmi=str(case), name=None, platform=None, gnmi_models=""))
    t = translate(ds, facts, RulebookSet.from_paths())
    assert t.count() == 0
    for rule in ("oc-if-in-errors", "oc-if-in-bcast", "oc-if-in-octets"):
        assert dict(t.rule_stats[rule].skipped) == {"missing attribute network.interface.name": 1}, rule
    unused = {path for path, _origin, _n in ds.unused_report}
    assert "/interfaces/interface/state/counters/in-errors" not in unused
    assert "/interfaces/interface/state/counters/in-pkts" in unused     # no rule reads it: still listed

    assert main(["translate", "--gnmi", str(case), "--format", "table"]) == 0   # a case folder works too
    assert "0 data points; 11 rows skipped" in capsys.readouterr().err
    assert main(["explain", "--gnmi", str(case)]) == 0
    out = capsys.readouterr().out
    assert "missing attribute network.interface.name" in out


def test_unknown_gnmi_platform_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    case = need_shared("corpus", "gnmi", "issue_14063", "responses.json")
    assert main(["translate", "--gnmi", str(case), "--platform", "bogus"]) == 1
    err = capsys.readouterr().err
    assert "--platform bogus: unknown platform" in err and "juniper_junos" in err
    assert main(["translate", "--gnmi", str(case), "--platform", "arista_eos"]) == 0
    # the old spelling still works (hidden from the help)
    assert main(["translate", "--gnmi", str(case), "--gnmi-platform", "arista_eos"]) == 0
