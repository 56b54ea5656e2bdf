"""The gNMI Dataset: what the collector knows about one device right now.

A cache of normalised leaves fed by flattened responses: updates overwrite, deletes remove every
leaf under the deleted path (matching its keys) and are reported so the exporter can end those
series. Device timestamps are kept on every leaf.

For the engine it is a column source (engine/selectors/base.py): ``column(GnmiColumn)`` maps a row
index (the key values, in path order) to the value. Juniper line-card partial updates carry a
header with component ids; the same leaf reported by several components is kept per component
and numeric values are summed into the row (each line card counts its share).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any, ClassVar

from netrosetta.engine.pathgrammar import Keys
from netrosetta.engine.selectors.gnmi import Aligned, GnmiColumn, row_matches

from .flatten import Delete, Flat, Leaf, Slot, slot_comp, slot_key
from .values import to_number

_MISS = object()
_first, _second, _value, _ts = itemgetter(0), itemgetter(1), itemgetter(3), itemgetter(4)
# (column keys, filters) -> {leaf keys -> row index or None}: a device's key sets repeat every sample
_INDEX: dict[tuple[Any, Any], dict[Keys, Any]] = {}
PathKey = tuple[str, str]      # (origin, path)
Comp = tuple[int, int] | None  # Juniper line card (component_id, sub_component_id)


def _index(keys: Keys, want: tuple[tuple[str, str], ...],
           filters: tuple[tuple[str, str, str], ...]) -> tuple[str | None, ...] | None:
    """The row index of a leaf's keys, None when a key filter rejects it. A key the leaf does not
    carry (a target that sent ``/interfaces/interface/state/counters`` with no ``[name=...]``) is
    None in the index: the row stays in the column, so the rule counts it as a skip ("missing
    attribute network.interface.name") instead of the data looking unread."""
    keyd = {(e, k): v for e, k, v in keys}
    if filters and not row_matches(filters, keyd):
        return None
    return tuple(keyd.get(w) for w in want)


def slots_of(leaves: Iterable[Leaf]) -> list[Slot]:
    return [slot_key(lf[0], lf[1], lf[2], slot_comp(lf[5])) for lf in leaves]


@dataclass
class GnmiDataset:
    target: str = ""
    platform: str | None = None
    models: list[tuple[str, str, str]] = field(default_factory=list)   # Capabilities: name, org, version
    synced: bool = False
    malformed: int = 0
    used: set[PathKey] = field(default_factory=set)

    kind = "gnmi"
    # Columns are fresh dicts after every apply() (never mutated once handed out), rows are keyed by
    # their path keys and index_parts/index_for are pure: equal columns in two translations mean
    # equal rows, so the engine may keep its row plans between translations of this device.
    stable_columns: ClassVar[bool] = True

    def __post_init__(self) -> None:
        # Every leaf's value, device timestamp and extension by its slot, each a dict of atoms
        # updated in one C-level dict.update per response (no object per leaf for the garbage
        # collector to walk); the slots of each path in arrival order (an ordered set with the
        # slot's keys and line card), changed only when a slot comes or goes.
        self._values: dict[Slot, Any] = {}
        self._stamps: dict[Slot, int] = {}
        self._exts: dict[Slot, Mapping[str, Any]] = {}
        self._paths: dict[PathKey, dict[Slot, tuple[Keys, Comp]]] = {}
        self._version: dict[PathKey, int] = {}
        self._cols: dict[GnmiColumn, tuple[Mapping[Any, Any], dict[Any, int]]] = {}
        self._ts_ref: Any = None
        self._ts_map: dict[Any, int] = {}
        self._origins: dict[str, set[str]] = {}
        self._shapes: dict[tuple[Any, ...], tuple[int, list[Any]]] = {}   # _build_plain

    # -- feeding -----------------------------------------------------------------------------
    def apply(self, flat: Flat | Iterable[Leaf], deletes: Iterable[Delete] = (),
              sync: bool = False) -> list[Leaf]:
        """Merge one response (deletes first, as gNMI orders them); returns the leaves its
        deletes ended."""
        if self._cols:
            self._cols.clear()
            self._ts_ref = None
        if isinstance(flat, Flat):
            if flat.errors:
                self.malformed += len(flat.errors)
            ended = self._deletes(flat.deletes) if flat.deletes else []
            if flat.heads is not None:
                self._apply_columns(flat)      # the readers' form: no per-leaf work here
            elif flat.leaves:
                self._apply_leaves(flat.leaves)
            if flat.sync:
                self.synced = True
            return ended
        ended = self._deletes(deletes)
        self._apply_leaves(flat if isinstance(flat, list) else list(flat))
        if sync:
            self.synced = True
        return ended

    def _apply_columns(self, flat: Flat) -> None:
        slots = flat.slots
        assert slots is not None and flat.heads is not None
        values = self._values
        before = len(values)
        values.update(zip(slots, flat.values, strict=True))
        self._stamps.update(zip(slots, repeat(flat.ts)))
        if flat.ext is not None:
            self._exts.update(zip(slots, repeat(flat.ext)))
        elif self._exts:
            for s in slots:
                self._exts.pop(s, None)
        if len(values) != before:      # new rows: rare once a device has sent its first sample
            self._register(slots, flat.heads, repeat(slot_comp(flat.ext)))

    def _apply_leaves(self, leaves: list[Leaf]) -> None:
        slots = slots_of(leaves)
        values = self._values
        before = len(values)
        values.update(zip(slots, map(_value, leaves), strict=True))
        self._stamps.update(zip(slots, map(_ts, leaves), strict=True))
        exts = self._exts
        for s, lf in zip(slots, leaves, strict=True):
            if lf[5] is not None:
                exts[s] = lf[5]
            elif exts:
                exts.pop(s, None)
        if len(values) != before:
            self._register(slots, leaves, [slot_comp(lf[5]) for lf in leaves])

    def _register(self, slots: list[Slot], heads: Iterable[Any], comps: Iterable[Comp]) -> None:
        paths, version = self._paths, self._version
        for s, h, comp in zip(slots, heads, comps, strict=False):   # comps may repeat one
            pk = (h[0], h[1])
            known = paths.get(pk)
            if known is None:
                known = paths[pk] = {}
                self._origins.setdefault(h[1], set()).add(h[0])
            if s not in known:
                known[s] = (h[2], comp)
                version[pk] = version.get(pk, 0) + 1

    def _leaf(self, pk: PathKey, slot: Slot, keys: Keys) -> Leaf:
        return Leaf(pk[0], pk[1], keys, self._values[slot], self._stamps[slot], self._exts.get(slot))

    def _deletes(self, deletes: Iterable[Delete]) -> list[Leaf]:
        ended: list[Leaf] = []
        for d in deletes:
            ended.extend(self._delete(d))
        return ended

    def _delete(self, d: Delete) -> list[Leaf]:
        ended: list[Leaf] = []
        pre = d.path.rstrip("/") + "/"
        want = set(d.keys)
        for pk, known in list(self._paths.items()):
            origin, path = pk
            if origin != d.origin or not (path == d.path or path.startswith(pre) or d.path == "/"):
                continue
            gone = [(s, keys) for s, (keys, _c) in known.items() if want.issubset(keys)]
            for s, keys in gone:
                ended.append(self._leaf(pk, s, keys))
                del self._values[s], self._stamps[s], known[s]
                self._exts.pop(s, None)
            if gone:
                self._version[pk] = self._version.get(pk, 0) + 1
            if not known:
                del self._paths[pk]
                self._origins.get(path, set()).discard(origin)
        return ended

    # -- reading -----------------------------------------------------------------------------
    def leaves(self) -> Iterator[Leaf]:
        for pk, known in self._paths.items():
            for slot, (keys, _comp) in known.items():
                yield self._leaf(pk, slot, keys)

    def paths(self) -> set[PathKey]:
        return set(self._paths)

    def __len__(self) -> int:
        return len(self._values)

    # -- engine Dataset protocol -------------------------------------------------------------
    def column(self, ref: Any) -> Mapping[Any, Any]:
        if not isinstance(ref, GnmiColumn):
            return {}
        hit = self._cols.get(ref)
        if hit is None:
            hit = self._cols[ref] = self._build(ref)
        return hit[0]

    def timestamps(self, ref: Any) -> Mapping[Any, int]:
        """Device timestamps of a whole column (index -> ns): one call per rule instead of one
        ``timestamp`` call per data point, for an engine that asks for them in bulk."""
        if not isinstance(ref, GnmiColumn):
            return {}
        self.column(ref)
        hit = self._cols.get(ref)
        return hit[1] if hit else {}

    def timestamp(self, ref: Any, index: Any) -> int | None:
        # called once per data point with the same ref for a whole rule: skip the tuple hash
        if ref is self._ts_ref:
            return self._ts_map.get(index)
        hit = self._cols.get(ref)
        if hit is None:
            self.column(ref)
            hit = self._cols.get(ref)
        if not hit:
            return None
        self._ts_ref, self._ts_map = ref, hit[1]
        return hit[1].get(index)

    def index_parts(self, index: Any) -> tuple[Any, ...]:
        return index if isinstance(index, tuple) else (index,)

    def index_for(self, value: Any) -> Any:
        return (value if isinstance(value, str) else str(value),)

    def _build(self, ref: GnmiColumn) -> tuple[Mapping[Any, Any], dict[Any, int]]:
        base = GnmiColumn(ref.origin, ref.path, ref.keys, ref.filters, ref.numeric, None, ref.ext)
        if ref.align is not None:
            got, ts = self._cols.get(base) or self._build(base)
            return Aligned(got, ref.align), ts
        values: dict[Any, Any] = {}
        if "/*" in ref.path or "/{" in ref.path:
            return self._build_pattern(ref, values, {})
        origins = [ref.origin] if ref.origin is not None else sorted(self._origins.get(ref.path, ()))
        stamps: dict[Any, int] = {}
        want = ref.keys
        filters = ref.filters
        numeric = ref.numeric
        ext = ref.ext
        index_of = _INDEX.setdefault((want, filters), {})
        if len(index_of) > 500_000:   # bounded: many devices share it; rebuilt on demand
            index_of.clear()
        # a column's text values repeat on every row (oper-status "UP"): convert each text once
        conv: dict[str, Any] = {}
        if ext is None and len(origins) == 1:
            fast = self._build_plain(origins[0], ref, index_of, conv)
            if fast is not None:
                return fast
        vals_of, ts_of, exts = self._values, self._stamps, self._exts
        for origin in origins:
            known = self._paths.get((origin, ref.path))
            if not known:
                continue
            self.used.add((origin, ref.path))
            for slot, (keys, comp) in known.items():
                idx = index_of.get(keys, _MISS)
                if idx is _MISS:
                    idx = index_of[keys] = _index(keys, want, filters)
                if idx is None:
                    continue   # filtered out by a key pattern
                v, lts = vals_of[slot], ts_of[slot]
                if ext is not None:
                    v = (exts.get(slot) or {}).get(ext)
                elif numeric and v.__class__ is str:
                    n = conv.get(v, _MISS)
                    if n is _MISS:
                        n = conv[v] = to_number(v)
                    v = v if n is None else n
                if comp is None and idx not in values:   # the common case: one leaf per row
                    values[idx] = v
                    stamps[idx] = lts
                    continue
                if idx in values and comp is not None and ext is None:
                    a, b = to_number(values[idx]), to_number(v)
                    if a is not None and b is not None and not isinstance(values[idx], bool):
                        v = a + b   # Juniper: the same leaf from several line cards
                values[idx] = v
                if lts > stamps.get(idx, 0):
                    stamps[idx] = lts
        return values, stamps

    def _build_plain(self, origin: str, ref: GnmiColumn, index_of: dict[Keys, Any],
                     conv: dict[str, Any]) -> tuple[dict[Any, Any], dict[Any, int]] | None:
        """The common column (one origin, one leaf per row, no key filter rejecting a row) built
        with C-level maps instead of a loop per leaf; None when the general loop is needed."""
        path = ref.path
        pk = (origin, path)
        known = self._paths.get(pk)
        if not known:
            return None
        # the row indexes depend only on the path's slots, which change only when rows come or go
        shape = (origin, path, ref.keys, ref.filters)
        version = self._version[pk]
        hit = self._shapes.get(shape)
        if hit is not None and hit[0] == version:
            idxs = hit[1]
        else:
            if set(map(_second, known.values())) != {None}:
                return None             # line-card components: summed per row by the loop
            idxs = list(map(index_of.get, map(_first, known.values()), repeat(_MISS)))
            if _MISS in idxs or None in idxs:
                return None             # an unseen key set or a filtered row: the loop decides
            if len(set(idxs)) != len(idxs):
                return None             # rows sharing an index: the loop merges them
            self._shapes[shape] = (version, idxs)
        numeric = ref.numeric
        vals = list(map(self._values.__getitem__, known))
        if numeric and str in set(map(type, vals)):
            for n, v in enumerate(vals):
                if v.__class__ is str:
                    x = conv.get(v, _MISS)
                    if x is _MISS:
                        x = conv[v] = to_number(v)
                    if x is not None:
                        vals[n] = x
        self.used.add((origin, path))
        return dict(zip(idxs, vals, strict=True)), dict(zip(idxs, map(self._stamps.__getitem__, known), strict=True))

    @property
    def unused_report(self) -> list[tuple[str, str, int]]:
        """For ``explain``: (path, origin, leaves) of the data no rule read."""
        return [(path, origin, len(self._paths[(origin, path)])) for origin, path in self.unused()]

    def _build_pattern(self, ref: GnmiColumn, values: dict[Any, Any],
                       stamps: dict[Any, int]) -> tuple[Mapping[Any, Any], dict[Any, int]]:
        """Columns whose path has ``*`` / ``{name}`` elements: match every cached path."""
        segs = ref.path.split("/")[1:]
        for (origin, path), known in self._paths.items():
            if ref.origin is not None and origin != ref.origin:
                continue
            psegs = path.split("/")[1:]
            if len(psegs) != len(segs):
                continue
            caps: list[tuple[str, str, str]] = []
            for s, p in zip(segs, psegs, strict=True):
                if s == "*":
                    continue
                if s.startswith("{"):
                    caps.append((s, s[1:-1], p))
                elif s != p:
                    break
            else:
                self.used.add((origin, path))
                for slot, (keys, _c) in known.items():
                    idx = _index((*caps, *keys), ref.keys, ref.filters)
                    if idx is None:
                        continue
                    v = self._values[slot] if ref.ext is None else (self._exts.get(slot) or {}).get(ref.ext)
                    if ref.numeric and v.__class__ is str:
                        n = to_number(v)
                        v = v if n is None else n
                    values[idx] = v
                    lts = self._stamps[slot]
                    if lts > stamps.get(idx, 0):
                        stamps[idx] = lts
        return values, stamps

    def unused(self) -> list[tuple[str, str]]:
        """Paths present in the data that no column read (explain: 'no rule used these')."""
        return sorted(set(self._paths) - self.used)
