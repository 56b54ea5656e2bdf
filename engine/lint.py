"""`netrosetta rulebook lint`: every problem in a set of rulebooks, each with file:line:column.

Checks: YAML and model errors (unknown keys, bad values), unknown unified metric, attributes the
metric does not define or requires but does not get, selector names that do not resolve wherever
they appear (value, fallback, attributes, lookups, where, row operands and pow10 fields, nested
operands' own steps), units that do not end where the catalog says (from conversions, a declared
unit, YANG units, MIB UNITS or TimeTicks), MIB syntax against the instrument both ways, rulebook ids
used twice, extends/remove errors, match entries that tie between two rulebooks, and vendor
extension metrics (namespaced name that shadows no schema metric, UCUM unit, attribute names).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError

from .extensions import attribute_problem, name_problem, unit_problem, with_extensions
from .matching import entry_key, snmp_conflicts
from .model import DeviceRule, Rule, Transform
from .resolve import LoadedRulebook, LoadedRulebooks
from .schema import UnifiedSchema, load_schema
from .selectors.base import BindContext
from .yaml_source import Problem

# unit of the value after a conversion step
CONVERSION_UNITS = {
    "fahrenheit_to_celsius": "Cel", "mw_to_dbm": "dB[mW]", "uw_to_dbm": "dB[mW]",
    "dbm_hundredths": "dB[mW]", "dbm_tenths": "dB[mW]", "percent_to_ratio": "1",
    "bps_to_bytes_per_s": "By/s", "kbps_to_bytes_per_s": "By/s", "mbps_to_bytes_per_s": "By/s",
    "centiseconds_to_seconds": "s", "ma_to_a": "A", "ua_to_a": "A", "mv_to_v": "V",
    "kb_to_bytes": "By", "kib_to_bytes": "By", "mib_to_bytes": "By", "status_to_up": "1",
    "minutes_to_seconds": "s", "kw_to_w": "W", "wh_to_j": "J", "kwh_to_j": "J", "dv_to_v": "V",
}


def _produced_unit(rule: Rule) -> str | None:
    unit = None
    for t in rule.transforms:
        if t.convert is not None:
            unit = CONVERSION_UNITS.get(t.convert, unit)
    return rule.unit or unit


def _rescales(rule: Rule) -> bool:
    """Transforms whose output unit lint cannot know (arithmetic, maps, row operands)."""
    return any(t.scale is not None or t.divide is not None or t.offset is not None or t.map is not None
               or t.multiply_by is not None or t.divide_by is not None or t.subtract_from is not None
               or t.add is not None or t.pow10 is not None for t in rule.transforms) or rule.states is not None


def _rule_loc(lb: LoadedRulebook, i: int, *rest: Any) -> tuple[Any, ...]:
    return ("rules", i, *rest)


def _check_rule(lb: LoadedRulebook, i: int, rule: Rule, schema: UnifiedSchema, ctx: BindContext,
                defaults: dict[str, Any], out: list[Problem]) -> None:
    doc = lb.doc
    # selector names resolve (unknown MIB symbol, bad path ...)
    sel = rule.selector
    kind_key = "json" if rule.kind == "json" else rule.kind
    try:
        sel.value_ref(ctx)
    except NetrosettaError as exc:
        out.append(doc.problem(_rule_loc(lb, i, kind_key, "value", "__value__"), exc.message))
    try:
        sel.fallback_ref(ctx)
    except NetrosettaError as exc:
        out.append(doc.problem(_rule_loc(lb, i, kind_key, "fallback", "__value__"), exc.message))
    metric = schema.metric(rule.metric)
    if metric is None:
        close = _close(rule.metric, schema.metrics)
        out.append(doc.problem(_rule_loc(lb, i, "metric", "__value__"),
                               f"unknown unified metric {rule.metric!r}" + (f" (did you mean {close}?)" if close else "")
                               + (" (a vendor metric is declared under `extensions:`)" if rule.metric.startswith("vendor.") else "")))
        return
    allowed = set(metric.attributes.required) | set(metric.attributes.optional)
    for name in rule.attributes:
        if name not in allowed:
            out.append(doc.problem(_rule_loc(lb, i, "attributes", name),
                                   f"attribute {name!r} is not defined for {rule.metric} "
                                   f"(allowed: {', '.join(sorted(allowed)) or 'none'})"))
    have = set(rule.attributes) | set(defaults.get(rule.kind, {}))
    if rule.states is not None:          # a state set adds its attribute (hw.state) to every point
        have.add(rule.states.attribute)
    for name in metric.attributes.required:
        if name not in have:
            out.append(doc.problem(_rule_loc(lb, i, "attributes") if rule.attributes else _rule_loc(lb, i, "name"),
                                   f"{rule.metric} requires attribute {name!r}"))
    produced = _produced_unit(rule)
    if produced is not None and produced != metric.unit:
        out.append(doc.problem(_rule_loc(lb, i, "transforms") if rule.unit is None else _rule_loc(lb, i, "unit"),
                               f"wrong unit: this rule produces {produced!r} but {rule.metric} is in {metric.unit!r}"))
    source_unit = getattr(sel, "source_unit", None)
    if source_unit is not None and produced is None and not _rescales(rule):
        got = source_unit(ctx)
        if got is not None and got[1] != metric.unit:
            out.append(doc.problem(_rule_loc(lb, i, kind_key), (
                f"{got[0]} is in {got[1]!r} (its YANG units) but {rule.metric} is in {metric.unit!r}: "
                "add a conversion, or declare `unit:` if the transforms already convert"), "warning"))
    if rule.instrument and rule.instrument != metric.instrument:
        out.append(doc.problem(_rule_loc(lb, i, "instrument"),
                               f"instrument override {rule.instrument} differs from the catalog's {metric.instrument}",
                               "warning"))
    extra_lint = getattr(sel, "lint", None)
    if extra_lint is not None:
        for msg, severity in extra_lint(ctx, metric):
            out.append(doc.problem(_rule_loc(lb, i, kind_key), msg, severity))
    for name, ref in rule.attributes.items():
        for field_name in _ref_fields(ref):
            try:
                sel.field_ref(field_name, ctx)
            except NetrosettaError as exc:
                out.append(doc.problem(_rule_loc(lb, i, "attributes", name), exc.message))
        for msg in _enum_problems(ref, sel, ctx):
            out.append(doc.problem(_rule_loc(lb, i, "attributes", name), msg))
        if ref.key is not None:
            try:
                sel.key_position(ref.key, ctx)
            except NetrosettaError as exc:
                out.append(doc.problem(_rule_loc(lb, i, "attributes", name), exc.message))
    for j, cond in enumerate(rule.where):
        for field_name in _cond_fields(cond):
            try:
                sel.field_ref(field_name, ctx)
            except NetrosettaError as exc:
                out.append(doc.problem(_rule_loc(lb, i, "where", j), exc.message))
    for j, t in enumerate(rule.transforms):
        if t.format == "enum":
            out.append(doc.problem(_rule_loc(lb, i, "transforms", j),
                                   "format: enum names an attribute's field values; a metric's value stays a number"))
        for f in _row_fields(t):
            try:
                sel.field_ref(f, ctx)
            except NetrosettaError as exc:
                out.append(doc.problem(_rule_loc(lb, i, "transforms", j), exc.message))
    if rule.kind == "snmp":
        _snmp_syntax_checks(lb, i, rule, ctx, metric, produced, out)


def _snmp_syntax_checks(lb: LoadedRulebook, i: int, rule: Rule, ctx: BindContext, metric: Any,
                        produced: str | None, out: list[Problem]) -> None:
    """What the MIB says of the column against the metric: counter vs gauge both ways, and its UNITS
    (or TimeTicks' hundredths of a second) against the metric's unit when no transform converts."""
    from .selectors.snmp import is_numeric_oid
    sel = rule.snmp
    assert sel is not None
    if is_numeric_oid(sel.value):
        return
    try:
        sym = ctx.mib_index().resolve(sel.value)
    except NetrosettaError:
        return
    loc = _rule_loc(lb, i, "snmp", "value")
    # SMIv2 has no Gauge64: 64-bit gauges are Counter64 under a gauge convention (HCNUM-TC's
    # CounterBasedGauge64, CISCO-ENHANCED-MEMPOOL's HC pools); the index's is_counter knows them
    counts = sym.is_counter
    if sym.syntax and not rule.instrument:
        if metric.instrument == "counter" and not counts:
            out.append(lb.doc.problem(loc, f"{sel.value} is {sym.syntax}, not a counter, but {rule.metric} is a counter",
                                      "warning"))
        elif metric.instrument != "counter" and counts:
            out.append(lb.doc.problem(loc, f"{sel.value} is {sym.syntax}, a counter, but {rule.metric} is a "
                                           f"{metric.instrument}", "warning"))
    if produced is not None or _rescales(rule):
        return
    source = mib_unit(sym.units) if sym.units else ("cs" if sym.syntax == "TimeTicks" else None)
    if source is not None and source != metric.unit:
        said = f"UNITS {sym.units!r}" if sym.units else "TimeTicks (hundredths of a second)"
        out.append(lb.doc.problem(loc, f"{sel.value} is in {source!r} ({said}) but {rule.metric} is in "
                                       f"{metric.unit!r}: add a conversion, or declare `unit:` if the transforms "
                                       "already convert", "warning"))


# MIB UNITS clauses as written in vendor MIBs -> UCUM; spellings not listed are not judged
_MIB_UNITS = {
    "s": ("seconds", "second", "secs", "sec"), "ms": ("milliseconds", "milli-seconds", "msec"),
    "us": ("microseconds",), "ns": ("nanoseconds",), "min": ("minutes",), "h": ("hours",),
    "cs": ("centi-seconds", "centiseconds", "hundredths of a second", "hundredths of seconds"),
    "ds": ("deciseconds",),
    "By": ("bytes", "byte", "octets", "octet"),
    "kBy": ("kbytes", "kilobytes", "kilo-bytes", "kbyte", "kb", "kilobyte"),
    "MBy": ("megabytes", "megabyte", "mbytes"), "GBy": ("gigabytes", "gigabyte", "gbytes"),
    "bit/s": ("bps", "bits per second", "bits/second"), "kbit/s": ("kbps", "kilobps", "kilobits per second"),
    "Mbit/s": ("mbps", "megabps", "mega-bits-per-second", "megabits per second"), "Gbit/s": ("gbps", "gigabps"),
    "%": ("percent", "%", "one percent", "precent", "percentage"),
    "c%": ("centipercent", "hundredths of a percent"), "m%": ("thousandths of a percent",),
    "Cel": ("celsius", "degrees celsius", "degrees centigrade", "celsius (degrees c)", "degrees c", "c"),
    "mCel": ("millidegrees celsius", "0.001 degree c", "0.001 degrees c"),
    "W": ("watts", "watt"), "mW": ("milliwatts", "milliwatt"),
    "V": ("volts", "volt", "rms volts"), "mV": ("millivolts", "millivolt", "0.001 v"),
    "A": ("amperes", "ampere", "amps", "amp"), "mA": ("milliamps", "milliamperes", "ma"),
    "dB[mW]": ("dbm",), "cdB[mW]": ("millibel-milliwatts", "0.01 dbm"), "ddB[mW]": ("0.1 dbm",),
    "Hz": ("hertz", "hz"), "MHz": ("mhz",),
}
_MIB_UNIT_OF = {spelling: ucum for ucum, spellings in _MIB_UNITS.items() for spelling in spellings}


def mib_unit(text: str) -> str | None:
    """UCUM for a MIB UNITS text, or None when the spelling is not one we know."""
    return _MIB_UNIT_OF.get(" ".join(text.lower().split()))


def _ref_fields(ref: Any) -> Iterable[str]:
    if ref.field is not None:
        yield ref.field
    if ref.rank is not None:
        yield ref.rank
    if ref.lookup is not None:
        yield ref.lookup.field
        if ref.lookup.match is not None:
            yield ref.lookup.match
        yield from _ref_fields(ref.lookup.by)
    if ref.fallback is not None:
        yield from _ref_fields(ref.fallback)
    for part in ref.concat or ():
        yield from _ref_fields(part)
    for t in ref.transforms:           # an operand's own row steps read the row too
        yield from _row_fields(t)


def _device_names(spec: DeviceRule) -> list[str]:
    names = [f for c in spec.where for f in _cond_fields(c)]
    sel = spec.selector
    value = getattr(sel, "value", None)
    if isinstance(value, str):
        names.insert(0, value)
    return names


def _enum_problems(ref: Any, sel: Any, ctx: BindContext) -> Iterable[str]:
    """``format: enum`` needs the field (or lookup field) whose schema names the numbers; without
    one the number would pass through as if it were a name."""
    if ref.fallback is not None:
        yield from _enum_problems(ref.fallback, sel, ctx)
    if not any(t.format == "enum" for t in ref.transforms):
        return
    name = ref.field if ref.field is not None else (ref.lookup.field if ref.lookup is not None else None)
    if name is None:
        yield "format: enum names the values of a field: use it on a `field:` or `lookup:` reference"
        return
    try:
        col = sel.field_ref(name, ctx)
    except NetrosettaError:
        return                           # reported by the name check
    if sel.enum_names(col, ctx) is None:
        yield f"format: enum: {name} has no enumeration in its source's schema (an SNMP INTEGER with named values)"


def _probe_selector(kind: str) -> Any:
    """A selector to resolve absolute names with (SNMP names do not depend on the rule's row)."""
    if kind == "snmp":
        from .selectors.snmp import SnmpSelector
        return SnmpSelector(value="1.3.6.1.2.1.1.3")
    return None


def _check_names(lb: LoadedRulebook, loc: tuple[Any, ...], sel: Any, names: list[str], ctx: BindContext,
                 out: list[Problem]) -> None:
    for name in names:
        try:
            sel.field_ref(name, ctx)
        except NetrosettaError as exc:
            out.append(lb.doc.problem(loc, exc.message))


def _cond_fields(cond: Any) -> Iterable[str]:
    if cond.field is not None:
        yield cond.field
    if cond.ref is not None:
        yield from _ref_fields(cond.ref)
    for c in cond.any or ():
        yield from _cond_fields(c)


def _row_fields(t: Transform) -> Iterable[str]:
    for k in ("multiply_by", "divide_by", "subtract_from", "add"):
        v = getattr(t, k)
        if isinstance(v, str):
            yield v
        elif v is not None:
            yield from _ref_fields(v)
    if t.pow10 is not None:
        yield t.pow10.field


def _close(name: str, options: Iterable[str]) -> str | None:
    import difflib
    hits = difflib.get_close_matches(name, list(options), n=1)
    return hits[0] if hits else None


def _check_extensions(lb: LoadedRulebook, schema: UnifiedSchema, out: list[Problem]) -> None:
    """Vendor extension metrics: namespaced name that shadows no schema metric, a UCUM unit,
    attribute names like the schema's (the instrument is checked against the MIB per rule)."""
    for name, ext in lb.book.extensions.items():
        for loc, msg in ((("extensions", name), name_problem(name, schema)),
                         (("extensions", name, "unit"), unit_problem(ext.unit))):
            if msg:
                out.append(lb.doc.problem(loc, msg))
        for j, attr in enumerate(ext.attributes):
            msg = attribute_problem(attr)
            if msg:
                out.append(lb.doc.problem(("extensions", name, "attributes", j), msg))


def lint_paths(paths: Iterable[str | Path], ctx: BindContext | None = None,
               context_paths: Iterable[str | Path] = ()) -> list[Problem]:
    """Lint the rulebooks in ``paths``; ``context_paths`` are loaded too (for extends) but not reported."""
    ctx = ctx or BindContext()
    targets = LoadedRulebooks.from_paths(paths, strict=False)
    problems = list(targets.problems)
    extra = LoadedRulebooks.from_paths(context_paths, strict=False) if context_paths else None
    loaded = dict(extra.loaded) if extra else {}
    loaded.update(targets.loaded)
    rs = LoadedRulebooks(list(loaded.values()))
    reported = {lb.path for lb in targets.loaded.values()}
    for rid, lb in sorted(targets.loaded.items()):
        try:
            schema = load_schema(lb.book.schema_)
        except NetrosettaError as exc:
            problems.append(lb.doc.problem(("schema", "__value__"), exc.message))
            continue
        _check_extensions(lb, schema, problems)
        try:
            resolved = rs.resolve(rid)
            defaults = resolved.defaults
            schema = with_extensions(schema, resolved.extensions)
        except NetrosettaError as exc:
            problems.append(Problem(exc.file or lb.path, exc.line or 1, exc.column or 1, exc.message))
            defaults = {}
        for i, rule in enumerate(lb.book.rules):
            _check_rule(lb, i, rule, schema, ctx, defaults, problems)
        for attr, spec in lb.book.device.items():
            if attr not in schema.resource:
                problems.append(lb.doc.problem(("device", attr), f"{attr!r} is not a Resource attribute of the schema"))
            where: tuple[Any, ...] = ("device", attr)
            dev: DeviceRule | None = spec if isinstance(spec, DeviceRule) else None
            while dev is not None:
                _check_names(lb, where, dev.selector, _device_names(dev), ctx, problems)
                dev, where = dev.fallback, (*where, "fallback")
        known = set(schema.attributes).union(*(schema.allowed_attributes(m) for m in schema.metrics))
        for kind, attrs in lb.book.defaults.items():
            probe = _probe_selector(kind)
            for attr, ref in attrs.items():
                if attr not in known:  # a default no metric takes would be dropped without a word
                    close = _close(attr, known)
                    problems.append(lb.doc.problem(("defaults", kind, attr), f"{attr!r} is not an attribute of the schema"
                                                   + (f" (did you mean {close}?)" if close else "")))
                if probe is not None:
                    _check_names(lb, ("defaults", kind, attr), probe, list(_ref_fields(ref)), ctx, problems)
                    for msg in _enum_problems(ref, probe, ctx):
                        problems.append(lb.doc.problem(("defaults", kind, attr), msg))
    for a, b, key in snmp_conflicts(rs):
        what = f"sys_object_id {key[0] or '-'}, sys_descr {key[1] or '-'}" + (f", present {key[3]}" if key[3] else "")
        for rid, other in ((a, b), (b, a)):
            lb = rs.loaded[rid]
            if lb.path not in reported:
                continue
            idx = next((k for k, e in enumerate(lb.book.match.snmp) if entry_key(e) == key), None)
            loc: tuple[Any, ...] = ("match", "snmp", idx) if idx is not None else ("match",)
            problems.append(lb.doc.problem(loc, f"conflicting match: {other} has the same entry ({what}); "
                                                "neither is more specific"))
    problems.sort(key=lambda p: (p.file, p.line, p.column))
    return problems
