"""The lab agrees with itself: one device state behind its SNMP (snmpsim), gNMI (gRPC) and CLI (SSH)
simulators, and two more devices over SNMP + eAPI (HTTPS) and SNMP + NETCONF (SSH), polled by the
service with `reconcile: {enabled: true}` over the real sockets.

Consistent lab: the live check finds no disagreement, and `netrosetta reconcile` on the service's
own OTLP/JSON output agrees for every source pair. Corrupted lab (the CLI serves a port that
received 10^10 bytes more and a port renamed; eAPI a port that sent 10^10 bytes more and NETCONF
one whose errors jumped): exactly those show, in /status.json, in self-telemetry and offline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from netrosetta.service.lab import lab_config, start_lab
from netrosetta.service.lab.state import DeviceState, lab_device, lab_eos, lab_junos
from tests.reliability.harness import ServiceProcess, wait_for, write_yaml

IF = "network.interface.name"
PAIRS = [("cli", "gnmi"), ("cli", "snmp"), ("gnmi", "snmp")]


# (device, source A, source B): sources are named by the rules' kind (eAPI's are `json`, NETCONF's
# `xpath`); NETCONF's session health (source `netconf`) is never compared, so it pairs with nothing
DEVICE_PAIRS = [("lab-eos-1", "json", "snmp"), ("lab-mx-1", "snmp", "xpath")]


def _run(tmp_path: Path, overrides: dict[str, DeviceState] | None = None,
         only: tuple[str, ...] = ("snmp", "gnmi", "cli"), pairs: int = 3) -> tuple[dict[str, Any], Path]:
    """The lab and the service for a few polls; the service's reconcile status once every source
    pair has been checked with two reads of each source (a measured rate)."""
    json_path = tmp_path / "metrics.jsonl"
    with start_lab(list(only), overrides) as lab:
        assert not lab.missing, lab.missing
        cfg = lab_config(lab, json_path=json_path, spill_dir=None, interval=2.0)
        cfg["outputs"]["from_env"] = False
        cfg["self_telemetry"] = {"interval": 3.0}
        # slack: a loaded machine stretches a poll; the corruption below is far outside any window
        cfg["reconcile"] = {"enabled": True, "interval": 3.0, "slack_seconds": 2.0}
        svc = ServiceProcess(write_yaml(tmp_path / "config.yaml", cfg), tmp_path / "service.log").start()
        try:
            def checked() -> dict[str, Any] | None:
                rec = svc.status()["reconcile"]
                # gNMI samples every 5 s: after 12 s each source has at least two reads
                return rec if rec["checks"] >= 4 and len(rec["pairs"]) == pairs else None
            wait_for(checked, 60, f"{pairs} source pairs reconciled")
            wait_for(lambda: svc.status()["uptime_s"] > 13, 30, "two gNMI samples")
            rec = wait_for(checked, 30, "a check after the second gNMI sample")
            wait_for(lambda: "netrosetta.reconcile.disagreements" in json_path.read_text(), 20, "self-telemetry")
        finally:
            assert svc.stop() == 0
    return rec, json_path


def _offline(json_path: Path, a: str, b: str) -> tuple[int, dict[str, Any]]:
    res = subprocess.run([sys.executable, "-m", "netrosetta", "reconcile", str(json_path), str(json_path),
                          "--a-source", a, "--b-source", b, "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode in (0, 1), res.stderr
    return res.returncode, json.loads(res.stdout)


def _self_gauges(json_path: Path) -> dict[tuple[str, str], float]:
    """The last netrosetta.reconcile.disagreements value per (sources, kind)."""
    out: dict[tuple[str, str], float] = {}
    for line in json_path.read_text().splitlines():
        for rm in json.loads(line)["resourceMetrics"]:
            for sm in rm["scopeMetrics"]:
                for m in sm["metrics"]:
                    if m["name"] != "netrosetta.reconcile.disagreements":
                        continue
                    for dp in m["gauge"]["dataPoints"]:
                        at = {a["key"]: next(iter(a["value"].values())) for a in dp["attributes"]}
                        out[(at["netrosetta.sources"], at["kind"])] = float(dp.get("asInt", dp.get("asDouble", 0)))
    return out


def test_lab_sources_agree(tmp_path: Path) -> None:
    rec, json_path = _run(tmp_path)
    assert rec["disagreements"] == 0, json.dumps(rec["pairs"], indent=1)[:3000]
    pairs = {(p["a"], p["b"]): p for p in rec["pairs"]}
    assert sorted(pairs) == PAIRS and all(p["device"] == "lab-r1" for p in pairs.values())
    # every interface counter the CLI prints pairs with SNMP's and gNMI's (4 ports x 10 series)
    assert pairs[("cli", "snmp")]["paired"] == pairs[("cli", "snmp")]["agreed"] >= 40
    assert pairs[("gnmi", "snmp")]["paired"] == pairs[("gnmi", "snmp")]["agreed"] >= 50
    gauges = _self_gauges(json_path)
    assert {gauges[(f"{a}+{b}", k)] for a, b in PAIRS for k in ("value", "interface")} == {0.0}
    for a, b in PAIRS:
        code, out = _offline(json_path, a, b)
        assert code == 0 and out["counts"]["value"] == out["counts"]["interface"] == 0, out["findings"][:5]
        assert out["paired"] >= 40


def test_a_corrupted_source_shows_exactly_its_disagreements(tmp_path: Path) -> None:
    state = lab_device()
    p1 = state.ports[0]
    cli = state.with_port(1, base={**p1.base, "in-octets": p1.base["in-octets"] + 10**10})
    cli = cli.with_port(3, name="GigabitEthernet0/7")
    rec, json_path = _run(tmp_path, {"snmp": state, "gnmi": state, "cli": cli})
    pairs = {(p["a"], p["b"]): p for p in rec["pairs"]}
    assert pairs[("gnmi", "snmp")]["counts"]["value"] == pairs[("gnmi", "snmp")]["counts"]["interface"] == 0
    for other in ("gnmi", "snmp"):
        p = pairs[("cli", other)]
        got = sorted((f["kind"], f.get("metric", ""), f["attrs"].get(IF, ""), f["attrs"].get("network.io.direction", ""))
                     for f in p["findings"])
        other_name = "Gi0/3" if other == "snmp" else "GigabitEthernet0/3"
        assert got == sorted([("interface", "", "GigabitEthernet0/7", ""), ("interface", "", other_name, ""),
                              ("value", "hw.network.io", "GigabitEthernet0/1", "receive")]), got
    gauges = _self_gauges(json_path)
    assert gauges[("cli+snmp", "value")] == 1 and gauges[("cli+snmp", "interface")] == 2
    assert gauges[("gnmi+snmp", "value")] == 0
    code, out = _offline(json_path, "snmp", "cli")
    assert code == 1 and (out["counts"]["value"], out["counts"]["interface"]) == (1, 2)


def test_api_and_netconf_devices_agree_with_their_snmp(tmp_path: Path) -> None:
    rec, json_path = _run(tmp_path, only=("snmp", "api", "netconf"), pairs=2)
    assert rec["disagreements"] == 0, json.dumps(rec["pairs"], indent=1)[:3000]
    got = {(p["device"], p["a"], p["b"]): p for p in rec["pairs"]}
    assert sorted(got) == DEVICE_PAIRS
    for p in got.values():
        # 4 ports x (octets 2, packets 6, errors 2, discards 2, up 1) on both sides
        assert p["paired"] == p["agreed"] >= 52, p
    gauges = _self_gauges(json_path)
    assert {gauges[(f"{a}+{b}", k)] for _d, a, b in DEVICE_PAIRS for k in ("value", "interface")} == {0.0}
    for _d, a, b in DEVICE_PAIRS:
        code, out = _offline(json_path, a, b)
        assert code == 0 and out["counts"]["value"] == out["counts"]["interface"] == 0, out["findings"][:5]
        assert out["paired"] >= 52


def test_corrupted_api_and_netconf_sources_show_their_disagreements(tmp_path: Path) -> None:
    eos, junos = lab_eos(), lab_junos()
    e2, j1 = eos.ports[1], junos.ports[0]
    api = eos.with_port(2, base={**e2.base, "out-octets": e2.base["out-octets"] + 10**10})
    netconf = junos.with_port(1, base={**j1.base, "in-errors": j1.base["in-errors"] + 5000})
    rec, json_path = _run(tmp_path, {"api": api, "netconf": netconf}, only=("snmp", "api", "netconf"), pairs=2)
    got = {(p["device"], p["a"], p["b"]): sorted(
        (f["kind"], f.get("metric", ""), f["attrs"].get(IF, ""), f["attrs"].get("network.io.direction", ""))
        for f in p["findings"] if f["kind"] in ("value", "interface")) for p in rec["pairs"]}
    assert got == {("lab-eos-1", "json", "snmp"): [("value", "hw.network.io", "Ethernet2", "transmit")],
                   ("lab-mx-1", "snmp", "xpath"): [("value", "hw.errors", "ge-0/0/0", "receive")]}, got
    gauges = _self_gauges(json_path)
    assert gauges[("json+snmp", "value")] == gauges[("snmp+xpath", "value")] == 1
    assert gauges[("json+snmp", "interface")] == gauges[("snmp+xpath", "interface")] == 0
    for a in ("json", "xpath"):
        code, out = _offline(json_path, "snmp", a)
        assert code == 1 and (out["counts"]["value"], out["counts"]["interface"]) == (1, 0), out["findings"][:5]
