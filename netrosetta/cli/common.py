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


def add_format_arg(p: argparse.ArgumentParser, machine: str = "otlp-json",
                   choices: tuple[str, ...] = ("table", "otlp-json")) -> None:
    """Every command that prints data takes --format; left out, it is a table on a terminal and the
    machine format when the output goes to a pipe or a file (one rule for all commands)."""
    p.add_argument("--format", choices=list(choices), default=None,
                   help=f"{' or '.join(choices)} (default: table on a terminal, {machine} when piped)")
    p.set_defaults(machine_format=machine)


def output_format(args: argparse.Namespace) -> str:
    fmt: str | None = getattr(args, "format", None)
    return fmt or ("table" if sys.stdout.isatty() else str(getattr(args, "machine_format", "otlp-json")))


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


def known_platforms(rulebooks: RulebookSet) -> list[str]:
    """The netmiko device_type names the rulebooks match (``match: platform:``)."""
    return sorted({p for rb in rulebooks.concrete() for p in rb.book.match.platform})


def check_platform(rulebooks: RulebookSet, platform: str | None, option: str) -> None:
    """An error naming the valid platforms when ``platform`` is one no rulebook knows (a typo, or
    a vendor name such as ``junos`` instead of the device_type ``juniper_junos``)."""
    if not platform:
        return
    known = known_platforms(rulebooks)
    if platform in known:
        return
    import difflib

    from netrosetta.errors import NetrosettaError

    near = difflib.get_close_matches(platform, known, n=1, cutoff=0.5) or \
        [p for p in known if platform.lower() in p.lower().split("_")]
    hint = f" (did you mean {near[0]}?)" if near else ""
    raise NetrosettaError(f"{option} {platform}: unknown platform{hint}; "
                          f"valid platforms (netmiko device_type): {', '.join(known)}")
