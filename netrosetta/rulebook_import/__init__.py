"""`netrosetta rulebook import ktranslate|datadog`: SNMP profiles (Datadog's format, which
ktranslate shares) converted into rulebooks, with a report of everything they could not say.

sysobjectid -> match (a profile's sysDescr redirects, `matches:`, become sysDescr entries of the
target), extends -> extends, symbols / tables -> SNMP selectors, metric_tags -> attributes,
metadata -> Resource attributes, the objects and standard names of known.yaml -> unified metrics,
everything else -> vendor extension metrics. A match entry another rulebook already has (a shipped
one, or an earlier profile) is left out and reported: it would tie.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netrosetta.engine.matching import entry_key
from netrosetta.engine.mib_index import MibIndex
from netrosetta.engine.model import SnmpMatch
from netrosetta.engine.resolve import LoadedRulebooks
from netrosetta.errors import NetrosettaError

from .convert import Converted, convert, slug
from .profiles import Profile, ProfileSet, load_profile, profile_files

FLAVORS = ("ktranslate", "datadog")
REPORT = "IMPORT-REPORT.md"
ENTERPRISE_ARCS = 7       # 1.3.6.1.4.1.<enterprise>


@dataclass
class ImportResult:
    converted: list[Converted] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    def reasons(self) -> Counter[str]:
        """Left-out items by kind (the text after the object's name, numbers dropped)."""
        c: Counter[str] = Counter()
        for cv in self.converted:
            for line in cv.not_kept:
                c[_reason(line)] += 1
        return c


def _reason(line: str) -> str:
    head, _, why = line.rpartition(": ")
    why = why if head else line
    why = re.sub(r"'[^']*'|\d+(\.\d+)*", "…", why)
    why = re.sub(r"…(, …)+", "…", why)
    return re.sub(r"already matched by \S+;", "already matched by one of the context rulebooks;", why)


def _roots(paths: list[Path]) -> list[Path]:
    """Where extends are looked up: a folder given, or for a file <root>/<vendor>/<file>."""
    return [p if p.is_dir() else p.resolve().parent.parent for p in paths]


def _sysobjectids(p: Profile) -> list[str]:
    raw = p.data.get("sysobjectid", p.data.get("sysObjectID"))
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [str(x).strip().lstrip(".") for x in items if x is not None]


def _match_entries(p: Profile, redirects: dict[str, list[tuple[str, list[str]]]],
                   notes: list[str]) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    for oid in _sysobjectids(p):
        try:
            SnmpMatch(sys_object_id=oid)
        except ValueError:
            notes.append(f"sysobjectid {oid!r}: not an OID pattern")
            continue
        if len([c for c in oid.split(".") if c != "*"]) < ENTERPRISE_ARCS:
            notes.append(f"sysobjectid {oid}: wider than one enterprise, so this rulebook takes every device "
                         "no vendor rulebook matches, before the generic fallback")
        entries.append({"sys_object_id": oid})
    for regex, oids in redirects.get(p.file_name, []):
        for oid in oids or [None]:  # type: ignore[list-item]
            e = {"sys_descr": regex} if oid is None else {"sys_object_id": oid, "sys_descr": regex}
            try:
                SnmpMatch.model_validate(e)
            except ValueError:
                notes.append(f"sysDescr redirect {regex!r}: not a usable regex")
                continue
            entries.append(e)
    return entries


def _redirects(profiles: list[Profile]) -> dict[str, list[tuple[str, list[str]]]]:
    """target file name -> [(sysDescr regex, the redirecting profile's sysObjectIDs)]: the agents
    lower-case sysDescr before matching, so the regex is made case-insensitive."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for p in profiles:
        m = p.data.get("matches")
        if isinstance(m, dict):
            for regex, target in m.items():
                out.setdefault(str(target), []).append((f"(?i){regex}", _sysobjectids(p)))
    return out


def _ordered(selected: list[Profile], pset: ProfileSet) -> list[tuple[Profile, list[Profile]]]:
    """Selected profiles and their ancestors, parents before children, each with its parents."""
    done: dict[str, tuple[Profile, list[Profile]]] = {}

    def visit(p: Profile, stack: tuple[str, ...]) -> None:
        if str(p.path) in done:
            return
        if p.file_name in stack:
            raise NetrosettaError(f"extends cycle: {' -> '.join((*stack, p.file_name))}", file=str(p.path))
        ext = p.data.get("extends") or []
        parents = [pset.parent(p, str(n)) for n in (ext if isinstance(ext, list) else [ext])]
        for q in parents:
            visit(q, (*stack, p.file_name))
        done[str(p.path)] = (p, parents)

    for p in selected:
        visit(p, ())
    return list(done.values())


def import_profiles(paths: list[Path], out_dir: Path, flavor: str, context: list[Path] | None = None,
                    mib: MibIndex | None = None) -> ImportResult:
    if flavor not in FLAVORS:
        raise NetrosettaError(f"unknown profile flavor {flavor!r} (one of {', '.join(FLAVORS)})")
    files = profile_files(paths)
    if not files:
        raise NetrosettaError("no profiles (*.yml, *.yaml) found", file=str(paths[0]) if paths else None)
    roots = _roots(paths)
    everything = {f.resolve() for r in roots for f in profile_files([r])} | {f.resolve() for f in files}
    loaded = {f: load_profile(f) for f in sorted(everything)}
    pset = ProfileSet(list(loaded.values()))
    selected = [loaded[f.resolve()] for f in files]
    order = _ordered(selected, pset)
    redirects = _redirects(list(loaded.values()))
    taken: dict[tuple[str, str, str], str] = {}
    ctx_books = LoadedRulebooks.from_paths(context) if context else LoadedRulebooks([])
    for rid in ctx_books.ids():
        book = ctx_books.loaded[rid].book
        if not book.abstract:
            for e in book.match.snmp:
                taken.setdefault(entry_key(e), rid)
    root = roots[0] if len(roots) == 1 else None
    mib = mib if mib is not None else MibIndex.default()
    result = ImportResult()
    declared: dict[str, dict[str, dict[str, Any]]] = {}     # rulebook id -> its extensions, inherited too
    rules_of: dict[str, dict[str, str]] = {}                # rulebook id -> rule name -> column read

    def id_of(p: Profile) -> str:
        return f"{flavor}/{slug(p.stem)}" if pset.unique(p) else f"{flavor}/{slug(p.path.parent.name)}-{slug(p.stem)}"

    for p, parents in order:
        notes: list[str] = []
        entries = []
        for e in _match_entries(p, redirects, notes):
            key = entry_key(SnmpMatch.model_validate(e))
            owner = taken.get(key)
            if owner is not None and owner != id_of(p):
                notes.append(f"match {e}: already matched by {owner}; left out (it would tie)")
                continue
            taken[key] = id_of(p)
            entries.append(e)
        inherited: dict[str, dict[str, Any]] = {}
        parent_rules: dict[str, str] = {}
        for q in parents:
            inherited.update(declared.get(id_of(q), {}))
            parent_rules.update(rules_of.get(id_of(q), {}))
        p_root = next((r for r in roots if r in p.path.resolve().parents), root)
        cv = convert(p, flavor, p_root, parents, inherited, entries if _sysobjectids(p) or entries else [],
                     mib, id_of, parent_rules)
        if _sysobjectids(p) and not entries:
            cv.book.pop("abstract", None)
            cv.book["match"] = {"snmp": []}
        cv.not_kept[:0] = notes
        declared[cv.rulebook_id] = {**inherited, **cv.book.get("extensions", {})}
        rules_of[cv.rulebook_id] = {**parent_rules, **{r["name"]: r["snmp"]["value"] for r in cv.book["rules"]}}
        result.converted.append(cv)
    _write(result, out_dir, flavor)
    return result


def _write(result: ImportResult, out_dir: Path, flavor: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for cv in result.converted:
        path = out_dir / f"{cv.rulebook_id.split('/', 1)[1]}.yaml"
        head = f"# Imported by `netrosetta rulebook import {flavor}` from {cv.profile.name}.\n"
        if cv.not_kept:
            head += f"# {len(cv.not_kept)} item(s) not kept: see {REPORT}.\n"
        path.write_text(head + yaml.safe_dump(cv.book, sort_keys=False, allow_unicode=True, width=110,
                                                    default_flow_style=None))
        result.written.append(path)
    lines = [f"# {flavor} profile import", "",
             f"{len(result.converted)} profile(s): "
             f"{sum(c.schema_rules for c in result.converted)} unified-schema rule(s), "
             f"{sum(c.extension_rules for c in result.converted)} vendor extension rule(s), "
             f"{sum(len(c.not_kept) for c in result.converted)} item(s) not kept or to review.", "",
             "## Not kept or to review, by reason", ""]
    lines += [f"- {n} x {why}" for why, n in result.reasons().most_common()]
    lines += ["", "## Per profile", ""]
    for cv in result.converted:
        lines.append(f"### {cv.profile.name} -> {cv.rulebook_id} "
                     f"({cv.schema_rules} schema, {cv.extension_rules} extension rules)")
        lines += [f"- {n}" for n in cv.not_kept] or ["- everything kept"]
        lines.append("")
    (out_dir / REPORT).write_text("\n".join(lines))
