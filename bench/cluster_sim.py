"""Many instances on one nats-server: lease traffic, convergence, rebalancing, JetStream throughput.

A real nats-server (JetStream, temp store, HTTP monitoring) and M instances of the service's own
`Cluster` (service/cluster.py: heartbeats, KV leases, rendezvous, the stream consumer), each with
its own NATS connection, hosted a few per worker process. Every instance sees the same T synthetic
targets and polls nothing: what is measured is the coordination itself.

Per case (T targets, M instances, lease period L):
- cold start: all M start at once; time until every target is owned by exactly one instance, its
  highest-random-weight winner (computed here, from the definition), and the assignment holds
  still for a lease tick; messages the server took meanwhile;
- steady state: messages and bytes per second in and out of the server (/varz), against the
  model in docs/scaling.md; CPU of the instances (their processes) and of nats-server;
- leave (graceful stop), crash (connection dropped, leases left to expire) and join: time to that
  state again over the new members, how many targets moved (rendezvous: only the leaver's, ≈ T/M;
  on a join only to the joiner), and that no target moved between two other instances.
Then JetStream: every instance publishes one realistic OTLP batch (a corpus device's poll, encoded
by the exporter) after another, awaiting each ack as the service's router does, while the same
instances' consumers export (to a sink that accepts) and ack; msgs/s and bytes/s the server took,
its CPU per MB, and that every published batch was consumed.

The peer figure is nats-server's own CPU in the same run (bytes per CPU-second of the server).

    python -m bench.cluster_sim [--quick] [--cases 10000x20,2000x50] [--lease 10]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import multiprocessing
import os
import tempfile
import time
import urllib.request
import zlib
from collections import Counter
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.soak import proc_usage

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "cluster_sim.json"
IOSXE_WALK = ROOT.parent / "shared" / "corpus" / "snmp" / "iosxe_c9300.snmprec"
LAB_WALK = ROOT / "service" / "lab" / "lab-switch.snmprec"
PREFIX = "sim"
STREAM_MB = 256
LEASES = "KV_netrosetta-leases"   # the bucket's stream (service.config.Cluster.bucket's default)
REPLY_TIMEOUT_S = 300.0     # longest a worker command may take (a stop releasing many leases)
FETCH_TIMEOUT_S = 1.0        # Cluster._consumer's fetch(timeout=1): one pull request per second when idle


def target_keys(n: int) -> list[str]:
    return [f"{PREFIX}{i:06d}" for i in range(n)]


# -- worker process: a few instances, driven over a pipe -------------------------------------------

class _Fleet:
    """TargetsView: the same synthetic targets for every instance, never polled."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = keys

    def target_keys(self) -> list[str]:
        return self._keys

    def last_start(self, key: str) -> float | None:
        return None


class _Accept:
    """Exporter: every batch accepted and counted (the consumer acks after this)."""

    def __init__(self) -> None:
        self.exported = 0

    async def export_now(self, req: Any, points: int) -> bool:
        self.exported += 1
        return True


async def _publish_for(cluster: Any, seconds: float, payload: bytes, points: int) -> tuple[int, int]:
    """One batch at a time, each ack awaited (the router's publisher task does the same)."""
    done = failed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            await cluster.js.publish(cluster.cfg.subject, payload, timeout=2, headers={"points": str(points)})
            done += 1
        except Exception:
            failed += 1
    return done, failed


async def _serve(conn: Connection, url: str, lease: float, n_targets: int) -> None:
    from netrosetta.service.cluster import Cluster
    from netrosetta.service.config import Cluster as ClusterConfig

    loop = asyncio.get_running_loop()
    view = _Fleet(target_keys(n_targets))
    sink = _Accept()
    cfg = ClusterConfig(nats=[url], lease_seconds=lease, stream_max_mb=STREAM_MB)
    clusters: dict[str, Any] = {}
    while True:
        cmd, arg = await loop.run_in_executor(None, conn.recv)
        try:
            reply = await _command(cmd, arg, clusters, lambda name: Cluster(name, cfg, sink), view, sink)
        except Exception as exc:   # told to the driver: a failed worker must not look like a hung one
            conn.send(("error", f"{cmd}: {type(exc).__name__}: {exc}"))
            continue
        conn.send(("ok", reply))
        if cmd == "stop":
            return


async def _command(cmd: str, arg: Any, clusters: dict[str, Any], make: Any, view: _Fleet, sink: _Accept) -> Any:
    """One driver command on this worker's instances; returns the reply."""
    reply: Any = None
    if cmd == "start":
        async def start(name: str) -> None:
            c = make(name)
            await c.start(view)
            clusters[name] = c
        await asyncio.gather(*(start(n) for n in arg))
    elif cmd == "owned":
        reply = {n: [int(k[len(PREFIX):]) for k in c.owned] for n, c in clusters.items()}
    elif cmd == "leave":          # a stop: leases released, the others take over at once
        c = clusters.pop(arg)
        await c.leave()
        await c.stop(time.monotonic() + 2)
    elif cmd == "crash":          # connection gone, leases left to expire (as after kill -9)
        await clusters.pop(arg).stop(0.0)
    elif cmd == "publish":
        seconds, payload, points = arg
        got = await asyncio.gather(*(_publish_for(c, seconds, payload, points) for c in clusters.values()))
        reply = [sum(g[0] for g in got), sum(g[1] for g in got)]
    elif cmd == "exported":
        reply = sink.exported
    elif cmd == "cpu":
        reply = time.process_time()
    elif cmd == "stop":
        for c in clusters.values():
            await c.leave()
            await c.stop(time.monotonic() + 1)
    return reply


def _worker(conn: Connection, url: str, lease: float, n_targets: int) -> None:
    # a crash is simulated by dropping the connection: its outage warnings are expected here
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_serve(conn, url, lease, n_targets))


def _reply(conn: Connection, cmd: str) -> Any:
    if not conn.poll(REPLY_TIMEOUT_S):
        raise AssertionError(f"a worker gave no answer to {cmd!r} in {REPLY_TIMEOUT_S:g}s")
    try:
        status, value = conn.recv()
    except EOFError:
        raise AssertionError(f"a worker exited during {cmd!r}") from None
    if status == "error":
        raise AssertionError(f"a worker failed: {value}")
    return value


class Workers:
    """P worker processes; instance names are dealt round robin."""

    def __init__(self, procs: int, url: str, lease: float, n_targets: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs = []
        for _ in range(procs):
            ours, theirs = ctx.Pipe()
            p = ctx.Process(target=_worker, args=(theirs, url, lease, n_targets), daemon=True)
            p.start()
            theirs.close()    # the child's end lives in the child only: its exit is an EOF here
            self.conns.append(ours)
            self.procs.append(p)
        self.where: dict[str, int] = {}
        self._all("cpu")    # every worker imported and listening before anything is timed

    def _all(self, cmd: str, args: Sequence[Any] | None = None) -> list[Any]:
        for i, c in enumerate(self.conns):
            c.send((cmd, args[i] if args is not None else None))
        return [_reply(c, cmd) for c in self.conns]

    def start(self, names: list[str]) -> None:
        per: list[list[str]] = [[] for _ in self.conns]
        for j, n in enumerate(names):
            w = (len(self.where) + j) % len(self.conns)
            per[w].append(n)
        for w, ns in enumerate(per):
            for n in ns:
                self.where[n] = w
        self._all("start", per)

    def one(self, cmd: str, name: str) -> None:
        c = self.conns[self.where.pop(name)]
        c.send((cmd, name))
        _reply(c, cmd)

    def owned(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for part in self._all("owned"):
            out.update(part)
        return out

    def cpu(self) -> float:
        return sum(self._all("cpu"))

    def publish(self, seconds: float, payload: bytes, points: int) -> tuple[int, int]:
        got = self._all("publish", [(seconds, payload, points)] * len(self.conns))
        return sum(g[0] for g in got), sum(g[1] for g in got)

    def exported(self) -> int:
        return sum(self._all("exported"))

    def close(self) -> None:
        try:
            self._all("stop")
        finally:
            for p in self.procs:
                p.join(10)
                if p.is_alive():
                    p.kill()


# -- what the server says --------------------------------------------------------------------------

class Monitor:
    def __init__(self, port: int, pid: int) -> None:
        self.port = port
        self.pid = pid

    def get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return json.loads(r.read())   # type: ignore[no-any-return]

    def sample(self) -> dict[str, float]:
        v = self.get("/varz")
        cpu, rss = proc_usage(self.pid)
        return {"t": time.monotonic(), "in_msgs": v["in_msgs"], "out_msgs": v["out_msgs"],
                "in_bytes": v["in_bytes"], "out_bytes": v["out_bytes"], "cpu_s": cpu, "rss_mib": rss}

    def streams(self) -> dict[str, dict[str, Any]]:
        j = self.get("/jsz?accounts=true&streams=true")
        out = {}
        for acc in j.get("account_details") or []:
            for s in acc.get("stream_detail") or []:
                out[s["name"]] = s["state"]
        return out


def _rates(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    dt = b["t"] - a["t"]
    return {k: round((b[k] - a[k]) / dt, 1) for k in ("in_msgs", "out_msgs", "in_bytes", "out_bytes")} | {
        "server_cpu_fraction": round((b["cpu_s"] - a["cpu_s"]) / dt, 3), "seconds": round(dt, 2)}


def _delta(a: dict[str, float], b: dict[str, float]) -> dict[str, int]:
    return {k: int(b[k] - a[k]) for k in ("in_msgs", "out_msgs")}


# -- the checks ------------------------------------------------------------------------------------

def owner_map(owned: dict[str, list[int]], n_targets: int) -> tuple[dict[int, str], int, int]:
    """(owner of each singly-owned target, targets owned twice or more, targets owned by nobody)."""
    count: Counter[int] = Counter()
    owner: dict[int, str] = {}
    for name, keys in owned.items():
        for k in keys:
            count[k] += 1
            owner[k] = name
    double = sum(1 for c in count.values() if c > 1)
    return {k: v for k, v in owner.items() if count[k] == 1}, double, n_targets - len(count)


def hrw_owner(members: list[str], key: str) -> str:
    """Highest random weight: the member whose SHA-1 of "member NUL key" is largest."""
    weights = {int.from_bytes(hashlib.sha1(m.encode() + b"\0" + key.encode()).digest(), "big"): m for m in members}
    return weights[max(weights)]


def hrw_map(members: set[str], n_targets: int) -> dict[int, str]:
    ms = sorted(members)
    return {i: hrw_owner(ms, k) for i, k in enumerate(target_keys(n_targets))}


def converge(workers: Workers, n_targets: int, live: set[str], tick: float, timeout: float,
             since: float) -> dict[str, Any]:
    """Sample ownership until every target is held by exactly one instance, its highest-random-weight
    winner among the live ones, and that has held still for a lease tick (+ a margin). Converged at
    the first sample of that stable state."""
    expected = hrw_map(live, n_targets)
    stable_since: float | None = None
    last: dict[int, str] | None = None
    max_double = 0
    max_unowned_after_first = 0
    seen_complete = False
    while True:
        now = time.monotonic()
        owned = workers.owned()
        owner, double, unowned = owner_map(owned, n_targets)
        max_double = max(max_double, double)
        if seen_complete:
            max_unowned_after_first = max(max_unowned_after_first, unowned)
        ok = not double and not unowned and owner == expected
        seen_complete = seen_complete or ok
        if ok and owner == last:
            assert stable_since is not None
            if now - stable_since >= tick + 1.0:
                return {"seconds": round(stable_since - since, 2), "owner": owner, "max_double_owned": max_double,
                        "max_unowned_after_complete": max_unowned_after_first, "stable_for_s": round(now - stable_since, 2)}
        else:
            stable_since = now if ok else None
            last = owner if ok else None
        if now - since > timeout:
            elsewhere = sum(1 for k, v in owner.items() if expected[k] != v)
            raise AssertionError(f"no stable exactly-once ownership {timeout:g}s after the change "
                                 f"({double} targets owned twice, {unowned} by nobody, {elsewhere} not "
                                 f"with their rendezvous winner)")
        time.sleep(0.2)


def moved(before: dict[int, str], after: dict[int, str]) -> dict[str, Any]:
    changes = [(k, before[k], after[k]) for k in before if before[k] != after[k]]
    return {"moved": len(changes), "from": dict(Counter(a for _, a, _ in changes)),
            "to": dict(Counter(b for _, _, b in changes))}


# -- one case --------------------------------------------------------------------------------------

def model(n_targets: int, m: int, period: float) -> dict[str, float]:
    """docs/scaling.md's message model: every renewal period (a lease tick, L/3, plus the round's own
    duration) each instance renews each lease it holds (request in, ack out) and heartbeats once (in
    1, delivered to all M); each consumer pulls once per fetch timeout (request in, a 408 or the
    batch out)."""
    return {"in_msgs_per_s": round((n_targets + m) / period + m / FETCH_TIMEOUT_S, 1),
            "out_msgs_per_s": round((n_targets + m * m) / period + m / FETCH_TIMEOUT_S, 1)}


def run_case(mon: Monitor, url: str, n_targets: int, m: int, lease: float, procs: int,
             steady_s: float) -> dict[str, Any]:
    tick = lease / 3
    names = [f"i{j:03d}" for j in range(m)]
    workers = Workers(procs, url, lease, n_targets)
    out: dict[str, Any] = {"targets": n_targets, "instances": m, "lease_s": lease, "processes": procs}
    try:
        s0 = mon.sample()
        t0 = time.monotonic()
        workers.start(names[:1])      # creates the bucket and stream; the others find them
        workers.start(names[1:])
        live = set(names)
        c = converge(workers, n_targets, live, tick, 120 + n_targets * m / 2000, t0)
        s1 = mon.sample()
        per = Counter(c["owner"].values())
        out["cold_start"] = {k: v for k, v in c.items() if k != "owner"} | {
            "server_msgs": _delta(s0, s1), "targets_per_instance": [min(per.values()), max(per.values())]}
        owner = c["owner"]

        # steady state: the server's traffic and everyone's CPU over whole lease periods
        a, wa, ka = mon.sample(), workers.cpu(), mon.streams().get(LEASES, {})
        time.sleep(steady_s)
        b, wb, kb = mon.sample(), workers.cpu(), mon.streams().get(LEASES, {})
        rates = _rates(a, b)
        # lease writes from the bucket's own sequence: the renewal period actually achieved
        writes = (kb.get("last_seq", 0) - ka.get("last_seq", 0)) / rates["seconds"]
        period = n_targets / writes if writes else None
        out["steady"] = rates | {
            "lease_writes_per_s": round(writes, 1), "renewal_period_s": round(period, 2) if period else None,
            "model_at_tick": model(n_targets, m, tick),
            "model_at_renewal_period": model(n_targets, m, period) if period else None,
            "bytes_per_in_msg": round(rates["in_bytes"] / rates["in_msgs"], 1) if rates["in_msgs"] else None,
            "bytes_per_out_msg": round(rates["out_bytes"] / rates["out_msgs"], 1) if rates["out_msgs"] else None,
            "instances_cpu_fraction": round((wb - wa) / (b["t"] - a["t"]), 3),
            "cpu_ms_per_instance_round": round((wb - wa) / ((b["t"] - a["t"]) / tick) / m * 1000, 2),
            "lease_bucket_entries": kb.get("messages")}

        for event, name in (("leave", names[0]), ("crash", names[1]), ("join", f"i{m:03d}")):
            if event == "join":
                workers.start([name])
                live.add(name)
            else:
                workers.one(event, name)
                live.discard(name)
            sa, te = mon.sample(), time.monotonic()
            c = converge(workers, n_targets, live, tick, 3 * lease + 60, te)
            mv = moved(owner, c["owner"])
            # rendezvous: a leaver's targets move and nothing else; a joiner only gains
            if event == "join":
                others = {k: v for k, v in mv["to"].items() if k != name}
            else:
                others = {k: v for k, v in mv["from"].items() if k != name}
            out[event] = {k: v for k, v in c.items() if k != "owner"} | {
                "instance": name, "moved": mv["moved"], "expected_about": round(n_targets / len(live if event == "join" else live | {name})),
                "moved_between_others": sum(others.values()), "server_msgs": _delta(sa, mon.sample())}
            owner = c["owner"]
        expected = hrw_map(live, n_targets)
        out["final"] = {"instances": len(live), "exactly_once": len(owner) == n_targets,
                        "not_the_hrw_owner": sum(1 for k, v in expected.items() if owner.get(k) != v)}
    finally:
        workers.close()
    return out


# -- JetStream throughput --------------------------------------------------------------------------

def realistic_batch() -> tuple[bytes, int, str]:
    """One device's poll as the exporter encodes it: the corpus IOS-XE walk when ../shared is here
    (the device bench.scale polls), else the lab switch the project ships."""
    from netrosetta.collectors.snmp.dataset import SnmpDataset
    from netrosetta.collectors.snmp.facts import snmp_facts
    from netrosetta.collectors.snmp.varbind import read_snmprec
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.exporter.otlp import encode_request
    from netrosetta.exporter.start_times import StartTimes

    walk = IOSXE_WALK if IOSXE_WALK.exists() else LAB_WALK
    ds = SnmpDataset(read_snmprec(walk).varbinds)
    facts = snmp_facts(ds)
    rs = RulebookSet.from_paths()
    m = rs.match(facts, "snmp")
    if m.chosen is None:
        raise SystemExit(f"{walk}: no rulebook matched")
    t = rs.translator(m.chosen).translate(ds, facts, match=m)
    return encode_request([t], StartTimes(), {}), int(t.count()), walk.name


def jetstream(mon: Monitor, url: str, m: int, procs: int, seconds: float) -> dict[str, Any]:
    payload, points, walk = realistic_batch()
    workers = Workers(procs, url, 60.0, 0)
    try:
        workers.start([f"p{j:03d}" for j in range(m)])
        a = mon.sample()
        done, failed = workers.publish(seconds, payload, points)
        b = mon.sample()
        deadline = time.monotonic() + 60
        while workers.exported() < done and time.monotonic() < deadline:
            time.sleep(0.2)
        c = mon.sample()
        exported = workers.exported()
    finally:
        workers.close()
    dt = b["t"] - a["t"]
    server_cpu = b["cpu_s"] - a["cpu_s"]
    mb = done * len(payload) / 1e6
    # what compressing each batch before publishing would save (the stream carries it as it is today)
    t = time.process_time()
    for _ in range(20):
        packed = zlib.compress(payload, 1)
    zlib_ms = (time.process_time() - t) / 20 * 1000
    return {"walk": walk, "batch_bytes": len(payload), "batch_points": points, "publishers": m,
            "zlib1_bytes": len(packed), "zlib1_cpu_ms": round(zlib_ms, 3),
            "seconds": round(dt, 2), "published": done, "publish_failed": failed, "consumed": exported,
            "all_consumed": exported >= done, "drain_s": round(c["t"] - b["t"], 2),
            "msgs_per_s": round(done / dt, 1), "mb_per_s": round(mb / dt, 2),
            "points_per_s": round(done * points / dt), "server_cpu_fraction": round(server_cpu / dt, 3),
            "mb_per_server_cpu_s": round(mb / server_cpu, 1) if server_cpu else None,
            "server_rss_mib": round(c["rss_mib"], 1)}


# -- main ------------------------------------------------------------------------------------------

def simulate(cases: list[tuple[int, int]], lease: float, procs: int, steady_s: float, publish_s: float,
             publishers: int) -> dict[str, Any]:
    from tests.reliability.harness import NatsServer, free_tcp_port

    with tempfile.TemporaryDirectory() as d:
        srv = NatsServer(Path(d) / "js", monitor_port=free_tcp_port()).start()
        try:
            assert srv.proc is not None and srv.monitor_port is not None
            mon = Monitor(srv.monitor_port, srv.proc.pid)
            runs: list[dict[str, Any]] = []
            for n_targets, m in cases:
                # each case its own bucket contents: the previous case's leases expire first
                time.sleep(lease + 1 if runs else 0)
                r = run_case(mon, srv.url, n_targets, m, lease, procs, steady_s)
                print(_line(r), flush=True)
                runs.append(r)
            js = jetstream(mon, srv.url, publishers, procs, publish_s)
            print(f"JetStream: {js['msgs_per_s']:.0f} batches/s of {js['batch_bytes']} B = {js['mb_per_s']} MB/s "
                  f"({js['points_per_s']} points/s), nats-server {js['server_cpu_fraction']:.0%} of a core, "
                  f"{js['mb_per_server_cpu_s']} MB per server CPU-second; consumed {js['consumed']}/{js['published']}",
                  flush=True)
        finally:
            srv.stop()
    return {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu_count": os.cpu_count(),
            "nats_server": "Debian nats-server, one node, JetStream file store", "cases": runs, "jetstream": js}


def _m(st: dict[str, Any], way: str) -> str:
    at = st["model_at_renewal_period"]
    return f"{at[way + '_msgs_per_s']:.0f}" if at else "?"


def _line(r: dict[str, Any]) -> str:
    st = r["steady"]
    return (f"{r['targets']} targets x {r['instances']} instances, lease {r['lease_s']:g}s: cold start "
            f"{r['cold_start']['seconds']}s ({r['cold_start']['server_msgs']['in_msgs']} msgs in); steady "
            f"{st['lease_writes_per_s']:.0f} lease writes/s (renewal every {st['renewal_period_s']}s), "
            f"{st['in_msgs']:.0f} msgs/s in (model {_m(st, 'in')}), {st['out_msgs']:.0f} out (model {_m(st, 'out')}), {st['in_bytes'] / 1e3:.0f} kB/s in; "
            f"{st['cpu_ms_per_instance_round']} ms CPU per instance round; leave {r['leave']['seconds']}s "
            f"moved {r['leave']['moved']} (~{r['leave']['expected_about']}), crash {r['crash']['seconds']}s "
            f"moved {r['crash']['moved']}, join {r['join']['seconds']}s moved {r['join']['moved']} "
            f"(~{r['join']['expected_about']}); final exactly-once {r['final']['exactly_once']}, "
            f"not HRW {r['final']['not_the_hrw_owner']}")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m bench.cluster_sim", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small and fast (the test's mode); results not written")
    ap.add_argument("--cases", default="10000x20,2000x50", help="TARGETSxINSTANCES,...")
    ap.add_argument("--lease", type=float, default=10.0, help="lease period in seconds (tick = lease/3)")
    ap.add_argument("--procs", type=int, default=2, help="worker processes hosting the instances")
    ap.add_argument("--steady", type=float, default=15.0, help="measured steady-state seconds")
    ap.add_argument("--publish", type=float, default=8.0, help="JetStream publish seconds")
    ap.add_argument("--publishers", type=int, default=16, help="instances publishing at once")
    args = ap.parse_args(argv)
    if args.quick:
        cases, lease, steady, publish, publishers = [(300, 4)], 3.0, 3.0, 2.0, 4
    else:
        cases = [tuple(int(x) for x in c.split("x")) for c in args.cases.split(",")]  # type: ignore[misc]
        lease, steady, publish, publishers = args.lease, args.steady, args.publish, args.publishers
    result = simulate(cases, lease, args.procs, steady, publish, publishers)
    if not args.quick:
        RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
