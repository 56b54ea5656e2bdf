"""`netrosetta record`: poll one NETCONF, API or CLI target (a device or a lab simulator) and write
its replies as a recording folder in NAPALM's mocked-data layout; and the `--recording` source of
`netrosetta translate` / `explain`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from netrosetta.errors import NetrosettaError

KINDS = ("netconf", "api", "cli")


def load_target(path: str, name: str | None = None) -> Any:
    """A target from a YAML file: one mapping, a list, or {targets: [...]}. ``kind`` picks the model;
    ``password: env:VAR`` (or file:PATH, literal:VALUE; or ``password_env: VAR``) names the secret."""
    from ruamel.yaml import YAML, YAMLError

    from netrosetta.collectors.api.config import ApiTarget
    from netrosetta.collectors.cli.config import CliTarget
    from netrosetta.collectors.netconf.config import NetconfTarget

    try:
        data = YAML(typ="safe").load(Path(path).read_text())
    except OSError as exc:      # the message names the file once (str(exc) repeats the path)
        raise NetrosettaError(f"cannot read target file: {exc.strerror or exc}", file=path) from None
    except YAMLError as exc:
        raise NetrosettaError(f"cannot read target file: {exc}", file=path) from None
    items = data.get("targets", data) if isinstance(data, dict) and "targets" in data else data
    items = items if isinstance(items, list) else [items]
    if name:
        items = [t for t in items if isinstance(t, dict) and t.get("name") == name]
    if len(items) != 1 or not isinstance(items[0], dict):
        raise NetrosettaError("the file must hold one target (or use --name to pick one)", file=path)
    spec = dict(items[0])
    env = spec.pop("password_env", None)
    if env:
        if env not in os.environ:
            raise NetrosettaError(f"environment variable {env} (password_env) is not set", file=path)
        spec["password"] = os.environ[env]
    elif isinstance(spec.get("password"), str):     # env:VAR / file:PATH / literal:VALUE, as `run` configs
        from netrosetta.collectors.snmp.credentials import SecretRefError, resolve_secret
        try:
            spec["password"] = resolve_secret(spec["password"])
        except SecretRefError as exc:
            raise NetrosettaError(f"password: {exc.message}", file=path) from None
    models = {"netconf": NetconfTarget, "api": ApiTarget, "cli": CliTarget}
    kind = spec.get("kind")
    if kind not in models:
        raise NetrosettaError(f"target kind must be one of {', '.join(KINDS)} (got {kind!r})", file=path)
    try:
        return models[kind].model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise NetrosettaError(f"{where}: {first['msg']}", file=path) from None


async def record(target: Any, out: Path) -> Any:
    from netrosetta.collectors.api import client as api
    from netrosetta.collectors.cli import client as cli
    from netrosetta.collectors.netconf import client as netconf
    mod = {"netconf": netconf, "api": api, "cli": cli}[target.kind]
    try:
        return await mod.poll(target, record=out)
    finally:
        await mod.close(target)       # one poll: log out / close the kept session


def cmd_record(args: argparse.Namespace) -> int:
    target = load_target(args.target, args.name)
    out = Path(args.out or f"recordings/{target.name}")
    if out.exists() and any(out.iterdir()) and not args.force:
        raise NetrosettaError(f"{out} is not empty (use --force to add to it)")
    src = asyncio.run(record(target, out))
    print(f"{target.name}: {len(src.documents)} repl(ies) recorded in {out}", file=sys.stderr)
    for what, err in src.errors.items():
        print(f"  {what}: {err}", file=sys.stderr)
    return 0


NOT_OUTPUT = {"expected_result.json", "server_capabilities.xml", "netrosetta-recording.json"}


def guess_kind(path: Path) -> str:
    names = [p.name for p in path.iterdir() if p.is_file() and p.name not in NOT_OUTPUT]
    if any(n.endswith(".xml") for n in names):
        return "netconf"
    if any(n.endswith(".json") or "___json" in n for n in names):
        return "api"
    return "cli"


def add_recording_source_args(group: Any, parser: argparse.ArgumentParser) -> None:
    group.add_argument("--recording", metavar="DIR",
                       help="a NETCONF/API/CLI recording folder (NAPALM mocked-data layout)")
    parser.add_argument("--platform", dest="platform",
                        help="netmiko device_type of the recorded device (cisco_ios, cisco_nxos, cisco_xr, "
                             "arista_eos, juniper_junos, huawei_vrp)")
    parser.add_argument("--recording-kind", choices=KINDS, help="netconf, api or cli (default: guessed)")


def load_recording(args: argparse.Namespace) -> list[tuple[Any, Any]]:
    """--recording DIR -> [(engine dataset, facts)]; unreadable files counted on stderr."""
    from netrosetta.collectors.api import dataset as apd
    from netrosetta.collectors.cli import dataset as cld
    from netrosetta.collectors.netconf import dataset as ncd
    from netrosetta.collectors.recording import Recording, engine_facts

    from .common import check_platform, load_rulebooks

    folder = Path(args.recording)
    if not folder.is_dir():
        raise NetrosettaError("recording folder does not exist" if not folder.exists() else
                              "not a recording folder (a folder of command outputs is expected)",
                              file=str(folder))
    rec = Recording.open(folder)
    check_platform(load_rulebooks(args), getattr(args, "platform", None), "--platform")
    platform = getattr(args, "platform", None) or rec.platform
    kind = getattr(args, "recording_kind", None) or rec.kind or guess_kind(rec.path)
    if kind == "netconf":
        src = ncd.from_recording(rec, platform)
        ds = ncd.to_engine(src)
    elif kind == "api":
        src = apd.from_recording(rec, platform)
        ds = apd.to_engine(src)
    else:
        if not platform:
            raise NetrosettaError("--platform is needed to parse CLI output (e.g. --platform cisco_ios)")
        src = cld.from_recording(rec, platform, _cli_commands(args, platform))
        ds = cld.to_engine(src)
    if not (platform or src.platform):
        raise NetrosettaError("--platform is needed to choose a rulebook (e.g. --platform juniper_junos)")
    for what, err in src.errors.items():
        print(f"{rec.path}: {what}: {err}", file=sys.stderr)
    facts = engine_facts(src, name=getattr(args, "name", None))
    # host.name is the device's own name (show version / facts) or --name; never the folder's
    # name (NAPALM folders are called "normal", "mx10003"...): src.target is the folder
    hostname = src.facts.hostname or (_cli_hostname(rec, src.platform or platform) if kind == "cli" else None)
    facts.name = getattr(args, "name", None) or hostname
    facts.sys_name = hostname
    return [(ds, facts)]


def _cli_hostname(rec: Any, platform: str) -> str | None:
    """The hostname in a CLI recording's ``show version`` (ntc-templates), when it has one."""
    from netrosetta.collectors.cli.parse import ParseError, parse

    path = rec.find("show version", "cli")
    if path is None:
        return None
    try:
        rows = parse(platform, "show version", path.read_text(encoding="utf-8", errors="replace"))
    except (ParseError, OSError):
        return None
    name = next((str(r["hostname"]) for r in rows if r.get("hostname")), None)
    return name or None


def _cli_commands(args: argparse.Namespace, platform: str) -> list[Any]:
    """What the platform's CLI rulebook reads: those commands are parsed out of the recording."""
    from netrosetta.collectors.cli.dataset import commands_for_platform

    from .common import load_rulebooks

    return commands_for_platform(platform, load_rulebooks(args), getattr(args, "rulebook", None))


def register(sub: Any) -> None:
    p = sub.add_parser("record", help="record a NETCONF/API/CLI target's replies (NAPALM mocked-data layout)")
    p.add_argument("--target", required=True, metavar="FILE.yaml",
                   help="target config (kind: netconf|api|cli, host, port, username, password_env, platform...)")
    p.add_argument("--name", help="which target of the file")
    p.add_argument("--out", metavar="DIR", help="recording folder (default recordings/<name>)")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder")
    p.set_defaults(func=cmd_record)
