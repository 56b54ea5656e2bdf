"""`netrosetta coverage`: which unified metrics the rulebooks give, per vendor family and source
(no options), or per device over a folder of recorded walks (--walk DIR), optionally scored
against LibreNMS's decode of the same walks (--expected DIR)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .common import add_format_arg, add_rulebook_args, load_rulebooks, output_format


def register(sub: Any) -> None:
    p = sub.add_parser(
        "coverage", help="which metrics the rulebooks give: per vendor family and source, or per recorded device",
        description="Without --walk: the matrix of loaded rulebooks x metric families, with the sources "
                    "(SNMP, gNMI, NETCONF, API, CLI) that give each. With --walk DIR: every walk in DIR "
                    "(.snmprec, or snmpwalk -On output as .walk/.snmpwalk/.txt) translated, with the "
                    "rulebook that matched and the metric families that came out; with --expected DIR "
                    "(LibreNMS test-data JSON named like the walks) CPU, memory and temperature are "
                    "scored against LibreNMS's decode.")
    p.add_argument("--walk", type=Path, metavar="DIR", help="folder of SNMP walks to translate")
    p.add_argument("--expected", type=Path, metavar="DIR",
                   help="folder of LibreNMS decodes (NAME.json per walk NAME) to score agreement")
    p.add_argument("--compare", type=Path, metavar="DIR",
                   help="with --walk: compare with the rulebooks in DIR alone (e.g. `rulebook import` output), "
                        "walk by walk: rulebook chosen, families only one side gives, closer to LibreNMS")
    add_format_arg(p, machine="json", choices=("table", "json", "markdown"))
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON report here")
    add_rulebook_args(p)
    p.set_defaults(func=cmd_coverage)


def cmd_coverage(args: argparse.Namespace) -> int:
    from netrosetta.errors import NetrosettaError

    if args.expected and not args.walk:
        raise NetrosettaError("--expected needs --walk DIR (the walks LibreNMS decoded)")
    if args.expected and not args.expected.is_dir():
        raise NetrosettaError("not a folder of LibreNMS decodes", file=str(args.expected))
    if args.compare and not args.walk:
        raise NetrosettaError("--compare needs --walk DIR (the walks both rulebook sets translate)")
    rulebooks = load_rulebooks(args)
    if args.compare:
        return _compare(args, rulebooks)
    report = _walk_report(args, rulebooks) if args.walk else _matrix_report(rulebooks)
    text = json.dumps(report, indent=1, sort_keys=True)
    if args.json:
        args.json.write_text(text + "\n")
    fmt = output_format(args)
    if fmt == "json":
        print(text)
    elif fmt == "markdown" and not args.walk:
        from netrosetta.coverage.matrix import markdown
        print(markdown(report["rulebooks"]), end="")
    elif fmt == "markdown":
        raise NetrosettaError("--format markdown is the rulebook matrix (without --walk)")
    elif args.walk:
        _print_walks(report)
    else:
        _print_matrix(report)
    return 0


def _compare(args: argparse.Namespace, rulebooks: Any) -> int:
    from dataclasses import asdict

    from netrosetta.coverage.compare import as_json, compare, markdown, oid_coverage
    from netrosetta.engine.rulebooks import RulebookSet

    theirs = RulebookSet.from_paths([args.compare])
    rows = compare(args.walk, rulebooks, theirs, args.expected)
    oids = oid_coverage(rulebooks, theirs)
    report = {**as_json(rows), "sys_object_ids": asdict(oids)}
    text = json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n")
    if output_format(args) == "json":
        print(text)
    else:
        print(markdown(rows, "the rulebooks imported from ktranslate's profiles", oids), end="")
    return 0


def _matrix_report(rulebooks: Any) -> dict[str, Any]:
    from netrosetta.coverage.matrix import matrix
    return {"rulebooks": matrix(rulebooks)}


def _walk_report(args: argparse.Namespace, rulebooks: Any) -> dict[str, Any]:
    from netrosetta.coverage.walks import cover_folder, figures

    results = cover_folder(args.walk, rulebooks, args.expected)
    figs = figures(results)
    present = figures(results, only_present=True)
    summary: dict[str, dict[str, Any]] = {m: {"right": figs[m][0], "of": figs[m][1]} for m in figs}
    for m in present:
        if m != "rulebook":
            summary[m]["where_librenms_has_it"] = {"right": present[m][0], "of": present[m][1]}
    return {"devices": {r.device: r.as_json() for r in results}, "summary": summary}


def _print_walks(report: dict[str, Any]) -> None:
    from rich.table import Table

    from netrosetta.coverage.families import FAMILIES
    from netrosetta.coverage.figures import lines
    from netrosetta.exporter.table import console, plain

    devices = report["devices"]
    scored = any("librenms" in d for d in devices.values())
    cols = ["device", "rulebook", "families (data points)", "not read (values per MIB)"] + \
        (["LibreNMS os", "cpu", "mem", "temp"] if scored else [])
    t = Table(*cols, title=f"Coverage of {len(devices)} walks")
    for name, d in devices.items():
        fams = d["error"] if d.get("error") else \
            ", ".join(f"{f} {d['families'][f]}" for f in FAMILIES if f in d["families"]) or "(nothing)"
        rb = d["rulebook"] + (" (fallback)" if d["fallback"] else "")
        unused = d.get("unused", {})
        left = ", ".join(f"{mod} {sum(objs.values())}" for mod, objs in list(unused.items())[:3])
        row = [name, rb, fams, left + (f" (+{len(unused) - 3} MIBs)" if len(unused) > 3 else "")]
        if scored:
            ln = d.get("librenms", {})
            row += [ln.get("os", ""), *(_mark(ln, c) for c in ("cpu", "memory", "temperature"))]
        t.add_row(*plain(*row))
    con = console()
    con.print(t)
    summary = report["summary"]
    figs = {m: (s["right"], s["of"]) for m, s in summary.items() if scored or m == "rulebook"}
    present = {m: (s["where_librenms_has_it"]["right"], s["where_librenms_has_it"]["of"])
               for m, s in summary.items() if "where_librenms_has_it" in s}
    print("\n".join(lines(figs, present)))


def _mark(ln: dict[str, Any], cls: str) -> str:
    if not ln:
        return ""
    ok = ln["agree"][cls]
    return ("ok" if ok else "NO") + ("" if ln["has"][cls] else " (none)")


def _print_matrix(report: dict[str, Any]) -> None:
    from rich.table import Table

    from netrosetta.coverage.families import FAMILIES
    from netrosetta.exporter.table import console, plain

    books = report["rulebooks"]
    used = [f for f in FAMILIES if any(f in fams for fams in books.values())]
    t = Table("rulebook", *used, title=f"Metric families per rulebook and source ({len(books)} rulebooks)")
    for rid, fams in books.items():
        t.add_row(*plain(rid, *(" ".join(fams.get(f, [])) for f in used)))
    console().print(t)
