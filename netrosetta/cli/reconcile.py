"""`netrosetta reconcile A B`: one device's unified series from two sources, lined up and compared.

A and B are anything `netrosetta translate` reads — an SNMP walk (.snmprec), a gNMI recording
(responses .json or its case folder), a NETCONF/API/CLI recording folder — or OTLP JSON already
translated (`translate --format otlp-json`, the service's otlp_json output; one request per line).
Exit 0: consistent; 1: disagreements; 2: an error (bad input, unknown platform).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from netrosetta.engine.reconcile import (
    InterfaceNames,
    ReconcileSettings,
    Report,
    Sample,
    reconcile,
    samples_of,
)
from netrosetta.errors import NetrosettaError

from .common import add_format_arg, add_rulebook_args, output_format


def _otlp_value(dp: dict[str, Any]) -> float | None:
    for k in ("asInt", "asDouble"):
        if k in dp:
            return float(dp[k])
    return None


def _attr_value(v: dict[str, Any]) -> Any:
    return next(iter(v.values()), "") if v else ""


def otlp_samples(path: Path) -> list[Sample]:
    """OTLP JSON (one ExportMetricsServiceRequest per line, or one document) -> samples."""
    out: list[Sample] = []
    text = path.read_text(encoding="utf-8", errors="replace")
    docs = [text] if text.lstrip().startswith("{") and "\n{" not in text.strip() else text.splitlines()
    for lineno, line in enumerate(docs, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise NetrosettaError(f"not OTLP JSON: {exc.msg}", file=str(path), line=lineno) from None
        for rm in doc.get("resourceMetrics", []):
            res = {a["key"]: str(_attr_value(a.get("value", {}))) for a in rm.get("resource", {}).get("attributes", [])}
            for sm in rm.get("scopeMetrics", []):
                scope_attrs = {a["key"]: _attr_value(a.get("value", {})) for a in sm.get("scope", {}).get("attributes", [])}
                source = str(scope_attrs.get("netrosetta.source", ""))
                for m in sm.get("metrics", []):
                    if "sum" in m:
                        body, instrument = m["sum"], "counter" if m["sum"].get("isMonotonic") else "updowncounter"
                    elif "gauge" in m:
                        body, instrument = m["gauge"], "gauge"
                    else:
                        continue        # histograms and summaries are not compared
                    for dp in body.get("dataPoints", []):
                        value = _otlp_value(dp)
                        if value is None:
                            continue
                        attrs = tuple((a["key"], _attr_value(a.get("value", {}))) for a in dp.get("attributes", []))
                        out.append(Sample(res, m["name"], instrument, m.get("unit", ""), attrs, value,
                                          int(dp.get("timeUnixNano", 0)), source))
    return out


def _is_otlp(path: Path) -> bool:
    if not path.is_file() or path.suffix not in (".json", ".jsonl"):
        return False
    with path.open(encoding="utf-8", errors="replace") as f:
        head = f.read(4096)
    return '"resourceMetrics"' in head


def _translated(path: Path, args: argparse.Namespace, platform: str | None, when_ns: int) -> list[Sample]:
    from .translate import _translate_all

    ns = argparse.Namespace(walk=None, gnmi=None, recording=None, platform=platform, name=args.name,
                            rulebook=None, rulebooks=args.rulebooks, gnmi_models=None, recording_kind=None)
    if path.is_file() and path.suffix == ".snmprec":
        ns.walk = str(path)
    elif path.suffix == ".json" or (path.is_dir() and (path / "responses.json").is_file()):
        ns.gnmi = str(path)
    elif path.is_dir():
        ns.recording = str(path)
    else:
        raise NetrosettaError("not a walk (.snmprec), gNMI recording (.json), recording folder or OTLP JSON",
                              file=str(path))
    return samples_of([t for t, _m, _ds in _translate_all(ns)], when_ns)


def _read_time_ns(path: Path) -> int:
    """When a recording was read: its newest file's modification time."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return int(max((p.stat().st_mtime for p in files), default=0) * 1e9)


def load_side(path: Path, args: argparse.Namespace, platform: str | None, when_ns: int | None,
              source: str | None = None) -> list[Sample]:
    if not path.exists():
        raise NetrosettaError("no such file or folder", file=str(path))
    if _is_otlp(path):
        got = otlp_samples(path)
    else:
        got = _translated(path, args, platform, when_ns if when_ns is not None else _read_time_ns(path))
    return [s for s in got if s.source == source] if source else got


def load_settings(path: str | None) -> ReconcileSettings:
    if not path:
        return ReconcileSettings()
    from netrosetta.engine.yaml_source import load_yaml, validate

    return validate(load_yaml(Path(path)), ReconcileSettings)


def interface_table(platforms: list[str]) -> dict[str, list[str]]:
    from netrosetta.collectors.platforms import platforms as all_platforms

    defs = all_platforms()
    unknown = [p for p in platforms if defs.get(p) is None]
    if unknown:
        raise NetrosettaError(f"unknown platform {', '.join(unknown)} (known: {', '.join(defs.names())})")
    return defs.interface_names(platforms or None)


def print_report(report: Report, a: str, b: str, every: bool) -> None:
    from collections import Counter

    from rich.table import Table

    from netrosetta.exporter.table import console, plain

    con = console()
    for dev, ra, rb in report.renamed:
        con.print(f"{dev}: interface {ra} (A) is {rb} (B)", markup=False, highlight=False)
    shown = [f for f in report.findings if every or f.kind in ("value", "interface")]
    if not every:
        # one-source series are usual (SNMP reads more than a CLI command prints): one line per metric
        for kind, side in (("only_a", "A"), ("only_b", "B")):
            per = Counter(f"{f.device} {f.metric}" for f in report.of(kind))
            for what, n in sorted(per.items()):
                con.print(f"only in {side}: {what} ({n} series)", markup=False, highlight=False)
    if shown:
        t = Table("kind", "device", "metric", "attributes", "A", "B", "allowed", "why")
        for f in shown:
            attrs = " ".join(f"{k}={v}" for k, v in f.attrs.items())
            t.add_row(*plain(f.kind, f.device, f.metric, attrs, _num(f.a), _num(f.b), _num(f.allowed), f.why))
        con.print(t)
    c = report.counts()
    con.print(f"A={a}  B={b}: {report.paired} series paired, {report.agreed} agree; {c['value']} values "
              f"disagree, {c['interface']} interfaces unpaired; {c['only_a']} series only in A, "
              f"{c['only_b']} only in B", markup=False, highlight=False)


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.6g}"


def cmd_reconcile(args: argparse.Namespace) -> int:
    try:
        plats = args.platform or []
        if len(plats) > 2:
            raise NetrosettaError("--platform is given once (both inputs) or twice (A, then B)")
        pa, pb = (plats + plats)[:2] if plats else (None, None)
        settings = load_settings(args.settings)
        names = InterfaceNames(interface_table(sorted({p for p in (pa, pb) if p})))
        a_path, b_path = Path(args.a), Path(args.b)
        apart = None if args.apart is None else int(args.apart * 1e9)
        a = load_side(a_path, args, pa, 0 if apart is not None else None, args.a_source)
        b = load_side(b_path, args, pb, apart, args.b_source)
        if not a or not b:
            raise NetrosettaError(f"{'A' if not a else 'B'} has no data point to compare")
    except NetrosettaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = reconcile(a, b, names=names, settings=settings)
    if output_format(args) == "json":
        json.dump({"a": str(a_path), "b": str(b_path), **report.as_dict()}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_report(report, str(a_path), str(b_path), args.all)
    return 0 if report.disagreements == 0 else 1


def register(sub: Any) -> None:
    p = sub.add_parser("reconcile", help="compare one device's series from two sources (recordings or OTLP JSON)",
                       description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("a", metavar="A", help="walk, gNMI recording, recording folder or OTLP JSON")
    p.add_argument("b", metavar="B", help="the same device from another source")
    p.add_argument("--platform", action="append", metavar="PLATFORM",
                   help="device platform (netmiko device_type): once for both inputs or twice (A, then B); "
                        "chooses the rulebook of a recording and the interface abbreviation table")
    p.add_argument("--name", help="device name for both Resources (recordings that do not carry one)")
    p.add_argument("--apart", type=float, metavar="SECONDS",
                   help="seconds between the two reads (default: the files' modification times; OTLP JSON "
                        "carries its own)")
    p.add_argument("--a-source", metavar="KIND", help="only A's series from this source (snmp, gnmi, cli...): "
                   "one OTLP JSON file holding several sources, e.g. the lab's metrics.jsonl")
    p.add_argument("--b-source", metavar="KIND", help="the same for B")
    p.add_argument("--all", action="store_true", help="table: list every series only one source has")
    p.add_argument("--settings", metavar="FILE.yaml", help="tolerances (the service's reconcile: section)")
    add_rulebook_args(p)
    add_format_arg(p, machine="json", choices=("table", "json"))
    p.set_defaults(func=cmd_reconcile)
