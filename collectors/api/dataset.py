"""Device API replies and recordings -> SourceDataset (decoded JSON per command)."""

from __future__ import annotations

import json
from typing import Any

from netrosetta.collectors.platforms import platforms
from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset, file_stem


def facts_from_show_version(doc: Any, platform: str | None) -> DeviceFacts:
    """`show version` through the API -> facts; which keys mean what is the platform definition's
    (``api.show_version``), and the keys present tell the platform when none was given."""
    defs = platforms()
    d = defs.get(platform) or defs.from_show_version(doc)
    facts = DeviceFacts(platform=platform, vendor=defs.vendor(platform))
    sv = d.api.show_version if d else None
    if d is None or sv is None or not isinstance(doc, dict) or not any(k in doc for k in sv.detect):
        return facts

    def first(keys: list[str]) -> str | None:
        return next((str(doc[k]) for k in keys if doc.get(k) not in (None, "")), None)

    facts.vendor, facts.platform = d.vendor, platform or d.platform
    facts.model, facts.os_version = first(sv.model), first(sv.os_version)
    facts.serial, facts.hostname = first(sv.serial), first(sv.hostname)
    return facts


def stem_commands(platform: str | None, commands: list[str]) -> dict[str, str]:
    """File stem -> question, for every spelling the platform definition allows (``show_int``,
    ``show_interface___json`` for NX-OS `| json` over SSH)."""
    d = platforms().get(platform)
    out: dict[str, str] = {}
    for c in commands:
        for s in (d.spellings(c) if d else [c]):
            out.setdefault(file_stem(s), c)
    return out


def from_recording(rec: Recording, platform: str | None = None, commands: list[str] | None = None
                   ) -> SourceDataset:
    """JSON (.json, NX-OS `| json` .txt) and text (.text) files of a recording, by command."""
    ds = SourceDataset("api", rec.path.name, platform or rec.platform)
    names = {v: k for k, v in rec.commands.items()}
    d = platforms().get(platform or rec.platform)
    asked = list(commands or []) + [c.command for c in (d.api.commands if d else [])]
    wanted = stem_commands(platform or rec.platform, asked)
    for path in rec.files():
        if path.suffix not in (".json", ".text", ".txt") or path.name == "expected_result.json":
            continue
        command = names.get(path.name) or wanted.get(path.stem) or path.stem.replace("_", " ")
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json" or path.stem.endswith("___json"):
            try:
                ds.documents[command] = json.loads(text)
            except ValueError as exc:
                ds.errors[command] = f"bad-reply: not JSON ({exc})"
        else:
            ds.documents[command] = text
    if "show version" in ds.documents:
        ds.facts = facts_from_show_version(ds.documents["show version"], ds.platform)
    return ds


def to_engine(src: SourceDataset) -> Any:
    """SourceDataset -> the engine's JsonDataset (text replies become rows through a selector's template)."""
    from netrosetta.engine.selectors.json import JsonDataset
    return JsonDataset(src.documents)
