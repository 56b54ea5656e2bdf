"""Helpers shared by subcommands: loading rulebooks, printing translations."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.paths import MAPPINGS


def add_rulebook_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rulebooks", action="append", metavar="DIR",
                   help=f"rulebook folder or file (repeatable; default {MAPPINGS})")


def load_rulebooks(args: argparse.Namespace) -> RulebookSet:
    paths = [Path(p) for p in (args.rulebooks or [])] or [MAPPINGS]
    if args.rulebooks:
        # user folders are added to the built-in ones so their rulebooks can extend the mixins
        paths = [MAPPINGS, *paths]
    return RulebookSet.from_paths(paths)


def add_format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", "otlp-json"], default="table",
                   help="table (human) or otlp-json (one ExportMetricsServiceRequest per line)")


def emit(translations: Iterable[DeviceTranslation], fmt: str) -> None:
    translations = list(translations)
    if fmt == "otlp-json":
        from netrosetta.exporter.otlp import build_request
        from netrosetta.exporter.otlp_json import write_json_line
        write_json_line(build_request(translations), sys.stdout)
    else:
        from netrosetta.exporter.table import print_table
        print_table(translations)
        total = sum(t.count() for t in translations)
        skipped = sum(sum(t.skipped().values()) for t in translations)
        print(f"{total} data points; {skipped} rows skipped (see `netrosetta explain`)", file=sys.stderr)
