"""Receive path: flows/s sustained from a UDP replayer on loopback with zero socket drops.

The replayer (a separate process) sends pmacct's IOS XR NetFlow v9 datagrams (101-*: template
once, then the data datagrams in a loop) to 127.0.0.1 at a paced datagram rate; the listener
(SO_REUSEPORT workers, 32 MiB receive buffers) decodes into columns and counts flows. Each step
runs ``--seconds``; kernel drops come from /proc/net/udp. The result is the highest step with
zero drops and every flow decoded. The peer in the same run is a plain Python recvfrom loop that
only counts datagrams (no decoding): the ceiling of a Python socket reader on this machine.

    python -m bench.flow_receive [--seconds S] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT.parent / "shared" / "corpus" / "flow" / "pmacct" / "101-NFv9-CISCO-cust_primitives" / "traffic-00.pcap"
RESULTS = Path(__file__).resolve().parent / "results" / "flow_receive.json"
RATES = [20_000, 40_000, 80_000, 120_000, 160_000]
# the capture's 39 data datagrams carry 51 flows (the `netflow` package's count too, see flow_decode)
FLOWS_PER_CYCLE, DATAGRAMS_PER_CYCLE = 51, 39
FLOWS_PER_DATAGRAM = FLOWS_PER_CYCLE / DATAGRAMS_PER_CYCLE


def datagrams() -> list[bytes]:
    from netrosetta.collectors.flow.pcap import read_pcap
    return [p.payload for p in read_pcap(CAPTURE)]


def _sender(port: int, rate: float, seconds: float, src_port: int, out: Any) -> None:
    from netrosetta.collectors.flow.simulator import FlowReplayer

    ds = datagrams()
    r = FlowReplayer(port, source_port=src_port)
    data = ds[1:]
    cycles = max(1, round(rate * seconds / len(data)))  # whole cycles: the flow count is exact
    rep = r.send([ds[0], *(d for _ in range(cycles) for d in data)], rate)
    out.put((rep.datagrams, rep.seconds))
    r.close()


def step_listener(rate: float, seconds: float, workers: int) -> dict[str, Any]:
    from netrosetta.collectors.flow.config import FlowListenerConfig
    from netrosetta.collectors.flow.listener import FlowListener
    from netrosetta.collectors.flow.udp import udp_drops

    flows = [0]
    lst = FlowListener(FlowListenerConfig(port=0, workers=workers, batch_datagrams=2048, batch_wait_ms=20),
                       lambda r: flows.__setitem__(0, flows[0] + len(r.flows)))
    t = threading.Thread(target=lst.serve, kwargs={"duration": seconds * 4 + 60}, daemon=True)
    t.start()
    lst.ready.wait(30)
    drops0 = udp_drops(lst.port)
    q: mp.Queue = mp.get_context("fork").Queue()
    # several source ports so SO_REUSEPORT can spread exporters over workers
    senders = []
    per = rate / workers
    for _ in range(workers):
        p = mp.get_context("fork").Process(target=_sender, args=(lst.port, per, seconds, 0, q))
        p.start()
        senders.append(p)
    reports = [q.get(timeout=seconds * 4 + 30) for _ in senders]
    sent = sum(r[0] for r in reports)
    elapsed = max(r[1] for r in reports)  # the achieved rate, not the nominal one
    for p in senders:
        p.join()
    expected = (sent - workers) // DATAGRAMS_PER_CYCLE * FLOWS_PER_CYCLE
    deadline = time.monotonic() + 5
    while flows[0] < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    drops = udp_drops(lst.port) - drops0
    lst.stop()
    t.join(10)
    achieved = sent / elapsed
    return {"rate_dgram_s": rate, "achieved_dgram_s": round(achieved), "sender_limited": achieved < 0.9 * rate,
            "sent": sent, "flows": flows[0], "expected_flows": round(expected),
            "drops": drops, "send_seconds": round(elapsed, 3), "flows_per_s": round(flows[0] / elapsed)}


def step_plain(rate: float, seconds: float) -> dict[str, Any]:
    from netrosetta.collectors.flow.udp import open_socket, udp_drops

    sock = open_socket("127.0.0.1", 0, 32 << 20)
    port = sock.getsockname()[1]
    count = [0]
    stop = threading.Event()

    def loop() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                sock.recvfrom(65535)
                count[0] += 1
            except TimeoutError:
                continue

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    drops0 = udp_drops(port)
    q: mp.Queue = mp.get_context("fork").Queue()
    p = mp.get_context("fork").Process(target=_sender, args=(port, rate, seconds, 0, q))
    p.start()
    sent, elapsed = q.get(timeout=seconds * 4 + 30)
    p.join()
    time.sleep(0.5)
    stop.set()
    t.join()
    drops = udp_drops(port) - drops0
    sock.close()
    return {"rate_dgram_s": rate, "achieved_dgram_s": round(sent / elapsed), "sent": sent,
            "received": count[0], "drops": drops}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.flow_receive")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    args = ap.parse_args(list(argv) if argv is not None else None)
    if not CAPTURE.exists():
        print(f"bench.flow_receive: {CAPTURE} is absent; skipped")
        return 0
    results: dict[str, Any] = {"capture": str(CAPTURE.relative_to(ROOT.parent)), "seconds": args.seconds,
                               "listener": {}, "plain_recvfrom": []}
    for w in args.workers:
        steps = []
        for rate in RATES:
            s = step_listener(rate, args.seconds, w)
            steps.append(s)
            print(f"listener workers={w} rate={rate:>7}/s achieved={s['achieved_dgram_s']:>7}/s "
                  f"flows={s['flows']:>8} of {s['expected_flows']:>8} drops={s['drops']}", flush=True)
            if s["drops"] or s["flows"] != s["expected_flows"] or s["sender_limited"]:
                break  # lost data, or the replayer itself cannot go faster on this machine
        clean = [s for s in steps if not s["drops"] and s["flows"] == s["expected_flows"]]
        results["listener"][str(w)] = {"steps": steps, "max_clean_flows_per_s": max(
            (s["flows_per_s"] for s in clean), default=0)}
    for rate in RATES:
        s = step_plain(rate, args.seconds)
        results["plain_recvfrom"].append(s)
        if s["drops"] or s["received"] < s["sent"] or s["achieved_dgram_s"] < 0.9 * rate:
            break
    clean_plain = [s for s in results["plain_recvfrom"] if not s["drops"] and s["received"] >= s["sent"]]
    results["plain_recvfrom_max_clean_dgram_s"] = max((s["achieved_dgram_s"] for s in clean_plain), default=0)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'receiver':<22} {'max zero-drop flows/s':>22}")
    for w, r in results["listener"].items():
        limited = " (replayer-limited)" if r["steps"] and r["steps"][-1]["sender_limited"] else ""
        print(f"{'netrosetta workers=' + w:<22} {r['max_clean_flows_per_s']:>22,}{limited}")
    plain = results["plain_recvfrom_max_clean_dgram_s"] * FLOWS_PER_DATAGRAM
    print(f"{'plain recvfrom (count)':<22} {round(plain):>22,}  (datagrams x flows/datagram, no decode)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
