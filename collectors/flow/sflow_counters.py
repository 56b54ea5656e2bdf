"""sFlow counter samples -> SNMP varbinds -> the mapping engine's unified interface metrics.

sFlow's generic interface counters (format 1) and Ethernet counters (format 2) are IF-MIB and
EtherLike-MIB objects by definition, so each sample becomes the varbinds an SNMP poll of that
ifIndex would return, and the generic IF-MIB rulebook turns them into ``hw.network.io`` and
friends exactly as for SNMP. Values the agent marks unknown (all ones) are left out.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from netrosetta.collectors.flow.decoding import CounterSample
from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    VarBind,
)

DEFAULT_RULEBOOK = "generic/snmp"
IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
DOT3 = "1.3.6.1.2.1.10.7.2.1"
U32_UNKNOWN = 0xFFFFFFFF
U64_UNKNOWN = 0xFFFFFFFFFFFFFFFF

# sFlow counter name -> (column OID, type tag)
COLUMNS: dict[str, tuple[str, int]] = {
    "ifIndex": (f"{IF}.1", TAG_INTEGER),
    "ifType": (f"{IF}.3", TAG_INTEGER),
    "ifAdminStatus": (f"{IF}.7", TAG_INTEGER),
    "ifOperStatus": (f"{IF}.8", TAG_INTEGER),
    "ifInDiscards": (f"{IF}.13", TAG_COUNTER32),
    "ifInErrors": (f"{IF}.14", TAG_COUNTER32),
    "ifInUnknownProtos": (f"{IF}.15", TAG_COUNTER32),
    "ifOutDiscards": (f"{IF}.19", TAG_COUNTER32),
    "ifOutErrors": (f"{IF}.20", TAG_COUNTER32),
    "ifName": (f"{IFX}.1", TAG_OCTET_STRING),
    "ifInOctets": (f"{IFX}.6", TAG_COUNTER64),           # ifHCInOctets
    "ifInUcastPkts": (f"{IFX}.7", TAG_COUNTER64),        # ifHCInUcastPkts (sFlow sends 32 bits)
    "ifInMulticastPkts": (f"{IFX}.8", TAG_COUNTER64),
    "ifInBroadcastPkts": (f"{IFX}.9", TAG_COUNTER64),
    "ifOutOctets": (f"{IFX}.10", TAG_COUNTER64),
    "ifOutUcastPkts": (f"{IFX}.11", TAG_COUNTER64),
    "ifOutMulticastPkts": (f"{IFX}.12", TAG_COUNTER64),
    "ifOutBroadcastPkts": (f"{IFX}.13", TAG_COUNTER64),
    "ifPromiscuousMode": (f"{IFX}.16", TAG_INTEGER),     # TruthValue: 1 true, 2 false
    "dot3StatsAlignmentErrors": (f"{DOT3}.2", TAG_COUNTER32),
    "dot3StatsFCSErrors": (f"{DOT3}.3", TAG_COUNTER32),
    "dot3StatsSingleCollisionFrames": (f"{DOT3}.4", TAG_COUNTER32),
    "dot3StatsMultipleCollisionFrames": (f"{DOT3}.5", TAG_COUNTER32),
    "dot3StatsSQETestErrors": (f"{DOT3}.6", TAG_COUNTER32),
    "dot3StatsDeferredTransmissions": (f"{DOT3}.7", TAG_COUNTER32),
    "dot3StatsLateCollisions": (f"{DOT3}.8", TAG_COUNTER32),
    "dot3StatsExcessiveCollisions": (f"{DOT3}.9", TAG_COUNTER32),
    "dot3StatsInternalMacTransmitErrors": (f"{DOT3}.10", TAG_COUNTER32),
    "dot3StatsCarrierSenseErrors": (f"{DOT3}.11", TAG_COUNTER32),
    "dot3StatsFrameTooLongs": (f"{DOT3}.13", TAG_COUNTER32),
    "dot3StatsInternalMacReceiveErrors": (f"{DOT3}.16", TAG_COUNTER32),
    "dot3StatsSymbolErrors": (f"{DOT3}.18", TAG_COUNTER32),
}


def sample_varbinds(sample: CounterSample) -> list[VarBind]:
    c = sample.counters
    if "ifIndex" not in c:
        return []  # not an interface counter sample (e.g. only a port name or CPU record)
    idx = int(c["ifIndex"])
    out: list[VarBind] = []
    for name, v in c.items():
        col = COLUMNS.get(name)
        if col is None:
            continue
        oid, tag = col
        if name == "ifName":
            out.append((f"{oid}.{idx}", tag, str(v).encode()))
            continue
        if name == "ifPromiscuousMode":
            v = 1 if v else 2
        elif (name == "ifInOctets" or name == "ifOutOctets") and v == U64_UNKNOWN:
            continue
        elif tag in (TAG_COUNTER32, TAG_COUNTER64) and name not in ("ifInOctets", "ifOutOctets") \
                and v == U32_UNKNOWN:
            continue  # sFlow: all ones = "unknown", not a count
        out.append((f"{oid}.{idx}", tag, int(v)))
    speed = c.get("ifSpeed")
    if isinstance(speed, int) and speed != U64_UNKNOWN:
        out.append((f"{IF}.5.{idx}", TAG_GAUGE32, min(speed, U32_UNKNOWN)))   # ifSpeed, bit/s
        out.append((f"{IFX}.15.{idx}", TAG_GAUGE32, speed // 1_000_000))      # ifHighSpeed, Mbit/s
    return out


def varbinds_by_agent(samples: Iterable[CounterSample]) -> dict[str, list[VarBind]]:
    """The latest sample per (agent, ifIndex), as one varbind list per agent."""
    latest: dict[tuple[str, int], CounterSample] = {}
    for s in samples:
        key = (s.agent, int(s.counters.get("ifIndex", -1)))
        prev = latest.get(key)
        if prev is None or s.sequence >= prev.sequence:
            latest[key] = s
    out: dict[str, list[VarBind]] = defaultdict(list)
    for (agent, _), s in latest.items():
        out[agent].extend(sample_varbinds(s))
    return dict(out)


@functools.cache
def builtin_rulebooks() -> Any:
    """The project's own mappings, for callers without a rulebook set of their own (the
    standalone ``flow listen``, tests). The service passes its configured, reloaded set instead.
    Loading every rulebook takes seconds: once per process."""
    from netrosetta.engine.rulebooks import RulebookSet

    return RulebookSet.from_paths()


def translate_counters(samples: Iterable[CounterSample], rulebooks: Any = None,
                       rulebook_id: str = DEFAULT_RULEBOOK, interfaces: Any = None) -> list[Any]:
    """DeviceTranslation per agent through ``rulebook_id`` of ``rulebooks`` (default: the generic
    IF-MIB rulebook of the built-in mappings).

    Interface names come from the sample's port-name record, else from ``interfaces`` (an
    enrichment.InterfaceProvider filled by SNMP polls); without either, the engine skips the
    points (counted as "missing attribute network.interface.name"), never inventing a name.
    """
    from netrosetta.collectors.snmp.dataset import SnmpDataset
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.engine.translate import translator_for

    samples = list(samples)
    rs = rulebooks if rulebooks is not None else builtin_rulebooks()
    tr = translator_for(rs, rs.resolve(rulebook_id))
    stamp = {s.agent: s.time_received_ns for s in samples}
    uptime = {s.agent: s.uptime_ms for s in samples}
    out = []
    for agent, vbs in varbinds_by_agent(samples).items():
        if interfaces is not None:
            have = {oid for oid, _, _ in vbs}
            for idx, info in interfaces.interfaces(agent).items():
                oid = f"{COLUMNS['ifName'][0]}.{idx}"
                if info.name and oid not in have and f"{IF}.1.{idx}" in have:
                    vbs.append((oid, TAG_OCTET_STRING, info.name.encode()))
        facts = DeviceFacts(name=agent, address=agent, sys_uptime=uptime[agent] // 10,
                            extra={"source": "sflow"})
        out.append(tr.translate(SnmpDataset(vbs), facts, time_ns=stamp[agent] or None))
    return out
