"""CLI collector (scrapli/netmiko over SSH, ntc-templates or TTP). Registered as source kind ``cli``,
selector ``cli``, with recorded sessions (``.txt`` per command, NAPALM's layout).

Without configured ``commands`` a CLI target runs exactly the commands (and templates) its
platform's rulebook reads; a recording is parsed for the same commands.
"""

from __future__ import annotations

from typing import Any

from netrosetta.collectors.registry import register
from netrosetta.collectors.request_source import request_kind
from netrosetta.errors import NetrosettaError


def rulebook_commands(rulebooks: Any, platform: str, forced: str | None = None, address: str | None = None
                      ) -> list[Any]:
    """The (command, template) pairs the platform's CLI rulebook (or ``forced``) reads."""
    from netrosetta.collectors.source import matched
    from netrosetta.engine.facts import DeviceFacts

    from .dataset import commands_from_requirements

    if forced:
        book = rulebooks.resolve(forced)
    else:
        book = matched(rulebooks, DeviceFacts(platform=platform), "cli", address or platform).chosen
    return commands_from_requirements(rulebooks.translator(book).requirements("cli"))


def _plan(spec: Any, rulebooks: Any) -> Any:
    if spec.commands is not None:
        return spec
    host = f"{spec.host}:{spec.port}" if spec.port else str(spec.host)
    return spec.model_copy(update={"commands": rulebook_commands(rulebooks, spec.platform, address=host)})


def _replay(rec: Any, platform: str | None, rulebooks: Any, forced: str | None) -> Any:
    from .dataset import from_recording

    if not platform:
        raise NetrosettaError("--platform is needed to parse CLI output (e.g. --platform cisco_ios)")
    src = from_recording(rec, platform, rulebook_commands(rulebooks, platform, forced))
    # host.name is the device's own name: the hostname in `show version`, when recorded
    src.facts.hostname = src.facts.hostname or _hostname(rec, platform)
    return src


def _hostname(rec: Any, platform: str) -> str | None:
    """The hostname in a CLI recording's ``show version`` (ntc-templates), when it has one."""
    from netrosetta.engine.textparse import ParseError, parse

    path = rec.find("show version", "cli")
    if path is None:
        return None
    try:
        rows = parse(platform, "show version", path.read_text(encoding="utf-8", errors="replace"))
    except (ParseError, OSError):
        return None
    return next((str(r["hostname"]) for r in rows if r.get("hostname")), None) or None


def _session(spec: Any) -> list[Any]:
    """The kept SSH session's up / logins / reconnects (collectors/sessions.py)."""
    from netrosetta.collectors.sessions import session_metrics
    return session_metrics(spec)


register(request_kind("cli", "cli", __name__, "CliTarget", order=50, extensions=(".txt", ".text", ".raw"),
                      recognise=lambda names: True, replay=_replay, plan=_plan, health=_session))
