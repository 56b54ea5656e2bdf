"""Series identity: one series per metric and attribute set in a device's output.

Two rows of one rule with equal attributes (two interfaces of one name) are told apart by their
row index; a series that an earlier rule of the same metric already made (an OpenConfig counter
and the native leaf a vendor rulebook adds for it) is dropped and counted on the later rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from .model import Rule
from .plans import RowPlan
from .points import Attrs, MetricPoints, RuleStat
from .selectors.base import Index

# the attribute that keeps two interfaces of one name (or an empty one) apart
IF_INDEX_ATTR = "netrosetta.interface.index"
DUPLICATE = "duplicate series (an earlier rule made it)"
_attrs_of = itemgetter(0)


def _index_text(i: Index) -> str:
    return i if isinstance(i, str) else ".".join(map(str, i)) if isinstance(i, tuple) else str(i)


def split_repeated(idxs: list[Index], attrs: list[Attrs]) -> list[Attrs]:
    """Rows of one rule with the same attributes get their index as IF_INDEX_ATTR (only those:
    a device without name collisions keeps its series as they are)."""
    if len(set(attrs)) == len(attrs):
        return attrs
    counts = Counter(attrs)
    return [(*a, (IF_INDEX_ATTR, _index_text(i))) if counts[a] > 1 else a
            for i, a in zip(idxs, attrs, strict=True)]


def overlapping_metrics(rules: Iterable[tuple[Rule, Attrs]]) -> dict[str, set[str]]:
    """Per source kind, the metrics two rules (with their constant attributes) could both make the
    same series of: same metric, and no constant attribute that tells them apart (e.g. an
    OpenConfig counter and the native leaf a vendor rulebook adds for it; not receive vs transmit)."""
    out: dict[str, set[str]] = {}
    listed = list(rules)
    for i, (a, consts_a) in enumerate(listed):
        ca = dict(consts_a)
        for b, consts_b in listed[i + 1:]:
            if a.kind != b.kind or a.metric != b.metric or _fallback_pair(a, b):
                continue
            cb = dict(consts_b)
            if all(ca[k] == cb[k] for k in ca.keys() & cb.keys()):
                out.setdefault(a.kind, set()).add(a.metric)
    return out


def _fallback_pair(a: Rule, b: Rule) -> bool:
    """One rule keeps only the rows where the other's value field is absent (ifSpeed where there
    is no ifHighSpeed): their rows never meet."""
    def value(r: Rule) -> Any:
        return getattr(r.selector, "value", None)

    def only_without(r: Rule, name: Any) -> bool:
        return name is not None and any(c.field == name and c.exists is False for c in r.where)
    return only_without(b, value(a)) or only_without(a, value(b))


def drop_repeated_series(mp: MetricPoints, stats: Mapping[str, RuleStat], plans: Mapping[str, RowPlan],
                         describing: frozenset[str] = frozenset()) -> None:
    """One series per metric and attribute set: a point whose attributes an earlier rule of the
    same metric already produced is dropped (rule order is precedence) and counted on its rule,
    so a device streaming OpenConfig and native paths for one counter exports it once. Points
    repeated within one rule are left as they are (interface rules never repeat: their plan
    gives such rows netrosetta.interface.index, see split_repeated). ``describing``: attributes
    left out of the comparison (the OpenConfig point has the interface's description and type,
    the native leaf's rule has not: still the same counter)."""
    points, ts = mp.points, mp.timestamps

    def key(attrs: Attrs) -> frozenset[tuple[str, Any]]:
        return frozenset(a for a in attrs if a[0] not in describing)
    keyed = key if describing else frozenset
    seen: set[frozenset[tuple[str, Any]]] = set()
    keep: list[int] | None = None          # None while nothing is dropped
    start = 0
    for name in mp.rules:                  # each rule's points are contiguous, in rule order
        st = stats.get(name)
        n = st.points if st is not None else 0
        plan = plans.get(name)
        if plan is not None and len(plan.attrs) == n:
            # every row made one point: the plan's attribute sets, kept while the plan is reused
            if plan.series_keys is None:
                plan.series_keys = list(map(keyed, plan.attrs))
            mine = plan.series_keys
        else:
            mine = list(map(keyed, map(_attrs_of, points[start:start + n])))
        if seen.isdisjoint(mine):          # the common case, checked in C
            if keep is not None:
                keep.extend(range(start, start + n))
        else:
            if keep is None:
                keep = list(range(start))
            kept = [start + j for j, key in enumerate(mine) if key not in seen]
            if st is not None:
                st.skipped[DUPLICATE] += n - len(kept)
                st.points = len(kept)
            keep.extend(kept)
        seen.update(mine)
        start += n
    if keep is not None:
        mp.points = [points[i] for i in keep]
        if ts is not None:
            mp.timestamps = [ts[i] for i in keep]
