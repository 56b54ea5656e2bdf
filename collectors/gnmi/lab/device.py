"""A simulated device's state: leaves that move with time (counters grow, CPU and temperature wobble).

Values are deterministic functions of elapsed seconds so tests can predict them. Leaves are kept in
the collector's normalised form ``(origin, path, keys, value)``; the server encodes them per request.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netrosetta.engine.pathgrammar import Keys, canonical_origin


@dataclass(frozen=True)
class Dec:
    """A decimal64 on the wire (digits, precision)."""

    digits: int
    precision: int

    def __float__(self) -> float:
        return self.digits / 10 ** self.precision


SimLeaf = tuple[str, str, Keys, Any]

# Native interface counter trees (origin, path to the counters, keyed element, key, (leaf, source
# counter)), as published in the vendors' models; the simulator's stand-ins for those devices.
_CAST = (("in-octets", "in-octets"), ("out-octets", "out-octets"))
NATIVE_TABLES: dict[str, tuple[str, str, str, str, tuple[tuple[str, str], ...]]] = {
    "xr": ("Cisco-IOS-XR-infra-statsd-oper", "/infra-statistics/interfaces/interface/latest/generic-counters",
           "interface", "interface-name",
           (("bytes-received", "in-octets"), ("bytes-sent", "out-octets"),
            ("multicast-packets-received", "in-multicast-pkts"), ("input-errors", "in-errors"))),
    "xe": ("Cisco-IOS-XE-interfaces-oper", "/interfaces/interface/statistics", "interface", "name",
           (*_CAST, ("in-unicast-pkts", "in-unicast-pkts"), ("out-discards", "out-discards"))),
    "sros": ("", "/state/port/statistics", "port", "port-id",
             (*_CAST, ("in-unicast-packets", "in-unicast-pkts"), ("out-errors", "out-errors"))),
}

OC_COUNTERS = ("in-octets", "out-octets", "in-pkts", "out-pkts", "in-unicast-pkts", "out-unicast-pkts",
               "in-multicast-pkts", "out-multicast-pkts", "in-broadcast-pkts", "out-broadcast-pkts",
               "in-errors", "out-errors", "in-discards", "out-discards")


@dataclass
class Interface:
    name: str
    ifindex: int
    base: dict[str, int] = field(default_factory=dict)      # counter -> value at t=0
    rate: dict[str, int] = field(default_factory=dict)      # counter -> growth per second
    oper_status: str = "UP"
    admin_status: str = "UP"
    speed_bps: int = 10_000_000_000
    description: str = ""
    if_type: str = "ethernetCsmacd"                          # IANAifType name (state/type)


@dataclass
class SimDevice:
    name: str = "sim1"
    interfaces: list[Interface] = field(default_factory=list)
    native: str | None = None          # "srl" / "eos" / "xr" / "xe" / "sros": native counters too
    start: float = field(default_factory=time.time)
    frozen: bool = False               # counters stay at their base values (parity tests)
    # a device state from a file (from_state): counters follow wall-clock time to the fraction of
    # a second and gauges hold the state's values, so another source's simulator of the same state
    # answers the same numbers (the lab's cross-source reconciliation)
    gauges: dict[str, Any] | None = None

    @classmethod
    def generated(cls, n: int = 4, name: str = "sim1", native: str | None = None) -> SimDevice:
        ifs = []
        for i in range(n):
            it = Interface(f"Ethernet{i + 1}", i + 1)
            for j, c in enumerate(OC_COUNTERS):
                it.base[c] = (i + 1) * 1_000_000 + j * 1000
                quiet = "error" in c or "discard" in c
                it.rate[c] = 0 if quiet else (i + 1) * (1000 if "octets" in c else 10)
            ifs.append(it)
        return cls(name=name, interfaces=ifs, native=native)

    @classmethod
    def from_snmp_walk(cls, path: str | Path, name: str = "sim1") -> SimDevice:
        """The same interfaces and counter values as a recorded SNMP walk (for parity tests)."""
        from netrosetta.collectors.snmp.varbind import read_snmprec
        from netrosetta.engine.mib_index import MibIndex

        walk = read_snmprec(path)
        cols: dict[str, dict[int, Any]] = {}
        names = {"1.3.6.1.2.1.31.1.1.1.1": "ifName", "1.3.6.1.2.1.31.1.1.1.6": "in-octets",
                 "1.3.6.1.2.1.31.1.1.1.10": "out-octets", "1.3.6.1.2.1.31.1.1.1.7": "in-unicast-pkts",
                 "1.3.6.1.2.1.31.1.1.1.11": "out-unicast-pkts", "1.3.6.1.2.1.2.2.1.14": "in-errors",
                 "1.3.6.1.2.1.2.2.1.20": "out-errors", "1.3.6.1.2.1.2.2.1.13": "in-discards",
                 "1.3.6.1.2.1.2.2.1.19": "out-discards", "1.3.6.1.2.1.2.2.1.8": "oper",
                 "1.3.6.1.2.1.31.1.1.1.8": "in-multicast-pkts",
                 "1.3.6.1.2.1.31.1.1.1.12": "out-multicast-pkts",
                 "1.3.6.1.2.1.31.1.1.1.9": "in-broadcast-pkts",
                 "1.3.6.1.2.1.31.1.1.1.13": "out-broadcast-pkts", "1.3.6.1.2.1.31.1.1.1.18": "alias",
                 "1.3.6.1.2.1.2.2.1.3": "type"}
        # 32-bit ifTable columns stand in where a row has no 64-bit ifXTable counter, as the
        # device itself would report one value per counter
        fallback = {"1.3.6.1.2.1.2.2.1.10": "in-octets", "1.3.6.1.2.1.2.2.1.16": "out-octets",
                    "1.3.6.1.2.1.2.2.1.11": "in-unicast-pkts", "1.3.6.1.2.1.2.2.1.17": "out-unicast-pkts",
                    "1.3.6.1.2.1.31.1.1.1.2": "in-multicast-pkts", "1.3.6.1.2.1.31.1.1.1.3": "in-broadcast-pkts",
                    "1.3.6.1.2.1.31.1.1.1.4": "out-multicast-pkts", "1.3.6.1.2.1.31.1.1.1.5": "out-broadcast-pkts",
                    "1.3.6.1.2.1.2.2.1.7": "admin"}
        low: dict[str, dict[int, Any]] = {}
        for oid, _tag, value in walk.varbinds:
            col, _, idx = oid.rpartition(".")
            if col in names and idx.isdigit():
                cols.setdefault(names[col], {})[int(idx)] = value
            elif col in fallback and idx.isdigit():
                low.setdefault(fallback[col], {})[int(idx)] = value
        for name, rows in low.items():
            for idx, v in rows.items():
                cols.setdefault(name, {}).setdefault(idx, v)
        oper = {1: "UP", 2: "DOWN", 3: "TESTING", 4: "UNKNOWN", 5: "DORMANT", 6: "NOT_PRESENT", 7: "LOWER_LAYER_DOWN"}
        iana_types = MibIndex.default().resolve("IF-MIB::ifType").enums
        ifs = []
        for idx, ifname in sorted(cols.get("ifName", {}).items()):
            text = ifname.decode("utf-8", "replace") if isinstance(ifname, bytes) else str(ifname)
            it = Interface(text, idx)
            for c in OC_COUNTERS:
                v = cols.get(c, {}).get(idx)
                if isinstance(v, int):
                    it.base[c] = v
                    it.rate[c] = 0
            op = cols.get("oper", {}).get(idx)
            it.oper_status = oper.get(op, "UNKNOWN") if isinstance(op, int) else "UNKNOWN"
            ad = cols.get("admin", {}).get(idx)
            it.admin_status = {1: "UP", 2: "DOWN", 3: "TESTING"}.get(ad, "UP") if isinstance(ad, int) else "UP"
            alias = cols.get("alias", {}).get(idx)
            it.description = alias.decode("utf-8", "replace") if isinstance(alias, bytes) else str(alias or "")
            code = cols.get("type", {}).get(idx)
            it.if_type = iana_types.get(code, str(code)) if isinstance(code, int) else it.if_type
            ifs.append(it)
        return cls(name=name, interfaces=ifs, frozen=True)

    @classmethod
    def from_state(cls, path: str | Path) -> SimDevice:
        """The device a state file describes (service/lab/state.py writes it)."""
        import json

        doc = json.loads(Path(path).read_text())
        ifs = [Interface(i["name"], int(i["ifindex"]), {k: int(v) for k, v in i["base"].items()},
                         {k: int(v) for k, v in i["rate"].items()}, i.get("oper_status", "UP"),
                         description=i.get("description", ""), speed_bps=int(i.get("speed_bps", 10**10)))
               for i in doc["interfaces"]]
        gauges = {"cpu": doc.get("cpu", {}), "temperature": doc.get("temperature", {}),
                  "memory": doc.get("memory", {})}
        return cls(name=doc.get("name", "sim1"), interfaces=ifs, start=float(doc["start"]), gauges=gauges)

    def counter(self, it: Interface, name: str, now: float | None = None) -> int:
        if self.gauges is not None:
            return it.base.get(name, 0) + int(it.rate.get(name, 0) * ((now or time.time()) - self.start))
        return it.base.get(name, 0) + it.rate.get(name, 0) * self.elapsed(now)

    def elapsed(self, now: float | None = None) -> int:
        return 0 if self.frozen else int((now or time.time()) - self.start)

    def leaves(self, now: float | None = None) -> list[SimLeaf]:
        t = self.elapsed(now)
        out: list[SimLeaf] = []
        oc = "openconfig"
        for it in self.interfaces:
            k: Keys = (("interface", "name", it.name),)
            st = "/interfaces/interface/state"
            out.append((oc, "/interfaces/interface/name", k, it.name))
            out.append((oc, f"{st}/name", k, it.name))
            out.append((oc, f"{st}/ifindex", k, it.ifindex))
            out.append((oc, f"{st}/type", k, f"iana-if-type:{it.if_type}"))
            out.append((oc, f"{st}/oper-status", k, it.oper_status))
            out.append((oc, f"{st}/admin-status", k, it.admin_status))
            out.append((oc, f"{st}/description", k, it.description))
            for c in it.base:
                out.append((oc, f"{st}/counters/{c}", k, self.counter(it, c, now)))
            out.append((oc, "/interfaces/interface/ethernet/state/port-speed", k, "SPEED_10GB"))
            if self.native == "srl":
                nk: Keys = (("interface", "name", it.name),)
                for c in ("in-octets", "out-octets", "in-unicast-packets", "out-unicast-packets"):
                    src = c.replace("packets", "pkts")
                    out.append(("srl_nokia-interfaces", f"/interface/statistics/{c}", nk,
                                it.base.get(src, 0) + it.rate.get(src, 0) * t))
            layout = NATIVE_TABLES.get(self.native or "")
            if layout is not None:
                origin, list_path, elem, key, leaves = layout
                nk2: Keys = ((elem, key, it.name),)
                for c, src in leaves:
                    out.append((canonical_origin(origin), f"{list_path}/{c}", nk2, it.base.get(src, 0) + it.rate.get(src, 0) * t))
            if self.native == "eos":
                smash = f"/Smash/counters/ethIntf/FocalPointV2/current/counter/{it.name}/statistics"
                for c, src in (("inOctets", "in-octets"), ("outOctets", "out-octets"),
                               ("inUcastPkts", "in-unicast-pkts"), ("outUcastPkts", "out-unicast-pkts")):
                    out.append(("eos_native", f"{smash}/{c}", (), it.base.get(src, 0) + it.rate.get(src, 0) * t))
        if self.gauges is not None:
            out += self._state_gauges()
        elif not self.frozen:
            cpu = 20 + int(10 * math.sin(t / 30))
            ck: Keys = (("component", "name", "CPU0"),)
            out.append((oc, "/components/component/cpu/utilization/state/instant", ck, cpu))
            tk: Keys = (("component", "name", "TEMP1"),)
            out.append((oc, "/components/component/state/temperature/instant", tk,
                        Dec(400 + (t % 20), 1)))
            out.append((oc, "/system/memory/state/physical", (), 8 * 2 ** 30))
            out.append((oc, "/system/memory/state/used", (), 3 * 2 ** 30 + 4096 * (t % 100)))
        return out

    def _state_gauges(self) -> list[SimLeaf]:
        g = self.gauges or {}
        oc = "openconfig"
        out: list[SimLeaf] = []
        for name, pct in g.get("cpu", {}).items():
            out.append((oc, "/components/component/cpu/utilization/state/instant",
                        (("component", "name", f"CPU{name}"),), int(pct)))
        for name, celsius in g.get("temperature", {}).items():
            out.append((oc, "/components/component/state/temperature/instant",
                        (("component", "name", name),), Dec(round(float(celsius) * 10), 1)))
        mem = g.get("memory", {})
        if mem:
            out.append((oc, "/system/memory/state/physical", (), int(mem["physical"])))
            out.append((oc, "/system/memory/state/used", (), int(mem["used"])))
        return out
