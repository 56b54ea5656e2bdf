"""CLI recordings translated per CPU-second: netrosetta vs netmiko's use_textfsm parse, same run.

Workload: every `show interfaces`-family capture in ../shared/corpus/cli for a platform with a
CLI rulebook, plus NAPALM's IOS recording. One recording translated = parse (ntc-templates or our
TTP template, as the rulebook says), build the dataset, translate into unified points.
Peer in the same process on the same text: ``ntc_templates.parse.parse_output`` — exactly what
netmiko's ``send_command(..., use_textfsm=True)`` runs on the output — giving a list of string
dicts, no unified schema.

    python -m bench.cli_translate [--seconds S]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from bench.netconf_translate import NAPALM, ROOT, rate, write

CLI = ROOT.parent / "shared" / "corpus" / "cli"
COMMANDS = {"show_interfaces": "show interfaces", "show_interface": "show interface",
            "display_interface": "display interface"}


def workload() -> list[tuple[str, str, str]]:
    """(platform, command, text) for every capture a CLI rulebook reads."""
    from netrosetta.collectors.cli.dataset import commands_from_requirements
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import Translator

    rs = RulebookSet.from_paths()
    out = []
    for folder in sorted(CLI.glob("*/*")):
        platform, command = folder.parent.name, COMMANDS.get(folder.name)
        books = [rb for rb in rs.concrete() if platform in rb.book.match.platform
                 and any(r.kind == "cli" for r in rb.rules)]
        if not command or not books:
            continue
        if command not in {c.command for c in commands_from_requirements(Translator(books[0]).requirements("cli"))}:
            continue
        out += [(platform, command, raw.read_text()) for raw in sorted(folder.glob("*.raw"))]
    out.append(("cisco_ios", "show interfaces",
                (NAPALM / "ios/test_get_interfaces_counters/normal/show_interfaces.txt").read_text()))
    return out


def ours(work: list[tuple[str, str, str]]) -> Callable[[], int]:
    from netrosetta.collectors.cli import dataset as cld
    from netrosetta.collectors.recording import engine_facts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import Translator, translate

    rs = RulebookSet.from_paths()
    cmds = {}
    for platform, command, _text in work:
        book = next(rb for rb in rs.concrete() if platform in rb.book.match.platform
                    and any(r.kind == "cli" for r in rb.rules))
        cmds[(platform, command)] = [c for c in cld.commands_from_requirements(
            Translator(book).requirements("cli")) if c.command == command]

    def run() -> int:
        total = 0
        for platform, command, text in work:
            src = cld.from_outputs({command: text}, platform, cmds[(platform, command)], "bench")
            total += translate(cld.to_engine(src), engine_facts(src), rs).count()
        return total
    return run


def peer(work: list[tuple[str, str, str]]) -> Callable[[], int]:
    from ntc_templates.parse import parse_output

    def run() -> int:
        total = 0
        for platform, command, text in work:
            rows = parse_output(platform=platform, command=command, data=text)
            total += sum(len(r) for r in rows)
        return total
    return run


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args(argv)
    work = workload()
    r_ours, points = rate(ours(work), args.seconds)
    r_peer, values = rate(peer(work), args.seconds)
    n = len(work)
    platforms = sorted({w[0] for w in work})
    result = {"bench": "cli_translate", "recordings": n, "platforms": platforms,
              "unified_points_per_pass": points, "peer_values_per_pass": values,
              "ours_recordings_per_cpu_s": round(r_ours * n, 1), "peer_recordings_per_cpu_s": round(r_peer * n, 1),
              "ratio_ours_vs_peer": round(r_ours / r_peer, 3),
              "peer": "netmiko use_textfsm path: ntc_templates.parse.parse_output (string dicts, no schema)"}
    write("cli_translate", result, [
        ("source", "recordings", "ours rec/CPU-s", "peer rec/CPU-s", "ratio"),
        ("cli", str(n), f"{r_ours * n:.1f}", f"{r_peer * n:.1f}", f"{r_ours / r_peer:.2f}")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
