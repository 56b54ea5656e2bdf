"""Every corpus walk served over real UDP by snmpsim, polled by `netrosetta run`, exported as
OTLP/JSON: the live output equals the offline translation of the same walk (same rulebook, same
interface counters), and the counters equal the raw walk values."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from tests.conftest import need_shared

pytestmark = pytest.mark.live

WALKS = ["iosxe_c9300", "junos_vmx", "arista_eos", "vrp_5720", "timos_7750", "nxos_n9k-c93180yc-fx3",
         "iosxr_asr9001", "linux"]


def _raw(walk: Path) -> dict[str, str]:
    out = {}
    for line in walk.read_text(errors="replace").splitlines():
        parts = line.split("|", 2)
        if len(parts) == 3:
            out[parts[0]] = parts[2]
    return out


def _offline(walk: Path) -> dict[str, Any]:
    p = subprocess.run([sys.executable, "-m", "netrosetta", "translate", "--walk", str(walk), "--format", "otlp-json"],
                       capture_output=True, text=True, timeout=300, check=True)
    return json.loads(p.stdout)


def _io_points(rm: dict[str, Any]) -> dict[tuple[str, str], int]:
    out = {}
    for sm in rm["scopeMetrics"]:
        for m in sm["metrics"]:
            if m["name"] != "hw.network.io":
                continue
            for dp in m["sum"]["dataPoints"]:
                a = {kv["key"]: kv["value"]["stringValue"] for kv in dp["attributes"]}
                out[(a["network.interface.name"], a["network.io.direction"])] = int(dp["asInt"])
    return out


def test_corpus_walks_through_netrosetta_run(tmp_path: Path) -> None:
    walks = {name: need_shared("corpus", "snmp", f"{name}.snmprec") for name in WALKS}
    out = tmp_path / "metrics.jsonl"
    communities = {name: f"c{i}" for i, name in enumerate(walks)}
    with snmpsim_agent({communities[n]: p for n, p in walks.items()}) as agent:
        targets = "\n".join(
            f"    - {{name: {name}, host: 127.0.0.1, port: {agent.port}, version: 2c, timeout: 10, retries: 1,"
            f" credentials: {{community: env:NR_COMMUNITY_{i}}}}}"
            for i, name in enumerate(walks))
        cfg = tmp_path / "netrosetta.yaml"
        cfg.write_text(f"""\
defaults: {{interval: 3600, jitter: 0, poll_timeout: 300, concurrency: 4}}
targets:
  snmp:
{targets}
outputs:
  from_env: false
  otlp_json: [{{path: {out}}}]
http: {{listen: null}}
self_telemetry: {{enabled: false}}
""")
        env = {**os.environ, **{f"NR_COMMUNITY_{i}": communities[n] for i, n in enumerate(walks)}}
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        proc = subprocess.Popen([sys.executable, "-m", "netrosetta", "run", "--config", str(cfg)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        got: dict[str, dict[str, Any]] = {}
        try:
            deadline = time.monotonic() + 400
            while time.monotonic() < deadline and len(got) < len(walks):
                if out.exists():
                    for line in out.read_text().splitlines():
                        for rm in json.loads(line).get("resourceMetrics", []):
                            attrs = {kv["key"]: kv["value"].get("stringValue") for kv in rm["resource"]["attributes"]}
                            if attrs.get("host.name") in walks:
                                got[attrs["host.name"]] = rm
                if proc.poll() is not None:
                    break
                time.sleep(1)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
    assert "Traceback" not in err, err[-3000:]
    assert set(got) == set(walks), f"no data for {set(walks) - set(got)}; stderr: {err[-2000:]}"
    for name, walk in walks.items():
        live = got[name]
        offline = _offline(walk)["resourceMetrics"][0]
        assert [sm["scope"]["name"] for sm in live["scopeMetrics"]] == \
            [sm["scope"]["name"] for sm in offline["scopeMetrics"]], name
        live_io, off_io = _io_points(live), _io_points(offline)
        assert live_io == off_io, name
        # and against the raw walk: each interface's receive counter is its ifHCInOctets, or its
        # ifInOctets where the row has no 64-bit counter
        raw = _raw(walk)
        rx = {oid.rsplit(".", 1)[1]: int(v) for oid, v in raw.items() if oid.startswith("1.3.6.1.2.1.2.2.1.10.")}
        rx.update({oid.rsplit(".", 1)[1]: int(v) for oid, v in raw.items() if oid.startswith("1.3.6.1.2.1.31.1.1.1.6.")})
        if rx:
            assert sorted(rx.values()) == sorted(v for (_n, d), v in live_io.items() if d == "receive"), name
