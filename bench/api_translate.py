"""Device-API recordings translated per CPU-second: netrosetta vs a NAPALM-style dict walk, same run.

Workload: NAPALM's eAPI recordings (../shared/corpus/napalm/eos: get_interfaces_counters and
get_environment, JSON plus the `show processes top once` text). One recording translated = read,
decode JSON, build the dataset, translate through arista/eos-api.
Peer in the same process on the same files: json.loads and a hand-written walk copying the same
fields into dicts, plus a regex over top's header — what NAPALM's EOS getters do.

    python -m bench.api_translate [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.netconf_translate import cases, rate, write

IF_FIELDS = ("inOctets", "outOctets", "inUcastPkts", "outUcastPkts", "inMulticastPkts", "outMulticastPkts",
             "inBroadcastPkts", "outBroadcastPkts", "totalInErrors", "totalOutErrors", "inDiscards",
             "outDiscards")
TOP = re.compile(r"Cpu\(s\):.*?([\d.]+)%id.*?Mem:\s+(\d+)k total,\s+(\d+)k used", re.S)


def ours(folders: list[tuple[Path, str]]) -> Callable[[], int]:
    from netrosetta.collectors.api import dataset as apd
    from netrosetta.collectors.recording import Recording, engine_facts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import translate

    rs = RulebookSet.from_paths()

    def run() -> int:
        total = 0
        for folder, platform in folders:
            src = apd.from_recording(Recording.open(folder), platform)
            total += translate(apd.to_engine(src), engine_facts(src), rs).count()
        return total
    return run


def peer(folders: list[tuple[Path, str]]) -> Callable[[], int]:
    def run() -> int:
        total = 0
        for folder, _platform in folders:
            p = folder / "show_interfaces.json"
            if p.is_file():
                doc = json.loads(p.read_text())
                out = {}
                for name, itf in doc["interfaces"].items():
                    c = itf.get("interfaceCounters") or {}
                    out[name] = {f: c.get(f, -1) for f in IF_FIELDS}
                    total += len(IF_FIELDS)
            p = folder / "show_system_environment_temperature.json"
            if p.is_file():
                doc = json.loads(p.read_text())
                temps = {s["name"]: s["currentTemperature"] for s in doc.get("tempSensors", [])}
                for slot in doc.get("cardSlots", []) + doc.get("powerSupplySlots", []):
                    temps.update({s["name"]: s["currentTemperature"] for s in slot.get("tempSensors", [])})
                total += len(temps)
            p = folder / "show_processes_top_once.text"
            if p.is_file():
                m = TOP.search(p.read_text())
                if m:
                    total += 3
        return total
    return run


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args(argv)
    folders = cases("eos")
    r_ours, points = rate(ours(folders), args.seconds)
    r_peer, values = rate(peer(folders), args.seconds)
    n = len(folders)
    result = {"bench": "api_translate", "recordings": n, "unified_points_per_pass": points,
              "peer_values_per_pass": values,
              "ours_recordings_per_cpu_s": round(r_ours * n, 1), "peer_recordings_per_cpu_s": round(r_peer * n, 1),
              "ratio_ours_vs_peer": round(r_ours / r_peer, 3),
              "peer": "NAPALM-style json.loads + dict walk (+ regex over top), no rulebook, no schema"}
    write("api_translate", result, [
        ("source", "recordings", "ours rec/CPU-s", "peer rec/CPU-s", "ratio"),
        ("api", str(n), f"{r_ours * n:.1f}", f"{r_peer * n:.1f}", f"{r_ours / r_peer:.2f}")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
