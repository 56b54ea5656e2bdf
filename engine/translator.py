"""A resolved rulebook compiled once (compile.py), run against one device's dataset per poll.

A translation plans each rule's rows (planner.py, reusing the device's plans of the last poll
while their columns are unchanged), emits their values as points (emit.py), keeps one series
per metric and attribute set (series.py) and builds the Resource (resource.py).
"""

from __future__ import annotations

import time

from .compile import CompiledRule, Keys, compile_rule
from .emit import emit
from .extensions import with_extensions
from .facts import DeviceFacts
from .matching import MatchResult
from .planner import build_plan, device_key, memo_plan
from .plans import ColumnCheck, PlanMemo, RowPlan
from .points import DeviceTranslation, RuleStat, ScopeBatch
from .poll_state import Run
from .resolve import ResolvedRulebook
from .resource import DeviceProgram, build_resource, compile_device, memo_resource
from .schema import UnifiedSchema, load_schema
from .selectors.base import BindContext, ColumnRef, Dataset
from .series import drop_repeated_series, overlapping_metrics


class Translator:
    """One resolved rulebook, compiled. Reuse it across polls of every device it matches."""

    def __init__(self, rb: ResolvedRulebook, schema: UnifiedSchema | None = None,
                 ctx: BindContext | None = None) -> None:
        self.rulebook = rb
        self.schema = with_extensions(schema or load_schema(rb.book.schema_), rb.extensions)
        self.ctx = ctx or BindContext()
        keys = Keys()
        self.rules: list[CompiledRule] = [compile_rule(r, rb, self.schema, self.ctx, keys) for r in rb.rules]
        self.refs: dict[str, set[ColumnRef]] = {}
        for cr in self.rules:
            self.refs.setdefault(cr.kind, set()).update(cr.refs)
        self.device_rules: list[tuple[str, str | DeviceProgram]] = []
        device_refs: dict[str, set[ColumnRef]] = {}
        for name, spec in rb.device.items():
            refs: set[ColumnRef] = set()
            program = compile_device(spec, self.ctx, keys, refs)
            self.device_rules.append((name, program))
            if isinstance(program, DeviceProgram):
                self.refs.setdefault(program.kind, set()).update(refs)
                device_refs.setdefault(program.kind, set()).update(refs)
        self.device_refs = {kind: tuple(refs) for kind, refs in device_refs.items()}   # what the Resource reads
        self.memo = PlanMemo()
        self._overlaps = overlapping_metrics((cr.rule, cr.consts) for cr in self.rules)
        self._describing = self.schema.describing
        # per kind, the columns kept between polls: compared whole (filters, attributes, operands,
        # Resource) and compared by row indexes only (values)
        self._memo_refs: dict[str, tuple[tuple[ColumnRef, ...], tuple[ColumnRef, ...]]] = {}
        for kind in {cr.kind for cr in self.rules} | set(self.device_refs):
            rules = [cr for cr in self.rules if cr.kind == kind]
            whole = {r for cr in rules for r in (*cr.struct_refs, *cr.operand_refs)} | set(self.device_refs.get(kind, ()))
            self._memo_refs[kind] = (tuple(whole), tuple({r for cr in rules for r in cr.row_refs}))

    def requirements(self, kind: str) -> set[ColumnRef]:
        """Every column this rulebook reads from a source kind (what a collector must fetch)."""
        return set(self.refs.get(kind, set()))

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
        check = None
        if memo is not None:
            whole, rows = self._memo_refs.get(kind, ((), ()))
            check = ColumnCheck(dataset, memo.cols, whole, rows)
        overlaps = self._overlaps.get(kind)
        plans: dict[str, RowPlan] = {}
        for pos, cr in enumerate(self.rules):
            if cr.kind != kind:
                continue
            st = stats[cr.rule.name] = RuleStat()
            plan = build_plan(cr, run) if memo is None or check is None else memo_plan(pos, cr, run, memo, check)
            emit(cr, plan, run, scope, st)
            if overlaps and cr.rule.metric in overlaps and cr.states is None:
                plans[cr.rule.name] = plan     # one point per kept row: the plan's attributes
        for metric in overlaps or ():
            mp = scope.metrics.get(metric)
            if mp is not None and len(mp.rules) > 1:
                drop_repeated_series(mp, stats, plans, self._describing)
        if memo is None or check is None:
            resource = build_resource(self.device_rules, run, facts)
        else:
            resource = memo_resource(self.device_rules, self.device_refs.get(kind, ()), run, facts, memo, check)
            memo.cols = check.cur
            self.memo.checkin(key, memo)
        boot = now - facts.sys_uptime * 10_000_000 if facts.sys_uptime is not None else None
        return DeviceTranslation(resource, [scope] if scope.metrics else [], now, boot, stats, match)
