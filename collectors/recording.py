"""Recorded device sessions in NAPALM's mocked-data folder layout, shared by NETCONF, API and CLI.

A recording is a folder with one file per command or RPC, named after it the way NAPALM names its
mocked data, so folders from either project work:

- CLI text: ``show interfaces`` -> ``show_interfaces.txt`` (``.text`` also read)
- API JSON: ``show interfaces`` -> ``show_interfaces.json``; ``show interface | json`` ->
  ``show_interface___json.txt`` (every character outside ``[A-Za-z0-9_.-]`` becomes ``_``)
- NETCONF vendor RPC: ``get-interface-information.xml``; a ``<get>`` with a subtree filter:
  ``<module>_<container>.xml`` joined with ``__`` for several top containers
  (``pfi-im-cmd-oper_interfaces.xml``, ``Cisco-IOS-XR-`` dropped as NAPALM does).

An optional ``netrosetta-recording.json`` manifest keeps what NAPALM's layout cannot: platform,
source kind and the command behind each file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, SecretStr

from netrosetta.collectors.target_options import TargetOptions
from netrosetta.engine.file_stem import file_stem
from netrosetta.errors import NetrosettaError

MANIFEST = "netrosetta-recording.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


# file extensions tried for a command, per source kind, in order; filled by collectors/registry.py
# as each kind with recordings registers (NAPALM: .txt/.text for CLI, .json for eAPI, .xml NETCONF)
EXTENSIONS: dict[str, tuple[str, ...]] = {}


def _extensions(kind: str | None) -> tuple[str, ...]:
    """The kind's extensions, or every registered kind's when the kind is unknown."""
    own = EXTENSIONS.get(kind or "")
    if own:
        return own
    return tuple(dict.fromkeys(e for exts in EXTENSIONS.values() for e in exts))


def module_key(namespace: str | None, tag: str) -> str:
    """``<module>_<container>`` for a namespaced top-level element (NAPALM's IOS-XR naming)."""
    module = ""
    if namespace:
        module = re.split(r"[/:]", namespace.rstrip("/"))[-1]
        module = module.removeprefix("Cisco-IOS-XR-")
    return f"{module}_{tag}" if module else tag


@dataclass
class Recording:
    """One recorded session folder; reads NAPALM folders as well as ours."""

    path: Path
    kind: str | None = None          # the source kind (cli | api | netconf), when known
    platform: str | None = None      # netmiko device_type
    commands: dict[str, str] = field(default_factory=dict)  # command -> file name

    @classmethod
    def open(cls, path: str | Path, *, must_exist: bool = True) -> Recording:
        root = Path(path)
        if must_exist and not root.is_dir():
            raise NetrosettaError(f"recording folder {root} does not exist")
        rec = cls(root)
        manifest = root / MANIFEST
        if manifest.is_file():
            try:
                meta = json.loads(manifest.read_text())
            except (OSError, ValueError) as exc:
                raise NetrosettaError(f"unreadable manifest: {exc}", file=str(manifest)) from exc
            rec.kind = meta.get("kind")
            rec.platform = meta.get("platform")
            rec.commands = dict(meta.get("commands") or {})
        return rec

    def find(self, command: str, kind: str | None = None) -> Path | None:
        """The file holding ``command``'s output, or None."""
        if command in self.commands:
            p = self.path / self.commands[command]
            return p if p.is_file() else None
        stem = file_stem(command)
        for ext in _extensions(kind or self.kind):
            p = self.path / (stem + ext)
            if p.is_file():
                return p
        return None

    def read(self, command: str, kind: str | None = None) -> str:
        p = self.find(command, kind)
        if p is None:
            raise NetrosettaError(f"recording {self.path} has no output for {command!r} "
                                  f"(looked for {file_stem(command)}.*)")
        return p.read_text(encoding="utf-8", errors="replace")

    def write(self, command: str, text: str, ext: str) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        p = self.path / (file_stem(command) + ext)
        p.write_text(text, encoding="utf-8")
        self.commands[command] = p.name
        return p

    def save_manifest(self, **extra: Any) -> None:
        meta = {"kind": self.kind, "platform": self.platform, "commands": self.commands,
                "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), **extra}
        (self.path / MANIFEST).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if p.is_file() and p.name != MANIFEST)


# ---- what each of the three collectors hands on for one device --------------------------------


class TargetError(NetrosettaError):
    """A fault on one target (never a traceback; never carries credentials).

    ``reason`` is a short counter label: connect, timeout, auth, hostkey, rpc-error, bad-reply,
    parse, prompt, missing.
    """

    def __init__(self, target: str, reason: str, message: str) -> None:
        super().__init__(f"{target}: {reason}: {message}")
        self.target = target
        self.reason = reason


@dataclass
class DeviceFacts:
    hostname: str | None = None
    vendor: str | None = None
    model: str | None = None
    os_version: str | None = None
    serial: str | None = None
    platform: str | None = None      # netmiko device_type
    capabilities: list[str] = field(default_factory=list)   # NETCONF hello


@dataclass
class SourceDataset:
    """What one collector produced for one device: parsed documents keyed by command/RPC name.

    netconf: lxml element (the reply's data); api: decoded JSON; cli: list of parsed row dicts.
    ``errors`` holds per-request faults (request name -> message) that did not fail the target.
    """

    kind: str
    target: str
    platform: str | None
    documents: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    facts: DeviceFacts = field(default_factory=DeviceFacts)


class TargetBase(TargetOptions):
    """Fields every NETCONF / API / CLI target shares. The password never appears in repr or logs."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str
    host: str
    port: int | None = None
    username: str
    password: SecretStr | None = None
    platform: str = Field(description="netmiko device_type: cisco_ios, cisco_nxos, cisco_xr, arista_eos, "
                                      "juniper_junos, huawei_vrp")
    connect_timeout: float = Field(10.0, gt=0)
    timeout: float = Field(30.0, gt=0, description="per command / RPC")

    def scrub(self, text: str) -> str:
        """Remove the password from a message, in case a library echoed it."""
        if self.password is not None and self.password.get_secret_value():
            text = text.replace(self.password.get_secret_value(), "***")
        return text

    def fail(self, reason: str, message: str) -> TargetError:
        return TargetError(self.name, reason, self.scrub(message))


def engine_facts(src: SourceDataset, *, name: str | None = None, address: str | None = None,
                 capabilities: list[str] | None = None) -> Any:
    """The engine's DeviceFacts (matching + Resource) for a collected or recorded dataset."""
    from netrosetta.engine.facts import DeviceFacts as EngineFacts
    f = src.facts
    extra = {k: v for k, v in (("device.manufacturer", f.vendor), ("device.model.identifier", f.model),
                               ("os.version", f.os_version), ("netrosetta.device.serial_number", f.serial))
             if v}
    return EngineFacts(name=name or f.hostname or src.target, address=address, sys_name=f.hostname,
                       platform=src.platform or f.platform,
                       netconf_capabilities=list(capabilities or f.capabilities),
                       extra=extra)
