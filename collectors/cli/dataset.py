"""CLI outputs and recordings -> SourceDataset of parsed rows, and the engine's CliDataset.

Documents are keyed by the *question* a rule asks (its ``command``); the platform definition says
which spellings answer it (``show proc cpu``, ``show env temperature status`` ...), so a recording
made by any tool that names files after the spelling it sent translates the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netrosetta.collectors.cli.config import CliCommand
from netrosetta.collectors.platforms import Variant
from netrosetta.collectors.platforms import platform as platform_def
from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset
from netrosetta.engine.textparse import ParseError, parse


def commands_from_requirements(refs: Iterable[Any]) -> list[CliCommand]:
    """The (command, template) pairs a compiled rulebook reads (Translator.requirements('cli'))."""
    pairs = sorted({(r[0], r[1]) for r in refs if isinstance(r, tuple) and len(r) == 4},
                   key=lambda p: (p[0], p[1] or ""))
    return [CliCommand(command=c, template=t) for c, t in pairs]


def default_commands(platform: str | None) -> list[CliCommand]:
    d = platform_def(platform)
    return list(d.cli.commands) if d else []


def variants(platform: str | None, cmd: CliCommand) -> list[Variant]:
    """The spellings to send for one question, in order."""
    d = platform_def(platform)
    return d.variants(cmd.command, cmd.template) if d else [Variant(command=cmd.command, template=cmd.template)]


def vendor(platform: str | None) -> str | None:
    d = platform_def(platform)
    return d.vendor if d else None


def parse_answer(platform: str, variant: Variant, text: str) -> list[dict[str, Any]]:
    """Rows of one spelling's output (ntc-templates picks its template by the spelling sent)."""
    return parse(platform, variant.command, text, variant.template)


def from_outputs(outputs: dict[str, str], platform: str, commands: list[CliCommand], target: str
                 ) -> SourceDataset:
    """Parse raw outputs keyed by question; each failure is counted in ``errors`` and yields no rows."""
    ds = SourceDataset("cli", target, platform, facts=DeviceFacts(platform=platform, vendor=vendor(platform)))
    for cmd in commands:
        text = outputs.get(cmd.command)
        if text is None:
            ds.errors.setdefault(cmd.command, "missing: no output recorded")
            continue
        try:
            rows = parse_answer(platform, Variant(command=cmd.command, template=cmd.template), text)
        except ParseError as exc:
            ds.errors[cmd.command] = f"parse: {exc}"
            continue
        ds.documents.setdefault(cmd.command, {})[cmd.template] = rows
    return ds


def from_recording(rec: Recording, platform: str, commands: list[CliCommand] | None = None) -> SourceDataset:
    """Each question answered by the first spelling the recording holds whose output parses (tried
    in the platform's order, abbreviated spellings included) — what the live collector would have
    settled on; when none parses, the first recorded refusal or parse error is the question's error."""
    cmds = commands if commands is not None else default_commands(platform)
    d = platform_def(platform)
    ds = SourceDataset("cli", rec.path.name, platform,
                       facts=DeviceFacts(platform=platform, vendor=vendor(platform)))
    for cmd in cmds:
        first_error: str | None = None
        for variant in variants(platform, cmd):
            path = next((p for p in (rec.find(s, "cli") for s in (d.spelled(variant.command) if d
                                                                   else [variant.command])) if p), None)
            if path is None:
                continue
            try:
                rows = parse_answer(platform, variant, path.read_text(encoding="utf-8", errors="replace"))
            except ParseError as exc:
                first_error = first_error or f"parse: {exc}"
                continue
            ds.documents.setdefault(cmd.command, {})[cmd.template] = rows
            break
        else:
            ds.errors[cmd.command] = first_error or "missing: no output recorded"
    return ds


def to_engine(src: SourceDataset) -> Any:
    from netrosetta.engine.selectors.cli import CliDataset
    return CliDataset(src.documents)
