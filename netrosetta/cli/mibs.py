"""`netrosetta mibs compile|lookup`: build the compiled MIB index and query it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netrosetta import paths
from netrosetta.errors import NetrosettaError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("mibs", help="compile MIB sources into the MIB index; look symbols up")
    sub = parser.add_subparsers(dest="mibs_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    comp = sub.add_parser(
        "compile", help="compile MIB sources (folders searched recursively) into compiled JSON modules",
        description="Compile MIB modules found under DIR... (subfolders included) with every module "
                    "they import into one JSON file per module: names, OIDs, syntax, enums, display "
                    "hints, units, table structure. No description text is kept.")
    comp.add_argument("dirs", nargs="+", metavar="DIR", help="folder (or file) of MIB sources")
    comp.add_argument("--out", type=Path, default=None,
                      help=f"output folder (default: {paths.MIBS})")
    comp.add_argument("--module", action="append", default=[], metavar="NAME",
                      help="compile only this module and its imports (repeatable; default: all found)")
    comp.add_argument("--no-progress", action="store_true", help="no progress bar")
    comp.set_defaults(func=_compile)

    look = sub.add_parser("lookup", help="show what the MIB index knows about a symbol or OID",
                          description="SYMBOL is MODULE::name, a bare name or a numeric OID; an "
                                      "instance OID shows the decoded table index.")
    look.add_argument("symbol", metavar="SYMBOL_OR_OID")
    look.add_argument("--mibs", type=Path, default=None,
                      help=f"compiled index folder (default: {paths.MIBS})")
    look.add_argument("--columns", action="store_true", help="for a table or row: list its columns")
    look.set_defaults(func=_lookup)


def _compile(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from netrosetta.mibs_compile import compile_mibs

    out = args.out or paths.MIBS
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[module]}"), TimeElapsedColumn(),
        console=console, transient=True, disable=args.no_progress,
    )
    tasks: dict[str, object] = {}
    # without a terminal (CI, a log file) the bar is invisible: a plain line every 10 % instead
    plain = not console.is_terminal and not args.no_progress
    shown: dict[str, int] = {}

    def on_progress(phase: str, module: str, done: int, total: int) -> None:
        if plain:
            step = done * 10 // max(total, 1)
            if shown.get(phase, -1) < step:
                shown[phase] = step
                print(f"{phase} {done}/{total} modules{f' ({module})' if module else ''}", file=sys.stderr, flush=True)
            return
        if phase not in tasks:
            tasks[phase] = progress.add_task(phase, total=total, module="")
        progress.update(tasks[phase], completed=done, total=total, module=module)  # type: ignore[arg-type]

    with progress:
        report = compile_mibs(args.dirs, out, modules=args.module or None, progress=on_progress)

    print(f"compiled {len(report.compiled)} module(s), {report.symbols} symbols, into {out}")
    if report.skipped_files:
        print(f"skipped {report.skipped_files} file(s) without a MIB module header")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.failed:
        print(f"failed {len(report.failed)} module(s):", file=sys.stderr)
        for name, reason in sorted(report.failed.items()):
            print(f"  {name}: {reason}", file=sys.stderr)
        return 1
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from netrosetta.engine.mib_index import MibIndex, MibIndexDecodeError

    idx = MibIndex.load(args.mibs) if args.mibs else MibIndex.default()
    text = args.symbol.strip()
    sym = idx.resolve(text)
    suffix: tuple[int, ...] = ()
    if sym is None:  # numeric OID that is not a symbol's own: try an instance of one
        hit = idx.lookup_oid(text)
        if hit is None:
            raise NetrosettaError(f"no MIB symbol covers OID {text}")
        sym, suffix = hit
    rows = [
        ("symbol", sym.qualname), ("oid", sym.oid), ("kind", sym.kind),
        ("syntax", sym.syntax), ("tc", f"{sym.tc_module}::{sym.tc}" if sym.tc else None),
        ("display-hint", sym.display_hint), ("units", sym.units), ("access", sym.max_access),
        ("status", sym.status if sym.status != "current" else None),
        ("table", sym.table), ("row", sym.row), ("augments", sym.augments),
        ("indexes", ", ".join(
            p.name + (" (implied)" if p.implied else "") for p in sym.index_parts) or None),
        ("objects", ", ".join(sym.objects) or None),
    ]
    if sym.enums:
        rows.append(("enums", ", ".join(f"{k}={v}" for k, v in sorted(sym.enums.items()))))
    if suffix:
        rows.append(("instance", ".".join(map(str, suffix))))
        if sym.kind in ("column", "row", "table"):
            try:
                rows.append(("index values", repr(idx.index_components(sym, suffix))))
            except MibIndexDecodeError as exc:
                rows.append(("index values", f"(undecodable: {exc.message})"))
    for key, value in rows:
        if value:
            print(f"{key + ':':<14}{value}")
    if args.columns and sym.kind in ("table", "row"):
        for col in idx.columns(sym):
            print(f"  {col.oid.rsplit('.', 1)[1]:>4} {col.name:<40} {col.type_name or ''}")
    return 0
