"""The Resource of a translation: host identity from the facts, plus the rulebook's ``device``
attributes (constants, or the first non-empty row of a column, e.g. the chassis serial)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .compile import Check, Keys, compile_condition, prefilter
from .facts import DeviceFacts
from .model import DeviceAttr, DeviceRule
from .plans import ColumnCheck, DeviceMemo
from .poll_state import Run
from .selectors.base import BindContext, ColumnRef, Index
from .transforms import SKIP, compile_chain, to_text


class DeviceProgram(NamedTuple):
    """A compiled ``device:`` rule."""

    kind: str
    value_ref: ColumnRef
    where: list[Check]
    chain: Callable[[Any], Any] | None
    prefilter: tuple[ColumnRef, tuple[str, ...]] | None
    fallback: DeviceProgram | None = None


def compile_device(spec: DeviceAttr, ctx: BindContext, keys: Keys,
                   refs: set[ColumnRef]) -> str | DeviceProgram:
    """A device attribute: its constant text, or the program reading it (columns added to refs)."""
    if not isinstance(spec, DeviceRule):
        return to_text(spec)
    sel = spec.selector
    refs.add(sel.value_ref(ctx))
    where = [compile_condition(c, sel, ctx, refs, keys)[0] for c in spec.where]
    fallback = compile_device(spec.fallback, ctx, keys, refs) if spec.fallback is not None else None
    return DeviceProgram(spec.kind, sel.value_ref(ctx), where, compile_chain(spec.transforms),
                         prefilter(spec.where, sel, ctx), fallback if isinstance(fallback, DeviceProgram) else None)


def _index_order(idx: Index) -> Any:
    if isinstance(idx, str):
        return tuple(int(p) if p.isdigit() else 0 for p in idx.split("."))
    return (0,)


def build_resource(device_rules: list[tuple[str, str | DeviceProgram]], run: Run,
                   facts: DeviceFacts) -> dict[str, str]:
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
    for attr, spec in device_rules:
        if isinstance(spec, str):
            res[attr] = spec
            continue
        program: DeviceProgram | None = spec
        while program is not None:
            text = _first_value(program, run) if program.kind == run.dataset.kind else ""
            if text:
                res[attr] = text
                break
            program = program.fallback
    return res


def _first_value(spec: DeviceProgram, run: Run) -> str:
    """The first non-empty value of a device rule's column (rows in index order), or ""."""
    col = run.dataset.column(spec.value_ref)
    candidates: Iterable[Index] = col
    if spec.prefilter is not None:
        groups = run.groups(spec.prefilter[0])
        candidates = [i for v in spec.prefilter[1] for i in groups.get(v, ()) if i in col]
    for idx in sorted(candidates, key=_index_order):
        if not all(c(run, idx) for c in spec.where):
            continue
        v = col[idx]
        if spec.chain is not None:
            v = spec.chain(v)
            if v is SKIP:
                continue
        text = to_text(v) if v is not None else ""
        if text:
            return text
    return ""


def memo_resource(device_rules: list[tuple[str, str | DeviceProgram]], device_refs: tuple[ColumnRef, ...],
                  run: Run, facts: DeviceFacts, memo: DeviceMemo, check: ColumnCheck) -> dict[str, str]:
    """The Resource of the previous poll while the facts and device columns are unchanged."""
    key = (facts.name, facts.address, facts.sys_descr, facts.sys_object_id, facts.sys_name)
    same = check.changed.isdisjoint(device_refs)
    if same and memo.resource is not None and memo.resource[0] == key:
        return dict(memo.resource[1])
    res = build_resource(device_rules, run, facts)
    memo.resource = (key, dict(res))
    return res
