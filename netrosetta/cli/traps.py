"""`netrosetta traps`: receive SNMP traps and informs and print them as OTLP log records."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from netrosetta.errors import NetrosettaError

from .common import add_format_arg, output_format


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("traps", help="receive SNMP traps and informs (v1, v2c, v3) as OTLP log records")
    p.add_argument("--config", type=Path, help="YAML file holding a TrapConfig (listen, communities, users)")
    p.add_argument("--listen", metavar="HOST:PORT", help="address to listen on (default 0.0.0.0:162)")
    p.add_argument("--community", action="append", default=[], metavar="SECRET",
                   help="accepted v1/v2c community as env:VAR, file:PATH or literal:VALUE (repeatable)")
    add_format_arg(p)
    p.add_argument("--count", type=int, help="stop after this many notifications")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.set_defaults(func=cmd_traps)


def _config(args: argparse.Namespace) -> Any:
    from netrosetta.collectors.snmp.traps import TrapConfig
    from netrosetta.engine.yaml_source import load_yaml, validate

    cfg = validate(load_yaml(args.config), TrapConfig) if args.config else TrapConfig()
    updates: dict[str, Any] = {}
    if args.listen:
        updates["listen"] = args.listen
    if args.community:
        updates["communities"] = [*cfg.communities, *args.community]
    if updates:
        try:
            cfg = TrapConfig.model_validate({**cfg.model_dump(), **updates})
        except ValueError as exc:
            raise NetrosettaError(f"traps: {str(exc).splitlines()[-1].strip()}") from None
    if not cfg.communities and not cfg.users:
        raise NetrosettaError("traps: no community and no v3 user configured: nothing would be accepted")
    return cfg


def cmd_traps(args: argparse.Namespace) -> int:
    cfg = _config(args)
    return asyncio.run(_receive(cfg, args))


async def _receive(cfg: Any, args: argparse.Namespace) -> int:
    from netrosetta.collectors.snmp.traps import encode_trap_logs, log_record
    from netrosetta.engine.mib_index import MibIndex

    mib = MibIndex.default()
    table = output_format(args) == "table"
    done = asyncio.Event()
    seen = 0

    def emit(note: Any) -> None:
        nonlocal seen
        rec = log_record(note, mib)
        if table:
            varbinds = " ".join(f"{k.removeprefix('snmp.varbind.')}={v}" for k, v in rec["attributes"].items()
                                if k.startswith("snmp.varbind."))
            print(f"{time.strftime('%H:%M:%S')} {note.source[0]:15} v{note.version:2} {note.pdu:6} {rec['body']} "
                  f"{varbinds}", flush=True)
        else:
            req = ExportLogsServiceRequest.FromString(encode_trap_logs([rec]))   # the service's encoding
            print(json.dumps(MessageToDict(req), separators=(",", ":")), flush=True)
        seen += 1
        if args.count and seen >= args.count:
            done.set()

    loop = asyncio.get_running_loop()
    host, port = cfg.address()
    try:
        transport, receiver = await loop.create_datagram_endpoint(lambda: cfg.receiver(emit), local_addr=(host, port))
    except OSError as exc:
        raise NetrosettaError(f"traps: cannot listen on {host}:{port}: {exc.strerror}") from None
    bound = transport.get_extra_info("sockname")
    print(f"traps: listening on {bound[0]}:{bound[1]}", file=sys.stderr, flush=True)
    try:
        await asyncio.wait_for(done.wait(), args.duration)
    except TimeoutError:
        pass
    finally:
        transport.close()
    st = receiver.stats
    refused = ", ".join(f"{k} {v}" for k, v in sorted(st.refused.items())) or "none"
    print(f"traps: {st.received} received, {st.accepted} accepted, {st.informs_answered} informs answered, "
          f"refused: {refused}", file=sys.stderr)
    return 0
