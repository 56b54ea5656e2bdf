"""One simulated device's state behind every source the lab serves it over (SNMP, gNMI, CLI).

Counters are linear in wall-clock time — ``base + rate * (now - start)`` — so each simulator
computes the value at the moment it answers, and two sources read a second apart differ by what a
second of traffic explains (what `netrosetta reconcile` allows). Gauges (CPU, memory,
temperature) hold still. `lab-r1`'s interfaces are IOS-style: SNMP's ifName prints the short form
(`Gi0/1`) as IOS does, gNMI and the CLI the long one — the abbreviation reconcile has to see
through. `lab-eos-1` (SNMP + eAPI) and `lab-mx-1` (SNMP + NETCONF) are two more devices named as
EOS and Junos name their ports, which print one spelling everywhere.
Seeded: the same seed gives the same device.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# OpenConfig counter names (the gNMI simulator's); SNMP and CLI are derived from the same numbers
COUNTERS = ("in-octets", "out-octets", "in-unicast-pkts", "out-unicast-pkts", "in-multicast-pkts",
            "out-multicast-pkts", "in-broadcast-pkts", "out-broadcast-pkts", "in-errors", "out-errors",
            "in-discards", "out-discards")


@dataclass(frozen=True)
class Port:
    name: str                       # GigabitEthernet0/1
    short: str                      # Gi0/1 (SNMP ifName on IOS)
    index: int
    up: bool
    description: str
    base: dict[str, int]
    rate: dict[str, int]            # per second; 0 for a down port and for errors/discards


@dataclass(frozen=True)
class DeviceState:
    name: str
    start: int                      # epoch seconds the counters were at base
    ports: tuple[Port, ...]
    cpu: dict[str, int] = field(default_factory=dict)            # processor -> percent
    temperature: dict[str, float] = field(default_factory=dict)  # sensor name -> Celsius (tenths)
    memory: tuple[int, int] = (8 * 2 ** 30, 3 * 2 ** 30)         # physical, used bytes

    def counters(self, port: Port, now: float | None = None) -> dict[str, int]:
        t = (time.time() if now is None else now) - self.start
        return {c: port.base[c] + int(port.rate[c] * t) for c in COUNTERS}

    def with_port(self, index: int, **changes: Any) -> DeviceState:
        """A copy with one port changed (tests corrupt one source this way)."""
        return replace(self, ports=tuple(replace(p, **changes) if p.index == index else p for p in self.ports))

    def gnmi_json(self) -> dict[str, Any]:
        """What `python -m netrosetta.collectors.gnmi.lab --state FILE` reads."""
        return {
            "name": self.name, "start": self.start,
            "interfaces": [{"name": p.name, "ifindex": p.index, "description": p.description,
                            "oper_status": "UP" if p.up else "DOWN", "speed_bps": 1_000_000_000,
                            "base": p.base, "rate": p.rate} for p in self.ports],
            "cpu": self.cpu, "temperature": self.temperature,
            "memory": {"physical": self.memory[0], "used": self.memory[1]},
        }

    def write_gnmi(self, path: Path) -> Path:
        path.write_text(json.dumps(self.gnmi_json()))
        return path


# port naming per platform: (name, SNMP ifName) of port i (1-based)
NAMING = {
    "ios": lambda i: (f"GigabitEthernet0/{i}", f"Gi0/{i}"),
    "eos": lambda i: (f"Ethernet{i}", f"Ethernet{i}"),
    "junos": lambda i: (f"ge-0/0/{i - 1}", f"ge-0/0/{i - 1}"),
}


def lab_device(name: str = "lab-r1", ports: int = 4, seed: int = 11, start: int | None = None,
               naming: str = "ios") -> DeviceState:
    rnd = random.Random(seed)
    out = []
    for i in range(1, ports + 1):
        up = i != ports                         # the last port is down
        octets = rnd.randint(20_000, 2_000_000) if up else 0
        rate = {"in-octets": octets, "out-octets": octets * 6 // 10,
                "in-unicast-pkts": octets // 700, "out-unicast-pkts": octets // 1100,
                "in-multicast-pkts": octets // 90_000, "out-multicast-pkts": octets // 120_000,
                "in-broadcast-pkts": octets // 400_000, "out-broadcast-pkts": octets // 600_000,
                "in-errors": 0, "out-errors": 0, "in-discards": 0, "out-discards": 0}
        base = {c: rnd.randint(10**8, 10**10) if "octets" in c else
                rnd.randint(10**5, 10**7) if "pkts" in c else rnd.randint(0, 9) for c in COUNTERS}
        out.append(Port(*NAMING[naming](i), i, up, f"{name} port {i}" if i != 2 else "", base, rate))
    return DeviceState(name=name, start=int(time.time()) if start is None else start, ports=tuple(out),
                       cpu={"1": rnd.randint(5, 40)},
                       temperature={"Inlet": rnd.randint(220, 300) / 10, "CPU": rnd.randint(380, 560) / 10})


def lab_eos(start: int | None = None) -> DeviceState:
    """The lab's Arista device, served over SNMP and eAPI."""
    return lab_device("lab-eos-1", seed=5, start=start, naming="eos")


def lab_junos(start: int | None = None) -> DeviceState:
    """The lab's Juniper device, served over SNMP and NETCONF."""
    return lab_device("lab-mx-1", seed=3, start=start, naming="junos")
