"""Fleet scale: `netrosetta run` polling N devices against Prometheus snmp_exporter scraping the same
N targets at the same rate, in the same run (issue 13's table).

The devices: the IF-MIB (ifTable, ifXTable) and system group of the corpus IOS-XE walk, served by
snmpsim behind a caching proxy in its own process, so the agent costs almost nothing and neither
side waits on it. The proxy answers from its cache but moves every counter and sysUpTime with the
clock, so each poll translates data that changed since the last one (no translation memo hit).

Per N and per side: polls (scrapes) done against due in the measured window, CPU per poll from
/proc (the measured process's utime+stime only, after a warm-up interval), RSS at the end, and the
median poll duration. netrosetta exports OTLP/gRPC to a receiver in another process (realistic
path); snmp_exporter formats its Prometheus text (its realistic path). The snmp_exporter driver
spreads N scrapes per interval with up to 256 in flight, as a Prometheus server would; both sides
are checked for doing the work (points translated > 0 per poll; samples per scrape > 0), and the
proxy's share of a core is shown (near 1.0 it, not the poller, would set the pace).

For netrosetta also, from its /status.json: missed and late polls and the largest lag (the
scheduler's own counts), and the GC curve - collections and seconds spent collecting per minute,
from gc.callbacks inside the service. RSS per device is the marginal cost since the previous size
(once the bounded caches are full - the plan memo's row budget, ~40 MiB - that is the per-device
state alone) and a least-squares slope over every size.

    python -m bench.scale [--sizes 50,500,1000,2000] [--interval 30] [--window 60] [--workers N]
                          [--service-config '{"defaults": {"concurrency": 128}}']

Issue 13's table, 50 to 5,000 devices at 60 s (~25 minutes, so not the `make bench` default):

    python -m bench.scale --sizes 50,500,1000,2000,5000 --interval 60
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.soak import proc_usage, slope

ROOT = Path(__file__).resolve().parent.parent
WALK = ROOT.parent / "shared" / "corpus" / "snmp" / "iosxe_c9300.snmprec"
RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
EXPORTER_CONFIG = Path(__file__).resolve().parent / "snmp_exporter" / "snmp.yml"
KEEP = ("1.3.6.1.2.1.1.", "1.3.6.1.2.1.2.2.", "1.3.6.1.2.1.31.1.1.")
COMMUNITY = "public"


# -- the devices: snmpsim behind a caching, clock-moving proxy ------------------------------------
def _proxy(upstream: int, ready: Any, stop: Any) -> None:
    from netrosetta.collectors.snmp import ber
    from netrosetta.collectors.snmp.varbind import TAG_COUNTER32, TAG_COUNTER64, TAG_TIMETICKS
    from tests.support.snmp_responder import encode_response

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.settimeout(5)
    ready.send(sock.getsockname()[1])
    cache: dict[bytes, list[Any]] = {}
    t0 = time.monotonic()
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(65535)
        except TimeoutError:
            continue
        try:
            _tag, i, _ = ber._header(data, 0)
            _, _s, e = ber._header(data, i)          # version
            _, cs, ce = ber._header(data, e)         # community
            pdu_at = ce
            _, ps, _pe = ber._header(data, pdu_at)
            _, rs, re_ = ber._header(data, ps)       # request-id
            req_id = int.from_bytes(data[rs:re_], "big", signed=True)
        except (ber.BerError, IndexError):
            continue
        key = data[cs:ce] + bytes((data[pdu_at],)) + data[re_:]
        vbs = cache.get(key)
        if vbs is None:
            up.sendto(data, ("127.0.0.1", upstream))
            try:
                reply = up.recv(65535)
            except TimeoutError:
                continue
            vbs = cache[key] = ber.decode_response(reply)[5]
        elapsed = time.monotonic() - t0
        moved = []
        for oid, tag, value in vbs:
            if tag in (TAG_COUNTER32, TAG_COUNTER64) and isinstance(value, int):
                step = int(elapsed * (zlib.crc32(oid.encode()) % 5000 + 1))   # a rate per column, stable
                value = (value + step) % (1 << 32 if tag == TAG_COUNTER32 else 1 << 64)
            elif tag == TAG_TIMETICKS and oid == "1.3.6.1.2.1.1.3.0" and isinstance(value, int):
                value = value + int(elapsed * 100)
            moved.append((oid, tag, value))
        sock.sendto(encode_response(data[cs:ce], req_id, moved), peer)


class Fleet:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    def __enter__(self) -> Fleet:
        from netrosetta.collectors.snmp.lab import snmpsim_agent

        walk = self.tmp / "if-mib.snmprec"
        walk.write_text("".join(line for line in WALK.read_text().splitlines(keepends=True)
                                if line.startswith(KEEP)))
        self._agent_cm = snmpsim_agent({COMMUNITY: walk})
        agent = self._agent_cm.__enter__()
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe()
        self._stop = ctx.Event()
        self._proc = ctx.Process(target=_proxy, args=(agent.port, child, self._stop), daemon=True)
        self._proc.start()
        self.port = int(parent.recv())
        return self

    def busy(self) -> Callable[[], float]:
        """From now: a function giving the share of a core the proxy used since."""
        pid = self._proc.pid
        assert pid is not None
        cpu0, t0 = proc_usage(pid)[0], time.monotonic()
        return lambda: round((proc_usage(pid)[0] - cpu0) / (time.monotonic() - t0), 3)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._proc.join(5)
        self._agent_cm.__exit__(None, None, None)


# -- netrosetta ------------------------------------------------------------------------------------
def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` laid over ``base``, mappings merged key by key (the bench's own service settings)."""
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _netrosetta(n: int, port: int, interval: float, window: float, tmp: Path,
                extra: dict[str, Any]) -> dict[str, Any]:
    from tests.reliability.harness import ServiceProcess, write_yaml

    sink = subprocess.Popen([sys.executable, "-m", "bench._otlp_sink"], stdout=subprocess.PIPE, text=True)
    assert sink.stdout is not None
    sink_port = int(sink.stdout.readline())
    cfg = write_yaml(tmp / f"scale-{n}.yaml", _merged({
        "defaults": {"interval": interval, "jitter": 1.0, "poll_timeout": interval},
        "targets": {"snmp": [{"name": f"d{i:05d}", "host": "127.0.0.1", "port": port, "version": "2c",
                              "credentials": {"community": f"literal:{COMMUNITY}"}, "timeout": 5.0, "retries": 1}
                             for i in range(n)]},
        "outputs": {"otlp_grpc": [{"endpoint": f"127.0.0.1:{sink_port}", "tls": {"insecure": True}}],
                    "from_env": False},
        "http": {"listen": "127.0.0.1:0"},
    }, extra))
    svc = ServiceProcess(cfg, tmp / f"scale-{n}.log", verbose=1)
    try:
        svc.launch().wait_started(120)
        assert svc.proc is not None

        def status() -> dict[str, Any]:
            # thousands of targets on a busy machine: more than the harness's 5 s
            with urllib.request.urlopen(f"http://127.0.0.1:{svc.http_port}/status.json", timeout=60) as r:
                return json.loads(r.read())  # type: ignore[no-any-return]
        # `workers:` in the service config: the supervisor and every worker process, summed
        pids = [svc.proc.pid, *(w["pid"] for w in status().get("workers") or [])]

        def usage() -> tuple[float, float]:
            got = [proc_usage(p) for p in pids]
            return sum(c for c, _ in got), sum(r for _, r in got)
        time.sleep(interval + 5)                     # every target's first poll (jitter: 1 interval)

        def counts() -> tuple[int, int, int, dict[str, Any], dict[str, Any], float]:
            st = status()
            polls = sum(t["polls_ok"] + t["polls_failed"] for t in st["targets"])
            ok = sum(t["polls_ok"] for t in st["targets"])
            return polls, ok, int(st["translated_points"]), st["polls"], st["gc"], time.monotonic()
        p0, ok0, pts0, sched0, gc0, t0 = counts()
        cpu0, _ = usage()
        time.sleep(window)
        p1, ok1, pts1, sched1, gc1, t1 = counts()
        cpu1, rss = usage()
        durations = [t["duration"] for t in status()["targets"] if t.get("duration") is not None]
    finally:
        t_stop = time.monotonic()
        try:
            svc.stop(timeout=120)
            stop_s: float | None = round(time.monotonic() - t_stop, 1)
        except AssertionError:   # killed after 120 s: a finding to show, not a reason to lose the run
            stop_s = None
        sink.kill()
    polls = p1 - p0
    due = n * window / interval
    per_min = 60 / (t1 - t0)
    return {"polls_done": polls, "polls_ok": ok1 - ok0, "polls_due": round(due), "done": round(polls / due, 3),
            "cpu_per_poll_ms": round((cpu1 - cpu0) / max(1, polls) * 1000, 3), "rss_mib": round(rss, 1),
            "points_per_poll": round((pts1 - pts0) / max(1, polls), 1),
            "median_poll_s": round(statistics.median(durations), 3) if durations else None,
            "missed": sched1["missed"] - sched0["missed"], "late": sched1["late"] - sched0["late"],
            "lag_max_s": sched1["lag_max_s"],
            "gc_per_min": [round((b - a) * per_min, 1) for a, b in zip(gc0["collections"], gc1["collections"], strict=True)],
            "gc_s_per_min": round((sum(gc1["seconds"]) - sum(gc0["seconds"])) * per_min, 3),
            "stop_s": stop_s}


# -- snmp_exporter ---------------------------------------------------------------------------------
def _exporter(n: int, port: int, interval: float, window: float) -> dict[str, Any]:
    from bench.snmp_poll import start_exporter
    from netrosetta.collectors.snmp.lab import stop_process

    proc, web = start_exporter(EXPORTER_CONFIG)
    url = f"http://127.0.0.1:{web}/snmp?module=if_mib&target=127.0.0.1:{port}"
    done: list[tuple[float, float, int]] = []          # (end time, duration, samples)
    lock = threading.Lock()

    def scrape() -> None:
        t = time.monotonic()
        try:
            body = urllib.request.urlopen(url, timeout=interval).read().decode()
            samples = sum(1 for line in body.splitlines() if line.startswith("if"))
        except OSError:
            samples = 0
        with lock:
            done.append((time.monotonic(), time.monotonic() - t, samples))

    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=min(256, n))

    def schedule() -> None:
        # each target once per interval, spread evenly, as Prometheus spreads its scrape offsets
        gap = interval / n
        start = time.monotonic()
        k = 0
        while not stop.is_set():
            due = start + k * gap
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(min(delay, 0.5))
                continue
            pool.submit(scrape)
            k += 1

    sched = threading.Thread(target=schedule, daemon=True)
    try:
        sched.start()
        time.sleep(interval + 5)
        with lock:
            n0 = len(done)
        cpu0, _ = proc_usage(proc.pid)
        t0 = time.monotonic()
        time.sleep(window)
        cpu1, rss = proc_usage(proc.pid)
        with lock:
            measured = [d for d in done[n0:] if d[0] <= t0 + window]
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        stop_process(proc)
    scrapes = len(measured)
    due = n * window / interval
    good = [d for d in measured if d[2] > 0]
    return {"polls_done": scrapes, "polls_ok": len(good), "polls_due": round(due), "done": round(scrapes / due, 3),
            "cpu_per_poll_ms": round((cpu1 - cpu0) / max(1, scrapes) * 1000, 3), "rss_mib": round(rss, 1),
            "samples_per_scrape": round(statistics.mean(d[2] for d in good), 1) if good else 0,
            "median_poll_s": round(statistics.median(d[1] for d in measured), 3) if measured else None}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="50,500,1000,2000")
    ap.add_argument("--interval", type=float, default=30.0)
    ap.add_argument("--window", type=float, default=60.0, help="measured seconds per side and size")
    ap.add_argument("--service-config", default="{}", type=json.loads,
                    help="JSON laid over netrosetta's config (e.g. its defaults)")
    ap.add_argument("--workers", type=int, default=1,
                    help="netrosetta's `workers:` (CPU and RSS summed over the supervisor and its workers; "
                         "results in scale-workersN.json)")
    args = ap.parse_args(argv)
    if args.workers > 1:
        args.service_config = {**args.service_config, "workers": args.workers}
    if not WALK.exists():
        raise SystemExit(f"{WALK} is absent (the shared corpus is not beside this clone)")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    # one UDP socket per device on our side: the soft descriptor limit up to the hard one
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if max(sizes) + 256 > hard:
        raise SystemExit(f"{max(sizes)} devices need more file descriptors than the hard limit {hard} (ulimit -n)")
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as d, Fleet(Path(d)) as fleet:
        for n in sizes:
            busy = fleet.busy()
            ours = _netrosetta(n, fleet.port, args.interval, args.window, Path(d), args.service_config)
            ours["proxy_busy"] = busy()      # near 1.0: the devices, not the poller, set the pace
            busy = fleet.busy()
            peer = _exporter(n, fleet.port, args.interval, args.window)
            peer["proxy_busy"] = busy()
            ratio = round(ours["cpu_per_poll_ms"] / peer["cpu_per_poll_ms"], 2) if peer["cpu_per_poll_ms"] else None
            if rows:   # the marginal memory of the devices added since the previous size
                prev = rows[-1]
                ours["rss_per_device_kib"] = round((ours["rss_mib"] - prev["netrosetta"]["rss_mib"]) * 1024
                                                   / (n - prev["devices"]), 1)
            rows.append({"devices": n, "netrosetta": ours, "snmp_exporter": peer, "cpu_per_poll_ratio": ratio})
            print(f"{n:6d} devices: netrosetta {ours['done']:.0%} of polls ({ours['missed']} missed, {ours['late']} late), "
                  f"{ours['cpu_per_poll_ms']:.2f} ms CPU/poll, {ours['rss_mib']:.0f} MiB "
                  f"({ours.get('rss_per_device_kib', '-')} KiB/device more), GC {ours['gc_per_min']}/min "
                  f"{ours['gc_s_per_min']} s/min; snmp_exporter {peer['done']:.0%}, {peer['cpu_per_poll_ms']:.2f} ms, "
                  f"{peer['rss_mib']:.0f} MiB; ratio {ratio}", flush=True)
    ns = [float(r["devices"]) for r in rows]
    per_device = slope(ns, [r["netrosetta"]["rss_mib"] * 1024 for r in rows])
    result = {"interval_s": args.interval, "window_s": args.window, "walk": WALK.name, "tables": list(KEEP),
              "cpu_count": os.cpu_count(), "service_config": args.service_config,
              "rss_kib_per_device_fit": round(per_device, 1), "rows": rows}
    out = RESULTS if args.workers == 1 else RESULTS.with_name(f"scale-workers{args.workers}.json")
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
