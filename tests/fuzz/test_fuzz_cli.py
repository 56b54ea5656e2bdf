"""Fuzz CLI text parsing: the templates the rulebooks name (TTP files under mappings/templates/,
ntc-templates otherwise) and the translation of the parsed rows, on mutated real CLI outputs from
../shared/corpus/cli (ntc-templates' samples) and NAPALM's IOS captures.

An input is `<platform>|<command>` on its first line, then the output; mutations may change the
header too, which exercises the "no template for this command" path. Output that yields no rows
is the collector's counted ParseError; anything else escaping is a crash."""

from __future__ import annotations

import functools

from netrosetta.collectors.cli.config import CliCommand
from netrosetta.collectors.cli.dataset import default_commands, from_outputs, to_engine
from netrosetta.collectors.recording import engine_facts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.textparse import ParseError, parse
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.fuzz import harness

BUILT = [b"cisco_ios|show interfaces\nGigabitEthernet1 is up, line protocol is up\n",
         b"cisco_ios|show processes cpu\nCPU utilization for five seconds: 5%/1%; one minute: 4%; five minutes: 3%\n",
         b"arista_eos|show interfaces\n% Invalid input\n", b"huawei_vrp|display interface\n\n", b"|\n"]


@functools.lru_cache(maxsize=1)
def rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


def _planned(platform: str, command: str) -> list[CliCommand]:
    return [c for c in default_commands(platform) if c.command == command] or [CliCommand(command=command)]


def target(data: bytes) -> None:
    head, _, body = data.partition(b"\n")
    platform, _, command = head.decode("utf-8", errors="replace").partition("|")
    text = body.decode("utf-8", errors="replace")      # as the collector decodes a session's output
    commands = _planned(platform, command)
    for cmd in commands:
        try:
            rows = parse(platform, command, text, cmd.template)
        except ParseError:
            continue
        assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    # the collector's own path: parse failures counted in errors, rows translated by the rulebook
    src = from_outputs({command: text}, platform, commands, "fuzz")
    t = translate(to_engine(src), engine_facts(src), rulebooks())
    for _point in t.iter_points():
        pass


def seeds() -> list[bytes]:
    out = []
    root = need_shared("corpus", "cli")
    for raw in sorted(root.rglob("*.raw")):
        platform, command = raw.relative_to(root).parts[:2]
        out.append(f"{platform}|{command.replace('_', ' ')}\n".encode() + raw.read_bytes())
    for txt in sorted(need_shared("corpus", "napalm", "ios").rglob("*.txt")):
        out.append(f"cisco_ios|{txt.stem.replace('_', ' ')}\n".encode() + txt.read_bytes())
    return out


def test_fuzz_cli_text() -> None:
    pool = seeds() + BUILT
    for data in pool:   # load the rulebooks and compile every template once, outside the per-input limit
        target(data)
    rep = harness.fuzz("cli-text", target, pool)
    harness.assert_clean(rep)
