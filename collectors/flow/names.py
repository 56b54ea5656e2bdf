"""Names an exporter sends in options data: VRF id -> name, ifIndex -> interface name/description.

Routers export these tables as options records (RFC 7011 / RFC 3954 options templates): a VRF
id (``ingressVRFID`` 234 or ``egressVRFID`` 235) beside ``VRFname`` (236), an interface index
(``ingressInterface`` 10 or ``egressInterface`` 14) beside ``interfaceName`` (82) and
``interfaceDescription`` (83). They are kept per exporter address, saved with the template cache,
and added to each flow of that exporter; ``*_name_source`` says who named it (``flow_options``
here, ``snmp`` when enrichment from SNMP polls filled a name the exporter did not send).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

NAMED_BY_OPTIONS = "flow_options"


class NameTables:
    """Per exporter: ``vrf`` {id: name} and ``interfaces`` {ifIndex: (name, description)}."""

    def __init__(self) -> None:
        self.vrf: dict[str, dict[int, str]] = {}
        self.interfaces: dict[str, dict[int, tuple[str | None, str | None]]] = {}
        self.version = 0  # bumped on every change (the cache saves when it moved)
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.vrf or self.interfaces)

    def learn(self, exporter: str, values: Mapping[str, Any]) -> bool:
        """Take the names one options record carries; True when a table changed."""
        changed = False
        vname = values.get("VRFname")
        if isinstance(vname, str) and vname:
            for key in ("ingressVRFID", "egressVRFID"):
                vid = values.get(key)
                if isinstance(vid, int):
                    changed |= self._set(self.vrf, exporter, vid, vname)
                    break
        name, descr = values.get("interfaceName"), values.get("interfaceDescription")
        if (isinstance(name, str) and name) or (isinstance(descr, str) and descr):
            for key in ("ingressInterface", "egressInterface"):
                idx = values.get(key)
                if isinstance(idx, int):
                    pair = (name if isinstance(name, str) and name else None,
                            descr if isinstance(descr, str) and descr else None)
                    changed |= self._set(self.interfaces, exporter, idx, pair)
                    break
        return changed

    def _set(self, table: dict[str, dict[int, Any]], exporter: str, key: int, value: Any) -> bool:
        with self._lock:
            rows = table.setdefault(exporter, {})
            if rows.get(key) == value:
                return False
            rows[key] = value
            self.version += 1
            return True

    def merge(self, other: NameTables) -> None:
        for exp, rows in other.vrf.items():
            for k, v in rows.items():
                self._set(self.vrf, exp, k, v)
        for exp, irows in other.interfaces.items():
            for k, pair in irows.items():
                self._set(self.interfaces, exp, k, pair)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {"vrf": {e: {str(k): v for k, v in rows.items()} for e, rows in self.vrf.items()},
                    "interfaces": {e: {str(k): list(v) for k, v in rows.items()}
                                   for e, rows in self.interfaces.items()}}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> NameTables:
        """Raises ValueError/TypeError/AttributeError on a damaged file (the cache logs it)."""
        out = cls()
        for e, rows in d.get("vrf", {}).items():
            out.vrf[str(e)] = {int(k): str(v) for k, v in rows.items()}
        for e, rows in d.get("interfaces", {}).items():
            out.interfaces[str(e)] = {int(k): (None if v[0] is None else str(v[0]),
                                               None if v[1] is None else str(v[1])) for k, v in rows.items()}
        return out

    def add_columns(self, exporter: str, cols: dict[str, np.ndarray], mask: dict[str, np.ndarray]) -> None:
        """Name columns for one exporter's records (``in_vrf_name``, ``in_if_name``,
        ``in_if_description``, ``*_name_source``...), present only where a name is known."""
        vrf, ifs = self.vrf.get(exporter), self.interfaces.get(exporter)
        if vrf:
            for side in ("in", "out"):
                _lookup(cols, mask, f"{side}_vrf", {f"{side}_vrf_name": vrf})
        if ifs:
            names = {i: n for i, (n, _d) in ifs.items() if n}
            descrs = {i: d for i, (_n, d) in ifs.items() if d}
            for side in ("in", "out"):
                _lookup(cols, mask, f"{side}_if", {f"{side}_if_name": names, f"{side}_if_description": descrs})
                if f"{side}_if_name" in cols:
                    has = mask.get(f"{side}_if_name")
                    src = np.full(len(cols[f"{side}_if"]), NAMED_BY_OPTIONS, dtype=object)
                    cols[f"{side}_if_name_source"] = src
                    if has is not None:
                        mask[f"{side}_if_name_source"] = has


def _lookup(cols: dict[str, np.ndarray], mask: dict[str, np.ndarray], key: str,
            tables: dict[str, dict[int, str]]) -> None:
    ids = cols.get(key)
    if ids is None:
        return
    present = mask.get(key)
    uniq, inv = np.unique(ids, return_inverse=True)
    inv = inv.reshape(-1)
    for out, table in tables.items():
        if not table:
            continue
        found = np.array([table.get(int(u)) for u in uniq.tolist()], dtype=object)
        known = np.array([v is not None for v in found], dtype=bool)[inv]
        if present is not None:
            known &= present
        if not known.any():
            continue
        cols[out] = found[inv]
        if not known.all():
            mask[out] = known
