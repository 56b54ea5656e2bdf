"""Generate the lab switch's SNMP recording (synthetic, seeded — not a copy of any real device).

    python -m netrosetta.service.lab.make_snmprec [--ports 8] [--seed 7] [--static] > lab-switch.snmprec

By default counters and sysUpTime use snmpsim's ``numeric`` variation, so they grow while the
agent runs and restart from their base when it restarts (a reboot, as far as a poller can tell).
``--static`` writes fixed values (tests that want exact numbers).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from .state import DeviceState

SYS = "1.3.6.1.2.1.1"
IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
HR_CPU = "1.3.6.1.2.1.25.3.3.1.2"
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
ENT = "1.3.6.1.2.1.47.1.1.1.1"
SENSOR = "1.3.6.1.2.1.99.1.1.1"  # entPhySensorEntry
# net-snmp's generic Linux sysObjectID: the generic/snmp rulebook (standard MIBs) applies
SYS_OBJECT_ID = "1.3.6.1.4.1.8072.3.2.10"


def _hex(text: str) -> str:
    return text.encode().hex()


def counter(oid: str, tag: int, base: int, rate: int, static: bool) -> str:
    if static:
        return f"{oid}|{tag}|{base}"
    # value = base + rate * seconds since the agent started
    return f"{oid}|{tag}:numeric|rate={rate},offset={base}"


def records(ports: int, seed: int, static: bool, name: str) -> Iterator[str]:
    rnd = random.Random(seed)
    yield f"{SYS}.1.0|4x|{_hex(f'netrosetta lab switch {ports}x10G, synthetic agent (seed {seed})')}"
    yield f"{SYS}.2.0|6|{SYS_OBJECT_ID}"
    yield f"{SYS}.3.0|67|{360000}" if static else f"{SYS}.3.0|67:numeric|rate=100,offset=0"
    yield f"{SYS}.4.0|4|noc@example.net"
    yield f"{SYS}.5.0|4|{name}"
    yield f"{SYS}.6.0|4|netrosetta lab, rack 1"
    idx = list(range(1, ports + 1))
    up = {i: (rnd.random() > 0.2) for i in idx}
    rates = {i: (rnd.randint(10_000, 5_000_000) if up[i] else 0) for i in idx}
    cols: list[tuple[int, str]] = []
    for i in idx:
        cols += [
            (1, f"{IF}.1.{i}|2|{i}"),
            (2, f"{IF}.2.{i}|4|Ethernet{i}"),
            (3, f"{IF}.3.{i}|2|6"),
            (4, f"{IF}.4.{i}|2|9216"),
            (5, f"{IF}.5.{i}|66|4294967295"),
            (6, f"{IF}.6.{i}|4x|02000000{i:04x}"),
            (7, f"{IF}.7.{i}|2|1"),
            (8, f"{IF}.8.{i}|2|{1 if up[i] else 2}"),
            (13, f"{IF}.13.{i}|65|{rnd.randint(0, 50)}"),
            (14, f"{IF}.14.{i}|65|{rnd.randint(0, 5)}"),
            (19, f"{IF}.19.{i}|65|{rnd.randint(0, 50)}"),
            (20, f"{IF}.20.{i}|65|0"),
        ]
    for _col, line in sorted(cols, key=lambda c: (c[0], c[1])):
        yield line
    xcols: list[tuple[int, int, str]] = []
    for i in idx:
        r = rates[i]
        xcols += [
            (1, i, f"{IFX}.1.{i}|4|Ethernet{i}"),
            (6, i, counter(f"{IFX}.6.{i}", 70, rnd.randint(10**9, 10**12), r, static)),
            (7, i, counter(f"{IFX}.7.{i}", 70, rnd.randint(10**6, 10**9), r // 800 or 0, static)),
            (8, i, counter(f"{IFX}.8.{i}", 70, rnd.randint(10**3, 10**6), r // 80_000 or 0, static)),
            (9, i, counter(f"{IFX}.9.{i}", 70, rnd.randint(10**3, 10**5), r // 800_000 or 0, static)),
            (10, i, counter(f"{IFX}.10.{i}", 70, rnd.randint(10**9, 10**12), r // 2, static)),
            (11, i, counter(f"{IFX}.11.{i}", 70, rnd.randint(10**6, 10**9), r // 1600 or 0, static)),
            (12, i, counter(f"{IFX}.12.{i}", 70, rnd.randint(10**3, 10**6), r // 160_000 or 0, static)),
            (13, i, counter(f"{IFX}.13.{i}", 70, rnd.randint(10**3, 10**5), r // 1_600_000 or 0, static)),
            (15, i, f"{IFX}.15.{i}|66|10000"),
            (18, i, f"{IFX}.18.{i}|4|{'uplink' if i <= 2 else f'access port {i}'}"),
        ]
    for _c, _i, line in sorted(xcols):
        yield line
    # one chassis entity row: model and serial on the Resource
    yield f"{ENT}.2.1|4|netrosetta lab switch chassis"
    yield f"{ENT}.5.1|2|3"
    yield f"{ENT}.11.1|4|LAB{seed:04d}{ports:02d}"
    yield f"{ENT}.13.1|4|NR-LAB-{ports}X10G"
    # two temperature sensors (ENTITY-SENSOR-MIB: celsius, units scale, tenths): entity rows 2 and 3
    srnd = random.Random(seed + 1)  # its own stream: the other rows keep their values
    for ent, label, tenths in ((2, "Inlet temperature", srnd.randint(220, 300)),
                               (3, "CPU temperature", srnd.randint(380, 560))):
        yield f"{ENT}.2.{ent}|4|{label}"
        yield f"{ENT}.5.{ent}|2|8"
        yield f"{ENT}.7.{ent}|4|{label}"
        for scol, sval in ((1, 8), (2, 9), (3, 1), (4, tenths), (5, 1)):
            yield f"{SENSOR}.{scol}.{ent}|2|{sval}"
    # storage: RAM (hrStorageRam) and a flash filesystem; cpu loads
    storage = [(1, "1.3.6.1.2.1.25.2.1.2", "Physical memory", 1024, 8_388_608, rnd.randint(2_000_000, 6_000_000)),
               (31, "1.3.6.1.2.1.25.2.1.4", "/flash", 4096, 1_048_576, rnd.randint(100_000, 900_000))]
    for col in (1, 2, 3, 4, 5, 6):
        for sidx, stype, descr, units, size, used in storage:
            val = {1: f"2|{sidx}", 2: f"6|{stype}", 3: f"4|{descr}", 4: f"2|{units}", 5: f"2|{size}",
                   6: f"2|{used}"}[col]
            yield f"{HR_STORAGE}.{col}.{sidx}|{val}"
    for cpu in (196608, 196609):
        yield f"{HR_CPU}.{cpu}|2|{rnd.randint(3, 40)}"


# ifXTable 64-bit columns and ifTable 32-bit ones for each shared-state counter
STATE_COLUMNS = {"in-octets": (f"{IFX}.6", 70), "in-unicast-pkts": (f"{IFX}.7", 70),
                 "in-multicast-pkts": (f"{IFX}.8", 70), "in-broadcast-pkts": (f"{IFX}.9", 70),
                 "out-octets": (f"{IFX}.10", 70), "out-unicast-pkts": (f"{IFX}.11", 70),
                 "out-multicast-pkts": (f"{IFX}.12", 70), "out-broadcast-pkts": (f"{IFX}.13", 70),
                 "in-discards": (f"{IF}.13", 65), "in-errors": (f"{IF}.14", 65),
                 "out-discards": (f"{IF}.19", 65), "out-errors": (f"{IF}.20", 65)}


def state_records(state: DeviceState, at: float | None = None) -> Iterator[str]:
    """The shared lab device (service/lab/state.py) as an SNMP agent sees it. Counters use
    snmpsim's ``numeric`` variation on absolute time (``atime``): value = rate * now + offset with
    offset = base - rate * start, the same line the gNMI and CLI simulators follow. ``at``: the
    fixed values of that moment instead (a walk as if recorded then)."""
    yield f"{SYS}.1.0|4x|{_hex(f'netrosetta lab router {state.name}, synthetic agent')}"
    yield f"{SYS}.2.0|6|{SYS_OBJECT_ID}"
    yield (f"{SYS}.3.0|67|{int((at - state.start) * 100)}" if at is not None
           else f"{SYS}.3.0|67:numeric|rate=100,offset={-100 * state.start},atime=1")
    yield f"{SYS}.5.0|4|{state.name}"
    for p in state.ports:
        i = p.index
        yield from (f"{IF}.1.{i}|2|{i}", f"{IF}.2.{i}|4|{p.name}", f"{IF}.3.{i}|2|6", f"{IF}.4.{i}|2|1500",
                    f"{IF}.5.{i}|66|1000000000", f"{IF}.6.{i}|4x|5254{i:04x}0001", f"{IF}.7.{i}|2|1",
                    f"{IF}.8.{i}|2|{1 if p.up else 2}", f"{IFX}.1.{i}|4|{p.short}", f"{IFX}.15.{i}|66|1000",
                    f"{IFX}.18.{i}|4|{p.description}")
        fixed = state.counters(p, at) if at is not None else p.base
        for c, (col, tag) in STATE_COLUMNS.items():
            r = p.rate[c]
            yield (f"{col}.{i}|{tag}:numeric|rate={r},offset={p.base[c] - r * state.start},atime=1"
                   if r and at is None else f"{col}.{i}|{tag}|{fixed[c]}")
    yield f"{ENT}.2.1|4|netrosetta lab router chassis"
    yield f"{ENT}.5.1|2|3"
    for ent, (label, celsius) in enumerate(sorted(state.temperature.items()), start=2):
        yield f"{ENT}.2.{ent}|4|{label}"
        yield f"{ENT}.5.{ent}|2|8"
        yield f"{ENT}.7.{ent}|4|{label}"
        for scol, sval in ((1, 8), (2, 9), (3, 1), (4, round(celsius * 10)), (5, 1)):
            yield f"{SENSOR}.{scol}.{ent}|2|{sval}"
    physical, used = state.memory
    for hcol, hval in ((1, "2|1"), (2, "6|1.3.6.1.2.1.25.2.1.2"), (3, "4|Physical memory"), (4, "2|1024"),
                     (5, f"2|{physical // 1024}"), (6, f"2|{used // 1024}")):
        yield f"{HR_STORAGE}.{hcol}.1|{hval}"
    for n, (_name, pct) in enumerate(sorted(state.cpu.items())):
        yield f"{HR_CPU}.{196608 + n}|2|{pct}"


def write_state(state: DeviceState, path: Path, at: float | None = None) -> Path:
    """The shared device's walk file, in OID order (snmpsim needs it)."""
    from netrosetta.collectors.snmp.varbind import oid_key
    lines = sorted(state_records(state, at), key=lambda line: oid_key(line.split("|", 1)[0]))
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--ports", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--name", default="lab-switch-1")
    ap.add_argument("--static", action="store_true", help="fixed values instead of growing counters")
    a = ap.parse_args(argv)
    lines = list(records(a.ports, a.seed, a.static, a.name))
    # snmpsim needs OID order
    from netrosetta.collectors.snmp.varbind import oid_key
    lines.sort(key=lambda line: oid_key(line.split("|", 1)[0]))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
