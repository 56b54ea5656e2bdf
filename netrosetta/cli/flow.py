"""`netrosetta flow decode|listen`: decode captures and datagrams, or collect flows live."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError

from .common import add_format_arg, output_format

log = logging.getLogger(__name__)

TABLE_COLUMNS = [("type", 10), ("sampler_address", 15), ("src_addr", 39), ("src_port", 5), ("dst_addr", 39),
                 ("dst_port", 5), ("proto", 5), ("bytes", 10), ("packets", 8), ("in_if", 6), ("out_if", 6),
                 ("sampling_rate", 6)]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("flow", help="NetFlow v5/v9, IPFIX and sFlow: decode files or listen")
    sub = p.add_subparsers(dest="flow_command", metavar="SUBCOMMAND")

    d = sub.add_parser("decode", help="decode .pcap/.pcapng captures, raw .bin datagrams or .hex lines")
    d.add_argument("files", nargs="+", metavar="FILE")
    add_format_arg(d, machine="jsonl", choices=("table", "jsonl"))
    d.add_argument("--exporter", default="0.0.0.0",
                   help="exporter address for .bin/.hex input (captures carry their own)")
    _processing_args(d)
    d.add_argument("--counters", action="store_true", help="also print sFlow counter samples (JSON lines)")
    d.add_argument("--options", action="store_true", help="also print v9/IPFIX options records (JSON lines)")
    d.set_defaults(func=cmd_decode)

    ls = sub.add_parser("listen", help="collect flows on a UDP port")
    ls.add_argument("--port", type=int, required=False, help="UDP port (default 2055)")
    ls.add_argument("--bind", help="address to bind (default 127.0.0.1)")
    ls.add_argument("--workers", type=int, help="SO_REUSEPORT worker processes")
    ls.add_argument("--config", type=Path, help="YAML file holding a FlowListenerConfig")
    ls.add_argument("--output", action="append", default=[], metavar="SPEC",
                    help="jsonl:- | jsonl:PATH | otlp-grpc:HOST:PORT | otlp-http:URL (repeatable)")
    ls.add_argument("--rollup-interval", type=float, help="seconds per rollup interval")
    ls.add_argument("--template-cache", type=Path, help="file to persist templates across restarts")
    ls.add_argument("--duration", type=float, help="stop after this many seconds")
    ls.add_argument("--sampling-default", type=int, help="rate when an exporter reports none")
    ls.add_argument("--sampling-override", action="append", default=[], metavar="ADDR=RATE")
    _processing_args(ls)
    ls.set_defaults(func=cmd_listen)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _processing_args(p: argparse.ArgumentParser) -> None:
    # the single-dash spellings are ktranslate's, accepted so its command lines carry over
    p.add_argument("--filters", "-filters", action="append", default=[], metavar="EXPR",
                   help="row filter, e.g. int,l4_src_port,==,80 (repeat: all must match)")
    p.add_argument("--rollups", "-rollups", action="append", default=[], metavar="SPEC",
                   help="e.g. unique,top_src_addr_by_count_dst_addr,dst_addr,src_addr")
    p.add_argument("--geo", type=Path, metavar="FILE",
                   help="YAML GeoConfig: MaxMind-format city/country/asn databases, network names")
    p.add_argument("--columns", help="comma-separated fields to keep")
    p.add_argument("--drop-columns", help="comma-separated fields to drop")


def _columns(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    inc = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    exc = [c.strip() for c in (args.drop_columns or "").split(",") if c.strip()]
    return inc, exc


def _table_row(row: dict[str, Any]) -> str:
    return " ".join(str(row.get(k, "-"))[:w].ljust(w) for k, w in TABLE_COLUMNS)


def _geo(path: Path | None) -> Any:
    if path is None:
        return None
    from netrosetta.collectors.flow.geo import GeoConfig, GeoEnricher
    from netrosetta.engine.yaml_source import load_yaml, validate

    return GeoEnricher(validate(load_yaml(path), GeoConfig))


def cmd_decode(args: argparse.Namespace) -> int:
    from netrosetta.collectors.flow.decoder import FlowDecoder
    from netrosetta.collectors.flow.filters import ColumnFilter, Filters
    from netrosetta.collectors.flow.pcap import PcapStats
    from netrosetta.collectors.flow.rollups import Rollup, RollupSpec
    from netrosetta.collectors.flow.sources import datagrams_from_file, decode_capture, kind_of

    filters = Filters.parse(args.filters)
    inc, exc = _columns(args)
    cols = ColumnFilter(inc, exc)
    rollups = [Rollup(RollupSpec.parse(r)) for r in args.rollups]
    geo = _geo(args.geo)
    dec = FlowDecoder()
    pstats = PcapStats()
    out = sys.stdout
    fmt = output_format(args)
    if fmt == "table":
        out.write(" ".join(k[:w].ljust(w) for k, w in TABLE_COLUMNS) + "\n")
    for f in args.files:
        path = Path(f)
        if not path.exists():
            raise NetrosettaError("no such file", file=f)
        if kind_of(path) == "pcap":  # the vectorised reader: the file's bytes are the buffer
            results = decode_capture(dec, path, stats=pstats)
        else:
            results = iter([dec.decode(datagrams_from_file(path, args.exporter, 0, pstats))])
        for res in results:
            flows = geo.enrich(res.flows) if geo is not None and len(res.flows) else res.flows
            flows = filters.apply(flows)
            for r in rollups:
                r.add(flows)
            flows = cols.apply(flows)
            for row in flows.rows():
                out.write((_table_row(row) if fmt == "table" else json.dumps(row)) + "\n")
            if args.counters:
                for c in res.counters:
                    out.write(json.dumps({"counter_sample": c.__dict__}) + "\n")
            if args.options:
                for o in res.options:
                    out.write(json.dumps({"options": o.__dict__}) + "\n")
    dec.expire_held(0, everything=True)  # end of input: anything still waiting lost its template
    for r in rollups:
        res_r = r.flush()
        for row_r in res_r.rows:
            out.write(json.dumps({"rollup": r.spec.name, "method": r.spec.method, **row_r.dims,
                                  "value": row_r.value}) + "\n")
    st = dec.stats.as_dict()
    print("flow decode: " + ", ".join(f"{k}={v}" for k, v in st.items() if v) +
          (f", pcap_packets={pstats.packets}, pcap_non_udp={pstats.skipped}" if pstats.packets else ""),
          file=sys.stderr)
    return 0


def cmd_listen(args: argparse.Namespace) -> int:
    from netrosetta.collectors.flow.listen_cli import run_listen
    return run_listen(args)
