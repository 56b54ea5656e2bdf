"""CPU seconds per poll of ifTable + ifXTable of the corpus IOS-XE walk, served by snmpsim.

Peers in the same run, against the same snmpsim agent:
- netrosetta native client (our BER codec, v2c) — what ``make_client(..., "auto")`` picks for v2c
- pysnmp 7 (what ``make_client`` picks for v3)
- gufo-snmp (Rust core; untyped values, so only a reference, see collectors/snmp/client.py)
- Prometheus snmp_exporter (Go) scraping module ``if_mib`` (same two tables, max_repetitions 25)

What is counted: our process's user+system CPU (``getrusage(RUSAGE_SELF)``), which excludes the
snmpsim child; for snmp_exporter, its process's utime+stime from /proc/<pid>/stat. The first poll
of each client is a warm-up (socket, v3 discovery, OID cache) and is not counted.

``poll_cost`` is the reusable part: pass ``on_poll`` to add translate+export cost to each poll.

    python -m bench.snmp_poll [--polls N] [--pysnmp-polls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from netrosetta.collectors.snmp.client import make_client
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials, SnmpV3Credentials
from netrosetta.collectors.snmp.gufo_client import GufoWalker
from netrosetta.collectors.snmp.lab import SimV3User, free_udp_port, snmpsim_agent, stop_process
from netrosetta.collectors.snmp.target import SnmpTarget

ROOT = Path(__file__).resolve().parent.parent
WALK = ROOT.parent / "shared" / "corpus" / "snmp" / "iosxe_c9300.snmprec"
MIBS = ROOT.parent / "shared" / "mibs"
EXPORTER_DIR = Path(__file__).resolve().parent / "snmp_exporter"
RESULTS = Path(__file__).resolve().parent / "results" / "snmp_poll.json"
IF_ROOTS = ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"]
COMMUNITY = "public"
V3_USER = SimV3User("bench", "bench-auth-key", "bench-priv-key", "SHA256", "AES")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Walker(Protocol):
    async def walk(self, root: str) -> Sequence[Any]: ...
    async def close(self) -> None: ...


@dataclass
class PollCost:
    name: str
    polls: int
    cpu_s_per_poll: float
    wall_s_per_poll: float
    varbinds_per_poll: int


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def poll_cost(name: str, make: Callable[[], Walker], roots: Sequence[str], polls: int,
                    on_poll: Callable[[list[Any]], Awaitable[None] | None] | None = None) -> PollCost:
    """CPU of this process per poll of ``roots`` (+ ``on_poll`` work, e.g. translate and export).

    One client for all polls, as a long-running collector would keep it; one uncounted warm-up.
    """
    client = make()
    try:
        count = 0
        for i in range(polls + 1):
            if i == 1:
                cpu0, wall0 = _self_cpu(), time.perf_counter()
            got: list[Any] = []
            walk_many = getattr(client, "walk_many", None)
            if walk_many is not None:  # what poll.walk_roots does for the native client
                got.extend(await walk_many(list(roots)))
            else:
                for root in roots:
                    got.extend(await client.walk(root))
            if on_poll is not None:
                res = on_poll(got)
                if res is not None:
                    await res
            count = len(got)
        cpu, wall = _self_cpu() - cpu0, time.perf_counter() - wall0
    finally:
        await client.close()
    return PollCost(name, polls, cpu / polls, wall / polls, count)


def _proc_cpu(pid: int) -> float:
    # fields after the parenthesised command name: utime is the 14th field, stime the 15th
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def exporter_config(tmp: Path) -> tuple[Path, str]:
    """snmp.yml generated from ../shared/mibs now if possible, else the committed copy."""
    gen = shutil.which("prometheus-snmp-generator")
    if gen and MIBS.is_dir():
        shutil.copy(EXPORTER_DIR / "generator.yml", tmp / "generator.yml")
        proc = subprocess.run([gen, "generate", "-o", str(tmp / "snmp.yml")], cwd=tmp, capture_output=True,
                              env={**os.environ, "MIBDIRS": str(MIBS)}, timeout=60, check=False)
        if proc.returncode == 0:
            return tmp / "snmp.yml", "generated now by prometheus-snmp-generator from ../shared/mibs"
    return EXPORTER_DIR / "snmp.yml", "committed bench/snmp_exporter/snmp.yml"


def exporter_cost(sim_port: int, scrapes: int, tmp: Path) -> tuple[PollCost, str]:
    """CPU of snmp_exporter per scrape of module if_mib (max_repetitions 25), and how snmp.yml was made."""
    rows, how = exporter_costs(sim_port, scrapes, tmp, EXPORTER_MODULES[:1])
    return rows[0], how


EXPORTER_MODULES = (("if_mib", "snmp_exporter (Go)"), ("if_mib_r50", "snmp_exporter max_rep 50"))


def start_exporter(config: Path) -> tuple[subprocess.Popen[bytes], int]:
    """snmp_exporter on a free loopback port, answering: (process, web port)."""
    exe = shutil.which("prometheus-snmp-exporter") or shutil.which("snmp_exporter")
    if not exe:
        raise SystemExit("prometheus-snmp-exporter not installed (Debian package prometheus-snmp-exporter)")
    port = free_udp_port()  # a free TCP port is very likely free too; startup failure is reported below
    proc = subprocess.Popen([exe, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                raise SystemExit("snmp_exporter did not start") from None
            time.sleep(0.1)


def exporter_costs(sim_port: int, scrapes: int, tmp: Path,
                   modules: Sequence[tuple[str, str]] = EXPORTER_MODULES) -> tuple[list[PollCost], str]:
    """One snmp_exporter process, ``scrapes`` counted scrapes per (module, label)."""
    config, how = exporter_config(tmp)
    proc, port = start_exporter(config)
    base = f"http://127.0.0.1:{port}/snmp?target=127.0.0.1:{sim_port}&module="
    rows = []
    try:
        for module, label in modules:
            samples = 0
            for i in range(scrapes + 1):
                if i == 1:
                    cpu0, wall0 = _proc_cpu(proc.pid), time.perf_counter()
                body = urllib.request.urlopen(base + module, timeout=60).read().decode()
                samples = sum(1 for line in body.splitlines() if line.startswith("if"))
            cpu, wall = _proc_cpu(proc.pid) - cpu0, time.perf_counter() - wall0
            rows.append(PollCost(label, scrapes, cpu / scrapes, wall / scrapes, samples))
    finally:
        stop_process(proc)
    return rows, how


class _OneByOne:
    """Hides walk_many: each root walked alone (its table columns still get lanes of their own)."""

    def __init__(self, client: Walker) -> None:
        self._client = client

    async def walk(self, root: str) -> Sequence[Any]:
        return await self._client.walk(root)

    async def close(self) -> None:
        await self._client.close()


async def run(polls: int, pysnmp_polls: int, sim_port: int) -> list[PollCost]:
    target = SnmpTarget(host="127.0.0.1", port=sim_port, version="2c", timeout=5, retries=2,
                        max_repetitions=25, credentials=SnmpV2cCredentials(community=f"literal:{COMMUNITY}"))
    v3 = SnmpTarget(host="127.0.0.1", port=sim_port, version="3", timeout=5, retries=2, max_repetitions=25,
                    credentials=SnmpV3Credentials(
                        user=V3_USER.user, auth_protocol="SHA256", auth_key=f"literal:{V3_USER.auth_key}",
                        priv_protocol="AES", priv_key=f"literal:{V3_USER.priv_key}", context_name=COMMUNITY))
    return [
        await poll_cost("netrosetta native (v2c)", lambda: make_client(target, "native"), IF_ROOTS, polls),
        await poll_cost("native, walk() per root", lambda: _OneByOne(make_client(target, "native")),
                        IF_ROOTS, polls),
        await poll_cost("gufo-snmp (untyped)", lambda: GufoWalker(target), IF_ROOTS, polls),
        await poll_cost("pysnmp 7", lambda: make_client(target, "pysnmp"), IF_ROOTS, pysnmp_polls),
        await poll_cost("netrosetta native (v3 SHA256/AES)", lambda: make_client(v3, "native"), IF_ROOTS, polls),
        await poll_cost("pysnmp 7 (v3 SHA256/AES)", lambda: make_client(v3, "pysnmp"), IF_ROOTS, pysnmp_polls),
    ]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m bench.snmp_poll", description=__doc__.split("\n")[0])
    ap.add_argument("--polls", type=int, default=20)
    ap.add_argument("--pysnmp-polls", type=int, default=5)
    args = ap.parse_args(argv)
    if not WALK.is_file():
        raise SystemExit(f"{WALK} is absent (the shared corpus is not beside this clone)")
    with tempfile.TemporaryDirectory(prefix="bench-snmp-") as tmp, \
            snmpsim_agent({COMMUNITY: WALK}, v3_users=[V3_USER]) as agent:
        rows = asyncio.run(run(args.polls, args.pysnmp_polls, agent.port))
        exp, how = exporter_costs(agent.port, args.polls, Path(tmp))
    rows.extend(exp)
    ref = exp[0].cpu_s_per_poll
    print(f"SNMP poll of ifTable+ifXTable, {WALK.name} via snmpsim (CPU of the poller only)")
    print(f"{'poller':34} {'polls':>5} {'CPU s/poll':>11} {'wall s/poll':>12} {'values':>7} "
          f"{'CPU vs exporter':>16}")
    for r in rows:
        ratio = r.cpu_s_per_poll / ref if ref else float("nan")
        print(f"{r.name:34} {r.polls:5d} {r.cpu_s_per_poll:11.4f} {r.wall_s_per_poll:12.3f} "
              f"{r.varbinds_per_poll:7d} {ratio:15.2f}x")
    print(f"snmp_exporter config: {how}; values = varbinds (exporter: samples)")
    result = {
        "bench": "snmp_poll",
        "walk": WALK.name,
        "roots": IF_ROOTS,
        "exporter_config": how,
        "clock_ticks_per_s": CLK_TCK,
        "rows": [{**asdict(r), "cpu_ratio_vs_snmp_exporter": (r.cpu_s_per_poll / ref if ref else None)}
                 for r in rows],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
