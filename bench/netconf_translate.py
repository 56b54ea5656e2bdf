"""NETCONF recordings translated per CPU-second: netrosetta vs a NAPALM-style parse, same run.

Workload: every NAPALM NETCONF recording in ../shared/corpus/napalm (Junos and IOS-XR,
get_interfaces_counters and get_environment cases). One "recording translated" = read its files,
parse the XML, build the dataset and translate it through the matched rulebook into unified points.

Peer, measured in the same process on the same files: what a NAPALM getter does — lxml parse of
each reply and a hand-written loop building a dict per interface / sensor with findtext for the
same fields (no rulebook, no unified schema). The ratio ours/peer is the figure to compare across
machines.

    python -m bench.netconf_translate [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAPALM = ROOT.parent / "shared" / "corpus" / "napalm"
RESULTS = Path(__file__).resolve().parent / "results"


def rate(fn: Callable[[], int], seconds: float) -> tuple[float, int]:
    """(recordings per CPU-second, points or values per recording) of fn() -> items made."""
    items = fn()                     # warm-up: rulebook compile, template caches
    n = 0
    t0 = time.process_time()
    while True:
        fn()
        n += 1
        dt = time.process_time() - t0
        if dt >= seconds:
            return n / dt, items


def write(name: str, result: dict[str, Any], rows: list[tuple[str, ...]]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def cases(driver: str) -> list[tuple[Path, str]]:
    platform = {"junos": "juniper_junos", "iosxr_netconf": "cisco_xr", "eos": "arista_eos",
                "ios": "cisco_ios"}[driver]
    return [(p, platform) for p in sorted((NAPALM / driver).glob("test_*/*")) if p.is_dir()]


def ours(folders: list[tuple[Path, str]]) -> Callable[[], int]:
    from netrosetta.collectors.netconf import dataset as ncd
    from netrosetta.collectors.recording import Recording, engine_facts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translate import translate

    rs = RulebookSet.from_paths()

    def run() -> int:
        total = 0
        for folder, platform in folders:
            src = ncd.from_recording(Recording.open(folder), platform)
            total += translate(ncd.to_engine(src), engine_facts(src), rs).count()
        return total
    return run


# NAPALM-style: per reply, rows and the fields a getter copies into its dict
PEER_FIELDS: dict[str, tuple[str, list[str]]] = {
    "get-interface-information": (".//physical-interface", [
        "traffic-statistics/input-bytes", "traffic-statistics/output-bytes",
        "ethernet-mac-statistics/input-unicasts", "ethernet-mac-statistics/output-unicasts",
        "ethernet-mac-statistics/input-multicasts", "ethernet-mac-statistics/output-multicasts",
        "ethernet-mac-statistics/input-broadcasts", "ethernet-mac-statistics/output-broadcasts",
        "input-error-list/input-errors", "output-error-list/output-errors",
        "input-error-list/input-discards", "output-error-list/output-drops"]),
    "get-route-engine-information": (".//route-engine", ["cpu-idle", "memory-dram-size",
                                                         "memory-buffer-utilization"]),
    "get-environment-information": (".//environment-item", ["class", "temperature"]),
    "pfi-im-cmd-oper_interfaces": (".//{*}full-interface-stats", [
        "{*}bytes-received", "{*}bytes-sent", "{*}packets-received", "{*}packets-sent",
        "{*}multicast-packets-received", "{*}multicast-packets-sent", "{*}broadcast-packets-received",
        "{*}broadcast-packets-sent", "{*}input-errors", "{*}output-errors", "{*}input-drops",
        "{*}output-drops"]),
    "wdsysmon-fd-oper_system-monitoring": (".//{*}cpu-utilization", ["{*}node-name", "{*}total-cpu-five-minute"]),
    "nto-misc-oper_memory-summary": (".//{*}node", ["{*}summary/{*}system-ram-memory",
                                                    "{*}summary/{*}free-physical-memory"]),
    "sysadmin-envmon-ui_environment": (".//{*}sensor_attributes", ["{*}sensor", "{*}temperature_value"]),
}


def peer(folders: list[tuple[Path, str]]) -> Callable[[], int]:
    from lxml import etree
    parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)

    def run() -> int:
        total = 0
        for folder, _platform in folders:
            for name, (rows, fields) in PEER_FIELDS.items():
                path = folder / f"{name}.xml"
                if not path.is_file() or path.stat().st_size == 0:
                    continue
                root = etree.fromstring(path.read_bytes(), parser)
                out = {}
                for i, row in enumerate(root.iterfind(rows)):
                    vals = {f: row.findtext(f) for f in fields}
                    out[i] = {k: int(v) if v and v.strip().isdigit() else v for k, v in vals.items()}
                    total += len(vals)
        return total
    return run


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args(argv)
    folders = cases("junos") + cases("iosxr_netconf")
    r_ours, points = rate(ours(folders), args.seconds)
    r_peer, values = rate(peer(folders), args.seconds)
    n = len(folders)
    result = {"bench": "netconf_translate", "recordings": n, "unified_points_per_pass": points,
              "peer_values_per_pass": values,
              "ours_recordings_per_cpu_s": round(r_ours * n, 1), "peer_recordings_per_cpu_s": round(r_peer * n, 1),
              "ratio_ours_vs_peer": round(r_ours / r_peer, 3),
              "peer": "NAPALM-style lxml parse + findtext into dicts (no rulebook, no schema)"}
    write("netconf_translate", result, [
        ("source", "recordings", "ours rec/CPU-s", "peer rec/CPU-s", "ratio"),
        ("netconf", str(n), f"{r_ours * n:.1f}", f"{r_peer * n:.1f}", f"{r_ours / r_peer:.2f}")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
