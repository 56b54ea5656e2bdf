"""The command line as a user runs it: clear errors, no tracebacks, counted skips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import need_shared

NR = [sys.executable, "-m", "netrosetta"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NR, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


def test_translate_otlp_json_of_a_corpus_walk() -> None:
    walk = need_shared("corpus", "snmp", "iosxe_c9300.snmprec")
    p = run("translate", "--walk", str(walk), "--format", "otlp-json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    rm = doc["resourceMetrics"][0]
    names = {m["name"] for sm in rm["scopeMetrics"] for m in sm["metrics"]}
    assert {"hw.network.io", "hw.network.packets", "hw.errors"} <= names
    # the raw walk says ifHCInOctets.8 (GigabitEthernet1/0/2 by its ifDescr) has this many octets
    raw = {line.split("|")[0]: line.split("|")[2] for line in walk.read_text().splitlines() if line.count("|") >= 2}
    expected = int(raw["1.3.6.1.2.1.31.1.1.1.6.8"])
    descr = raw["1.3.6.1.2.1.2.2.1.2.8"]
    pts = [dp for sm in rm["scopeMetrics"] for m in sm["metrics"] if m["name"] == "hw.network.io"
           for dp in m["sum"]["dataPoints"]]
    hit = [dp for dp in pts if {"key": "network.interface.name", "value": {"stringValue": descr}} in dp["attributes"]
           and {"key": "network.io.direction", "value": {"stringValue": "receive"}} in dp["attributes"]]
    assert len(hit) == 1 and int(hit[0]["asInt"]) == expected


def test_malformed_walk_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    walk = tmp_path / "w.snmprec"
    walk.write_text("1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10\n"
                    "garbage line\n"
                    "1.3.6.1.2.1.2.2.1.2.1|4|eth0\n"
                    "1.3.6.1.2.1.2.2.1.10.1|65|not-a-number\n"
                    "1.3.6.1.2.1.2.2.1.10.x|65|5\n"
                    "1.3.6.1.2.1.2.2.1.16.1|65|77\n")
    p = run("translate", "--walk", str(walk), "--format", "otlp-json")
    assert p.returncode == 0, p.stderr
    assert "3 malformed line(s) skipped" in p.stderr and "line 2" in p.stderr
    assert "Traceback" not in p.stderr
    doc = json.loads(p.stdout)
    values = [dp["asInt"] for sm in doc["resourceMetrics"][0]["scopeMetrics"] for m in sm["metrics"]
              if m["name"] == "hw.network.io" for dp in m["sum"]["dataPoints"]]
    assert values == ["77"]          # the transmit counter; the unparsable receive value is not invented


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    p = run("translate", "--walk", str(tmp_path / "nope.snmprec"))
    assert p.returncode == 1
    assert "nope.snmprec" in p.stderr and "Traceback" not in p.stderr


def test_malformed_rulebook_yaml_is_reported_with_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: x/y\nversion: 1.0.0\nrules:\n  - name: a\n    metric: [unclosed\n")
    walk = tmp_path / "w.snmprec"
    walk.write_text("1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10\n")
    p = run("translate", "--walk", str(walk), "--rulebooks", str(tmp_path))
    assert p.returncode == 1
    assert f"{tmp_path / 'bad.yaml'}:" in p.stderr and "invalid YAML" in p.stderr
    assert "Traceback" not in p.stderr


def test_lint_reports_every_problem_and_fails(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "id: t/r\nversion: 1.0.0\nrules:\n"
        "  - name: a\n    metric: hw.network.iox\n    snmp: {value: IF-MIB::ifHCInOctetz}\n"
        "  - name: b\n    metric: hw.temperature\n    snmp: {value: 1.3.6.1.4.1.9.9.91.1.1.1.1.4}\n"
        "    attributes: {hw.id: {index: 0}, hw.name: {const: x}}\n    transforms: [{convert: mw_to_dbm}]\n")
    p = run("rulebook", "lint", str(tmp_path))
    assert p.returncode == 1
    out = p.stdout
    assert f"{tmp_path / 'r.yaml'}:5:13: error: unknown unified metric 'hw.network.iox'" in out
    assert f"{tmp_path / 'r.yaml'}:6:" in out and "ifHCInOctetz" in out
    assert "wrong unit" in out and "'dB[mW]'" in out


def test_shipped_rulebooks_lint_clean() -> None:
    p = run("rulebook", "lint")
    assert p.returncode == 0, p.stdout + p.stderr


def test_shipped_rulebook_fixtures_pass() -> None:
    p = run("rulebook", "test")
    assert p.returncode == 0, p.stdout + p.stderr
    assert " 0 failed" in p.stderr
