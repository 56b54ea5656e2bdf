"""Arista EOS eAPI replies for the lab's API simulator, from the shared device state.

Only the keys the arista/eos-api rulebook reads, shaped as eAPI returns them (one JSON object per
command). `show interfaces` is computed when it is asked, so its counters are the ones the same
device's SNMP agent answers at that moment; `show version` is fixed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .state import DeviceState


def show_version(state: DeviceState) -> dict[str, object]:
    return {"modelName": "vEOS-lab", "version": "4.30.0F-lab", "serialNumber": "NRLAB0001",
            "hostname": state.name, "systemMacAddress": "52:54:00:aa:00:01"}


def show_interfaces(state: DeviceState, now: float | None = None) -> dict[str, Any]:
    ifs: dict[str, object] = {}
    for p in state.ports:
        c = state.counters(p, now)
        ifs[p.name] = {
            "name": p.name, "description": p.description, "hardware": "ethernet",
            "lineProtocolStatus": "up" if p.up else "down",
            "interfaceStatus": "connected" if p.up else "notconnect", "bandwidth": 1_000_000_000, "mtu": 1500,
            "interfaceCounters": {
                "inOctets": c["in-octets"], "outOctets": c["out-octets"],
                "inUcastPkts": c["in-unicast-pkts"], "outUcastPkts": c["out-unicast-pkts"],
                "inMulticastPkts": c["in-multicast-pkts"], "outMulticastPkts": c["out-multicast-pkts"],
                "inBroadcastPkts": c["in-broadcast-pkts"], "outBroadcastPkts": c["out-broadcast-pkts"],
                "totalInErrors": c["in-errors"], "totalOutErrors": c["out-errors"],
                "inDiscards": c["in-discards"], "outDiscards": c["out-discards"]},
        }
    return {"interfaces": ifs}


def write(folder: Path, state: DeviceState) -> None:
    """The fixed replies as a recording folder (the simulator serves files, computed answers aside)."""
    (folder / "show_version.json").write_text(json.dumps(show_version(state)))
