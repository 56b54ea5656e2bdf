"""CLI outputs and recordings -> SourceDataset of parsed rows, and the engine's CliDataset."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netrosetta.collectors.cli.config import PLANS, CliCommand
from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset
from netrosetta.engine.textparse import ParseError, parse

VENDORS = {"arista_eos": "Arista", "cisco_nxos": "Cisco", "cisco_ios": "Cisco", "cisco_xr": "Cisco",
           "juniper_junos": "Juniper", "huawei_vrp": "Huawei"}


def commands_from_requirements(refs: Iterable[Any]) -> list[CliCommand]:
    """The (command, template) pairs a compiled rulebook reads (Translator.requirements('cli'))."""
    pairs = sorted({(r[0], r[1]) for r in refs if isinstance(r, tuple) and len(r) == 4},
                   key=lambda p: (p[0], p[1] or ""))
    return [CliCommand(command=c, template=t) for c, t in pairs]


def from_outputs(outputs: dict[str, str], platform: str, commands: list[CliCommand], target: str
                 ) -> SourceDataset:
    """Parse raw outputs; each failure is counted in ``errors`` and yields no rows."""
    ds = SourceDataset("cli", target, platform, facts=DeviceFacts(platform=platform,
                                                                  vendor=VENDORS.get(platform)))
    for cmd in commands:
        text = outputs.get(cmd.command)
        if text is None:
            ds.errors.setdefault(cmd.command, "missing: no output recorded")
            continue
        try:
            ds.documents.setdefault(cmd.command, {})[cmd.template] = parse(platform, cmd.command, text,
                                                                           cmd.template)
        except ParseError as exc:
            ds.errors[cmd.command] = f"parse: {exc}"
    return ds


def from_recording(rec: Recording, platform: str, commands: list[CliCommand] | None = None) -> SourceDataset:
    cmds = commands if commands is not None else PLANS.get(platform, [])
    outputs = {}
    for cmd in cmds:
        path = rec.find(cmd.command, "cli")
        if path is not None:
            outputs[cmd.command] = path.read_text(encoding="utf-8", errors="replace")
    return from_outputs(outputs, platform, cmds, rec.path.name)


def to_engine(src: SourceDataset) -> Any:
    from netrosetta.engine.selectors.cli import CliDataset
    return CliDataset(src.documents)
