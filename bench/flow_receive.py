"""Flows at line rate: netrosetta's listener vs pmacct nfacctd over UDP, same stream, same socket buffer.

The stream: pmacct's IOS XR NetFlow v9 capture (101-*: a template datagram, then 39 data
datagrams carrying 51 flows). The sender is bench/flow_sender.c, compiled with gcc into a temp
dir at run time, run as ``SENDERS`` processes sharing ``SOURCES`` sockets (own source ports, so
SO_REUSEPORT can spread them; on loopback a sender's system call also carries the kernel's
delivery, so one process alone can be the ceiling), each
sending the template first and then whole cycles of the data datagrams, ``sendmmsg`` in batches,
paced to the offered rate. Its achieved rate is reported, and a step where it fell short is
marked sender-limited.

Receivers, a fresh process per step, fed the identical stream:
- netrosetta: ``python -m bench.flow_receive --serve PORT --workers N``: ``FlowListener`` with the
  default ``FlowListenerConfig`` (only port and workers set), counting decoded flows;
- nfacctd (/usr/sbin/nfacctd): print plugin aggregating with the ``flows`` primitive; its flow
  count is the sum of the FLOWS column it writes when stopped (checked, never assumed).

Same socket buffer: both ask for the listener's default ``receive_buffer``; the kernel caps
nfacctd's SO_RCVBUF at net.core.rmem_max, so the bench raises nfacctd's socket with
SO_RCVBUFFORCE (as the listener does for itself) on a copy of its descriptor (pidfd_getfd). Both
sockets' SO_RCVBUF are read back the same way and reported.

CPU: utime+stime from /proc of the receiver's whole process tree (nfacctd core + plugin; the
listener + its workers), read the same way for both: whole process (from exec, start-up
included) and after start-up (from 1 s after its sockets are bound to the stream drained).
Kernel drops: /proc/net/udp drops column of each receiving socket.

Each rate is run ``--repeats`` times with the receivers interleaved (ours, nfacctd, ours, ...):
the headline is the median per side with its min-max, and the ratio is taken per repetition
(each pair ran back to back under the same machine load), then its median and spread.

    python -m bench.flow_receive [--seconds S] [--rates 50000,100000,...] [--workers 1,2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.soak import proc_usage
from netrosetta.collectors.snmp.lab import free_udp_port

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT.parent / "shared" / "corpus" / "flow" / "pmacct" / "101-NFv9-CISCO-cust_primitives" / "traffic-00.pcap"
RESULTS = Path(__file__).resolve().parent / "results" / "flow_receive.json"
SENDER_C = Path(__file__).resolve().parent / "flow_sender.c"
NFACCTD = "/usr/sbin/nfacctd"
RATES = [50_000, 100_000, 150_000, 200_000]
SOURCES = 4
SENDERS = 2  # sender processes (SOURCES split between them)
# the capture's 39 data datagrams carry 51 flows (the `netflow` package's and nfacctd's count too)
FLOWS_PER_CYCLE, DATAGRAMS_PER_CYCLE = 51, 39
SYS_PIDFD_GETFD = 438  # same number on every Linux architecture (the unified syscall table)


def datagrams() -> list[bytes]:
    from netrosetta.collectors.flow.pcap import read_pcap
    return [p.payload for p in read_pcap(CAPTURE)]


def build_sender(tmp: Path) -> Path | None:
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    exe = tmp / "flow_sender"
    subprocess.run([gcc, "-O2", "-Wall", "-o", str(exe), str(SENDER_C)], check=True)
    return exe


def tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return out


def tree_cpu(pid: int) -> float:
    """utime + stime (seconds) of a process tree (each process read as bench.soak reads one)."""
    total = 0.0
    for p in tree(pid):
        try:
            total += proc_usage(p)[0]
        except (OSError, ValueError):  # a process that ended meanwhile
            continue
    return total


def _port_rows(port: int) -> list[list[str]]:
    from netrosetta.collectors.flow.udp import _proc_udp_rows
    return _proc_udp_rows(port)


def _socket_fds(pid: int, port: int) -> list[tuple[int, int]]:
    """(pid, fd) of each socket bound to ``port``, once per socket (a forked worker inherits its
    parent's descriptors too)."""
    inodes = {f"socket:[{r[9]}]" for r in _port_rows(port)}
    found: dict[str, tuple[int, int]] = {}
    for p in tree(pid):
        for fd in Path(f"/proc/{p}/fd").glob("*"):
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link in inodes:
                found.setdefault(link, (p, int(fd.name)))
    return list(found.values())


def socket_buffers(pid: int, port: int, force: int | None = None) -> list[int]:
    """SO_RCVBUF of each socket the tree has on ``port`` (through a pidfd_getfd copy of the
    descriptor); with ``force``, first set it with SO_RCVBUFFORCE."""
    libc = ctypes.CDLL(None, use_errno=True)
    sizes = []
    for p, fd in _socket_fds(pid, port):
        pidfd = os.pidfd_open(p)
        try:
            dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
            if dup < 0:
                raise OSError(ctypes.get_errno(), "pidfd_getfd")
            s = socket.socket(fileno=dup)
            try:
                if force is not None:
                    s.setsockopt(socket.SOL_SOCKET, 33, force)  # SO_RCVBUFFORCE
                sizes.append(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
            finally:
                s.close()  # closes our copy only
        finally:
            os.close(pidfd)
    return sizes


def wait_bound(port: int, sockets: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    from netrosetta.collectors.flow.udp import udp_sockets
    end = time.monotonic() + timeout
    while udp_sockets(port) < sockets:
        if proc.poll() is not None or time.monotonic() > end:
            raise RuntimeError(f"receiver did not bind {sockets} socket(s) on {port}")
        time.sleep(0.05)


def wait_drained(pid: int, port: int, timeout: float = 30) -> None:
    """Until the sockets' receive queues are empty and the tree's CPU stops moving."""
    end = time.monotonic() + timeout
    last = -1.0
    while time.monotonic() < end:
        queued = sum(int(r[4].split(":")[1], 16) for r in _port_rows(port))
        cpu = tree_cpu(pid)
        if not queued and cpu == last:
            return
        last = cpu
        time.sleep(0.3)


class Ours:
    name = "netrosetta"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.name = f"netrosetta workers={workers}"

    def start(self, port: int, rcvbuf: int, tmp: Path) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "bench.flow_receive", "--serve", str(port),
                                 "--workers", str(self.workers)], cwd=ROOT, stdout=subprocess.PIPE, text=True)

    def sockets(self) -> int:
        return self.workers

    def force(self) -> int | None:
        return None  # the listener sets its own buffer

    def finish(self, proc: subprocess.Popen[str], tmp: Path) -> dict[str, Any]:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        return dict(json.loads(out.strip().splitlines()[-1]))


class Nfacctd:
    name = "nfacctd"

    def start(self, port: int, rcvbuf: int, tmp: Path) -> subprocess.Popen[str]:
        self.out = tmp / "nfacctd.csv"
        self.out.unlink(missing_ok=True)
        self.log = tmp / "nfacctd.log"
        conf = tmp / "nfacctd.conf"
        conf.write_text(
            "daemonize: false\n"
            "nfacctd_ip: 127.0.0.1\n"
            f"nfacctd_port: {port}\n"
            f"nfacctd_pipe_size: {rcvbuf}\n"
            "plugins: print[p]\n"
            "plugin_pipe_size[p]: 268435456\n"  # roomy core -> plugin pipe: loss here would be ours to blame
            "plugin_buffer_size[p]: 65536\n"
            f"print_output_file[p]: {self.out}\n"
            "print_output[p]: csv\n"
            "aggregate[p]: src_host,dst_host,src_port,dst_port,proto,flows\n"
            "print_refresh_time[p]: 3600\n"
        )
        with self.log.open("w") as log:
            return subprocess.Popen([NFACCTD, "-f", str(conf)], stdout=log, stderr=subprocess.STDOUT, text=True)

    def sockets(self) -> int:
        return 1

    def force(self) -> int | None:
        from netrosetta.collectors.flow.config import FlowListenerConfig
        return FlowListenerConfig().receive_buffer

    def finish(self, proc: subprocess.Popen[str], tmp: Path) -> dict[str, Any]:
        proc.send_signal(signal.SIGINT)  # nfacctd purges its cache to the file on the way out
        proc.wait(timeout=60)
        flows = packets = 0
        if self.out.exists():
            lines = self.out.read_text().splitlines()
            cols = lines[0].split(",") if lines else []
            fi, pi = cols.index("FLOWS"), cols.index("PACKETS")
            for line in lines[1:]:
                f = line.split(",")
                flows += int(f[fi])
                packets += int(f[pi])
        log = self.log.read_text()
        return {"flows": flows, "packets": packets, "missing_data_warnings": log.count("missing data")}


def step(recv: Ours | Nfacctd, sender: Path, dgfile: Path, rate: int, seconds: float, tmp: Path) -> dict[str, Any]:
    from netrosetta.collectors.flow.config import FlowListenerConfig
    from netrosetta.collectors.flow.udp import udp_drops_per_socket

    rcvbuf = FlowListenerConfig().receive_buffer
    port = free_udp_port()
    proc = recv.start(port, rcvbuf, tmp)
    try:
        wait_bound(port, recv.sockets(), proc)
        buffers = socket_buffers(proc.pid, port, recv.force())
        time.sleep(1.0)  # start-up finishes (imports, worker forks, plugin set-up)
        drops0 = udp_drops_per_socket(port)
        cpu0 = tree_cpu(proc.pid)
        cycles = max(1, round(rate * seconds / DATAGRAMS_PER_CYCLE / SOURCES))
        # SENDERS processes, SOURCES/SENDERS sockets each: on loopback the sender's system call
        # also carries the kernel's delivery, so one process alone can be the ceiling
        procs = [subprocess.Popen([str(sender), "127.0.0.1", str(port), str(dgfile), str(rate / SENDERS),
                                   str(cycles), str(SOURCES // SENDERS)], stdout=subprocess.PIPE, text=True)
                 for _ in range(SENDERS)]
        reports = [json.loads(p.communicate(timeout=seconds * 10 + 60)[0]) for p in procs]
        sent = {"datagrams": sum(r["datagrams"] for r in reports), "seconds": max(r["seconds"] for r in reports),
                "send_errors": sum(r["send_errors"] for r in reports),
                "cpu_s": round(sum(r["cpu_s"] for r in reports), 3)}
        wait_drained(proc.pid, port)
        cpu1 = tree_cpu(proc.pid)
        drops = [b - a for a, b in zip(drops0, udp_drops_per_socket(port), strict=False)]
        got = recv.finish(proc, tmp)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = SOURCES * cycles * FLOWS_PER_CYCLE
    achieved = sent["datagrams"] / sent["seconds"]
    after, whole = cpu1 - cpu0, cpu1
    flows = int(got["flows"])
    return {"offered_dgram_s": rate, "achieved_dgram_s": round(achieved), "sender_limited": achieved < 0.95 * rate,
            "sent": sent["datagrams"], "send_errors": sent["send_errors"], "sender_cpu_s": sent["cpu_s"],
            "expected_flows": expected,
            "flows": flows, "drops_per_socket": drops, "rcvbuf_per_socket": buffers,
            "cpu_s_after_startup": round(after, 3), "cpu_s_whole_process": round(whole, 3),
            "flows_per_cpu_s_after_startup": round(flows / after) if after else None,
            "flows_per_cpu_s_whole_process": round(flows / whole) if whole else None,
            **{k: v for k, v in got.items() if k != "flows"}}


def serve(port: int, workers: int) -> int:
    """The measured netrosetta process: the listener with the default configuration."""
    from netrosetta.collectors.flow.config import FlowListenerConfig
    from netrosetta.collectors.flow.listener import FlowListener

    flows = [0]
    lst = FlowListener(FlowListenerConfig(port=port, workers=workers),
                       lambda r: flows.__setitem__(0, flows[0] + len(r.flows)))
    signal.signal(signal.SIGTERM, lambda *_: lst.stop())
    lst.serve()
    st = lst.stats()
    print(json.dumps({"flows": flows[0], "datagrams": st.datagrams, "malformed": st.malformed,
                      "template_missing": st.template_missing}), flush=True)
    return 0


def ratio(ours: dict[str, Any], peer: dict[str, Any], key: str) -> float | None:
    a, b = ours.get(key), peer.get(key)
    return round(a / b, 2) if a and b else None


def spread(values: Sequence[float | None]) -> dict[str, float | None]:
    """Median, min and max of the repetitions that have a value."""
    got = sorted(v for v in values if v is not None)
    if not got:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(got), "min": got[0], "max": got[-1]}


RATE_KEYS = ("flows_per_cpu_s_after_startup", "flows_per_cpu_s_whole_process", "achieved_dgram_s",
             "cpu_s_after_startup", "cpu_s_whole_process", "sender_cpu_s")


def summarise(rate: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One receiver at one offered rate over its repetitions: medians (the headline figures) with
    their spread, loss and drops summed over every repetition, each repetition kept."""
    out: dict[str, Any] = {"offered_dgram_s": rate, "repetitions": len(runs)}
    for key in RATE_KEYS:
        sp = spread([r[key] for r in runs])
        out[key] = sp["median"]
        out[f"{key}_min"], out[f"{key}_max"] = sp["min"], sp["max"]
    out["expected_flows_total"] = sum(r["expected_flows"] for r in runs)
    out["flows_total"] = sum(r["flows"] for r in runs)
    out["drops_total"] = sum(sum(r["drops_per_socket"]) for r in runs)
    out["sender_limited_runs"] = sum(bool(r["sender_limited"]) for r in runs)
    out["rcvbuf_per_socket"] = sorted({b for r in runs for b in r["rcvbuf_per_socket"]})
    out["runs"] = runs
    return out


def compare(ours: dict[str, Any], peer: dict[str, Any]) -> None:
    """Ratios to nfacctd: per repetition (the two ran back to back, under the same load), their
    median and spread, and the ratio of the two medians."""
    for when in ("after_startup", "whole_process"):
        key = f"flows_per_cpu_s_{when}"
        per = [ratio(a, b, key) for a, b in zip(ours["runs"], peer["runs"], strict=True)]
        for a, r in zip(ours["runs"], per, strict=True):
            a[f"vs_nfacctd_{key}"] = r
        sp = spread(per)
        ours[f"vs_nfacctd_{key}"] = sp["median"]
        ours[f"vs_nfacctd_{key}_min"], ours[f"vs_nfacctd_{key}_max"] = sp["min"], sp["max"]
        ours[f"vs_nfacctd_{key}_of_medians"] = ratio(ours, peer, key)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.flow_receive")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rates", default=",".join(map(str, RATES)))
    ap.add_argument("--workers", default="1,2", help="listener worker counts to measure (1 is the default)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="repetitions per rate, receivers interleaved; medians and spread are reported")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.serve is not None:
        return serve(args.serve, int(args.workers.split(",")[0]))
    if not CAPTURE.exists():
        print(f"bench.flow_receive: {CAPTURE} is absent; skipped")
        return 0
    rates = [int(r) for r in args.rates.split(",")]
    receivers: list[Ours | Nfacctd] = [Ours(int(w)) for w in args.workers.split(",")]
    if Path(NFACCTD).exists():
        receivers.append(Nfacctd())
    with tempfile.TemporaryDirectory(prefix="flowrecv.") as tmpname:
        tmp = Path(tmpname)
        sender = build_sender(tmp)
        if sender is None:
            print("bench.flow_receive: gcc is absent (the sendmmsg sender is built with it); skipped")
            return 0
        dgfile = tmp / "datagrams.bin"
        dgfile.write_bytes(b"".join(struct.pack("<I", len(d)) + d for d in datagrams()))
        results: dict[str, Any] = {"capture": str(CAPTURE.relative_to(ROOT.parent)), "seconds": args.seconds,
                                   "repeats": args.repeats, "sources": SOURCES, "sender_processes": SENDERS,
                                   "load_average_at_start": os.getloadavg()[0],
                                   "receivers": {}}
        for rate in rates:
            runs: dict[str, list[dict[str, Any]]] = {r.name: [] for r in receivers}
            for rep in range(args.repeats):
                for recv in receivers:  # interleaved: each repetition's pair meets the same load
                    s = step(recv, sender, dgfile, rate, args.seconds, tmp)
                    runs[recv.name].append(s)
                    print(f"{recv.name:<22} offered={rate:>7}/s #{rep + 1} sent={s['achieved_dgram_s']:>7}/s "
                          f"flows={s['flows']:>9} of {s['expected_flows']:>9} drops={s['drops_per_socket']} "
                          f"cpu={s['cpu_s_after_startup']:.2f}s/{s['cpu_s_whole_process']:.2f}s "
                          f"rcvbuf={s['rcvbuf_per_socket']}", flush=True)
            for recv in receivers:
                results["receivers"].setdefault(recv.name, []).append(summarise(rate, runs[recv.name]))
        results["load_average_at_end"] = os.getloadavg()[0]
    peer = results["receivers"].get("nfacctd")
    if peer:
        for name, steps in results["receivers"].items():
            if name != "nfacctd":
                for s, p in zip(steps, peer, strict=True):
                    compare(s, p)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{args.repeats} repetitions per step; medians [min-max]")
    print(f"{'receiver':<22} {'offered':>8} {'sent/s':>8} {'lost':>6} {'drops':>6} "
          f"{'flows/cpu-s after start-up':>30} {'(whole)':>9} {'vs nfacctd per repetition':>26}")
    for name, steps in results["receivers"].items():
        for s in steps:
            vs = s.get("vs_nfacctd_flows_per_cpu_s_after_startup")
            vs_txt = "" if vs is None else (f"{vs:.2f}x [{s['vs_nfacctd_flows_per_cpu_s_after_startup_min']:.2f}-"
                                            f"{s['vs_nfacctd_flows_per_cpu_s_after_startup_max']:.2f}]")
            fr = s["flows_per_cpu_s_after_startup"] or 0
            print(f"{name:<22} {s['offered_dgram_s']:>8} {s['achieved_dgram_s'] or 0:>8,.0f} "
                  f"{s['expected_flows_total'] - s['flows_total']:>6} {s['drops_total']:>6} "
                  f"{fr:>13,.0f} [{s['flows_per_cpu_s_after_startup_min'] or 0:,.0f}-"
                  f"{s['flows_per_cpu_s_after_startup_max'] or 0:,.0f}] "
                  f"{s['flows_per_cpu_s_whole_process'] or 0:>9,.0f} {vs_txt:>26}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
