"""Compiling: a rule becomes a program over the column view, once per rulebook.

Every selector name becomes a column reference, every attribute a resolver and every transform
list one callable, so the per-point loop only does dictionary lookups and arithmetic. Each
resolver and filter also gets a signature: what it computes, in terms of the columns it reads
(not of the selector it was written under). Rules whose signatures are equal share one cached
result per row in a poll, for every source kind alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from .model import AttrRef, Condition, Rule, StateSet
from .poll_state import Run
from .resolve import ResolvedRulebook
from .schema import MetricDef, UnifiedSchema
from .selectors.base import BindContext, ColumnRef, Index, Selector, SelectorError
from .series import IF_INDEX_ATTR
from .transforms import SKIP, compile_chain, is_row_step, row_op, to_number, to_text

Resolver = Callable[[Run, Index], Any]
Check = Callable[[Run, Index], bool]
# a compiled row chain: (op, takes_operand) steps; operands are read per row beforehand
RowSteps = tuple[tuple[Callable[..., Any], bool], ...]


class Keys:
    """Signatures numbered per translator: the per-row caches of a poll are keyed by small ints
    (hashed once) instead of nested tuples hashed on every lookup."""

    def __init__(self) -> None:
        self._ids: dict[Hashable, int] = {}

    def __call__(self, signature: Hashable) -> int:
        return self._ids.setdefault(signature, len(self._ids))


def _scalar(v: Any) -> Hashable:
    # True, 1 and 1.0 are equal as dict keys but render differently as text
    return None if v is None else (v.__class__.__name__, v)


def compile_ref(ref: AttrRef, sel: Selector, ctx: BindContext,
                refs: set[ColumnRef]) -> tuple[Resolver, Hashable]:
    """AttrRef -> (resolver(run, index) giving the raw value or None, its signature)."""
    base: Resolver
    sig: Hashable
    named: ColumnRef | None = None     # the column whose schema names `format: enum` values
    if ref.const is not None:
        c = ref.const
        base, sig = (lambda run, idx: c), ("const", _scalar(c))
    elif ref.index is not None:
        if isinstance(ref.index, int):
            n = ref.index

            def base(run: Run, idx: Index) -> Any:
                parts = run.dataset.index_parts(idx)
                return parts[n] if -len(parts) <= n < len(parts) else None
            sig = ("index", n)
        else:
            a, b = ref.index

            def base(run: Run, idx: Index) -> Any:
                parts = run.dataset.index_parts(idx)[a:b]
                return ".".join(str(p) for p in parts) if parts else None
            sig = ("index", a, b)
    elif ref.key is not None:
        pos = sel.key_position(ref.key, ctx)

        def base(run: Run, idx: Index) -> Any:
            parts = run.dataset.index_parts(idx)
            return parts[pos] if pos < len(parts) else None
        sig = ("key", pos)
    elif ref.field is not None:
        col_ref = named = sel.field_ref(ref.field, ctx)
        refs.add(col_ref)

        def base(run: Run, idx: Index) -> Any:
            return run.dataset.column(col_ref).get(idx)
        sig = ("field", col_ref)
    elif ref.rank is not None:
        group_ref = sel.field_ref(ref.rank, ctx)
        refs.add(group_ref)

        rank_key = ("rank-positions", group_ref)

        def base(run: Run, idx: Index) -> Any:
            ranks = run.attr_values.get(rank_key)
            if ranks is None:       # once per poll: each row's place within its group
                ranks = run.attr_values[rank_key] = {
                    i: n for rows in run.groups(group_ref).values() for n, i in enumerate(rows, 1)}
            return ranks.get(idx)
        sig = ("rank", group_ref)
    elif ref.concat is not None:
        compiled = [compile_ref(r, sel, ctx, refs) for r in ref.concat]
        parts = [p for p, _ in compiled]
        sep = ref.sep

        def base(run: Run, idx: Index) -> Any:
            texts = [to_text(v) for v in (p(run, idx) for p in parts) if v is not None]
            return sep.join(t for t in texts if t) or None
        sig = ("concat", tuple(s for _, s in compiled), sep)
    else:
        assert ref.lookup is not None
        lk = ref.lookup
        target = named = sel.field_ref(lk.field, ctx)
        refs.add(target)
        by, by_sig = compile_ref(lk.by, sel, ctx, refs)
        if lk.match is not None:
            match_ref = sel.field_ref(lk.match, ctx)
            refs.add(match_ref)

            def base(run: Run, idx: Index) -> Any:
                key = by(run, idx)
                if key is None:
                    return None
                j = run.reverse_index(match_ref).get(to_text(key))
                return None if j is None else run.dataset.column(target).get(j)
            sig = ("lookup", target, by_sig, match_ref)
        else:
            def base(run: Run, idx: Index) -> Any:
                key = by(run, idx)
                if key is None:
                    return None
                return run.dataset.column(target).get(run.dataset.index_for(key))
            sig = ("lookup", target, by_sig)
    wants_names = named is not None and any(t.format == "enum" for t in ref.transforms)
    chain = compile_chain(ref.transforms, sel.enum_names(named, ctx) if wants_names else None)
    fallback, fallback_sig = compile_ref(ref.fallback, sel, ctx, refs) if ref.fallback else (None, None)
    default = ref.default
    if chain is None and fallback is None and default is None:
        return base, sig

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
    steps = tuple(t.model_dump_json() for t in ref.transforms)
    return resolve, (sig, steps, fallback_sig, _scalar(default))


def cached(key: int, fn: Resolver) -> Resolver:
    """fn's value per row, computed once per poll for every rule sharing the key."""
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


# a condition's tests (what its value is compared with), apart from where the value comes from
_TESTS = {"equals", "not_equals", "in_", "not_in", "regex", "not_regex", "exists"}


def compile_condition(cond: Condition, sel: Selector, ctx: BindContext, refs: set[ColumnRef],
                      keys: Keys) -> tuple[Check, Hashable]:
    """A `where` condition -> (check(run, index), its signature); results cached per row."""
    if cond.any is not None:
        compiled = [compile_condition(c, sel, ctx, refs, keys) for c in cond.any]
        alternatives = [c for c, _ in compiled]
        return (lambda run, idx: any(alt(run, idx) for alt in alternatives)), ("any", tuple(s for _, s in compiled))
    if cond.field is not None:
        get, get_sig = compile_ref(AttrRef(field=cond.field), sel, ctx, refs)
    elif cond.ref is not None:
        get, get_sig = compile_ref(cond.ref, sel, ctx, refs)
    else:
        get, get_sig = compile_ref(AttrRef(index=cond.index), sel, ctx, refs)
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
    sig = ("where", get_sig, cond.model_dump_json(include=_TESTS))
    key = keys(sig)

    def check(run: Run, idx: Index) -> bool:
        cache = run.attr_values.get(key)
        if cache is None:
            cache = run.attr_values[key] = {}
        hit = cache.get(idx)
        if hit is None:
            v = get(run, idx)
            hit = cache[idx] = all(t(v) for t in tests)
        return bool(hit)
    return check, sig


def prefilter(conds: list[Condition], sel: Selector, ctx: BindContext) -> tuple[ColumnRef, tuple[str, ...]] | None:
    """(field column, wanted text values) of the first positive equals/in condition on a field:
    lets a rule visit only the rows whose field has one of those values instead of the whole table.
    The values keep the order written (rows are visited value by value: not in hash order, which
    would change the order of points from one process to the next)."""
    for c in conds:
        if c.field is None:
            continue
        if c.equals is not None:
            return sel.field_ref(c.field, ctx), (str(c.equals),)
        if c.in_ is not None:
            return sel.field_ref(c.field, ctx), tuple(dict.fromkeys(str(x) for x in c.in_))
    return None


def _column_operand(ref: ColumnRef) -> Resolver:
    """A row step's operand read from another column of the row (SKIP when absent or not a number)."""
    return lambda run, idx: to_number(run.dataset.column(ref).get(idx))


def _ref_operand(get: Resolver) -> Resolver:
    """A row step's operand given as an attribute reference (its own transforms / lookup)."""
    def operand(run: Run, idx: Index) -> Any:
        other = get(run, idx)
        return SKIP if other is None else to_number(other)
    return operand


def _row_steps(r: Rule, sel: Selector, ctx: BindContext,
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
                operands.append(_ref_operand(compile_ref(name, sel, ctx, refs)[0]))
            else:
                ref = sel.field_ref(name, ctx)
                refs.add(ref)
                operands.append(_column_operand(ref))
            steps.append((op, True))
        else:
            fn = compile_chain([t])
            assert fn is not None
            steps.append((fn, False))
    return tuple(steps), tuple(operands)


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
    where: list[Check]
    tuple_key: int                # rows' attribute tuples are shared by rules with equal keys
    states: StateSet | None = None
    refs: set[ColumnRef] = field(default_factory=set)
    row_steps: RowSteps | None = None
    prefilter: tuple[ColumnRef, tuple[str, ...]] | None = None
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


def with_defaults(r: Rule, defaults: dict[str, AttrRef], required: set[str],
                  optional: set[str]) -> dict[str, AttrRef]:
    """The rule's attributes with the rulebook's defaults filled in. A required attribute the rule
    does not give comes from the defaults; an optional one (ifAlias, ifType) only when the rule
    takes its required ones from the defaults too: a rule that names its interface itself reads
    other rows, where the defaults' columns would describe a different interface, and a metric
    that needs none of them (a sensor) is not about the defaults' rows at all."""
    attributes = dict(r.attributes)
    needed = [name for name in defaults if name in required]
    own_rows = bool(needed) and not any(name in attributes for name in needed)
    for name, ref in defaults.items():
        if name in attributes:
            continue
        if name in required or (own_rows and name in optional):
            attributes[name] = ref
    return attributes


def compile_rule(r: Rule, rb: ResolvedRulebook, schema: UnifiedSchema, ctx: BindContext,
                 keys: Keys) -> CompiledRule:
    metric = schema.metric(r.metric)
    if metric is None:
        raise SelectorError(f"rule {r.name}: unknown unified metric {r.metric!r}")
    sel = r.selector
    refs: set[ColumnRef] = set()       # read by attributes and filters
    value_ref = sel.value_ref(ctx)
    fallback_ref = sel.fallback_ref(ctx)
    consts = []
    resolvers = []
    dynamic: list[tuple[str, Hashable, bool]] = []
    required = set(metric.attributes.required)
    attributes = with_defaults(r, rb.defaults.get(r.kind, {}), required, set(metric.attributes.optional))
    for name, ref in attributes.items():
        if ref.const is not None and not ref.transforms:
            consts.append((name, ref.const if isinstance(ref.const, str) else to_text(ref.const)))
            continue
        fn, sig = compile_ref(ref, sel, ctx, refs)
        resolvers.append((name, cached(keys((r.kind, sig)), fn), name in required))
        dynamic.append((name, sig, name in required))
    where = [compile_condition(c, sel, ctx, refs, keys) for c in r.where]
    operand_refs: set[ColumnRef] = set()
    row_steps, operands = _row_steps(r, sel, ctx, operand_refs)
    # rows' non-constant attributes are cached under this key, shared by every rule that
    # resolves the same attributes with the same filters (all IF-MIB counters share one)
    tuple_key = keys(("tuple", r.kind, tuple(sorted(dynamic, key=lambda d: d[0])), tuple(s for _, s in where)))
    row_refs = (value_ref,) if fallback_ref is None else (value_ref, fallback_ref)
    all_refs = refs | operand_refs | set(row_refs)
    cr = CompiledRule(r, r.kind, metric, r.instrument or metric.instrument, value_ref, fallback_ref,
                      None if row_steps else compile_chain(r.transforms), tuple(consts), resolvers,
                      [c for c, _ in where], tuple_key, r.states, all_refs, row_steps,
                      prefilter(r.where, sel, ctx), operands, tuple(refs), row_refs, tuple(operand_refs),
                      split_repeats=IF_INDEX_ATTR in metric.attributes.optional and IF_INDEX_ATTR not in attributes)
    if cr.instrument == "counter":
        cr.width = sel.counter_width(value_ref, ctx)
        cr.fallback_width = sel.counter_width(fallback_ref, ctx) if fallback_ref is not None else None
    return cr
