"""Golden-test helper for the shared SNMP corpus (``../shared/corpus/snmp``).

Expected values are computed from the raw ``.snmprec`` lines by a parser of its own (not the
engine's), so a golden test compares the engine against the walk, never against itself.

API (everything a vendor golden test needs; keep it this small)::

    walk = load_walk("iosxe_c9300")       # Walk: independent parse, skips (or fails in CI) without ../shared
    walk.get("1.3.6.1.2.1.1.2.0")         # one value: int for numeric types, str for OIDs/IPs,
                                          # bytes for OCTET STRINGs (4 and hex 4x alike)
    walk.column("1.3.6.1.2.1.2.2.1.2")    # {index suffix (str): value} of one column
    walk.text(value)                      # bytes -> str (utf-8, NULs/blanks stripped)

    lnms = load_expected("iosxe_c9300")   # LibreNMS's decode (dict from expected/<walk>.json)
    lnms_device(lnms)                     # os.discovery.devices[0]: os, hardware, serial, version
    lnms_rows(lnms, "sensors", "sensors") # rows of <module>.poller.<table> (discovery when the
                                          # poller says "matches discovery" or is absent)

    t = translate_walk("iosxe_c9300")     # DeviceTranslation through RulebookSet.from_paths()
    t.matched.chosen.id                   # chosen rulebook id
    pts = Points(t)                       # points indexed by (metric, attributes)
    pts.values("hw.network.io", {"network.interface.name": "Gi1", "network.io.direction": "receive"})
                                          # -> sorted list of values of points whose attributes
                                          #    INCLUDE the given ones (subset match)
    pts.one(metric, attrs)                # exactly one matching point's value (AssertionError otherwise)
    pts.series(metric)                    # [(attrs dict, value), ...]

    names = interface_names(walk, "ifDescr")   # {ifIndex: name} from ifDescr or "ifName"
    checked = assert_interface_counters(t, walk, names)
        # every IF-MIB counter of every interface (octets HC->32-bit fallback, packets by cast,
        # errors, discards) equals the walk's own value; returns how many were compared
    checked = assert_librenms_ports(t, lnms, walk, names)
        # the same points against LibreNMS's ports.poller.ports rows (ifInOctets... = HC values)

Interface points are keyed by name; when a device reports the same name for two ifIndexes both
values are compared as a multiset under that name (the engine emits one point per row, each
with its netrosetta.interface.index, which the subset match here ignores).
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from tests.conftest import need_shared

CORPUS_PARTS = ("corpus", "snmp")
NUMERIC_TYPES = {"2", "65", "66", "67", "70"}   # Integer32, Counter32, Gauge32, TimeTicks, Counter64
FIXED_TIME_NS = 1_700_000_000_000_000_000

# --- independent snmprec parsing ----------------------------------------------------------


class Walk:
    """A walk parsed from its raw lines: OID -> value, independent of the engine's reader."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values: dict[str, Any] = {}
        for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
            if "|" not in line:
                continue
            oid, typ, raw = line.split("|", 2)
            oid = oid.strip().lstrip(".")
            if typ in NUMERIC_TYPES:
                try:
                    self.values[oid] = int(raw)
                except ValueError:      # e.g. "0.0" or "<private>" in a recorded walk: no value
                    continue
            elif typ == "4x":
                self.values[oid] = bytes.fromhex(raw)
            elif typ == "4":
                self.values[oid] = raw.encode("utf-8", "surrogateescape")
            elif typ in ("6", "64"):
                self.values[oid] = raw.lstrip(".")
            # other tags (Null, noSuch*) carry no value
        self._cols: dict[str, dict[str, Any]] = {}

    def get(self, oid: str) -> Any:
        return self.values.get(oid.lstrip("."))

    def column(self, oid: str) -> dict[str, Any]:
        oid = oid.lstrip(".")
        col = self._cols.get(oid)
        if col is None:
            prefix = oid + "."
            n = len(prefix)
            col = self._cols[oid] = {k[n:]: v for k, v in self.values.items() if k.startswith(prefix)}
        return col

    @staticmethod
    def text(value: Any) -> str:
        if isinstance(value, bytes):
            return value.rstrip(b"\x00").decode("utf-8", "replace").strip()
        return "" if value is None else str(value)


def load_walk(name: str) -> Walk:
    """../shared/corpus/snmp/<name>.snmprec parsed independently (skips without ../shared)."""
    return _load_walk(need_shared(*CORPUS_PARTS, f"{name}.snmprec"))


@cache
def _load_walk(path: Path) -> Walk:
    return Walk(path)


# --- LibreNMS expectations ----------------------------------------------------------------

def load_expected(name: str) -> dict[str, Any]:
    """LibreNMS's decode of the walk: ../shared/corpus/snmp/expected/<name>.json."""
    data: dict[str, Any] = json.loads(need_shared(*CORPUS_PARTS, "expected", f"{name}.json").read_text())
    return data


def lnms_device(expected: dict[str, Any]) -> dict[str, Any]:
    dev: dict[str, Any] = expected["os"]["discovery"]["devices"][0]
    return dev


def lnms_rows(expected: dict[str, Any], module: str, table: str) -> list[dict[str, Any]]:
    """Rows of a LibreNMS module table: the poller's view, or discovery's when they match."""
    mod = expected.get(module)
    if not mod:
        return []
    poller = mod.get("poller")
    if isinstance(poller, dict) and table in poller:
        rows: list[dict[str, Any]] = poller[table]
        return rows
    disc = mod.get("discovery") or {}
    rows = disc.get(table, [])
    return rows


# --- translation ---------------------------------------------------------------------------

@cache
def _rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


def translate_walk(name: str) -> DeviceTranslation:
    """Translate ../shared/corpus/snmp/<name>.snmprec through the real rulebook set (mappings/)."""
    path = need_shared(*CORPUS_PARTS, f"{name}.snmprec")
    return _translate(path)


@cache
def _translate(path: Path) -> DeviceTranslation:
    ds = SnmpDataset(read_snmprec(path).varbinds)
    return translate(ds, snmp_facts(ds), _rulebooks(), time_ns=FIXED_TIME_NS)


class Points:
    """A translation's points indexed by metric, matched by attribute subsets."""

    def __init__(self, t: DeviceTranslation) -> None:
        self.by_metric: dict[str, list[tuple[dict[str, str], Any]]] = defaultdict(list)
        for _scope, m, attrs, value in t.iter_points():
            self.by_metric[m.name].append((attrs, value))
        # (metric, attribute names) -> {attribute values: [point values]}, built on first use
        self._index: dict[tuple[str, tuple[str, ...]], dict[tuple[str | None, ...], list[Any]]] = {}

    def series(self, metric: str) -> list[tuple[dict[str, str], Any]]:
        return list(self.by_metric.get(metric, []))

    def values(self, metric: str, attrs: dict[str, str]) -> list[Any]:
        keys = tuple(sorted(attrs))
        idx = self._index.get((metric, keys))
        if idx is None:
            idx = self._index[(metric, keys)] = defaultdict(list)
            for a, v in self.by_metric.get(metric, []):
                idx[tuple(a.get(k) for k in keys)].append(v)
        return sorted(idx.get(tuple(attrs[k] for k in keys), []))

    def one(self, metric: str, attrs: dict[str, str]) -> Any:
        vals = self.values(metric, attrs)
        assert len(vals) == 1, f"{metric} {attrs}: expected exactly one point, got {vals}"
        return vals[0]


# --- interfaces ----------------------------------------------------------------------------

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
_IFX = "1.3.6.1.2.1.31.1.1.1."
_IF = "1.3.6.1.2.1.2.2.1."

# (metric, attributes, HC column or None, 32-bit column, LibreNMS ports field)
IF_COUNTERS: list[tuple[str, dict[str, str], str | None, str, str]] = [
    ("hw.network.io", {"network.io.direction": "receive"}, _IFX + "6", _IF + "10", "ifInOctets"),
    ("hw.network.io", {"network.io.direction": "transmit"}, _IFX + "10", _IF + "16", "ifOutOctets"),
    ("hw.network.packets", {"network.io.direction": "receive", "netrosetta.packet.cast": "unicast"},
     _IFX + "7", _IF + "11", "ifInUcastPkts"),
    ("hw.network.packets", {"network.io.direction": "transmit", "netrosetta.packet.cast": "unicast"},
     _IFX + "11", _IF + "17", "ifOutUcastPkts"),
    ("hw.network.packets", {"network.io.direction": "receive", "netrosetta.packet.cast": "multicast"},
     _IFX + "8", _IFX + "2", "ifInMulticastPkts"),
    ("hw.network.packets", {"network.io.direction": "transmit", "netrosetta.packet.cast": "multicast"},
     _IFX + "12", _IFX + "4", "ifOutMulticastPkts"),
    ("hw.network.packets", {"network.io.direction": "receive", "netrosetta.packet.cast": "broadcast"},
     _IFX + "9", _IFX + "3", "ifInBroadcastPkts"),
    ("hw.network.packets", {"network.io.direction": "transmit", "netrosetta.packet.cast": "broadcast"},
     _IFX + "13", _IFX + "5", "ifOutBroadcastPkts"),
    ("hw.errors", {"network.io.direction": "receive", "hw.type": "network"}, None, _IF + "14", "ifInErrors"),
    ("hw.errors", {"network.io.direction": "transmit", "hw.type": "network"}, None, _IF + "20", "ifOutErrors"),
    ("system.network.packet.dropped", {"network.io.direction": "receive"}, None, _IF + "13", "ifInDiscards"),
    ("system.network.packet.dropped", {"network.io.direction": "transmit"}, None, _IF + "19", "ifOutDiscards"),
]


def interface_names(walk: Walk, column: str = "ifName") -> dict[str, str]:
    """{ifIndex: name} from ifDescr or ifName (the vendor's configuration name column)."""
    oid = {"ifDescr": IF_DESCR, "ifName": IF_NAME}[column]
    out = {}
    for idx, v in walk.column(oid).items():
        name = walk.text(v)
        if name:
            out[idx] = name
    return out


def expected_interface_counters(walk: Walk, names: dict[str, str]) -> dict[tuple[str, tuple[tuple[str, str], ...]], list[int]]:
    """{(metric, sorted attrs): [values]} from the walk: HC column where the row has it, else 32-bit."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = defaultdict(list)
    for metric, attrs, hc, c32, _lnms in IF_COUNTERS:
        hc_col = walk.column(hc) if hc else {}
        c32_col = walk.column(c32)
        for idx in sorted(set(hc_col) | set(c32_col), key=lambda i: int(i)):
            v = hc_col.get(idx, c32_col.get(idx))
            if not isinstance(v, int):
                continue
            assert idx in names, f"ifIndex {idx} has {metric} {attrs} but no interface name in the walk"
            key = {**attrs, "network.interface.name": names[idx]}
            out[(metric, tuple(sorted(key.items())))].append(v)
    return out


def assert_interface_counters(t: DeviceTranslation, walk: Walk, names: dict[str, str]) -> int:
    """Every interface counter point equals the walk's value, and no counter of the walk is missing."""
    pts = Points(t)
    expected = expected_interface_counters(walk, names)
    assert expected, "the walk has no interface counters"
    mismatches = []
    for (metric, attrs), vals in expected.items():
        got = pts.values(metric, dict(attrs))
        if got != sorted(vals):
            mismatches.append((metric, dict(attrs), sorted(vals), got))
    assert not mismatches, f"{len(mismatches)} interface counters differ, first: {mismatches[:5]}"
    # nothing extra: every produced counter point is one the walk has
    for metric in {m for m, *_ in IF_COUNTERS}:
        n_exp = sum(len(v) for (m, _a), v in expected.items() if m == metric)
        assert len(pts.series(metric)) == n_exp, f"{metric}: {len(pts.series(metric))} points, walk has {n_exp}"
    return sum(len(v) for v in expected.values())


def assert_librenms_ports(t: DeviceTranslation, expected: dict[str, Any], walk: Walk,
                          names: dict[str, str]) -> int:
    """Our interface counters against LibreNMS's ports.poller.ports (HC values in ifInOctets...).

    LibreNMS stores 0 for a counter the device does not report (e.g. no ifHCInBroadcastPkts on a
    StackPort, a Null0 without counters); there the walk has no value and we rightly emit no point:
    such rows are accepted only when the walk really lacks both the HC and the 32-bit column.
    """
    pts = Points(t)
    checked = 0
    diffs = []
    for row in lnms_rows(expected, "ports", "ports"):
        idx = str(row["ifIndex"])
        if idx not in names:
            continue
        for metric, attrs, hc, c32, field in IF_COUNTERS:
            want = row.get(field)
            if want is None:
                continue
            got = pts.values(metric, {**attrs, "network.interface.name": names[idx]})
            checked += 1
            if not got and want == 0 and (hc is None or walk.get(f"{hc}.{idx}") is None) \
                    and walk.get(f"{c32}.{idx}") is None:
                continue        # LibreNMS zero-fill of a counter absent from the walk
            if want not in got:
                diffs.append((names[idx], field, want, got))
    assert not diffs, f"{len(diffs)} port counters differ from LibreNMS, first: {diffs[:5]}"
    return checked
