"""Every query of the shipped Grafana dashboard finds data in a lab run's /metrics.

The Prometheus names come from service/prometheus.py; the dashboard is hand-written. This test
reads each query's selectors (metric name + label matchers, with the dashboard's `$device`
variable as `.*`) and the labels it groups or joins on, and checks a real `netrosetta lab --run`
scrape has samples that satisfy them.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.reliability.harness import ROOT

pytestmark = pytest.mark.live

DASHBOARD = ROOT / "deploy" / "grafana-dashboard.json"
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*(\[[^\]]*\])?")
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"')
GROUPING = re.compile(r"\b(?:by|on|without|ignoring)\s*\(([^)]*)\)")
PROMQL_WORDS = {"rate", "increase", "sum", "avg", "max", "min", "count", "by", "on", "without", "ignoring",
                "group_left", "group_right", "irate", "delta", "label_values", "topk", "bottomk"}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _queries() -> list[str]:
    out: list[str] = []

    def walk(o: object) -> None:
        if isinstance(o, dict):
            for k, v in o.items():
                if k in ("expr", "definition") and isinstance(v, str):
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(o, list):
            for x in o:
                walk(x)
    walk(json.loads(DASHBOARD.read_text()))
    return out


def _parse(text: str) -> list[tuple[str, dict[str, str]]]:
    samples = []
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m and not line.startswith("#"):
            samples.append((m.group(1), dict(LABEL.findall(m.group(2) or ""))))
    return samples


def _selectors(expr: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    expr = expr.replace("$device", ".*")
    body = GROUPING.sub(" ", expr)
    sels = []
    for m in SELECTOR.finditer(body):
        name = m.group(1)
        nxt = body[m.end():m.end() + 1]
        if name in PROMQL_WORDS or nxt == "(" or name.startswith("$") or name.isdigit():
            continue
        if re.fullmatch(r"[0-9.]+", name):
            continue
        sels.append((name, MATCHER.findall(m.group(2) or "")))
    return sels


def _holds(labels: dict[str, str], matchers: list[tuple[str, str, str]]) -> bool:
    for key, op, val in matchers:
        have = labels.get(key, "")
        ok = {"=": have == val, "!=": have != val, "=~": re.fullmatch(val, have) is not None,
              "!~": re.fullmatch(val, have) is None}[op]
        if not ok:
            return False
    return True


def _missing(expr: str, samples: list[tuple[str, dict[str, str]]]) -> list[str]:
    problems = []
    if expr.startswith("label_values("):
        name, label = (x.strip() for x in expr[len("label_values("):-1].split(","))
        if not any(n == name and label in lab for n, lab in samples):
            problems.append(f"label_values: no {name} sample with label {label}")
        return problems
    groups = {g.strip() for grp in GROUPING.findall(expr) for g in grp.split(",") if g.strip()}
    for name, matchers in _selectors(expr):
        hits = [lab for n, lab in samples if n == name and _holds(lab, matchers)]
        if not hits:
            problems.append(f"{name}{matchers}: no sample")
            continue
        problems += [f"{name}: no sample carries label {g} (grouped or joined on)"
                     for g in sorted(groups) if not any(g in lab for lab in hits)]
    return problems


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_dashboard_query_finds_data(tmp_path: Path) -> None:
    queries = _queries()
    assert len(queries) >= 15
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "netrosetta", "lab", "--run", "--plain", "--duration", "60",
                             "--interval", "2", "--out", str(tmp_path), "--http", f"127.0.0.1:{port}"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    problems: dict[str, list[str]] = {}
    try:
        deadline = time.monotonic() + 50
        while time.monotonic() < deadline:
            time.sleep(2)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    samples = _parse(r.read().decode())
            except OSError:
                continue
            problems = {q: p for q in queries if (p := _missing(q, samples))}
            # the flow decoder's own counters reach self-telemetry too (issue 16's scope counters)
            flow_names = {"netrosetta_flow_template_scope_strict_total", "netrosetta_flow_template_scope_domain_total",
                          "netrosetta_flow_template_layout_mismatch_total", "netrosetta_flow_unknown_elements_total",
                          "netrosetta_flow_packet_sections_total"}
            absent = sorted(flow_names - {name for name, *_rest in samples})
            if absent:
                problems["flow decoder counters"] = absent
            if not problems:
                break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert not problems, "dashboard queries without data:\n" + "\n".join(
        f"{q}\n    " + "\n    ".join(p) for q, p in problems.items())
