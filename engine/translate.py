"""Translation: a resolved rulebook compiled once, run against one device's dataset per poll.

Compiling turns every selector name into a column reference, every attribute into a resolver and
every transform list into one callable, so the per-point loop only does dictionary lookups and
arithmetic. Resolved attributes are cached per row for the whole poll and shared by every rule
that asks for the same thing (ifName is read once per interface, not once per counter).

Between polls of one device (datasets that declare ``stable_columns``, e.g. SnmpDataset), each
rule's row plan — which rows make points, with which attribute tuples — is kept (plans.py) and
reused while the columns it came from are equal to the last poll's; a poll then only reads and
transforms values, and a row whose raw value did not move keeps its transformed value.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, repeat
from operator import is_, is_not, itemgetter
from typing import Any

from .facts import DeviceFacts
from .matching import MatchResult, match_rulebook
from .model import AttrRef, Condition, DeviceRule, Rule
from .plans import ColumnCheck, DeviceMemo, PlanMemo, RowPlan
from .points import Attrs, DeviceTranslation, MetricPoints, RuleStat, ScopeBatch
from .rulebooks import ResolvedRulebook, RulebookSet
from .schema import MetricDef, UnifiedSchema, load_schema
from .selectors.base import BindContext, ColumnRef, Dataset, Index, Selector, SelectorError, timestamp_of
from .transforms import SKIP, compile_chain, is_row_step, row_op, to_number, to_text
from .values import OUT_OF_RANGE, OUT_OF_RANGE_REASON

log = logging.getLogger(__name__)

Resolver = Callable[["Run", Index], Any]
_NUMBER_TYPES = frozenset({int, float})
# what a data point may carry: an int no device type exceeds (int64 .. Counter64: the exporter
# sends those past int64 as doubles) or a finite float - anything else is a counted skip
INT_MIN, INT_MAX = -(1 << 63), (1 << 64) - 1


def _exportable(v: Any) -> bool:
    """An int in range or a finite float (the caller checked it is one of the two)."""
    return INT_MIN <= v <= INT_MAX if v.__class__ is int else math.isfinite(v)


def _all_exportable(vals: list[Any]) -> bool:
    """_exportable for a list of ints and floats, in C: bounds by min/max (inf fails them, and a
    big finite float falls back to the per-value check), NaN by isfinite."""
    if not vals:
        return True
    if min(vals) >= INT_MIN and max(vals) <= INT_MAX:
        return float not in set(map(type, vals)) or all(map(math.isfinite, vals))
    return all(map(_exportable, vals))


def device_key(kind: str, facts: DeviceFacts) -> Hashable:
    """Which device a poll is of, for plans kept between polls (a clash only costs reuse)."""
    return (kind, facts.name, facts.address, facts.sys_name, facts.sys_object_id, facts.sys_descr)


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


def _column_operand(ref: ColumnRef) -> Resolver:
    """A row step's operand read from another column of the row (SKIP when absent or not a number)."""
    return lambda run, idx: to_number(run.dataset.column(ref).get(idx))


def _ref_operand(get: Resolver) -> Resolver:
    """A row step's operand given as an attribute reference (its own transforms / lookup)."""
    def operand(run: Run, idx: Index) -> Any:
        other = get(run, idx)
        return SKIP if other is None else to_number(other)
    return operand


# a compiled row chain: (op, takes_operand) steps; operands are read per row beforehand
RowSteps = tuple[tuple[Callable[..., Any], bool], ...]


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


class Run:
    """Per-poll state: the dataset, and caches that live exactly as long as one translation."""

    __slots__ = ("attr_values", "dataset", "grouped", "reverse", "timestamps", "tuples")

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.timestamps = hasattr(dataset, "timestamp")     # the source keeps device timestamps
        self.attr_values: dict[str, dict[Index, Any]] = {}
        self.tuples: dict[str, dict[Index, Any]] = {}
        self.reverse: dict[ColumnRef, dict[str, Index]] = {}
        self.grouped: dict[ColumnRef, dict[str, list[Index]]] = {}

    def groups(self, ref: ColumnRef) -> dict[str, list[Index]]:
        """Row indexes of a column grouped by the column's text value (for prefiltered rules)."""
        g = self.grouped.get(ref)
        if g is None:
            g = {}
            for idx, v in self.dataset.column(ref).items():
                g.setdefault(to_text(v), []).append(idx)
            self.grouped[ref] = g
        return g

    def reverse_index(self, ref: ColumnRef) -> dict[str, Index]:
        rev = self.reverse.get(ref)
        if rev is None:
            rev = {}
            for idx, v in self.dataset.column(ref).items():
                rev.setdefault(to_text(v), idx)
            self.reverse[ref] = rev
        return rev


def _compile_ref(ref: AttrRef, sel: Selector, ctx: BindContext, refs: set[ColumnRef]) -> Resolver:
    """AttrRef -> resolver(run, index) giving the raw value (or None)."""
    base: Resolver
    if ref.const is not None:
        c = ref.const
        base = lambda run, idx: c
    elif ref.index is not None:
        if isinstance(ref.index, int):
            n = ref.index

            def base(run: Run, idx: Index) -> Any:
                parts = run.dataset.index_parts(idx)
                return parts[n] if -len(parts) <= n < len(parts) else None
        else:
            a, b = ref.index

            def base(run: Run, idx: Index) -> Any:
                parts = run.dataset.index_parts(idx)[a:b]
                return ".".join(str(p) for p in parts) if parts else None
    elif ref.key is not None:
        pos = sel.key_position(ref.key, ctx)

        def base(run: Run, idx: Index) -> Any:
            parts = run.dataset.index_parts(idx)
            return parts[pos] if pos < len(parts) else None
    elif ref.field is not None:
        col_ref = sel.field_ref(ref.field, ctx)
        refs.add(col_ref)

        def base(run: Run, idx: Index) -> Any:
            return run.dataset.column(col_ref).get(idx)
    elif ref.concat is not None:
        parts = [_compile_ref(r, sel, ctx, refs) for r in ref.concat]
        sep = ref.sep

        def base(run: Run, idx: Index) -> Any:
            texts = [to_text(v) for v in (p(run, idx) for p in parts) if v is not None]
            return sep.join(t for t in texts if t) or None
    else:
        assert ref.lookup is not None
        lk = ref.lookup
        target = sel.field_ref(lk.field, ctx)
        refs.add(target)
        by = _compile_ref(lk.by, sel, ctx, refs)
        if lk.match is not None:
            match_ref = sel.field_ref(lk.match, ctx)
            refs.add(match_ref)

            def base(run: Run, idx: Index) -> Any:
                key = by(run, idx)
                if key is None:
                    return None
                j = run.reverse_index(match_ref).get(to_text(key))
                return None if j is None else run.dataset.column(target).get(j)
        else:
            def base(run: Run, idx: Index) -> Any:
                key = by(run, idx)
                if key is None:
                    return None
                return run.dataset.column(target).get(run.dataset.index_for(key))
    chain = compile_chain(ref.transforms)
    fallback = _compile_ref(ref.fallback, sel, ctx, refs) if ref.fallback else None
    default = ref.default
    if chain is None and fallback is None and default is None:
        return base

    def resolve(run: Run, idx: Index) -> Any:
        v = base(run, idx)
        if v is not None and chain is not None:
            v = chain(v)
            if v is SKIP:
                v = None
        if (v is None or v == "" or v == b"") and fallback is not None:
            v = fallback(run, idx)
        if (v is None or v == "" or v == b"") and default is not None:
            v = default
        return v
    return resolve


def _cached(key: str, fn: Resolver) -> Resolver:
    def resolve(run: Run, idx: Index) -> Any:
        cache = run.attr_values.get(key)
        if cache is None:
            cache = run.attr_values[key] = {}
        try:
            return cache[idx]
        except KeyError:
            v = cache[idx] = fn(run, idx)
            return v
    return resolve


def _equals_test(s: str, negate: bool) -> Callable[[Any], bool]:
    return lambda v: (v is not None and to_text(v) == s) != negate


def _in_test(ss: set[str], negate: bool) -> Callable[[Any], bool]:
    return lambda v: (v is not None and to_text(v) in ss) != negate


def _regex_test(rx: re.Pattern[str], negate: bool) -> Callable[[Any], bool]:
    return lambda v: (v is not None and rx.search(to_text(v)) is not None) != negate


def _compile_condition(cond: Condition, sel: Selector, ctx: BindContext,
                       refs: set[ColumnRef]) -> Callable[[Run, Index], bool]:
    if cond.any is not None:
        alternatives = [_compile_condition(c, sel, ctx, refs) for c in cond.any]
        return lambda run, idx: any(alt(run, idx) for alt in alternatives)
    if cond.field is not None:
        get = _compile_ref(AttrRef(field=cond.field), sel, ctx, refs)
    elif cond.ref is not None:
        get = _compile_ref(cond.ref, sel, ctx, refs)
    else:
        get = _compile_ref(AttrRef(index=cond.index), sel, ctx, refs)
    tests: list[Callable[[Any], bool]] = []
    if cond.exists is not None:
        want = cond.exists
        tests.append(lambda v: (v is not None) == want)
    for raw, negate in ((cond.equals, False), (cond.not_equals, True)):
        if raw is not None:
            tests.append(_equals_test(str(raw), negate))
    for raw_set, negate in ((cond.in_, False), (cond.not_in, True)):
        if raw_set is not None:
            tests.append(_in_test({str(x) for x in raw_set}, negate))
    for rx_s, negate in ((cond.regex, False), (cond.not_regex, True)):
        if rx_s is not None:
            tests.append(_regex_test(re.compile(rx_s), negate))

    key = f"where|{sel.kind}|{sel.model_dump_json() if sel.kind != 'snmp' else ''}|{cond.model_dump_json()}"

    def check(run: Run, idx: Index) -> bool:
        cache = run.attr_values.get(key)
        if cache is None:
            cache = run.attr_values[key] = {}
        hit = cache.get(idx)
        if hit is None:
            v = get(run, idx)
            hit = cache[idx] = all(t(v) for t in tests)
        return bool(hit)
    return check


def _prefilter(conds: list[Condition], sel: Selector, ctx: BindContext) -> tuple[ColumnRef, frozenset[str]] | None:
    """(field column, wanted text values) of the first positive equals/in condition on a field:
    lets a rule visit only the rows whose field has one of those values instead of the whole table."""
    for c in conds:
        if c.field is None:
            continue
        if c.equals is not None:
            return sel.field_ref(c.field, ctx), frozenset({str(c.equals)})
        if c.in_ is not None:
            return sel.field_ref(c.field, ctx), frozenset(str(x) for x in c.in_)
    return None


@dataclass
class CompiledRule:
    rule: Rule
    kind: str
    metric: MetricDef
    instrument: str
    value_ref: ColumnRef
    fallback_ref: ColumnRef | None
    chain: Callable[[Any], Any] | None
    consts: tuple[tuple[str, Any], ...]
    resolvers: list[tuple[str, Resolver, bool]]       # name, resolver, required
    where: list[Callable[[Run, Index], bool]]
    tuple_key: str
    states: Any = None
    refs: set[ColumnRef] = field(default_factory=set)
    row_steps: RowSteps | None = None
    prefilter: tuple[ColumnRef, frozenset[str]] | None = None
    operands: tuple[Resolver, ...] = ()
    # what a row plan depends on: columns compared whole, columns whose row indexes matter
    # (value, fallback), columns the row-step operands come from
    struct_refs: tuple[ColumnRef, ...] = ()
    row_refs: tuple[ColumnRef, ...] = ()
    operand_refs: tuple[ColumnRef, ...] = ()
    # counter width (32, 64, None = unknown) of the value column and of the fallback column
    width: int | None = None
    fallback_width: int | None = None
    # interface metrics: rows whose attributes repeat (two interfaces with one name) are told
    # apart by their row index instead of being merged into one series
    split_repeats: bool = False


# the attribute that keeps two interfaces of one name (or an empty one) apart
IF_INDEX_ATTR = "netrosetta.interface.index"


def _index_text(i: Index) -> str:
    return i if isinstance(i, str) else ".".join(map(str, i)) if isinstance(i, tuple) else str(i)


def _split_repeated(idxs: list[Index], attrs: list[Attrs]) -> list[Attrs]:
    """Rows of one rule with the same attributes get their index as IF_INDEX_ATTR (only those:
    a device without name collisions keeps its series as they are)."""
    if len(set(attrs)) == len(attrs):
        return attrs
    counts = Counter(attrs)
    return [(*a, (IF_INDEX_ATTR, _index_text(i))) if counts[a] > 1 else a
            for i, a in zip(idxs, attrs, strict=True)]


class Translator:
    """One resolved rulebook, compiled. Reuse it across polls of every device it matches."""

    def __init__(self, rb: ResolvedRulebook, schema: UnifiedSchema | None = None,
                 ctx: BindContext | None = None) -> None:
        self.rulebook = rb
        self.schema = schema or load_schema(rb.book.schema_)
        self.ctx = ctx or BindContext()
        self.rules: list[CompiledRule] = []
        self.device_rules: list[tuple[str, Any]] = []
        self.refs: dict[str, set[ColumnRef]] = {}
        self.device_refs: dict[str, tuple[ColumnRef, ...]] = {}     # columns the Resource reads
        self.memo = PlanMemo()
        self._kind_refs: dict[str, tuple[tuple[ColumnRef, ...], tuple[ColumnRef, ...]]] = {}
        for r in rb.rules:
            self.rules.append(self._compile(r))
        for name, spec in rb.device.items():
            self.device_rules.append((name, self._compile_device(spec)))
        self._overlaps = _overlapping_metrics(self.rules)

    # -- compile --
    def _compile(self, r: Rule) -> CompiledRule:
        metric = self.schema.metric(r.metric)
        if metric is None:
            raise SelectorError(f"rule {r.name}: unknown unified metric {r.metric!r}")
        sel = r.selector
        refs: set[ColumnRef] = set()       # read by attributes and filters
        value_ref = sel.value_ref(self.ctx)
        fallback_ref = sel.fallback_ref(self.ctx)
        consts = []
        resolvers = []
        required = set(metric.attributes.required)
        attributes = dict(r.attributes)
        for name, ref in self.rulebook.defaults.get(r.kind, {}).items():
            if name in required and name not in attributes:
                attributes[name] = ref
        for name, ref in attributes.items():
            if ref.const is not None and not ref.transforms:
                consts.append((name, ref.const if isinstance(ref.const, str) else to_text(ref.const)))
                continue
            scope = "" if (r.kind == "snmp" and ref.key is None) else sel.model_dump_json()
            key = f"{r.kind}|{scope}|{ref.model_dump_json()}"
            resolvers.append((name, _cached(key, _compile_ref(ref, sel, self.ctx, refs)), name in required))
        where = [_compile_condition(c, sel, self.ctx, refs) for c in r.where]
        operand_refs: set[ColumnRef] = set()
        row_steps, operands = self._row_steps(r, sel, operand_refs)
        # rows' non-constant attributes are cached under this key, shared by every rule that
        # resolves the same attributes with the same filters (all IF-MIB counters share one)
        dynamic = sorted(n for n in attributes if not (attributes[n].const is not None and not attributes[n].transforms))
        tuple_key = f"{r.kind}|{sel.model_dump_json() if r.kind != 'snmp' else ''}|" + \
            "|".join(f"{n}={attributes[n].model_dump_json()}" for n in dynamic) + \
            "|where=" + "|".join(c.model_dump_json() for c in r.where)
        row_refs = (value_ref,) if fallback_ref is None else (value_ref, fallback_ref)
        all_refs = refs | operand_refs | set(row_refs)
        cr = CompiledRule(r, r.kind, metric, r.instrument or metric.instrument, value_ref, fallback_ref,
                          None if row_steps else compile_chain(r.transforms), tuple(consts), resolvers,
                          where, tuple_key, r.states, all_refs, row_steps, _prefilter(r.where, sel, self.ctx),
                          operands, tuple(refs), row_refs, tuple(operand_refs),
                          split_repeats=IF_INDEX_ATTR in metric.attributes.optional and IF_INDEX_ATTR not in attributes)
        if cr.instrument == "counter":
            cr.width = sel.counter_width(value_ref, self.ctx)
            cr.fallback_width = sel.counter_width(fallback_ref, self.ctx) if fallback_ref is not None else None
        self.refs.setdefault(r.kind, set()).update(all_refs)
        return cr

    def _row_steps(self, r: Rule, sel: Selector,
                   refs: set[ColumnRef]) -> tuple[RowSteps | None, tuple[Resolver, ...]]:
        """Transforms that read other fields of the row (e.g. hrStorageUsed x AllocationUnits):
        the steps, and per row-aware step the resolver of its operand."""
        if not any(is_row_step(t) for t in r.transforms):
            return None, ()
        steps: list[tuple[Callable[..., Any], bool]] = []
        operands: list[Resolver] = []
        for t in r.transforms:
            if is_row_step(t):
                name, op = row_op(t)
                if isinstance(name, AttrRef):       # operand with its own transforms / lookup
                    operands.append(_ref_operand(_compile_ref(name, sel, self.ctx, refs)))
                else:
                    ref = sel.field_ref(name, self.ctx)
                    refs.add(ref)
                    operands.append(_column_operand(ref))
                steps.append((op, True))
            else:
                fn = compile_chain([t])
                assert fn is not None
                steps.append((fn, False))
        return tuple(steps), tuple(operands)

    def _compile_device(self, spec: Any) -> Any:
        if not isinstance(spec, DeviceRule):
            return to_text(spec)
        sel = spec.selector
        refs: set[ColumnRef] = set()
        value_ref = sel.value_ref(self.ctx)
        refs.add(value_ref)
        where = [_compile_condition(c, sel, self.ctx, refs) for c in spec.where]
        self.refs.setdefault(spec.kind, set()).update(refs)
        self.device_refs[spec.kind] = tuple({*self.device_refs.get(spec.kind, ()), *refs})
        return (spec.kind, value_ref, where, compile_chain(spec.transforms), _prefilter(spec.where, sel, self.ctx))

    def requirements(self, kind: str) -> set[ColumnRef]:
        """Every column this rulebook reads from a source kind (what a collector must fetch)."""
        return set(self.refs.get(kind, set()))

    # -- run --
    def translate(self, dataset: Dataset, facts: DeviceFacts | None = None, *,
                  time_ns: int | None = None, match: MatchResult | None = None) -> DeviceTranslation:
        facts = facts or DeviceFacts()
        now = time_ns or time.time_ns()
        run = Run(dataset)
        kind = dataset.kind
        scope = ScopeBatch(self.rulebook.id, self.rulebook.version, kind)
        stats: dict[str, RuleStat] = {}
        key = device_key(kind, facts)
        memo = self.memo.checkout(key) if getattr(dataset, "stable_columns", False) else None
        whole, rows = self._memo_refs(kind)
        check = ColumnCheck(dataset, memo.cols, whole, rows) if memo is not None else None
        overlaps = self._overlaps.get(kind)
        plans: dict[str, RowPlan] = {}
        for pos, cr in enumerate(self.rules):
            if cr.kind != kind:
                continue
            st = stats[cr.rule.name] = RuleStat()
            plan = self._plan(cr, run) if memo is None or check is None else self._memo_plan(pos, cr, run, memo, check)
            self._emit(cr, plan, run, scope, st)
            if overlaps and cr.rule.metric in overlaps and cr.states is None:
                plans[cr.rule.name] = plan     # one point per kept row: the plan's attributes
        for metric in overlaps or ():
            mp = scope.metrics.get(metric)
            if mp is not None and len(mp.rules) > 1:
                _drop_repeated_series(mp, stats, plans)
        if memo is None or check is None:
            resource = self._resource(run, facts)
        else:
            resource = self._memo_resource(run, facts, memo, check)
            memo.cols = check.cur
            self.memo.checkin(key, memo)
        boot = now - facts.sys_uptime * 10_000_000 if facts.sys_uptime is not None else None
        return DeviceTranslation(resource, [scope] if scope.metrics else [], now, boot, stats, match)

    def _memo_refs(self, kind: str) -> tuple[tuple[ColumnRef, ...], tuple[ColumnRef, ...]]:
        """Columns kept between polls: compared whole (filters, attributes, operands, Resource),
        compared by row indexes only (values)."""
        refs = self._kind_refs.get(kind)
        if refs is None:
            rules = [cr for cr in self.rules if cr.kind == kind]
            whole = {r for cr in rules for r in (*cr.struct_refs, *cr.operand_refs)} | set(self.device_refs.get(kind, ()))
            refs = self._kind_refs[kind] = (tuple(whole), tuple({r for cr in rules for r in cr.row_refs}))
        return refs

    def _memo_plan(self, pos: int, cr: CompiledRule, run: Run, memo: DeviceMemo, check: ColumnCheck) -> RowPlan:
        """The plan of the device's previous poll while the columns it came from are unchanged."""
        plan = memo.plans.get(pos)
        if plan is None or not (check.changed.isdisjoint(cr.struct_refs) and
                                check.changed_rows.isdisjoint(cr.row_refs)):
            plan = memo.plans[pos] = self._plan(cr, run)
        elif not check.changed.isdisjoint(cr.operand_refs):
            plan.operands = self._operands(cr, run, plan.idxs)
            plan.last_raws = plan.last_vals = None
        return plan

    def _plan(self, cr: CompiledRule, run: Run) -> RowPlan:
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
                    dyns[n] = tcache[keys[n]] = self._attrs(cr, run, keys[n])
        consts = cr.consts
        if str in set(map(type, dyns)):
            idxs, attrs = self._kept_rows(keys, dyns, consts, skipped, first)
        else:                                   # every row makes a point
            idxs, attrs = keys, ([consts + d for d in dyns] if consts else dyns)
        if cr.split_repeats:
            attrs = _split_repeated(idxs, attrs)
        plan = RowPlan(idxs, attrs, skipped, first, bool(extra) and not col.keys() >= set(idxs))
        if cr.operands:
            plan.operands = self._operands(cr, run, idxs)
        return plan

    @staticmethod
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

    @staticmethod
    def _operands(cr: CompiledRule, run: Run, idxs: list[Index]) -> list[tuple[Any, ...]]:
        getters = cr.operands
        return [tuple(g(run, i) for g in getters) for i in idxs]

    def _attrs(self, cr: CompiledRule, run: Run, idx: Index) -> Attrs | str:
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

    def _emit(self, cr: CompiledRule, plan: RowPlan, run: Run, scope: ScopeBatch, st: RuleStat) -> None:
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
            self._mark_counter32(cr, plan, col, mp)
        if plan.from_fallback:
            assert cr.fallback_ref is not None
            col = {**ds.column(cr.fallback_ref), **col}
        raws = list(map(col.__getitem__, plan.idxs))
        last_vals = plan.last_vals
        vals = raws if cr.chain is None and cr.row_steps is None else self._values(cr, plan, raws)
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
            if cr.states is None and _NUMBER_TYPES.issuperset(map(type, vals)) and _all_exportable(vals):
                points.extend(zip(plan.attrs, vals, strict=True))   # all numbers: nothing to check per row
                if ts is not None and stamps is not None:
                    ts.extend(stamps)
            elif cr.states is not None or not self._emit_numbers(plan, vals, points, st, ts, stamps):
                self._emit_rows(cr, plan, vals, points, ts, stamps, st)
            if ts is None and vals is last_vals:    # the values of last poll again: keep their points
                plan.emitted = (vals, points[before:], dict(st.skipped))
        st.points += len(points) - before

    @staticmethod
    def _mark_counter32(cr: CompiledRule, plan: RowPlan, col: Mapping[Index, Any], mp: MetricPoints) -> None:
        """Note the series read from a 32-bit counter column: the value column's rows when it is
        the 32-bit one, the rows the fallback answered when that is (ifInOctets for ifHCInOctets)."""
        if plan.counter32 is None:      # kept with the plan: its rows (and fallback rows) are fixed
            if cr.width == 32 and (cr.fallback_ref is None or cr.fallback_width == 32 or not plan.from_fallback):
                plan.counter32 = set(plan.attrs)
            else:
                from_value = cr.width == 32
                plan.counter32 = {a for i, a in zip(plan.idxs, plan.attrs, strict=True) if (i in col) is from_value}
        if plan.counter32:
            if mp.counter32 is None:
                mp.counter32 = set()
            mp.counter32 |= plan.counter32

    @staticmethod
    def _emit_numbers(plan: RowPlan, vals: list[Any], points: list[Any], st: RuleStat,
                      ts: list[int] | None, stamps: list[int] | None) -> bool:
        """Numbers and SKIPs only (sentinels, absent lanes): the numbers become points and the SKIPs
        are counted without a Python loop. False (nothing done) when other values need row checks."""
        if None in vals:
            return False
        keep = list(map(is_not, vals, repeat(SKIP)))
        kept = list(compress(vals, keep))
        if not _NUMBER_TYPES.issuperset(map(type, kept)) or not _all_exportable(kept):
            return False
        before = len(points)
        points.extend(compress(zip(plan.attrs, vals, strict=True), keep))
        if ts is not None and stamps is not None:
            ts.extend(compress(stamps, keep))
        why = "value skipped by transforms"
        _merge_skipped(st.skipped, plan.first, {why: len(vals) - (len(points) - before)}, {why: keep.index(False)})
        return True

    @staticmethod
    def _values(cr: CompiledRule, plan: RowPlan, raws: list[Any]) -> list[Any]:
        """Raw values through the rule's transforms. Transforms are pure, so a row whose raw value
        (and type) is the one of the last poll keeps that poll's result (sentinels, absent lanes)."""
        steps, chain, ops = cr.row_steps, cr.chain, plan.operands
        last_raws, last_vals = plan.last_raws, plan.last_vals
        if last_raws is None or last_vals is None:
            if steps is not None:
                assert ops is not None
                vals = list(map(partial(_apply_row_steps, steps), raws, ops))
            else:
                assert chain is not None
                vals = list(map(chain, raws))
        elif raws == last_raws and all(map(is_, map(type, raws), map(type, last_raws))):
            return last_vals        # nothing moved (the same list: _emit reuses its points too)
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

    def _emit_rows(self, cr: CompiledRule, plan: RowPlan, vals: list[Any], points: list[Any],
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
                why = "value skipped by transforms"
            elif v is OUT_OF_RANGE:
                why = OUT_OF_RANGE_REASON
            elif states is not None:
                n = len(points)
                why = self._emit_states(states, v, plan, k, points)
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

    @staticmethod
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

    def _memo_resource(self, run: Run, facts: DeviceFacts, memo: DeviceMemo, check: ColumnCheck) -> dict[str, str]:
        """The Resource of the previous poll while the facts and device columns are unchanged."""
        key = (facts.name, facts.address, facts.sys_descr, facts.sys_object_id, facts.sys_name)
        same = check.changed.isdisjoint(self.device_refs.get(run.dataset.kind, ()))
        if same and memo.resource is not None and memo.resource[0] == key:
            return dict(memo.resource[1])
        res = self._resource(run, facts)
        memo.resource = (key, dict(res))
        return res

    def _resource(self, run: Run, facts: DeviceFacts) -> dict[str, str]:
        res: dict[str, str] = {}
        name = facts.name or facts.sys_name
        if name:
            res["host.name"] = name
        if facts.address:
            res["host.ip"] = facts.address
        if facts.sys_descr:
            res["os.description"] = facts.sys_descr
        if facts.sys_object_id:
            res["netrosetta.device.sys_object_id"] = facts.sys_object_id
        for attr, spec in self.device_rules:
            if isinstance(spec, str):
                res[attr] = spec
                continue
            kind, value_ref, where, chain, pre = spec
            if kind != run.dataset.kind:
                continue
            col = run.dataset.column(value_ref)
            candidates: Iterable[Index] = col
            if pre is not None:
                groups = run.groups(pre[0])
                candidates = [i for v in pre[1] for i in groups.get(v, ()) if i in col]
            for idx in sorted(candidates, key=_index_order):
                if not all(c(run, idx) for c in where):
                    continue
                v = col[idx]
                if chain is not None:
                    v = chain(v)
                    if v is SKIP:
                        continue
                text = to_text(v) if v is not None else ""
                if text:
                    res[attr] = text
                    break
        return res


def _overlapping_metrics(rules: list[CompiledRule]) -> dict[str, set[str]]:
    """Per source kind, the metrics two rules could both make the same series of: same metric,
    and no constant attribute that tells them apart (e.g. an OpenConfig counter and the native
    leaf a vendor rulebook adds for it; not receive vs transmit)."""
    out: dict[str, set[str]] = {}
    for i, a in enumerate(rules):
        ca = dict(a.consts)
        for b in rules[i + 1:]:
            if a.kind != b.kind or a.rule.metric != b.rule.metric or _fallback_pair(a, b):
                continue
            cb = dict(b.consts)
            if all(ca[k] == cb[k] for k in ca.keys() & cb.keys()):
                out.setdefault(a.kind, set()).add(a.rule.metric)
    return out


def _fallback_pair(a: CompiledRule, b: CompiledRule) -> bool:
    """One rule keeps only the rows where the other's value field is absent (ifSpeed where there
    is no ifHighSpeed): their rows never meet."""
    def value(r: CompiledRule) -> Any:
        return getattr(r.rule.selector, "value", None)

    def only_without(r: CompiledRule, name: Any) -> bool:
        return name is not None and any(c.field == name and c.exists is False for c in r.rule.where)
    return only_without(b, value(a)) or only_without(a, value(b))


DUPLICATE = "duplicate series (an earlier rule made it)"
_attrs_of = itemgetter(0)


def _drop_repeated_series(mp: MetricPoints, stats: dict[str, RuleStat], plans: dict[str, RowPlan]) -> None:
    """One series per metric and attribute set: a point whose attributes an earlier rule of the
    same metric already produced is dropped (rule order is precedence) and counted on its rule,
    so a device streaming OpenConfig and native paths for one counter exports it once. Points
    repeated within one rule are left as they are (interface rules never repeat: their plan
    gives such rows netrosetta.interface.index, see _split_repeated)."""
    points, ts = mp.points, mp.timestamps
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
                plan.series_keys = list(map(frozenset, plan.attrs))
            mine = plan.series_keys
        else:
            mine = list(map(frozenset, map(_attrs_of, points[start:start + n])))
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


def _stamps(ds: Dataset, ref: ColumnRef, idxs: list[Index]) -> list[int]:
    """Device timestamps of a plan's rows (0 when unknown), read in bulk when the source offers
    ``timestamps(ref)``: one call per rule instead of one ``timestamp`` call per point."""
    bulk = getattr(ds, "timestamps", None)
    if bulk is None:
        return [timestamp_of(ds, ref, i) or 0 for i in idxs]
    got = list(map(bulk(ref).get, idxs, repeat(0)))
    return got if None not in got else [t or 0 for t in got]


def _index_order(idx: Index) -> Any:
    if isinstance(idx, str):
        return tuple(int(p) if p.isdigit() else 0 for p in idx.split("."))
    return (0,)


# --- convenience entry points -------------------------------------------------------------

_TRANSLATORS: dict[tuple[int, str], Translator] = {}


def translator_for(rulebooks: RulebookSet, rb: ResolvedRulebook, ctx: BindContext | None = None) -> Translator:
    key = (id(rulebooks), rb.id)
    tr = _TRANSLATORS.get(key)
    if tr is None:
        tr = _TRANSLATORS[key] = Translator(rb, ctx=ctx)
    return tr


_MATCHES: dict[tuple[Any, ...], MatchResult] = {}


def cached_match(rulebooks: RulebookSet, facts: DeviceFacts, kind: str) -> MatchResult:
    """Matching depends only on identity facts: remember it per device identity."""
    key = (id(rulebooks), kind, facts.sys_object_id, facts.sys_descr, facts.platform,
           tuple(facts.gnmi_models), tuple(facts.gnmi_organizations), tuple(facts.netconf_capabilities))
    m = _MATCHES.get(key)
    if m is None:
        if len(_MATCHES) > 10_000:
            _MATCHES.clear()
        m = _MATCHES[key] = match_rulebook(rulebooks, facts, kind)
    return m


def translate(dataset: Dataset, facts: DeviceFacts, rulebooks: RulebookSet, *,
              time_ns: int | None = None, ctx: BindContext | None = None) -> DeviceTranslation:
    """Match a rulebook for the device and translate its dataset."""
    m = cached_match(rulebooks, facts, dataset.kind)
    if m.chosen is None:
        now = time_ns or time.time_ns()
        return DeviceTranslation({}, [], now, None, {}, m)
    tr = translator_for(rulebooks, m.chosen, ctx)
    return tr.translate(dataset, facts, time_ns=time_ns, match=m)
