"""Loading rulebooks from YAML folders and resolving ``extends`` / ``remove`` / overrides.

This is the document layer: what the files say, by id. ``rulebooks.RulebookSet`` adds what is
compiled from them (translators, matches) on top.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Self

from netrosetta.errors import NetrosettaError
from netrosetta.paths import MAPPINGS

from .model import AttrRef, DeviceAttr, ExtensionMetric, Rule, Rulebook
from .yaml_source import InvalidDocument, Problem, YamlDoc, load_yaml, validate

log = logging.getLogger(__name__)

# folders under mappings/ that hold other things than rulebooks
NOT_RULEBOOKS = {"schema", "fixtures", "templates", "testcases", "platforms"}


@dataclass
class LoadedRulebook:
    book: Rulebook
    path: str
    doc: YamlDoc


@dataclass
class ResolvedRulebook:
    """A rulebook with its mixins applied: the rules it really runs, each with its origin."""

    book: Rulebook
    path: str
    rules: list[Rule]
    origin: dict[str, str]               # rule name -> id of the rulebook that defined it
    device: dict[str, DeviceAttr]
    chain: list[str] = field(default_factory=list)   # ids, most derived first
    defaults: dict[str, dict[str, AttrRef]] = field(default_factory=dict)
    extensions: dict[str, ExtensionMetric] = field(default_factory=dict)   # inherited ones too

    @property
    def id(self) -> str:
        return self.book.id

    @property
    def version(self) -> str:
        return self.book.version


def rulebook_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*.yaml")):
                rel = f.relative_to(p).parts
                if any(part in NOT_RULEBOOKS for part in rel[:-1]) or f.name.endswith(".test.yaml"):
                    continue
                files.append(f)
        elif p.exists():
            files.append(p)
        else:
            raise NetrosettaError("no such file or directory", file=str(p))
    return files


def load_rulebook(path: str | Path) -> LoadedRulebook:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise NetrosettaError("a rulebook is a mapping with id, version, rules...", file=str(path), line=1)
    return LoadedRulebook(validate(doc, Rulebook), str(path), doc)


class LoadedRulebooks:
    """Every rulebook found in some folders, by id, with inheritance resolved on demand.

    Read-only once built: the rulebooks and problems are fixed at construction; resolving only
    fills a cache derived from them (one ResolvedRulebook per id, also under threads)."""

    def __init__(self, loaded: Iterable[LoadedRulebook], problems: Iterable[Problem] = ()) -> None:
        by_id: dict[str, LoadedRulebook] = {}
        found = list(problems)
        for lb in loaded:
            if lb.book.id in by_id:
                prev = by_id[lb.book.id]
                found.append(lb.doc.problem(("id",), f"duplicate rulebook id {lb.book.id!r} (also in {prev.path})"))
                continue
            by_id[lb.book.id] = lb
        self.loaded: Mapping[str, LoadedRulebook] = MappingProxyType(by_id)
        self.problems: tuple[Problem, ...] = tuple(found)
        self._resolved: dict[str, ResolvedRulebook] = {}
        self._resolving = threading.RLock()      # resolve() recurses through extends

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path] | None = None, *, strict: bool = True) -> Self:
        """Load every rulebook; with strict=False bad files become problems instead of errors."""
        loaded: list[LoadedRulebook] = []
        problems: list[Problem] = []
        for f in rulebook_files(paths or [MAPPINGS]):
            try:
                loaded.append(load_rulebook(f))
            except InvalidDocument as exc:
                if strict:
                    raise
                problems.extend(exc.problems)
            except NetrosettaError as exc:
                if strict:
                    raise
                problems.append(Problem(exc.file or str(f), exc.line or 1, exc.column or 1, exc.message))
        return cls(loaded, problems)

    def __contains__(self, rid: str) -> bool:
        return rid in self.loaded

    def ids(self) -> list[str]:
        return sorted(self.loaded)

    def concrete(self) -> list[ResolvedRulebook]:
        return [self.resolve(i) for i in self.ids() if not self.loaded[i].book.abstract]

    def resolve(self, rid: str) -> ResolvedRulebook:
        got = self._resolved.get(rid)
        if got is not None:
            return got
        with self._resolving:
            return self._resolve(rid, ())

    def _resolve(self, rid: str, _stack: tuple[str, ...]) -> ResolvedRulebook:
        if rid in self._resolved:
            return self._resolved[rid]
        if rid not in self.loaded:
            raise NetrosettaError(f"unknown rulebook {rid!r}")
        if rid in _stack:
            raise NetrosettaError(f"extends cycle: {' -> '.join((*_stack, rid))}", file=self.loaded[rid].path)
        lb = self.loaded[rid]
        book = lb.book
        rules: dict[str, Rule] = {}
        origin: dict[str, str] = {}
        device: dict[str, DeviceAttr] = {}
        defaults: dict[str, dict[str, AttrRef]] = {}
        extensions: dict[str, ExtensionMetric] = {}
        chain: list[str] = [rid]
        for i, parent_id in enumerate(book.extends):
            if parent_id not in self.loaded:
                raise NetrosettaError(f"extends unknown rulebook {parent_id!r}", file=lb.path,
                                      line=lb.doc.where(("extends", i))[0], column=lb.doc.where(("extends", i))[1])
            parent = self._resolve(parent_id, (*_stack, rid))
            for r in parent.rules:
                rules[r.name] = r
                origin[r.name] = parent.origin[r.name]
            device.update(parent.device)
            for kind, attrs in parent.defaults.items():
                defaults.setdefault(kind, {}).update(attrs)
            extensions.update(parent.extensions)
            chain.extend(c for c in parent.chain if c not in chain)
        for i, name in enumerate(book.remove):
            if name not in rules:
                line, col = lb.doc.where(("remove", i))
                raise NetrosettaError(f"remove names no inherited rule {name!r}", file=lb.path, line=line, column=col)
            del rules[name]
            del origin[name]
        seen: set[str] = set()
        for i, r in enumerate(book.rules):
            if r.name in seen:
                line, col = lb.doc.where(("rules", i, "name"))
                raise NetrosettaError(f"duplicate rule name {r.name!r}", file=lb.path, line=line, column=col)
            seen.add(r.name)
            rules[r.name] = r          # same name as an inherited rule: override
            origin[r.name] = rid
        device.update(book.device)
        for kind, attrs in book.defaults.items():
            defaults.setdefault(kind, {}).update(attrs)
        extensions.update(book.extensions)
        res = ResolvedRulebook(book, lb.path, list(rules.values()), origin, device, chain, defaults, extensions)
        self._resolved[rid] = res
        return res
