"""Soak: N simulated devices polled by `netrosetta run` for M minutes — CPU, RSS (must stay flat), points/s.

Devices: the lab switch (service/lab/lab-switch.snmprec, growing counters) served by snmpsim, one
agent per device group. The service runs as its own process exporting OTLP/gRPC to a real
receiver in this process; every 10 s we sample its CPU (utime+stime) and RSS from /proc and its
translated/exported counts from /status.json.

Baseline in the same run: a bare poller process walking the same OIDs with the same SNMP client
and no translation/export (``--baseline-only`` mode of this module), so the JSON reports what the
service costs on top of the SNMP work itself.

    python -m bench.soak [--devices 20] [--minutes 3] [--interval 10] [--baseline-minutes 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "soak.json"
LAB = ROOT / "service" / "lab" / "lab-switch.snmprec"
CLK = os.sysconf("SC_CLK_TCK")
PER_AGENT = 5  # communities per snmpsim agent (snmpsim slows down with many data files)


def proc_usage(pid: int) -> tuple[float, float]:
    """(cpu seconds, rss MiB) of a process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    f = stat[stat.rindex(")") + 2:].split()
    cpu = (int(f[11]) + int(f[12])) / CLK
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    return cpu, rss


def slope(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def _targets(ports: dict[str, int]) -> list[dict[str, Any]]:
    return [{"name": name, "host": "127.0.0.1", "port": port, "version": "2c", "timeout": 2.0, "retries": 1,
             "credentials": {"community": f"literal:{name}"}} for name, port in ports.items()]


def _status(port: int) -> dict[str, Any]:
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status.json", timeout=10) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def _sample_loop(pid: int, seconds: float, every: float, extra: Any = None) -> list[dict[str, float]]:
    samples = []
    t0 = time.monotonic()
    while True:
        cpu, rss = proc_usage(pid)
        s = {"t": round(time.monotonic() - t0, 1), "cpu_s": round(cpu, 2), "rss_mib": round(rss, 1)}
        if extra is not None:
            s.update(extra())
        samples.append(s)
        if time.monotonic() - t0 >= seconds:
            return samples
        time.sleep(every)


def _summary(samples: list[dict[str, float]], warmup: float) -> dict[str, float]:
    steady = [s for s in samples if s["t"] >= warmup] or samples
    t = [s["t"] for s in steady]
    rss = [s["rss_mib"] for s in steady]
    dt = steady[-1]["t"] - steady[0]["t"] or 1.0
    out = {
        "cpu_percent": round(100 * (steady[-1]["cpu_s"] - steady[0]["cpu_s"]) / dt, 2),
        "rss_mib_first": rss[0], "rss_mib_last": rss[-1], "rss_mib_max": max(rss),
        "rss_growth_mib_per_hour": round(slope(t, rss) * 3600, 2),
    }
    if "points" in steady[0]:
        out["points_per_s"] = round((steady[-1]["points"] - steady[0]["points"]) / dt, 1)
        out["cpu_ms_per_1k_points"] = round(1000 * (steady[-1]["cpu_s"] - steady[0]["cpu_s"])
                                            / max(1.0, (steady[-1]["points"] - steady[0]["points"]) / 1000), 2)
    return out


async def _baseline(ports: dict[str, int], interval: float, seconds: float) -> None:
    """Bare poller: same targets, same roots, same client; no translation, no export."""
    from netrosetta.collectors.snmp.client import make_client
    from netrosetta.collectors.snmp.facts import SYSTEM_OIDS
    from netrosetta.collectors.snmp.source import walk_roots
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.service.config import SnmpTargetSpec

    rs = RulebookSet.from_paths()
    roots = sorted(str(r) for r in rs.translator("generic/snmp").requirements("snmp"))
    end = time.monotonic() + seconds

    async def one(t: dict[str, Any]) -> None:
        client = make_client(SnmpTargetSpec.model_validate(t))
        while time.monotonic() < end:
            t0 = time.monotonic()
            with contextlib.suppress(Exception):
                await client.get(list(SYSTEM_OIDS))
                await walk_roots(client, roots)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - t0)))
        await client.close()

    await asyncio.gather(*(one(t) for t in _targets(ports)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--baseline-minutes", type=float, default=1.0)
    ap.add_argument("--baseline-only", metavar="PORTS_JSON", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.baseline_only:
        asyncio.run(_baseline(json.loads(args.baseline_only), args.interval, args.baseline_minutes * 60))
        return 0

    from netrosetta.collectors.snmp.lab import snmpsim_agent
    from tests.reliability.harness import GrpcReceiver, ServiceProcess, write_yaml

    names = [f"soak{i:03d}" for i in range(args.devices)]
    with tempfile.TemporaryDirectory(prefix="nr-soak-") as tmpd, contextlib.ExitStack() as stack:
        tmp = Path(tmpd)
        ports: dict[str, int] = {}
        for i in range(0, len(names), PER_AGENT):
            group = names[i:i + PER_AGENT]
            agent = stack.enter_context(snmpsim_agent({n: LAB for n in group}))
            ports.update({n: agent.port for n in group})
        backend = GrpcReceiver().start()
        stack.callback(backend.stop)
        cfg = write_yaml(tmp / "config.yaml", {
            "defaults": {"interval": args.interval, "jitter": 1.0, "poll_timeout": args.interval},
            "targets": {"snmp": _targets(ports)},
            "outputs": {"otlp_grpc": [{"endpoint": backend.endpoint, "tls": {"insecure": True}}], "from_env": False},
            "delivery": {"spill_dir": str(tmp / "spill")},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"interval": 30},
        })
        svc = ServiceProcess(cfg, tmp / "service.log").start(60)
        assert svc.proc is not None and svc.http_port is not None
        port = svc.http_port

        def counts() -> dict[str, float]:
            st = _status(port)
            return {"points": st["translated_points"], "exported": st["outputs"][0]["exported_points"],
                    "dropped": st["outputs"][0]["dropped_points"],
                    "failed_polls": sum(t["polls_failed"] for t in st["targets"])}

        print(f"soak: {args.devices} devices, interval {args.interval:g}s, {args.minutes:g} min", flush=True)
        samples = _sample_loop(svc.proc.pid, args.minutes * 60, 10.0, counts)
        svc.stop()
        received = len(backend.received.points())
        service = _summary(samples, warmup=min(60.0, args.minutes * 20))

        print(f"soak: baseline bare poller {args.baseline_minutes:g} min", flush=True)
        base = subprocess.Popen([sys.executable, "-m", "bench.soak", "--baseline-only", json.dumps(ports),
                                 "--interval", str(args.interval), "--baseline-minutes", str(args.baseline_minutes)],
                                cwd=ROOT)
        bsamples = _sample_loop(base.pid, args.baseline_minutes * 60 - 2, 5.0)
        base.wait(60)
        baseline = _summary(bsamples, warmup=10.0)

    result = {
        "bench": "soak", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "devices": args.devices, "interval_s": args.interval, "minutes": args.minutes,
        "service": service,
        "baseline_bare_poller": baseline,
        "service_cpu_vs_bare_poller": round(service["cpu_percent"] / baseline["cpu_percent"], 2)
        if baseline["cpu_percent"] else None,
        "final": samples[-1], "backend_received_points": received,
        "samples": samples,
        "host_cpus": os.cpu_count(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
