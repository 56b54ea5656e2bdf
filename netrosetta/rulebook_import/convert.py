"""One Datadog / ktranslate SNMP profile -> one netrosetta rulebook (as plain data), plus the list
of what the rulebook could not say. Objects with a unified metric (known.yaml) become schema rules;
every other metric becomes a vendor extension metric ``vendor.<vendor>.<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from netrosetta.engine.lint import mib_unit
from netrosetta.engine.mib_index import MibIndex, MibSymbol
from netrosetta.engine.schema import load_schema
from netrosetta.engine.yaml_source import load_yaml

from .profiles import Profile

KNOWN = Path(__file__).with_name("known.yaml")
_INSTRUMENTS = {"gauge": "gauge", "percent": "gauge", "counter": "counter", "rate": "counter",
                "monotonic_count": "counter", "monotonic_count_and_rate": "counter"}
# symbol keys the conversion reads or that change nothing netrosetta does (allow_duplicate: two
# rules making one series keep the first, as the agents ship the one that answers)
_UNDERSTOOD = {"name", "OID", "oid", "help", "tag", "enum", "type", "format", "forced_type", "metric_type",
               "scale_factor", "condition", "extract_value", "conversion", "description", "allow_duplicate"}
_ENTRY_KEYS = {"MIB", "table", "symbols", "symbol", "metric_tags", "forced_type", "metric_type"}
# ktranslate's table-level keys netrosetta has no counterpart for
_ENTRY_HINTS = {
    "is_interface": "ktranslate files the metrics of this table under the interfaces of the device (not expressed)",
    "walk_full_table": "a polling hint (netrosetta walks what its rules read)",
}
WHOLE_INDEX = (0, 128)


@cache
def known() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(KNOWN).data
    return data


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", str(name))
    s = re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")
    return s or "value"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.") or "profile"


def oid_text(raw: Any) -> str | None:
    s = str(raw).strip().lstrip(".")
    return s if re.fullmatch(r"\d+(\.\d+)+", s) else None


@dataclass
class Converted:
    profile: Path
    rulebook_id: str
    book: dict[str, Any]
    schema_rules: int = 0
    extension_rules: int = 0
    not_kept: list[str] = field(default_factory=list)     # one line per thing left out, with why


@dataclass
class _Ctx:
    flavor: str
    vendor: str
    mib: MibIndex | None
    out: Converted
    extensions: dict[str, dict[str, Any]]               # this rulebook's declarations
    inherited: dict[str, dict[str, Any]]                # declared by its parents
    names: set[str] = field(default_factory=set)
    # rule name -> the column it reads, of the parents' rules: the same name in a child overrides
    # the parent's rule, which is right only when both read the same object
    parent_rules: dict[str, str] = field(default_factory=dict)

    def skip(self, what: str) -> None:
        self.out.not_kept.append(what)

    def rule_name(self, base: str, value: str) -> str:
        stem = snake(base).replace("_", "-")          # ifHCInOctets -> if-hc-in-octets
        name, n = stem, 2
        while name in self.names or self.parent_rules.get(name, value) != value:
            name, n = f"{stem}-{n}", n + 1
        self.names.add(name)
        return name


def vendor_of(path: Path, root: Path | None) -> str:
    folder = path.parent.name if root is None or path.parent != root else ""
    v = snake(folder.lstrip("_"))
    return "standard" if v in ("", "general", "generic", "kentik_snmp", "profiles") else v


def _mib_symbol(ctx: _Ctx, oid: str) -> tuple[MibSymbol, tuple[int, ...]] | None:
    return ctx.mib.lookup_oid(oid) if ctx.mib is not None else None


def _value_selector(oid: str, scalar: bool, ctx: _Ctx) -> tuple[str, list[dict[str, Any]]]:
    """(column OID, extra filters): a scalar ``X.0`` is column X row 0; another instance OID is
    read as its column plus a filter on the row index (the MIB says where the column ends)."""
    if not scalar:
        return oid, []
    if oid.endswith(".0"):
        return oid[:-2], []
    hit = _mib_symbol(ctx, oid)
    if hit is not None and hit[0].kind == "column" and hit[1]:
        col, idx = hit[0].oid, ".".join(map(str, hit[1]))
    else:
        col, _, idx = oid.rpartition(".")
    return col, [{"ref": {"index": list(WHOLE_INDEX)}, "equals": idx}]


def _instrument(sym: dict[str, Any], oid: str, ctx: _Ctx, what: str) -> tuple[str | None, str]:
    """(instrument, unit) from the profile's metric type, else the MIB's syntax (None: left out)."""
    declared = sym.get("forced_type") or sym.get("metric_type") or sym.get("type") or sym.get("format")
    hit = _mib_symbol(ctx, oid)
    mib = hit[0] if hit is not None and len(hit[1]) <= 1 and hit[0].kind in ("column", "scalar") else None
    unit = "1"
    if mib is not None and mib.units and mib_unit(mib.units):
        unit = mib_unit(mib.units) or "1"
    if declared is not None:
        inst = _INSTRUMENTS.get(str(declared))
        if inst is None:
            ctx.skip(f"{what}: metric type {declared!r} has no netrosetta instrument")
            return None, unit
        if str(declared) == "percent":
            unit = "%"
        return inst, unit
    if mib is not None and mib.syntax:
        return ("counter" if mib.is_counter else "gauge"), unit
    ctx.out.not_kept.append(f"{what}: no metric type and no MIB syntax known for {oid}: imported as a gauge")
    return "gauge", unit


def _value_transforms(sym: dict[str, Any], ctx: _Ctx, what: str) -> list[dict[str, Any]] | None:
    steps: list[dict[str, Any]] = []
    conv = sym.get("conversion")
    if conv is not None:
        m = re.fullmatch(r"regexp:(.*)", str(conv), re.S)
        if m is None:
            ctx.skip(f"{what}: value conversion {conv!r} (the value is not a number) not supported")
            return None
        steps += [{"regex": m.group(1)}, {"to_number": True}]
    if sym.get("extract_value") is not None:
        steps += [{"regex": str(sym["extract_value"])}, {"to_number": True}]
    if sym.get("scale_factor") is not None:
        try:
            steps.append({"scale": float(sym["scale_factor"])})
        except (TypeError, ValueError):
            ctx.skip(f"{what}: scale_factor {sym['scale_factor']!r} is not a number")
            return None
    for step in steps:
        if "regex" in step:
            try:
                re.compile(step["regex"])
            except re.error as exc:
                ctx.skip(f"{what}: regex {step['regex']!r} ({exc})")
                return None
    return steps


def _tag_attributes(tags: list[Any], by_name: dict[str, str], ctx: _Ctx, where: str) -> dict[str, Any]:
    """A table's metric_tags -> attribute references (vendor.<vendor>.<tag> unless the schema has one)."""
    attrs: dict[str, Any] = {}
    for t in tags or []:
        if not isinstance(t, dict):
            ctx.skip(f"{where}: metric tag {t!r} is not a mapping")
            continue
        # Datadog spells a tag column `column:` or `symbol:`
        col = next((t[k] for k in ("column", "symbol") if isinstance(t.get(k), dict)), None)
        tag = t.get("tag") or (col or {}).get("name")
        if t.get("index_transform") is not None or t.get("match") is not None or t.get("tags") is not None:
            ctx.skip(f"{where}: tag {tag!r} (index_transform / regex match tags) not supported")
            continue
        if t.get("index") is not None:
            ref: dict[str, Any] = {"index": int(t["index"]) - 1}
            if isinstance(t.get("mapping"), dict):
                ref["transforms"] = [{"map": {str(k): str(v) for k, v in t["mapping"].items()}}]
        elif col is not None and oid_text(col.get("OID")):
            oid = oid_text(col.get("OID"))
            assert oid is not None
            by_name[str(col.get("name"))] = oid
            ref = {"field": oid}
            steps: list[dict[str, Any]] = []
            conv = col.get("conversion")
            if conv in ("hextoip",):
                steps.append({"format": "ip"})
            elif conv in ("hwaddr", "mac_address"):
                steps.append({"format": "mac"})
            elif conv not in (None, "to_one"):
                ctx.skip(f"{where}: tag {tag!r} conversion {conv!r} not supported; kept as its raw text")
            if isinstance(col.get("enum"), dict):
                steps.append({"map": {str(v): str(k) for k, v in col["enum"].items()}})
            if steps:
                ref["transforms"] = steps
            schema_attr = known()["tag_columns"].get(oid)
            if isinstance(schema_attr, dict):  # the schema's attribute wants its own steps (text, enum name)
                attrs[schema_attr["attribute"]] = {"field": oid, "transforms": schema_attr["transforms"]}
                continue
            if schema_attr is not None:
                attrs[schema_attr] = ref
                continue
        else:
            ctx.skip(f"{where}: tag {tag or t!r} is neither a column with an OID nor an index")
            continue
        attrs[f"vendor.{ctx.vendor}.{snake(tag or 'tag')}"] = ref
    return attrs


def _schema_rule(spec: dict[str, Any], value: str, extra_where: list[dict[str, Any]], scalar: bool,
                 tag_attrs: dict[str, Any], name: str, ctx: _Ctx) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": ctx.rule_name(name, value), "metric": spec["metric"], "snmp": {"value": value}}
    where = list(spec.get("where", [])) + extra_where
    if where:
        rule["where"] = where
    attrs = dict(spec.get("attributes", {}))
    if spec["metric"].startswith(("system.cpu", "system.memory")) and "hw.id" not in attrs:
        attrs["hw.id"] = "0" if scalar else {"index": list(WHOLE_INDEX)}
        text = next((r for a, r in tag_attrs.items() if a.startswith("vendor.") and "field" in r), None)
        if text is not None and not scalar:
            attrs["hw.name"] = text
    allowed = load_schema().allowed_attributes(spec["metric"])
    for a, ref in tag_attrs.items():   # tags that are schema attributes (ifAlias -> description)
        if not a.startswith("vendor.") and a in allowed and a not in attrs:
            attrs[a] = ref
    if attrs:
        rule["attributes"] = attrs
    if spec.get("transforms"):
        rule["transforms"] = list(spec["transforms"])
    ctx.out.schema_rules += 1
    return rule


def _extension_rule(sym: dict[str, Any], metric_name: str, value: str, extra_where: list[dict[str, Any]],
                    tag_attrs: dict[str, Any], oid: str, ctx: _Ctx, what: str,
                    steps: list[dict[str, Any]], mib_name: str) -> dict[str, Any] | None:
    inst, unit = _instrument(sym, oid, ctx, what)
    if inst is None:
        return None
    name = f"vendor.{ctx.vendor}.{snake(metric_name)}"
    desc = str(sym.get("help") or sym.get("description") or f"{mib_name or 'SNMP'} {sym.get('name') or oid}")
    if isinstance(sym.get("enum"), dict):
        desc += " (" + ", ".join(f"{v} {k}" for k, v in sym["enum"].items()) + ")"
    decl = ctx.extensions.get(name) or dict(ctx.inherited.get(name, {}))
    if decl and (decl["instrument"], decl["unit"]) != (inst, unit):
        ctx.skip(f"{what}: {name} is declared {decl['instrument']} in {decl['unit']!r}; this one is {inst} "
                 f"in {unit!r}: imported as {name}_{inst}")
        name = f"{name}_{inst}"
        decl = ctx.extensions.get(name) or {}
    attrs = sorted(set(decl.get("attributes", [])) | set(tag_attrs))
    ctx.extensions[name] = {"instrument": inst, "unit": unit, "description": decl.get("description", desc),
                            "attributes": attrs}
    rule: dict[str, Any] = {"name": ctx.rule_name(metric_name, value), "metric": name, "snmp": {"value": value}}
    if mib_name:
        rule["description"] = f"{mib_name}::{sym.get('name')}"
    if extra_where:
        rule["where"] = extra_where
    if tag_attrs:
        rule["attributes"] = tag_attrs
    if steps:
        rule["transforms"] = steps
    ctx.out.extension_rules += 1
    return rule


def _symbols(entry: dict[str, Any]) -> list[dict[str, Any]]:
    if "symbols" in entry and isinstance(entry["symbols"], list):
        return [s for s in entry["symbols"] if isinstance(s, dict)]
    if isinstance(entry.get("symbol"), dict):
        return [entry["symbol"]]
    if entry.get("oid") or entry.get("OID"):          # name/oid/type/help form (one scalar per entry)
        return [entry]
    return []


def _condition(cond: Any, by_name: dict[str, str], ctx: _Ctx, what: str) -> list[dict[str, Any]] | None:
    m = re.fullmatch(r"\s*([A-Za-z0-9_]+)\s*=\s*(\S+)\s*", str(cond))
    if m is None or m.group(1) not in by_name:
        ctx.skip(f"{what}: condition {cond!r} names no column of its table")
        return None
    return [{"field": by_name[m.group(1)], "equals": m.group(2)}]


def convert_metrics(profile: Profile, ctx: _Ctx) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    objects, names = known()["objects"], known()["names"]
    for n, entry in enumerate(profile.data.get("metrics") or []):
        where_e = f"metrics[{n}]"
        if not isinstance(entry, dict):
            ctx.skip(f"{where_e}: not a mapping")
            continue
        table = entry.get("table")
        scalar = not isinstance(table, dict)
        mib_name = str(entry.get("MIB") or "")
        syms = _symbols(entry)
        if not syms:
            ctx.skip(f"{where_e}: no symbol to read")
            continue
        # Datadog's older form puts the metric type beside `symbol:`; it applies to its symbols
        shared = {k: entry[k] for k in ("forced_type", "metric_type") if k in entry and "symbols" not in entry}
        syms = [{**shared, **s} for s in syms]
        if "oid" not in entry and "OID" not in entry:
            for key in sorted(set(map(str, entry)) - _ENTRY_KEYS):
                ctx.skip(f"{where_e}: {key}: {_ENTRY_HINTS[key]}" if key in _ENTRY_HINTS
                         else f"{where_e}: key {key!r} not understood")
        by_name = {str(s.get("name")): oid_text(s.get("OID")) or "" for s in syms}
        tag_attrs = {} if scalar else _tag_attributes(entry.get("metric_tags") or [], by_name, ctx, where_e)
        if scalar and entry.get("metric_tags"):
            ctx.skip(f"{where_e}: tags on scalars not supported")
        dropped_tags: set[str] = set()
        for sym in syms:
            oid = oid_text(sym.get("OID") or sym.get("oid"))
            label = str(sym.get("tag") or sym.get("name") or oid)
            what = f"{where_e} {label}"
            if oid is None:
                ctx.skip(f"{what}: no numeric OID")
                continue
            if str(sym.get("type")) == "trap":
                ctx.skip(f"{what}: a trap, not a polled metric (netrosetta traps decode it by MIB)")
                continue
            if (oid, label) in seen:
                continue                     # the same object listed twice in one profile
            seen.add((oid, label))
            if sym.get("poll_time_sec") is not None:
                ctx.skip(f"{what}: poll_time_sec (netrosetta polls a target at one interval)")
            for key in sorted(set(sym) - _UNDERSTOOD - {"poll_time_sec"}):
                ctx.skip(f"{what}: key {key!r} not understood")
            if sym.get("conversion") == "to_one":
                ctx.skip(f"{what}: a text value sent as the number 1 (conversion to_one) is not a metric")
                continue
            value, extra = _value_selector(oid, scalar, ctx)
            if sym.get("condition") is not None:
                cond = _condition(sym["condition"], by_name, ctx, what)
                if cond is None:
                    continue
                extra = extra + cond
            spec = objects.get(value) or names.get(str(sym.get("tag") or "")) or names.get(str(sym.get("name") or ""))
            if spec is not None and not (sym.get("scale_factor") or sym.get("conversion") or sym.get("extract_value")):
                rules.append(_schema_rule(spec, value, extra, scalar, tag_attrs, label, ctx))
                kept = rules[-1].get("attributes", {})
                dropped_tags.update(a for a in tag_attrs if a not in kept and not (a.startswith("vendor.") and "hw.name" in kept))
                continue
            steps = _value_transforms(sym, ctx, what)
            if steps is None:
                continue
            rule = _extension_rule(sym, label, value, extra, tag_attrs, oid, ctx, what, steps, mib_name)
            if rule is not None:
                rules.append(rule)
        for a in sorted(dropped_tags):
            ctx.skip(f"{where_e} tag {a.rsplit('.', 1)[-1]}: not kept on its unified metrics (the schema "
                     "defines their attributes)")
    return rules


def convert_device(profile: Profile, ctx: _Ctx) -> dict[str, Any]:
    """Resource attributes from Datadog `metadata.device.fields` (and `device.vendor`)."""
    device: dict[str, Any] = {}
    vendor = (profile.data.get("device") or {}).get("vendor") if isinstance(profile.data.get("device"), dict) else None
    if vendor:
        device["device.manufacturer"] = str(vendor)
    raw_meta = profile.data.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    for section in sorted(set(map(str, meta)) - {"device"}):
        ctx.skip(f"metadata.{section}: only device metadata becomes Resource attributes")
    fields = (meta.get("device") or {}).get("fields") or {}
    for key, spec in fields.items() if isinstance(fields, dict) else ():
        attr = known()["metadata"].get(key)
        if attr is None or not isinstance(spec, dict):
            ctx.skip(f"metadata.device.fields.{key}: no Resource attribute for it")
            continue
        if spec.get("value") is not None:
            device[attr] = str(spec["value"])
            continue
        raw_more = spec.get("symbols")
        more: list[Any] = raw_more if isinstance(raw_more, list) else []
        sym = spec.get("symbol") or next(iter(more), None) or {}
        if len(more) > 1:
            ctx.skip(f"metadata.device.fields.{key}: only the first of {len(more)} symbols is read")
        oid = oid_text(sym.get("OID")) if isinstance(sym, dict) else None
        if oid is None or not oid.endswith(".0"):
            ctx.skip(f"metadata.device.fields.{key}: only a value or a scalar symbol is supported")
            continue
        rule: dict[str, Any] = {"snmp": {"value": oid[:-2]}}
        # a regex whose first group is the value: extract_value, or match_pattern with match_value $1
        regex = sym.get("extract_value") or (sym.get("match_pattern") if str(sym.get("match_value")) == "$1" else None)
        if sym.get("match_pattern") and regex is None:
            ctx.skip(f"metadata.device.fields.{key}: match_value {sym.get('match_value')!r} (only $1 is supported)")
            continue
        if regex:
            rule["transforms"] = [{"regex": str(regex)}]
        device.setdefault(attr, rule)
    for t in profile.data.get("metric_tags") or []:
        label = t.get("tag") or (t.get("column") or {}).get("name") or t.get("symbol") if isinstance(t, dict) else t
        ctx.skip(f"device tag {label!r}: no Resource attribute for it (netrosetta reads sysName, "
                 "sysDescr and sysObjectID itself)")
    return device


# top-level keys the conversion reads (name: a profile's own label; the rulebook id is its file name)
READ_TOP = {"extends", "sysobjectid", "sysObjectID", "metrics", "metric_tags", "metadata", "device", "matches", "name"}
IGNORED_TOP = {
    "provider": "ktranslate's entity type for its backend",
    "traps": "trap definitions (netrosetta decodes traps by MIB)",
    "mibs": "a list of MIB names (documentation)",
    "no_use_bulkwalkall": "a polling hint (netrosetta walks what its rules read)",
    "sysmap": "a sysObjectID -> model table for ktranslate's own device naming",
    "matches_list": "an ordered list of sysDescr redirects",
}


def convert(profile: Profile, flavor: str, root: Path | None, parents: list[Profile],
            inherited: dict[str, dict[str, Any]], match: list[dict[str, str]],
            mib: MibIndex | None, id_of: Callable[[Profile], str],
            parent_rules: dict[str, str] | None = None) -> Converted:
    rid = id_of(profile)
    out = Converted(profile.path, rid, {})
    out.not_kept.extend(profile.notes)
    ctx = _Ctx(flavor, vendor_of(profile.path, root), mib, out, {}, inherited,
               parent_rules=dict(parent_rules or {}))
    for key, why in IGNORED_TOP.items():
        if profile.data.get(key):
            ctx.skip(f"{key}: {why}")
    for key in sorted(set(map(str, profile.data)) - READ_TOP - set(IGNORED_TOP)):
        ctx.skip(f"top-level key {key!r} not understood")
    book: dict[str, Any] = {"id": rid, "version": "1.0.0", "schema": "unified/v1",
                            "description": f"imported from {flavor} profile {profile.file_name}"}
    if parents:
        book["extends"] = [id_of(p) for p in parents]
    if not match:
        book["abstract"] = True
    else:
        book["match"] = {"snmp": match}
    device = convert_device(profile, ctx)
    if device:
        book["device"] = device
    rules = convert_metrics(profile, ctx)
    if ctx.extensions:
        book["extensions"] = ctx.extensions
    book["rules"] = rules
    out.book = book
    return out
