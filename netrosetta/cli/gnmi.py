"""gNMI on the command line.

- ``translate --gnmi RESPONSES.json`` / ``explain --gnmi ...``: the loader and option below are
  plugged into netrosetta.cli.translate (SOURCES / EXTRA_SOURCE_ARGS).
- ``netrosetta gnmi catalog``: compile the YANG path catalog with pyang (yang/gnmi-catalog.json).
- ``netrosetta gnmi sim``: run the gNMI target simulator.
- ``netrosetta gnmi capabilities|get|subscribe TARGET``: talk to a live target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError

from .common import add_format_arg, output_format

# ---- translate / explain --gnmi --------------------------------------------------------------


def add_gnmi_source_args(group: Any, parser: argparse.ArgumentParser) -> None:
    group.add_argument("--gnmi", metavar="RESPONSES.json",
                       help="recorded gNMI SubscribeResponses (protobuf JSON list, as in the corpus; "
                            "or a case folder holding responses.json)")
    # the recorded sources share one --platform (record.py adds it); the old spelling still works
    parser.add_argument("--gnmi-platform", dest="platform", help=argparse.SUPPRESS)
    parser.add_argument("--gnmi-models", metavar="NAME[,NAME]",
                        help="Capabilities model names of the recorded target, for rulebook matching")


def load_gnmi(args: argparse.Namespace) -> list[tuple[Any, Any]]:
    """Recorded responses -> one (GnmiDataset, DeviceFacts); malformed updates counted on stderr."""
    from netrosetta.collectors.gnmi.dataset import GnmiDataset
    from netrosetta.collectors.gnmi.flatten import flatten_response
    from netrosetta.collectors.gnmi.recording import load_responses
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.yang_catalog import default_catalog

    if getattr(args, "platform", None) and hasattr(args, "rulebooks"):   # translate/explain --platform
        from .common import check_platform, load_rulebooks
        check_platform(load_rulebooks(args), args.platform, "--platform")
    path = Path(args.gnmi)
    if path.is_dir() and (path / "responses.json").is_file():
        path = path / "responses.json"   # a corpus case folder
    catalog = default_catalog()
    # corpus layout <case>/responses.json names the device after the case folder
    name = getattr(args, "name", None) or (path.parent.name if path.stem == "responses" else path.stem)
    ds = GnmiDataset(name, platform=getattr(args, "platform", None))
    errors: list[str] = []
    ended = 0
    for resp in load_responses(path):
        flat = flatten_response(resp, catalog)
        errors.extend(flat.errors)
        ended += len(ds.apply(flat))
    if errors:
        print(f"{path}: {len(errors)} malformed update(s) skipped (first: {errors[0]})", file=sys.stderr)
    if ended:
        print(f"{path}: {ended} leaf/leaves deleted by the target (their series end)", file=sys.stderr)
    models = [m for m in (getattr(args, "gnmi_models", None) or "").split(",") if m]
    facts = DeviceFacts(name=name, platform=ds.platform, gnmi_models=models)
    return [(ds, facts)]


# ---- rulebook test: gNMI fixtures (testcases/<case>/responses.json [+ target.yaml]) ---------


def load_fixture(path: Path) -> tuple[Any, Any]:
    """A fixture's recording; ``target.yaml`` beside it may give platform / models / organization."""
    from netrosetta.engine.yaml_source import load_yaml

    target = path.parent / "target.yaml"
    meta: dict[str, Any] = {}
    if target.exists():
        meta = load_yaml(target).data or {}   # bad YAML: file:line, not a traceback
        if not isinstance(meta, dict) or set(meta) - {"platform", "models", "organization"}:
            raise NetrosettaError("target.yaml holds platform, models, organization", file=str(target))
    ns = argparse.Namespace(gnmi=str(path), name=path.parent.name, platform=meta.get("platform"),
                            gnmi_models=",".join(meta.get("models") or []))
    ((ds, facts),) = load_gnmi(ns)
    if meta.get("organization"):
        facts.gnmi_organizations = [str(meta["organization"])]
    return ds, facts


# ---- netrosetta gnmi ... -------------------------------------------------------------------


def cmd_catalog(args: argparse.Namespace) -> int:
    from netrosetta.yang_catalog import DEFAULT_CATALOG, compile_catalog, write_catalog

    data = compile_catalog(args.yang, args.module or None)
    out = write_catalog(data, args.output or DEFAULT_CATALOG)
    n_counters = sum(1 for row in data["leaves"].values() if row[2] == "counter")
    print(f"{out}: {len(data['leaves'])} leaves ({n_counters} counters), {len(data['lists'])} lists, "
          f"{len(data['modules'])} modules")
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from netrosetta.collectors.gnmi.lab.__main__ import main as sim_main

    argv = ["--port", str(args.port), "--interfaces", str(args.interfaces)]
    if args.replay:
        argv += ["--replay", str(args.replay)]
    return sim_main(argv)


def _target(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from netrosetta.collectors.gnmi.config import GnmiTarget

    raw: dict[str, Any] = {"name": args.address, "address": args.address,
                           "subscriptions": [{"path": p, "mode": args.sub_mode,
                                              "sample_interval": args.interval} for p in (args.path or ["/"])],
                           "encoding": args.encoding, "mode": args.mode}
    if args.insecure:
        raw["tls"] = {"enabled": False}
    elif args.ca:
        raw["tls"] = {"ca_file": args.ca, "server_name": args.server_name}
    if args.username:
        raw["username"] = args.username
        raw["password"] = _password(args)
    if getattr(args, "platform", None):
        raw["platform"] = args.platform
    try:
        return GnmiTarget.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise NetrosettaError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _password(args: argparse.Namespace) -> str | None:
    import os

    # never on the command line (it would show in ps): environment or prompt
    pw = os.environ.get("NETROSETTA_GNMI_PASSWORD")
    if pw is None and sys.stdin.isatty():
        import getpass
        pw = getpass.getpass(f"gNMI password for {args.username}: ")
    return pw


def cmd_live(args: argparse.Namespace) -> int:
    import os

    # gRPC core prints handshake details itself; our error line says it once, clearly
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    from google.protobuf import json_format

    from netrosetta.collectors.gnmi.client import GnmiClient
    from netrosetta.collectors.gnmi.session import Batch, run_target

    t = _target(args)

    async def go() -> int:
        if args.gnmi_command == "capabilities":
            async with GnmiClient(t) as c:
                print(json.dumps(json_format.MessageToDict(await c.capabilities()), indent=1))
            return 0
        if args.gnmi_command == "get":
            async with GnmiClient(t) as c:
                print(json.dumps(json_format.MessageToDict(await c.get(args.path or ["/"])), indent=1))
            return 0
        count = [0]
        stop = asyncio.Event()
        if args.translate:
            return await _subscribe_translate(args, t)

        def on(b: Batch) -> None:
            for lf in b.leaves:
                print(json.dumps({"origin": lf.origin, "path": lf.path, "keys": [list(k) for k in lf.keys],
                                  "value": lf.value if not isinstance(lf.value, bytes) else lf.value.hex(),
                                  "ts": lf.ts}), flush=True)
            count[0] += len(b.leaves)
            if args.count and count[0] >= args.count:
                stop.set()

        st = await run_target(t, on, stop=stop)
        if st.last_error:
            raise NetrosettaError(st.last_error)
        return 0

    return asyncio.run(go())


async def _subscribe_translate(args: argparse.Namespace, t: Any) -> int:
    """Subscribe (ONCE, or until --count leaves), then print the unified points."""
    from netrosetta.collectors.gnmi.device import GnmiDevice
    from netrosetta.engine.translate import translate

    from .common import emit, load_rulebooks

    rulebooks = load_rulebooks(args)
    dev = GnmiDevice(t)
    stop = asyncio.Event()
    task = asyncio.ensure_future(dev.run(stop))
    while not task.done():
        await asyncio.sleep(0.1)
        if (dev.dataset.synced and t.mode != "stream") or (args.count and dev.state.leaves >= args.count):
            break
    stop.set()
    await task
    if not len(dev.dataset):
        raise NetrosettaError(dev.state.last_error or f"{t.address}: no data received")
    emit([translate(dev.dataset, dev.facts(), rulebooks)], output_format(args))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("gnmi", help="gNMI: YANG catalog, simulator, live capabilities/get/subscribe")
    gs = p.add_subparsers(dest="gnmi_command", metavar="catalog|sim|capabilities|get|subscribe", required=True)
    c = gs.add_parser("catalog", help="compile the YANG path catalog with pyang")
    c.add_argument("--yang", action="append", required=True, metavar="DIR_OR_FILE",
                   help="YANG sources (repeatable); imports are resolved among them")
    c.add_argument("--module", action="append", help="only these top-level modules (default all)")
    c.add_argument("-o", "--output", type=Path, help="default yang/gnmi-catalog.json")
    c.set_defaults(func=cmd_catalog)
    s = gs.add_parser("sim", help="run the gNMI target simulator on 127.0.0.1")
    s.add_argument("--port", type=int, default=50051)
    s.add_argument("--interfaces", type=int, default=4)
    s.add_argument("--replay", type=Path, help="replay recorded SubscribeResponses instead")
    s.set_defaults(func=cmd_sim)
    for name in ("capabilities", "get", "subscribe"):
        q = gs.add_parser(name, help=f"{name} against a live target")
        q.add_argument("address", help="host:port")
        if name != "capabilities":       # Capabilities takes no paths, encoding or subscription
            q.add_argument("--path", action="append",
                           help="path (repeatable), e.g. /interfaces/interface/state/counters")
            q.add_argument("--encoding", choices=["proto", "json_ietf", "json"], default="proto")
        if name == "subscribe":          # only a subscription streams, samples or counts leaves
            q.add_argument("--mode", choices=["stream", "once", "poll"], default="once")
            q.add_argument("--sub-mode", choices=["sample", "on_change", "target_defined"], default="sample")
            q.add_argument("--interval", type=float, default=10.0, help="sample interval, seconds")
            q.add_argument("--count", type=int, default=0, help="stop after this many leaves (stream)")
        q.add_argument("--insecure", action="store_true", help="plaintext (TLS is on by default)")
        q.add_argument("--ca", type=Path, help="CA bundle to verify the target")
        q.add_argument("--server-name", help="name to verify in the target's certificate")
        q.add_argument("--username", help="password from NETROSETTA_GNMI_PASSWORD or a prompt")
        q.add_argument("--platform", help="configured platform, for rulebook matching")
        if name == "subscribe":
            q.add_argument("--translate", action="store_true",
                           help="print unified data points (rulebooks) instead of raw leaves")
            add_format_arg(q)
            q.add_argument("--rulebooks", action="append", metavar="DIR", help="extra rulebook folder")
        # what a command does not offer keeps the value a one-shot request uses
        q.set_defaults(func=cmd_live, translate=False, path=None, encoding="proto", mode="once",
                       sub_mode="sample", interval=10.0, count=0)
