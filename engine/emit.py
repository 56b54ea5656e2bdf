"""Running a plan: read its rows' values, transform them, check them, append the points.

Values are checked in bulk (C-speed passes over the row list) and only a rule with something to
drop or expand (skips, non-numbers, out-of-range values, state sets) goes row by row. Transforms
are pure, so a row whose raw value did not move since the last poll keeps its transformed value,
and values equal to the last poll's make the same points again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from functools import partial
from itertools import compress, repeat
from operator import is_, is_not
from typing import Any

from .compile import CompiledRule, RowSteps
from .plans import RowPlan
from .points import MetricPoints, RuleStat, ScopeBatch
from .poll_state import Run
from .selectors.base import ColumnRef, Dataset, Index, timestamp_of
from .transforms import SKIP, to_number
from .values import OUT_OF_RANGE, OUT_OF_RANGE_REASON

_NUMBER_TYPES = frozenset({int, float})
# what a data point may carry: an int no device type exceeds (int64 .. Counter64: the exporter
# sends those past int64 as doubles) or a finite float - anything else is a counted skip
INT_MIN, INT_MAX = -(1 << 63), (1 << 64) - 1
SKIPPED = "value skipped by transforms"


def _exportable(v: Any) -> bool:
    """An int in range or a finite float (the caller checked it is one of the two)."""
    return INT_MIN <= v <= INT_MAX if v.__class__ is int else math.isfinite(v)


def exportable_numbers(vals: list[Any]) -> bool:
    """Every value an int in range or a finite float, in C: one pass for the types, bounds by
    min/max (inf fails them, a big finite float falls back to the per-value check), NaN and inf
    by the sum (finite only if every term is; an overflow falls back to the per-value check)."""
    types = set(map(type, vals))
    if not types <= _NUMBER_TYPES:
        return False
    if not vals:
        return True
    if min(vals) >= INT_MIN and max(vals) <= INT_MAX:
        return float not in types or math.isfinite(sum(vals)) or all(map(math.isfinite, vals))
    return all(map(_exportable, vals))


def _merge_skipped(out: Counter[str], plan_first: dict[str, int], extra: dict[str, int],
                   extra_first: dict[str, int]) -> None:
    """Add value-level drops to a rule's counts, reasons ordered by their first row (as read).
    plan_first: kept rows before a reason's first drop; extra_first: the first dropped kept row."""
    def first(why: str) -> tuple[int, int]:
        return (plan_first[why], 0) if why in plan_first else (extra_first[why], 1)

    merged = {**out, **extra}
    order = sorted(merged, key=first)
    counts = {why: out.get(why, 0) + extra.get(why, 0) for why in order}
    out.clear()
    out.update(counts)


def _apply_row_steps(steps: RowSteps, v: Any, operands: tuple[Any, ...]) -> Any:
    k = 0
    for op, row in steps:
        if row:
            other = operands[k]
            k += 1
            if v is OUT_OF_RANGE:
                return v
            v = to_number(v)
            if other is SKIP or v is SKIP:
                return SKIP
            v = op(v, other)
        else:
            v = op(v)
        if v is SKIP or v is OUT_OF_RANGE:
            return v
    return v


def emit(cr: CompiledRule, plan: RowPlan, run: Run, scope: ScopeBatch, st: RuleStat) -> None:
    """Read the plan's values and append its points."""
    ds = run.dataset
    mp = scope.metrics.get(cr.rule.metric)
    if mp is None:
        mp = scope.metrics[cr.rule.metric] = MetricPoints(
            cr.rule.metric, cr.instrument, cr.metric.unit, cr.metric.description)
    if cr.rule.name not in mp.rules:
        mp.rules.append(cr.rule.name)
    points = mp.points
    ts: list[int] | None = None
    if run.timestamps:
        ts = mp.timestamps if mp.timestamps is not None else [0] * len(points)
        mp.timestamps = ts
    if plan.skipped:
        dict.update(st.skipped, plan.skipped)     # a new RuleStat: copied as is, zero counts too
    if not plan.idxs:
        return
    col = ds.column(cr.value_ref)
    if cr.width == 32 or cr.fallback_width == 32:
        _mark_counter32(cr, plan, col, mp)
    if plan.from_fallback:
        assert cr.fallback_ref is not None
        col = {**ds.column(cr.fallback_ref), **col}
    raws = list(map(col.__getitem__, plan.idxs))
    last_vals = plan.last_vals
    vals = raws if cr.chain is None and cr.row_steps is None else _values(cr, plan, raws)
    if OUT_OF_RANGE in raws and vals is not raws:
        # a malformed varbind stays one (a `map` default must not turn it into a value)
        vals = [OUT_OF_RANGE if r is OUT_OF_RANGE else v for r, v in zip(raws, vals, strict=True)]
    before = len(points)
    if plan.emitted is not None and plan.emitted[0] is vals:     # the values of last poll: its points
        points.extend(plan.emitted[1])
        st.skipped.clear()
        dict.update(st.skipped, plan.emitted[2])
    else:
        stamps = None if ts is None else _stamps(ds, cr.value_ref, plan.idxs)
        if cr.states is None and exportable_numbers(vals):
            points.extend(zip(plan.attrs, vals, strict=True))   # all numbers: nothing to check per row
            if ts is not None and stamps is not None:
                ts.extend(stamps)
        elif cr.states is not None or not _emit_numbers(plan, vals, points, st, ts, stamps):
            _emit_rows(cr, plan, vals, points, ts, stamps, st)
        if ts is None and vals is last_vals:    # the values of last poll again: keep their points
            plan.emitted = (vals, points[before:], dict(st.skipped))
    st.points += len(points) - before


def _mark_counter32(cr: CompiledRule, plan: RowPlan, col: Mapping[Index, Any], mp: MetricPoints) -> None:
    """Note the series read from a 32-bit counter column: the value column's rows when it is
    the 32-bit one, the rows the fallback answered when that is (ifInOctets for ifHCInOctets)."""
    if plan.counter32 is None:      # kept with the plan: its rows (and fallback rows) are fixed
        if cr.width == 32 and (cr.fallback_ref is None or cr.fallback_width == 32 or not plan.from_fallback):
            plan.counter32 = frozenset(plan.attrs)
        else:
            from_value = cr.width == 32
            plan.counter32 = frozenset(a for i, a in zip(plan.idxs, plan.attrs, strict=True)
                                       if (i in col) is from_value)
    if plan.counter32:
        # the plan's set as is for the metric's first such rule (both are frozen): no copy
        mp.counter32 = plan.counter32 if mp.counter32 is None else mp.counter32 | plan.counter32


def _emit_numbers(plan: RowPlan, vals: list[Any], points: list[Any], st: RuleStat,
                  ts: list[int] | None, stamps: list[int] | None) -> bool:
    """Numbers and SKIPs only (sentinels, absent lanes): the numbers become points and the SKIPs
    are counted without a Python loop. False (nothing done) when other values need row checks."""
    if None in vals:
        return False
    keep = list(map(is_not, vals, repeat(SKIP)))
    kept = list(compress(vals, keep))
    if not exportable_numbers(kept):
        return False
    before = len(points)
    points.extend(compress(zip(plan.attrs, vals, strict=True), keep))
    if ts is not None and stamps is not None:
        ts.extend(compress(stamps, keep))
    _merge_skipped(st.skipped, plan.first, {SKIPPED: len(vals) - (len(points) - before)}, {SKIPPED: keep.index(False)})
    return True


def _values(cr: CompiledRule, plan: RowPlan, raws: list[Any]) -> list[Any]:
    """Raw values through the rule's transforms. Transforms are pure, so a row whose raw value
    (and type) is the one of the last poll keeps that poll's result (sentinels, absent lanes)."""
    steps, chain, ops = cr.row_steps, cr.chain, plan.operands
    last_raws, last_vals = plan.last_raws, plan.last_vals
    vals: list[Any]
    if last_raws is None or last_vals is None:
        if steps is not None:
            assert ops is not None
            vals = list(map(partial(_apply_row_steps, steps), raws, ops))
        else:
            assert chain is not None
            vals = list(map(chain, raws))
    elif raws == last_raws and all(map(is_, map(type, raws), map(type, last_raws))):
        return last_vals        # nothing moved (the same list: emit reuses its points too)
    elif steps is not None:
        assert ops is not None
        vals = [lv if v.__class__ is lr.__class__ and v == lr else _apply_row_steps(steps, v, o)
                for v, lr, lv, o in zip(raws, last_raws, last_vals, ops, strict=True)]
    else:
        assert chain is not None
        vals = [lv if v.__class__ is lr.__class__ and v == lr else chain(v)
                for v, lr, lv in zip(raws, last_raws, last_vals, strict=True)]
    plan.last_raws, plan.last_vals = raws, vals
    return vals


def _emit_rows(cr: CompiledRule, plan: RowPlan, vals: list[Any], points: list[Any],
               ts: list[int] | None, stamps: list[int] | None, st: RuleStat) -> None:
    """Row by row: dropped values are counted, states expand to one point per state."""
    states = cr.states
    skipped: Counter[str] = Counter()
    first: dict[str, int] = {}
    if states is not None and plan.state_points is None:
        plan.state_points = [{} for _ in plan.idxs]
    for k, v in enumerate(vals):
        why: str | None = None
        if v is SKIP or v is None:
            why = SKIPPED
        elif v is OUT_OF_RANGE:
            why = OUT_OF_RANGE_REASON
        elif states is not None:
            n = len(points)
            why = _emit_states(states, v, plan, k, points)
            if ts is not None and stamps is not None:
                ts.extend([stamps[k]] * (len(points) - n))
        else:
            t = v.__class__
            if t is not int and t is not float:
                if t is bool:
                    v = int(v)
                else:
                    why = "value is not a number"
            elif not _exportable(v):
                why = OUT_OF_RANGE_REASON
            if why is None:
                points.append((plan.attrs[k], v))
                if ts is not None and stamps is not None:
                    ts.append(stamps[k])
        if why is not None:
            skipped[why] += 1
            first.setdefault(why, k)
    if skipped:
        _merge_skipped(st.skipped, plan.first, skipped, first)


def _emit_states(states: Any, v: Any, plan: RowPlan, k: int, points: list[Any]) -> str | None:
    key = v.decode() if isinstance(v, bytes) else v
    state = states.map.get(key, states.map.get(str(key), states.default))
    if state is None:
        return "state not mapped"
    assert plan.state_points is not None
    cache = plan.state_points[k]
    made = cache.get(state)
    if made is None:        # the row's points for this state, reused while the plan lives
        attrs = plan.attrs[k]
        made = cache[state] = tuple(((*attrs, (states.attribute, s)), 1 if s == state else 0)
                                    for s in states.states)
    points.extend(made)
    return None


def _stamps(ds: Dataset, ref: ColumnRef, idxs: list[Index]) -> list[int]:
    """Device timestamps of a plan's rows (0 when unknown), read in bulk when the source offers
    ``timestamps(ref)``: one call per rule instead of one ``timestamp`` call per point."""
    bulk = getattr(ds, "timestamps", None)
    if bulk is None:
        return [timestamp_of(ds, ref, i) or 0 for i in idxs]
    got = list(map(bulk(ref).get, idxs, repeat(0)))
    return got if None not in got else [t or 0 for t in got]
