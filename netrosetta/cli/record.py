"""`netrosetta record`: poll one target of a source kind with recordings (NETCONF, API, CLI: see
collectors/registry.py) and write its replies as a recording folder in NAPALM's mocked-data
layout; and the `--recording` source of `netrosetta translate` / `explain`.
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


def _recorded_names() -> list[str]:
    from netrosetta.collectors import registry

    return [k.name for k in registry.recorded_kinds()]


def load_target(path: str, name: str | None = None) -> Any:
    """A target from a YAML file: one mapping, a list, or {targets: [...]}. ``kind`` picks the model
    (a source kind with recordings); ``password: env:VAR`` (or file:PATH, literal:VALUE; or
    ``password_env: VAR``) names the secret."""
    from ruamel.yaml import YAML, YAMLError

    from netrosetta.collectors import registry

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
    kind = spec.get("kind")
    if kind not in _recorded_names():
        raise NetrosettaError(f"target kind must be one of {', '.join(_recorded_names())} (got {kind!r})",
                              file=path)
    try:
        return registry.get(kind).target_model().model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise NetrosettaError(f"{where}: {first['msg']}", file=path) from None


async def record(target: Any, out: Path) -> Any:
    from netrosetta.collectors import registry

    return await registry.recording_of(target.kind).record(target, out)


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
    """The first recorded kind (registry order) that recognises the folder's output files."""
    from netrosetta.collectors import registry

    names = [p.name for p in path.iterdir() if p.is_file() and p.name not in NOT_OUTPUT]
    for kind in registry.recorded_kinds():
        if kind.recording is not None and kind.recording.recognise(names):
            return kind.name
    raise NetrosettaError("cannot tell which source kind recorded this folder (use --recording-kind)",
                          file=str(path))


def add_recording_source_args(group: Any, parser: argparse.ArgumentParser) -> None:
    kinds = _recorded_names()
    group.add_argument("--recording", metavar="DIR",
                       help=f"a {'/'.join(k.upper() for k in kinds)} recording folder (NAPALM mocked-data layout)")
    parser.add_argument("--platform", dest="platform",
                        help="platform of the recorded device, for rulebook matching (--recording: its netmiko "
                             "device_type, e.g. cisco_ios, cisco_nxos, cisco_xr, arista_eos, juniper_junos, "
                             "huawei_vrp; --gnmi: the target's configured platform)")
    parser.add_argument("--recording-kind", choices=kinds, help=f"{', '.join(kinds)} (default: guessed)")


def load_recording(args: argparse.Namespace) -> list[tuple[Any, Any]]:
    """--recording DIR -> [(engine dataset, facts)]; unreadable files counted on stderr."""
    from netrosetta.collectors import registry
    from netrosetta.collectors.recording import Recording, engine_facts

    from .common import check_platform, load_rulebooks

    folder = Path(args.recording)
    if not folder.is_dir():
        raise NetrosettaError("recording folder does not exist" if not folder.exists() else
                              "not a recording folder (a folder of command outputs is expected)",
                              file=str(folder))
    rec = Recording.open(folder)
    rulebooks = load_rulebooks(args)
    check_platform(rulebooks, getattr(args, "platform", None), "--platform")
    platform = getattr(args, "platform", None) or rec.platform
    kind = registry.recording_of(getattr(args, "recording_kind", None) or rec.kind or guess_kind(rec.path))
    src = kind.replay(rec, platform, rulebooks, getattr(args, "rulebook", None))
    ds = kind.to_engine(src)
    if not (platform or src.platform):
        raise NetrosettaError("--platform is needed to choose a rulebook (e.g. --platform juniper_junos)")
    for what, err in src.errors.items():
        print(f"{rec.path}: {what}: {err}", file=sys.stderr)
    facts = engine_facts(src, name=getattr(args, "name", None))
    # host.name is the device's own name (show version / facts) or --name; never the folder's
    # name (NAPALM folders are called "normal", "mx10003"...): src.target is the folder
    facts.name = getattr(args, "name", None) or src.facts.hostname
    facts.sys_name = src.facts.hostname
    return [(ds, facts)]


def register(sub: Any) -> None:
    kinds = _recorded_names()
    p = sub.add_parser("record", help=f"record a {'/'.join(k.upper() for k in kinds)} target's replies "
                       "(NAPALM mocked-data layout)")
    p.add_argument("--target", required=True, metavar="FILE.yaml",
                   help=f"target config (kind: {'|'.join(kinds)}, host, port, username, password_env, platform...)")
    p.add_argument("--name", help="which target of the file")
    p.add_argument("--out", metavar="DIR", help="recording folder (default recordings/<name>)")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder")
    p.set_defaults(func=cmd_record)
