"""CPU per device for a full interface poll: SNMP walk + translation + OTLP export, against
Prometheus snmp_exporter scraping the same tables of the same snmpsim agent in the same run.

netrosetta: GETBULK of ifTable + ifXTable (+ sysUpTime, needed for counter start times) with the
native client, translation through the rulebook the device matches, OTLP encoding with start-time
state, and export over gRPC to a receiver in another process. snmp_exporter: the same two tables
(module if_mib, generated from ../shared/mibs), walk plus formatting, its process CPU.

    python -m bench.snmp_pipeline [--polls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.snmp_poll import COMMUNITY, IF_ROOTS, WALK, exporter_cost, poll_cost
from netrosetta.collectors.snmp.client import make_client
from netrosetta.collectors.snmp.credentials import SnmpV2cCredentials
from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.lab import snmpsim_agent, stop_process
from netrosetta.collectors.snmp.target import SnmpTarget
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.exporter.otlp import build_request
from netrosetta.exporter.sinks import OtlpGrpcSink
from netrosetta.exporter.start_times import StartTimes

RESULTS = Path(__file__).resolve().parent / "results" / "snmp_pipeline.json"
SYS_UPTIME_ROOT = "1.3.6.1.2.1.1.3"


async def ours(sim_port: int, otlp_port: int, polls: int) -> tuple[Any, dict[str, Any]]:
    rs = RulebookSet.from_paths()
    ds_full = SnmpDataset(read_snmprec(WALK).varbinds)
    facts = snmp_facts(ds_full, name="bench-iosxe", address="127.0.0.1")   # identification: once per device
    match = rs.match(facts, "snmp")
    assert match.chosen is not None
    tr = rs.translator(match.chosen)
    sink = OtlpGrpcSink(f"127.0.0.1:{otlp_port}", insecure=True, timeout=10)
    state = StartTimes()
    prev: dict[str, int] = {}
    seen = {"points": 0, "exported": 0}

    def on_poll(varbinds: list[Any]) -> None:
        ds = SnmpDataset(varbinds)
        up = ds.scalar("1.3.6.1.2.1.1.3")
        facts.sys_uptime = up if isinstance(up, int) else None
        t = tr.translate(ds, facts, match=match)
        if sink.export(build_request([t], state, prev)):
            seen["exported"] += 1
        seen["points"] = t.count()

    target = SnmpTarget(host="127.0.0.1", port=sim_port, version="2c", timeout=5, retries=2, max_repetitions=25,
                        credentials=SnmpV2cCredentials(community=f"literal:{COMMUNITY}"))
    try:
        cost = await poll_cost("netrosetta poll+translate+export", lambda: make_client(target, "native"),
                               [*IF_ROOTS, SYS_UPTIME_ROOT], polls, on_poll)
    finally:
        sink.shutdown()
    return cost, {"rulebook": f"{match.chosen.id}@{match.chosen.version}", **seen}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m bench.snmp_pipeline", description=__doc__.split("\n")[0])
    ap.add_argument("--polls", type=int, default=20)
    args = ap.parse_args(argv)
    if not WALK.is_file():
        raise SystemExit(f"{WALK} is absent (the shared corpus is not beside this clone)")
    receiver = subprocess.Popen([sys.executable, "-m", "bench._otlp_sink"], stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parent.parent, start_new_session=True)
    try:
        assert receiver.stdout is not None
        otlp_port = int(receiver.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="bench-pipe-") as tmp, snmpsim_agent({COMMUNITY: WALK}) as agent:
            mine, info = asyncio.run(ours(agent.port, otlp_port, args.polls))
            exp, how = exporter_cost(agent.port, args.polls, Path(tmp))
    finally:
        stop_process(receiver)
    ratio = mine.cpu_s_per_poll / exp.cpu_s_per_poll
    print(f"Interface poll of {WALK.name} via snmpsim: CPU seconds per device per poll")
    print(f"{'pipeline':36} {'polls':>5} {'CPU s/poll':>11} {'values':>7}")
    for r in (mine, exp):
        print(f"{r.name:36} {r.polls:5d} {r.cpu_s_per_poll:11.4f} {r.varbinds_per_poll:7d}")
    print(f"ratio netrosetta / snmp_exporter = {ratio:.2f} (goal < 1.0); "
          f"{info['points']} unified points per poll via {info['rulebook']}, {info['exported']} exports accepted")
    result = {"bench": "snmp_pipeline", "walk": WALK.name, "exporter_config": how,
              "netrosetta": asdict(mine), "snmp_exporter": asdict(exp), "ratio_cpu_vs_snmp_exporter": round(ratio, 3),
              **info}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
