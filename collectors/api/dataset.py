"""Device API replies and recordings -> SourceDataset (decoded JSON per command)."""

from __future__ import annotations

import json
from typing import Any

from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset, file_stem

VENDORS = {"arista_eos": "Arista", "cisco_nxos": "Cisco", "cisco_ios": "Cisco", "cisco_xr": "Cisco",
           "juniper_junos": "Juniper", "huawei_vrp": "Huawei"}


def facts_from_show_version(doc: Any, platform: str | None) -> DeviceFacts:
    """`show version` through the API: EOS (modelName, version, serialNumber) or NX-OS field names."""
    facts = DeviceFacts(platform=platform, vendor=VENDORS.get(platform or ""))
    if not isinstance(doc, dict):
        return facts
    if "modelName" in doc:
        facts.vendor, facts.platform = "Arista", platform or "arista_eos"
        facts.model, facts.os_version = doc.get("modelName"), doc.get("version")
        facts.serial = doc.get("serialNumber") or None
        facts.hostname = doc.get("hostname")
    elif "chassis_id" in doc or "nxos_ver_str" in doc or "kickstart_ver_str" in doc:
        facts.vendor, facts.platform = "Cisco", platform or "cisco_nxos"
        facts.model = doc.get("chassis_id")
        facts.os_version = doc.get("nxos_ver_str") or doc.get("kickstart_ver_str")
        facts.serial = doc.get("proc_board_id")
        facts.hostname = doc.get("host_name")
    return facts


def from_recording(rec: Recording, platform: str | None = None, commands: list[str] | None = None
                   ) -> SourceDataset:
    """JSON (.json, NX-OS `| json` .txt) and text (.text) files of a recording, by command."""
    ds = SourceDataset("api", rec.path.name, platform or rec.platform)
    names = {v: k for k, v in rec.commands.items()}
    wanted = {file_stem(c): c for c in commands or []}
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
