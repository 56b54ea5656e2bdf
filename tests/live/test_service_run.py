"""`netrosetta run`, `config check|schema` and `lab --run` as a user runs them: real processes, real
snmpsim, real OTLP receivers (gRPC and HTTP)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from tests.reliability.harness import (
    LAB_SNMPREC,
    ROOT,
    GrpcReceiver,
    HttpReceiver,
    ServiceProcess,
    snmp_target,
    wait_for,
    write_yaml,
)

pytestmark = pytest.mark.live


def _nr(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netrosetta", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)


def test_config_check_reports_file_line_and_never_a_secret(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "defaults:\n  interval: 30\n"
        "targets:\n  snmp:\n"
        "    - host: 192.0.2.1\n      credentials: {community: env:NR_TEST_UNSET_VAR}\n"
        "    - host: 192.0.2.2\n      credentials: {community: literal:x}\n      intervall: 5\n"
        "  gnmi:\n    - name: g1\n      address: 192.0.2.3:6030\n      password: hunter2-inline\n"
        "      subscriptions: [{path: /interfaces}]\n")
    res = _nr("config", "check", str(bad))
    assert res.returncode == 1
    err = res.stderr
    assert "Traceback" not in err
    assert f"{bad}:6:" in err and "NR_TEST_UNSET_VAR" in err and "is not set" in err
    assert f"{bad}:9:7: unknown key 'intervall'" in err.replace("error: ", "")
    assert f"{bad}:11:" in err and "password" in err and "hunter2" not in err   # inline secret refused, not echoed
    ok = _nr("config", "check", str(ROOT / "examples" / "config.yaml"),
             env={"SNMP_COMMUNITY": "c0mmunity", "OTLP_TOKEN": "t0ken", "GNMI_PASSWORD": "pw",
                  "EDGE1_AUTH_KEY": "auth-key-123", "EDGE1_PRIV_KEY": "priv-key-123"})
    assert ok.returncode == 0, ok.stderr
    assert "ok" in ok.stdout


def test_config_schema_is_a_json_schema() -> None:
    import jsonschema

    res = _nr("config", "schema")
    assert res.returncode == 0
    schema = json.loads(res.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"targets", "outputs", "delivery", "cluster", "flow"} <= set(schema["properties"])


def test_run_exports_over_http_with_secret_headers_and_reload_keeps_start_times(tmp_path: Path) -> None:
    backend = HttpReceiver().start()
    with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
        cfg_data = {
            "defaults": {"interval": 1.5, "jitter": 0.1},
            "targets": {"snmp": [snmp_target("sw1", agent.port)]},
            "outputs": {"otlp_http": [{"endpoint": backend.endpoint, "headers": {"authorization": "env:NR_TOKEN"}}],
                        "from_env": False},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"interval": 2},
        }
        cfg = write_yaml(tmp_path / "config.yaml", cfg_data)
        svc = ServiceProcess(cfg, tmp_path / "service.log", env={"NR_TOKEN": "Bearer tok-123"}).start()
        try:
            wait_for(lambda: len(backend.received.points()) >= 142 * 2, 30, "two polls at the backend")
            assert backend.headers[0].get("authorization") == "Bearer tok-123"
            starts_before = {s for _d, m, _a, s, _t, _v in backend.received.points() if m == "hw.network.io"}
            # SIGHUP: add a target and reload; counter state (start times) must survive
            cfg_data["targets"]["snmp"].append(snmp_target("sw2", agent.port))
            write_yaml(cfg, cfg_data)
            svc.signal(signal.SIGHUP)
            wait_for(lambda: any(t["key"] == "snmp/sw2" and t["polls_ok"] >= 1 for t in svc.status()["targets"]),
                     20, "the added target after SIGHUP")
            n = len(backend.received.requests)
            wait_for(lambda: len(backend.received.requests) > n + 2, 20, "more polls after the reload")
            sw1_starts = {s for d, m, _a, s, _t, _v in backend.received.points()
                          if m == "hw.network.io" and d == "sw1"}
            assert sw1_starts == starts_before, "start times changed across SIGHUP"
            selfpts = backend.received.points(self_telemetry=True)
            assert {m for _d, m, *_ in selfpts} >= {"netrosetta.polls", "netrosetta.poll.duration",
                                                   "netrosetta.queue.depth", "netrosetta.export.errors",
                                                   "netrosetta.dropped.points", "netrosetta.points.translated"}
            with open(tmp_path / "service.log") as f:
                assert "tok-123" not in f.read()
        finally:
            assert svc.stop() == 0
            backend.stop()


def test_lab_run_is_make_run(tmp_path: Path) -> None:
    """`netrosetta lab --run`: the lab device over real SNMP, table output, OTLP/JSON, OTLP export."""
    backend = GrpcReceiver().start()
    try:
        res = _nr("lab", "--run", "--plain", "--duration", "12", "--interval", "3", "--out", str(tmp_path),
                  env={"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{backend.endpoint}",
                       "OTEL_EXPORTER_OTLP_INSECURE": "true"}, timeout=120)
    finally:
        backend.stop()
    assert res.returncode == 0, res.stderr[-2000:]
    ok_lines = [line for line in res.stdout.splitlines() if " ok " in line]
    for key in ("snmp/lab-r1", "gnmi/lab-r1", "cli/lab-r1", "api/lab-eos-1", "netconf/lab-mx-1"):
        assert any(key in line for line in ok_lines), f"{key} never polled ok:\n{res.stdout[-1500:]}"
    assert (tmp_path / "flows.jsonl").read_text().count("NETFLOW_V5") > 10   # synthetic exporter → listener
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    names = {m["name"] for line in lines for rm in json.loads(line)["resourceMetrics"]
             for sm in rm["scopeMetrics"] for m in sm["metrics"]}
    assert {"hw.network.io", "hw.network.packets", "system.cpu.utilization"} <= names
    # the gNMI stream's health beside its data
    assert {"netrosetta.gnmi.target.up", "netrosetta.gnmi.reconnects", "netrosetta.gnmi.malformed"} <= names
    # CLI and NETCONF keep one SSH session: every poll of the run reports the same single login
    logins = [int(dp.get("asInt", dp.get("asDouble", -1))) for line in lines
              for rm in json.loads(line)["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]
              if m["name"] == "netrosetta.session.logins" for dp in m["sum"]["dataPoints"]]
    assert len(logins) >= 4 and set(logins) == {1}, logins
    got = backend.received.points()
    assert any(m == "hw.network.io" and d == "lab-r1" for d, m, *_ in got)


def test_targets_file_add_and_remove_without_restart(tmp_path: Path) -> None:
    with snmpsim_agent({"lab": LAB_SNMPREC}) as agent:
        tf = write_yaml(tmp_path / "targets.yaml", {"targets": {"snmp": [snmp_target("a", agent.port)]}})
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 1.0}, "targets_file": str(tf), "outputs": {"from_env": False},
            "http": {"listen": "127.0.0.1:0"}, "self_telemetry": {"enabled": False}})
        svc = ServiceProcess(cfg, tmp_path / "service.log").start()
        try:
            wait_for(lambda: svc.target("snmp/a")["polls_ok"] >= 1, 20, "target a")
            pid = svc.proc.pid if svc.proc else 0
            write_yaml(tf, {"targets": {"snmp": [snmp_target("b", agent.port)]}})
            wait_for(lambda: [t["key"] for t in svc.status()["targets"]] == ["snmp/b"], 15, "a replaced by b")
            wait_for(lambda: any(t["key"] == "snmp/b" and t["polls_ok"] >= 1 for t in svc.status()["targets"]),
                     20, "target b polled")
            assert svc.proc is not None and svc.proc.pid == pid and svc.proc.poll() is None
            # a broken edit keeps the running targets and says why
            (tf).write_text("targets:\n  snmp:\n    - hots: x\n")
            time.sleep(2.5)
            assert [t["key"] for t in svc.status()["targets"]] == ["snmp/b"]
            assert "targets file not applied" in (tmp_path / "service.log").read_text()
        finally:
            svc.stop()


def test_lab_degrades_when_a_simulator_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A simulator that cannot start is reported with its reason; SNMP runs regardless."""
    from netrosetta.service import lab as lab_mod
    from netrosetta.service.lab import others

    def broken(_stack: object, _lab: object) -> None:
        raise ModuleNotFoundError("No module named 'netrosetta.collectors.gnmi.lab'")

    monkeypatch.setattr(others, "STARTERS", {**others.STARTERS, "gnmi": broken})
    with lab_mod.start_lab(["snmp", "gnmi"]) as lab:
        # SNMP serves the lab's three devices (lab-r1, and the eAPI and NETCONF devices' SNMP view)
        assert [(d.kind, d.name) for d in lab.devices] == [("snmp", "lab-r1"), ("snmp", "lab-eos-1"),
                                                           ("snmp", "lab-mx-1")]
        assert "No module named" in lab.missing["gnmi"]
