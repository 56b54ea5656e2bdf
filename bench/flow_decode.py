"""Flows decoded per CPU-second on one core: netrosetta vs the `netflow` package vs pmacct nfacctd.

The capture: pmacct's IOS XR NetFlow v9 test capture (../shared/corpus/flow/pmacct/101-*): its
first datagram (the template) once, then its 39 data datagrams repeated ``--repeats`` times
(default 5000: 195,001 datagrams, 255,000 flows), written as one pcap to a temp dir.

Counted in the same run, over the same file:
- netrosetta: pcap read + decode to columns, ``time.process_time`` of this process (one thread)
- netflow (PyPI): ``parse_packet`` per datagram, templates carried, same pcap reader feeding it
- nfacctd: ``pcap_savefile`` of the same file, print plugin writing to /dev/null; CPU of nfacctd
  and its plugin process from ``getrusage(RUSAGE_CHILDREN)``

    python -m bench.flow_decode [--repeats N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT.parent / "shared" / "corpus" / "flow" / "pmacct" / "101-NFv9-CISCO-cust_primitives" / "traffic-00.pcap"
RESULTS = Path(__file__).resolve().parent / "results" / "flow_decode.json"
CHUNK = 8192  # datagrams per decode call (a listener batches the same way)


def build_capture(dst: Path, repeats: int) -> tuple[int, int]:
    """Template datagram once, then the data datagrams ``repeats`` times. Returns (datagrams, bytes)."""
    raw = CAPTURE.read_bytes()
    header, off, recs = raw[:24], 24, []
    while off + 16 <= len(raw):
        incl = struct.unpack_from("<I", raw, off + 8)[0]
        recs.append(raw[off:off + 16 + incl])
        off += 16 + incl
    body = recs[0] + b"".join(recs[1:]) * repeats
    dst.write_bytes(header + body)
    return 1 + (len(recs) - 1) * repeats, len(header) + len(body)


@contextlib.contextmanager
def capture_file(repeats: int) -> Iterator[tuple[Path, int, int]]:
    """The built capture in a temporary folder: (path, datagrams, bytes)."""
    with tempfile.TemporaryDirectory(prefix="flowbench.") as tmp:
        cap = Path(tmp) / "capture.pcap"
        yield (cap, *build_capture(cap, repeats))


def run_ours(path: Path) -> tuple[int, float]:
    from netrosetta.collectors.flow.decoder import FlowDecoder
    from netrosetta.collectors.flow.sources import decode_capture

    t0 = time.process_time()
    dec = FlowDecoder()
    flows = sum(len(r.flows) for r in decode_capture(dec, path, CHUNK))
    return flows, time.process_time() - t0


def run_netflow_pkg(path: Path) -> tuple[int, float]:
    from netflow.utils import parse_packet

    from netrosetta.collectors.flow.pcap import read_pcap

    t0 = time.process_time()
    templates: dict[str, dict[Any, Any]] = {"netflow": {}, "ipfix": {}}
    flows = 0
    for p in read_pcap(path):
        flows += len(parse_packet(p.payload, templates).flows)
    return flows, time.process_time() - t0


def run_nfacctd(path: Path, workdir: Path) -> tuple[int | None, float]:
    exe = shutil.which("nfacctd") or "/usr/sbin/nfacctd"
    conf = workdir / "nfacctd.conf"
    conf.write_text(
        "daemonize: false\n"
        f"pcap_savefile: {path}\n"
        "plugins: print[p]\n"
        "print_output_file[p]: /dev/null\n"
        "print_output[p]: csv\n"
        "aggregate[p]: src_host,dst_host,src_port,dst_port,proto\n"
        "print_refresh_time[p]: 60\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([exe, "-f", str(conf)], check=True, timeout=600, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return None, cpu


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.flow_decode")
    ap.add_argument("--repeats", type=int, default=5000)
    ap.add_argument("--skip-netflow", action="store_true", help="skip the slow pure-Python peer")
    args = ap.parse_args(list(argv) if argv is not None else None)
    if not CAPTURE.exists():
        print(f"bench.flow_decode: {CAPTURE} is absent; skipped")
        return 0
    with capture_file(args.repeats) as (cap, ndgrams, nbytes):
        ours_flows, ours_cpu = run_ours(cap)
        expected_flows = ours_flows
        results: dict[str, Any] = {
            "capture": {"source": str(CAPTURE.relative_to(ROOT.parent)), "repeats": args.repeats,
                        "datagrams": ndgrams, "bytes": nbytes, "flows": expected_flows},
            "peers": {},
        }
        results["peers"]["netrosetta"] = {"flows": ours_flows, "cpu_s": round(ours_cpu, 3),
                                          "flows_per_cpu_s": round(ours_flows / ours_cpu)}
        if not args.skip_netflow:
            nf_flows, nf_cpu = run_netflow_pkg(cap)
            assert nf_flows == ours_flows, (nf_flows, ours_flows)
            results["peers"]["netflow_pkg"] = {"flows": nf_flows, "cpu_s": round(nf_cpu, 3),
                                               "flows_per_cpu_s": round(nf_flows / nf_cpu)}
        if shutil.which("nfacctd") or Path("/usr/sbin/nfacctd").exists():
            _, pm_cpu = run_nfacctd(cap, cap.parent)
            # nfacctd prints no record count; it reads the same file, so the same flows
            results["peers"]["nfacctd"] = {"flows": expected_flows, "cpu_s": round(pm_cpu, 3),
                                           "flows_per_cpu_s": round(expected_flows / pm_cpu)}
    ours_rate = results["peers"]["netrosetta"]["flows_per_cpu_s"]
    for peer in results["peers"].values():
        peer["netrosetta_ratio"] = round(ours_rate / peer["flows_per_cpu_s"], 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"capture: {ndgrams} datagrams, {expected_flows} flows (101-* x {args.repeats})")
    print(f"{'peer':<12} {'cpu s':>8} {'flows/cpu-s':>12} {'netrosetta x':>13}")
    for name, peer in results["peers"].items():
        print(f"{name:<12} {peer['cpu_s']:>8.3f} {peer['flows_per_cpu_s']:>12,} {peer['netrosetta_ratio']:>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
