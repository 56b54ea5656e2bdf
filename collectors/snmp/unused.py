"""The part of an SNMP dataset no rule read, grouped by MIB table (or scalar group) through the
compiled MIB index: what `explain` and `coverage --walk` show an author as the next thing to map."""

from __future__ import annotations

from collections import Counter
from typing import Any

from netrosetta.engine.mib_index import MibIndex

# OIDs in no compiled module are grouped by this many arcs (an enterprise and its first branch)
UNKNOWN_ARCS = 8


def unused_objects(ds: Any, mibs: MibIndex | None = None) -> list[tuple[str, str, int]]:
    """(MODULE::table or group, its OID, values) for the walk's OIDs no rule read, most values first.
    OIDs no compiled module knows are ``(unknown)`` under their first arcs."""
    used = tuple(f"{u}." for u in ds.used)
    bare = set(ds.used)        # a scalar read without its instance (snmp `instance: none`)
    counts: Counter[tuple[str, str]] = Counter()
    mibs = mibs or MibIndex.default()
    for oid in ds.oids():
        if oid.startswith(used) or oid in bare:
            continue
        hit = mibs.lookup_oid(oid)
        if hit is None or hit[0].kind not in ("column", "scalar"):   # e.g. only `enterprises` is known
            counts[("(unknown)", ".".join(oid.split(".")[:UNKNOWN_ARCS]))] += 1
            continue
        sym, _suffix = hit
        if sym.table:
            tsym = mibs.resolve(f"{sym.module}::{sym.table}")
            counts[(f"{sym.module}::{sym.table}", str(tsym.oid) if tsym else sym.oid)] += 1
        else:
            # scalars: grouped by their parent node (e.g. the IP-MIB icmp group)
            parent = str(sym.oid).rsplit(".", 1)[0]
            node = mibs.lookup_oid(parent)
            label = f"{sym.module}::{node[0].name}" if node else f"{sym.module} scalars"
            counts[(label, parent)] += 1
    return [(name, oid, n) for (name, oid), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def by_module(unused: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """MODULE -> {table or group: values}; unknown OIDs under "(unknown)" by subtree."""
    out: dict[str, dict[str, int]] = {}
    for name, oid, n in unused:
        module, _, obj = name.partition("::")
        out.setdefault(module, {})[obj or oid] = n
    return dict(sorted(out.items(), key=lambda kv: -sum(kv[1].values())))
