"""Synthetic Arista EOS eAPI replies for the lab's API simulator (seeded, counters grow).

Only the keys the arista/eos-api rulebook reads, shaped as eAPI returns them (JSON, one object per
command). Written into a NAPALM-layout folder (`show_interfaces.json`, `show_version.json`) that
the API collector's simulator serves, refreshed every few seconds.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

START = time.time()


def show_version() -> dict[str, object]:
    return {"modelName": "vEOS-lab", "version": "4.30.0F-lab", "serialNumber": "NRLAB0001",
            "hostname": "lab-eos-1", "systemMacAddress": "52:54:00:aa:00:01"}


def show_interfaces(ports: int = 4, seed: int = 5) -> dict[str, object]:
    rnd = random.Random(seed)
    elapsed = time.time() - START
    ifs: dict[str, object] = {}
    for i in range(1, ports + 1):
        rate = rnd.randint(50_000, 5_000_000)
        in_oct = rnd.randint(10**9, 10**11) + int(rate * elapsed)
        out_oct = rnd.randint(10**9, 10**11) + int(rate * 0.7 * elapsed)
        up = i != ports
        ifs[f"Ethernet{i}"] = {
            "name": f"Ethernet{i}", "lineProtocolStatus": "up" if up else "down",
            "interfaceStatus": "connected" if up else "notconnect", "bandwidth": 10_000_000_000, "mtu": 9214,
            "interfaceCounters": {
                "inOctets": in_oct, "outOctets": out_oct,
                "inUcastPkts": in_oct // 800, "outUcastPkts": out_oct // 800,
                "inMulticastPkts": in_oct // 80_000, "outMulticastPkts": out_oct // 80_000,
                "inBroadcastPkts": in_oct // 800_000, "outBroadcastPkts": out_oct // 800_000,
                "totalInErrors": rnd.randint(0, 4), "totalOutErrors": 0,
                "inDiscards": rnd.randint(0, 20), "outDiscards": rnd.randint(0, 5)},
        }
    return {"interfaces": ifs}


def write(folder: Path) -> None:
    for name, doc in (("show_version.json", show_version()), ("show_interfaces.json", show_interfaces())):
        tmp = folder / (name + ".tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(folder / name)   # the simulator never reads half a file
