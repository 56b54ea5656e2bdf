"""Planning: which rows of a rule's value column make points, with which attributes.

A plan reads the rule's filters and attribute columns but no value. Between polls of one device
(datasets that declare ``stable_columns``, e.g. SnmpDataset) the plan is kept in the
translator's PlanMemo (plans.py) and reused while the columns it came from are equal to the last
poll's; a poll then only reads and transforms values.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from .compile import CompiledRule
from .facts import DeviceFacts
from .plans import ColumnCheck, DeviceMemo, RowPlan
from .points import Attrs
from .poll_state import Run
from .selectors.base import Index
from .series import split_repeated
from .transforms import to_text
from .values import OUT_OF_RANGE


def device_key(kind: str, facts: DeviceFacts) -> Hashable:
    """Which device a poll is of, for plans kept between polls (a clash only costs reuse)."""
    return (kind, facts.name, facts.address, facts.sys_name, facts.sys_object_id, facts.sys_descr)


def memo_plan(pos: int, cr: CompiledRule, run: Run, memo: DeviceMemo, check: ColumnCheck) -> RowPlan:
    """The plan of the device's previous poll while the columns it came from are unchanged."""
    plan = memo.plans.get(pos)
    if plan is None or not (check.changed.isdisjoint(cr.struct_refs) and
                            check.changed_rows.isdisjoint(cr.row_refs)):
        plan = memo.plans[pos] = build_plan(cr, run)
    elif not check.changed.isdisjoint(cr.operand_refs):
        plan.operands = operands(cr, run, plan.idxs)
        plan.last_raws = plan.last_vals = None
    return plan


def build_plan(cr: CompiledRule, run: Run) -> RowPlan:
    """Which rows of the value column make points, with which attributes (no values read)."""
    ds = run.dataset
    col = ds.column(cr.value_ref)
    keys: Iterable[Index] = col
    n_rows = len(col)
    fb: Mapping[Index, Any] = {}
    extra: list[Index] = []
    if cr.fallback_ref is not None:
        fb = ds.column(cr.fallback_ref)
        extra = [i for i in fb if i not in col]
        if extra:
            keys = [*col, *extra]
            n_rows += len(extra)
    skipped: dict[str, int] = {}
    first: dict[str, int] = {}
    if cr.prefilter is not None:
        pref, wanted = cr.prefilter
        groups = run.groups(pref)
        keys = [i for v in wanted for i in groups.get(v, ()) if i in col or i in fb]
        skipped["filtered by where"] = n_rows - len(keys)
        first["filtered by where"] = -1
    if not keys:
        return RowPlan([], [], skipped, first)
    tcache = run.tuples.get(cr.tuple_key)
    if tcache is None:
        tcache = run.tuples[cr.tuple_key] = {}
    keys = list(keys)
    # rows' attributes (or why a row yields no point), shared by the rules with the same tuple_key
    dyns: list[Any] = list(map(tcache.get, keys))
    if None in dyns:
        for n, dyn in enumerate(dyns):
            if dyn is None:
                dyns[n] = tcache[keys[n]] = _row_attrs(cr, run, keys[n])
    consts = cr.consts
    if str in set(map(type, dyns)):
        idxs, attrs = _kept_rows(keys, dyns, consts, skipped, first)
    else:                                   # every row makes a point
        idxs, attrs = keys, ([consts + d for d in dyns] if consts else dyns)
    if cr.split_repeats:
        attrs = split_repeated(idxs, attrs)
    plan = RowPlan(idxs, attrs, skipped, first, bool(extra) and not col.keys() >= set(idxs))
    if cr.operands:
        plan.operands = operands(cr, run, idxs)
    return plan


def _kept_rows(keys: list[Index], dyns: list[Any], consts: Attrs, skipped: dict[str, int],
               first: dict[str, int]) -> tuple[list[Index], list[Attrs]]:
    """The rows that make points and their attributes; the others counted by reason."""
    idxs: list[Index] = []
    attrs: list[Attrs] = []
    for idx, dyn in zip(keys, dyns, strict=True):
        if dyn.__class__ is str:            # a reason the row yields no point
            if dyn in skipped:
                skipped[dyn] += 1
            else:
                skipped[dyn] = 1
                first.setdefault(dyn, len(idxs))
            continue
        idxs.append(idx)
        attrs.append(consts + dyn if consts else dyn)
    return idxs, attrs


def operands(cr: CompiledRule, run: Run, idxs: list[Index]) -> list[tuple[Any, ...]]:
    """Per row, the operands of the rule's row-aware transforms."""
    getters = cr.operands
    return [tuple(g(run, i) for g in getters) for i in idxs]


def _row_attrs(cr: CompiledRule, run: Run, idx: Index) -> Attrs | str:
    """The row's non-constant attributes, or why the row yields no point."""
    for cond in cr.where:
        if not cond(run, idx):
            return "filtered by where"
    if not cr.resolvers:
        return ()
    out: list[tuple[str, Any]] = []
    for name, res, required in cr.resolvers:
        v = res(run, idx)
        if v is None or v == "" or v == b"" or v is OUT_OF_RANGE:
            if required:
                return f"missing attribute {name}"
            continue
        out.append((name, v if v.__class__ is str else to_text(v)))
    return tuple(out)

