"""`netrosetta translate` and `netrosetta explain`: offline translation of recorded device data.

Sources: --walk (SNMP snmprec). gNMI (--gnmi) and recordings (--recording) plug in through
SOURCES below: each loader returns (dataset, facts) pairs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.matching import MatchResult, match_rulebook, with_served
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.selectors.base import Dataset
from netrosetta.engine.translate import Translator, translate
from netrosetta.errors import NetrosettaError

from .common import add_format_arg, add_rulebook_args, emit, load_rulebooks, output_format
from .gnmi import add_gnmi_source_args, load_gnmi
from .record import add_recording_source_args, load_recording

Loaded = list[tuple[Dataset, DeviceFacts]]


def load_walk(args: argparse.Namespace) -> Loaded:
    from netrosetta.collectors.snmp.dataset import SnmpDataset
    from netrosetta.collectors.snmp.facts import snmp_facts
    from netrosetta.collectors.snmp.varbind import read_snmprec

    walk = read_snmprec(args.walk)
    if walk.skipped:
        print(f"{args.walk}: {len(walk.skipped)} malformed line(s) skipped "
              f"(first: line {walk.skipped[0][0]}: {walk.skipped[0][1]})", file=sys.stderr)
    ds = SnmpDataset(walk.varbinds)
    return [(ds, snmp_facts(ds, name=args.name))]


# option dest -> loader; other sources add themselves here
SOURCES: dict[str, Callable[[argparse.Namespace], Loaded]] = {"walk": load_walk}


def _add_source_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--walk", metavar="FILE.snmprec", help="SNMP walk in snmpsim format (OID|TYPE|VALUE)")
    for extra in EXTRA_SOURCE_ARGS:
        extra(g, p)
    p.add_argument("--name", help="device name for the Resource (default: sysName)")
    p.add_argument("--rulebook", metavar="ID", help="use this rulebook instead of matching one")
    add_rulebook_args(p)


# callables (group, parser) adding more mutually exclusive source options
EXTRA_SOURCE_ARGS: list[Callable[[Any, argparse.ArgumentParser], None]] = []

# gNMI recordings: --gnmi RESPONSES.json (netrosetta/cli/gnmi.py)
SOURCES["gnmi"] = load_gnmi
EXTRA_SOURCE_ARGS.append(add_gnmi_source_args)

# NETCONF/API/CLI recordings: --recording DIR --platform P (netrosetta/cli/record.py)
SOURCES["recording"] = load_recording
EXTRA_SOURCE_ARGS.append(add_recording_source_args)


def _loaded(args: argparse.Namespace) -> Loaded:
    for dest, loader in SOURCES.items():
        if getattr(args, dest, None):
            return loader(args)
    raise NetrosettaError("no input given")


def _match(rs: RulebookSet, ds: Dataset, facts: DeviceFacts, forced: str | None) -> MatchResult:
    if forced:
        if forced not in rs:
            raise NetrosettaError(f"unknown rulebook {forced!r}; known: {', '.join(rs.ids())}")
        return MatchResult(rs.resolve(forced), [], False, [], f"{forced}: chosen with --rulebook")
    return match_rulebook(rs, with_served(rs, facts, ds), ds.kind)


def _translate_all(args: argparse.Namespace) -> list[tuple[DeviceTranslation, MatchResult, Dataset]]:
    rs = load_rulebooks(args)
    out = []
    for ds, facts in _loaded(args):
        m = _match(rs, ds, facts, args.rulebook)
        if m.chosen is None:
            raise NetrosettaError(m.reason)
        t = Translator(m.chosen).translate(ds, facts, match=m) if args.rulebook else translate(ds, facts, rs)
        out.append((t, m, ds))
    return out


def cmd_translate(args: argparse.Namespace) -> int:
    results = _translate_all(args)
    for _t, m, _ds in results:
        if m.fell_back:
            print(f"note: {m.reason}", file=sys.stderr)
    emit([t for t, _m, _ds in results], output_format(args))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.table import Table

    from netrosetta.exporter.table import console, plain

    con = console()
    for t, m, ds in _translate_all(args):
        con.rule("[bold]" + escape(str(t.resource.get("host.name") or t.resource.get("os.description", "")[:60])))
        con.print("[bold]Rulebook:[/] " + escape(m.reason))
        if m.ambiguous:
            con.print(f"[red]Ambiguous:[/] {', '.join(m.ambiguous)} match equally well")
        if m.candidates:
            ct = Table("candidate", "version", "specificity", "why", title="Candidates (best first)")
            for c in m.candidates:
                ct.add_row(*plain(c.rulebook.id, c.rulebook.version, ".".join(map(str, c.score)), c.why))
            con.print(ct)
        if ds.kind == "snmp":
            from netrosetta.engine.matching import near_misses
            rs = load_rulebooks(args)
            misses = near_misses(rs, with_served(rs, _facts_of(t, ds), ds))
            if misses:
                nt = Table("rulebook", "entry", "why it does not match", title="Rulebooks that did not match")
                for row in misses:
                    nt.add_row(*plain(*row))
                con.print(nt)
        assert m.chosen is not None
        rt = Table("rule", "from", "selector", "metric", "points", "skipped", title="Rules")
        for r in m.chosen.rules:
            if r.kind != ds.kind:
                continue
            st = t.rule_stats.get(r.name)
            skipped = ", ".join(f"{n} {why}" for why, n in st.skipped.items()) if st else ""
            if not skipped and not (st and st.points):
                # no point and no counted skip: the rule's value (and fallback) had no row at all
                skipped = f"no data: the input has no {r.selector.describe()}"
            rt.add_row(*plain(r.name, m.chosen.origin[r.name], r.selector.describe(), r.metric,
                              st.points if st else 0, skipped))
        con.print(rt)
        unused = getattr(ds, "unused_report", None)
        if unused is None and ds.kind == "snmp":
            from netrosetta.collectors.snmp.unused import unused_objects
            unused = unused_objects(ds)
        if unused:
            # what the middle column holds depends on the source: an OID, a gNMI origin, or "-"
            where = {"snmp": "OID", "gnmi": "origin"}.get(ds.kind, "")
            ut = Table("table / object" if ds.kind == "snmp" else "path / document", where, "values",
                       title="Data in the input no rule used")
            for name, oid, n in unused:
                ut.add_row(*plain(name, oid, n))
            con.print(ut)
        con.print(f"{t.count()} data points from {len(t.rule_stats)} rules")
    return 0


def _facts_of(t: DeviceTranslation, ds: Any) -> DeviceFacts:
    from netrosetta.collectors.snmp.facts import snmp_facts
    return snmp_facts(ds)


def register(sub: Any) -> None:
    p = sub.add_parser("translate", help="translate recorded device data into the unified schema")
    _add_source_args(p)
    add_format_arg(p)
    p.set_defaults(func=cmd_translate)
    p = sub.add_parser("explain", help="which rulebook matched and why, which rules made which points, what no rule used")
    _add_source_args(p)
    p.set_defaults(func=cmd_explain)
