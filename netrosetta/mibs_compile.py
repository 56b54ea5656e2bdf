"""Compile MIB sources (SMIv1/SMIv2 text) into the compact JSON index that MibIndex loads.

pysmi does the parsing and symbol/OID resolution; we drive it module by module (so a progress bar
can follow and each failure gets a plain reason naming the file) and reduce its output to facts:
names, OIDs, kinds, base syntax, textual conventions, enums, display hints, units, access and table
structure. No DESCRIPTION/REFERENCE text is kept.

Output: one ``<MODULE>.json`` per module in the output folder (format version: engine/mib_index.py FORMAT).
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from netrosetta.engine.mib_index import BASE_TYPES, FORMAT
from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)

# Modules that only define SMI macros; pysmi maps their imports onto SNMPv2-SMI itself, so a
# missing or unparsable copy does not hurt modules importing from them.
MACRO_MODULES = frozenset({"RFC-1212", "RFC-1215", "SNMPv2-TM", "RFC1065-SMI"})

# SMIv1 modules: when an OID is defined both by one of these and an SMIv2 module (RFC1213-MIB vs
# IF-MIB), the index prefers the SMIv2 definition.
_SMIV1_MARKERS = frozenset({"RFC1155-SMI", "RFC-1212", "RFC-1215", "RFC1065-SMI"})

# Imports vendors forget (JUNIPER-SMI uses Opaque without importing it): retried once with these.
_REPAIR_IMPORTS = [("SNMPv2-SMI", t) for t in (
    "Counter32", "Counter64", "Gauge32", "Integer32", "IpAddress", "Opaque", "TimeTicks", "Unsigned32",
)]

_DEFINITIONS_RE = re.compile(
    r"^[ \t]*([A-Za-z][A-Za-z0-9-]*)\s+(?:--[^\n]*\n\s*)*DEFINITIONS\s*(?:IMPLICIT\s+TAGS\s*)?::=\s*BEGIN",
    re.MULTILINE,
)
_MAX_SOURCE_BYTES = 32 * 1024 * 1024


class CompileReport(BaseModel):
    """What a compile run did: per-module outcome with plain reasons."""

    compiled: dict[str, str] = Field(default_factory=dict, description="module -> written JSON path")
    failed: dict[str, str] = Field(default_factory=dict, description="module -> reason")
    warnings: list[str] = Field(default_factory=list)
    skipped_files: int = 0
    symbols: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


ProgressFn = Callable[[str, str, int, int], None]
"""progress(phase, module, done, total); phase is "parse" or "generate"."""


@dataclass
class _Source:
    module: str
    path: Path
    shown: str  # path as shown in messages


@dataclass
class _Parsed:
    source: _Source
    tree: Any
    imports: list[str]
    smiv1: bool
    warnings: list[str] = field(default_factory=list)


def find_sources(dirs: Sequence[str | Path], report: CompileReport | None = None) -> dict[str, _Source]:
    """Map module name -> source file for every MIB module under DIRs (subfolders included).

    The module name comes from the ``NAME DEFINITIONS ::= BEGIN`` header, not the file name, so
    ``IF-MIB.txt``, ``IF-MIB.my`` or ``rfc2863.mib`` all work. The first DIR given wins when two
    files define the same module.
    """
    found: dict[str, _Source] = {}
    for d in dirs:
        root = Path(d)
        if not root.exists():
            raise NetrosettaError("MIB source folder does not exist", file=str(d))
        files = [root] if root.is_file() else sorted(
            (p for p in root.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(root).parts)),
            key=lambda p: (len(p.relative_to(root).parts), str(p)),  # top level before subfolders
        )
        for path in files:
            try:
                if path.stat().st_size > _MAX_SOURCE_BYTES:
                    raise OSError("file too large for a MIB")
                raw = path.read_bytes()
            except OSError as exc:
                if report is not None:
                    report.skipped_files += 1
                    report.warnings.append(f"{path}: skipped ({exc.strerror or exc})")
                continue
            if b"\0" in raw[:4096]:
                if report is not None:
                    report.skipped_files += 1
                continue
            text = raw.decode("utf-8", errors="replace")
            names = _DEFINITIONS_RE.findall(text)
            if not names:
                if report is not None:
                    report.skipped_files += 1
                continue
            for name in names:
                if name in found:
                    if found[name].path != path and report is not None:
                        report.warnings.append(
                            f"{path}: defines {name} again; using {found[name].shown}")
                    continue
                found[name] = _Source(name, path, str(path))
    return found


def _plain(msg: str) -> str:
    """pysmi's semantic messages in words a MIB author can act on."""
    if msg.startswith("Unknown parents for symbols:") or msg.startswith("Unknown parent symbol:"):
        names = msg.split(":", 1)[1].strip()
        return (f"cannot resolve {names}: a parent OID or SYNTAX type it uses is neither defined in "
                "the module nor imported")
    return msg


def _line_of(text: str, lineno: object) -> str:
    if isinstance(lineno, int) and 0 < lineno <= text.count("\n") + 1:
        return text.splitlines()[lineno - 1].strip()[:120]
    return ""


class _Compiler:
    """Holds pysmi state across modules plus the facts already produced (for cross-module TCs)."""

    def __init__(self, sources: dict[str, _Source], report: CompileReport,
                 progress: ProgressFn | None) -> None:
        from pysmi.codegen.intermediate import IntermediateCodeGen
        from pysmi.codegen.symtable import SymtableCodeGen
        from pysmi.parser import SmiStarParser

        class TolerantSymtable(SymtableCodeGen):  # type: ignore[misc]
            """Keeps the first definition of a duplicated symbol (HUAWEI-MIB has some)."""

            duplicates: list[str] = []

            def reg_sym(self, symbol: str, symProps: Any, parents: Any = ()) -> None:
                if symbol in self._out or symbol in self._postponedSyms:
                    self.duplicates.append(symbol)
                    return
                super().reg_sym(symbol, symProps, parents)

        class TolerantCodegen(IntermediateCodeGen):  # type: ignore[misc]
            """Same policy as TolerantSymtable: the first definition of a symbol wins."""

            def reg_sym(self, symbol: str, outDict: Any, *args: Any, **kwargs: Any) -> None:
                if symbol in self._seenSyms and symbol not in self._importMap:
                    return
                super().reg_sym(symbol, outDict, *args, **kwargs)

        self.sources = sources
        self.report = report
        self.progress = progress
        self.parser = SmiStarParser()
        self.symgen = TolerantSymtable()
        self.codegen = TolerantCodegen()
        self.symtables: dict[str, Any] = {}
        self.parsed: dict[str, _Parsed] = {}
        self.trees_by_file: dict[Path, dict[str, Any]] = {}
        # Facts of generated modules: module -> {"types": {...}, "symbols": {...}, "imports": {...}}
        self.facts: dict[str, dict[str, Any]] = {}
        self.oid_owner: dict[str, tuple[str, str]] = {}

    # -- phase 1: parse ---------------------------------------------------------------------
    def _parse_file(self, src: _Source) -> dict[str, Any]:
        from pysmi import error as smierr

        if src.path in self.trees_by_file:
            return self.trees_by_file[src.path]
        text = src.path.read_bytes().decode("utf-8", errors="replace")
        try:
            trees = self.parser.parse(text)
        except smierr.PySmiError as exc:
            lineno = getattr(exc, "lineno", None)
            lineno = lineno if isinstance(lineno, int) else None
            snippet = _line_of(text, lineno)
            # pysmi's "Bad grammar near offset N" adds nothing once the line is known
            detail = "" if snippet and exc.msg.startswith("Bad grammar") else f" ({exc.msg})"
            msg = f"MIB syntax error{detail}" + (f" near: {snippet}" if snippet else "")
            raise NetrosettaError(msg, file=src.shown, line=lineno) from None
        except RecursionError:
            raise NetrosettaError("MIB too deeply nested to parse", file=src.shown) from None
        by_name = {tree[0]: tree for tree in trees if tree}
        self.trees_by_file[src.path] = by_name
        return by_name

    def _symtable(self, name: str, tree: Any, src: _Source) -> Any:
        from pysmi import error as smierr
        from pysmi import implicit_imports

        self.symgen.duplicates = []
        try:
            try:
                info, table = self.symgen.gen_code(tree, self.symtables)
            except smierr.PySmiSemanticError as exc:
                if "Unknown parent" not in exc.msg or name in implicit_imports.IMPLICIT_IMPORTS:
                    raise
                # pysmi's documented hook for vendor import omissions; retried once, and removed
                # again so the repair stays visible (warned about) on every run.
                implicit_imports.IMPLICIT_IMPORTS[name] = list(_REPAIR_IMPORTS)
                self.symgen.duplicates = []
                try:
                    info, table = self.symgen.gen_code(tree, self.symtables)
                finally:
                    implicit_imports.IMPLICIT_IMPORTS.pop(name, None)
                self.report.warnings.append(
                    f"{src.shown}: {name} uses SMI base types it does not import ({exc.msg}); "
                    "compiled with the missing SNMPv2-SMI imports added")
        except smierr.PySmiError as exc:
            raise NetrosettaError(f"{name}: {_plain(exc.msg)}", file=src.shown) from None
        if self.symgen.duplicates:
            dups = ", ".join(sorted(set(self.symgen.duplicates)))
            self.report.warnings.append(f"{src.shown}: {name} defines {dups} twice; kept the first")
        self.symtables[info.name] = table
        return info

    def parse_all(self, wanted: list[str]) -> list[str]:
        """Parse wanted modules and everything they import; return modules in dependency order."""
        queue = list(dict.fromkeys(wanted))
        seen: set[str] = set()
        importers: dict[str, set[str]] = {}
        queued = set(queue)
        i = 0
        while i < len(queue):
            name = queue[i]
            i += 1
            if name in seen:
                continue
            seen.add(name)
            if self.progress:
                self.progress("parse", name, i - 1, len(queue))
            src = self.sources.get(name)
            if src is None:
                if name not in MACRO_MODULES:
                    users = sorted(importers.get(name, ()))
                    self.report.failed[name] = (
                        "no source file defines this module in the given folders (subfolders searched)"
                        + (f"; imported by {', '.join(users)}" if users else "")
                        + _did_you_mean(suggest_modules(name, self.sources)))
                continue
            try:
                trees = self._parse_file(src)
                tree = trees.get(name)
                if tree is None:
                    raise NetrosettaError(f"{name} not understood by the MIB parser", file=src.shown)
                info = self._symtable(name, tree, src)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                # pysmi internals tripping over an odd MIB: report it against the file, no traceback
                self.report.failed[name] = f"{src.shown}: MIB compiler could not handle {name} " \
                                           f"({type(exc).__name__}: {exc})"
                continue
            except NetrosettaError as exc:
                if name in MACRO_MODULES:
                    # macro-only module: nothing to index, importers are unaffected
                    self.report.warnings.append(f"{src.shown}: {name} only defines SMI macros; not indexed")
                    continue
                self.report.failed[name] = str(exc)
                continue
            imports = [m for m in info.imported if m != name]
            self.parsed[name] = _Parsed(src, tree, imports, bool(_SMIV1_MARKERS & set(imports)))
            for m in imports:
                importers.setdefault(m, set()).add(name)
                if m not in queued:
                    queued.add(m)
                    queue.append(m)
        if self.progress:
            self.progress("parse", "", len(queue), len(queue))
        return self._order()

    def _order(self) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:  # import cycle: order within it is arbitrary
                return
            state[name] = 1
            for dep in self.parsed[name].imports:
                if dep in self.parsed:
                    visit(dep)
            state[name] = 2
            order.append(name)

        for name in sorted(self.parsed):
            visit(name)
        # A module whose import failed cannot be generated: report why, transitively.
        for name in order:
            missing = [d for d in self.parsed[name].imports
                       if d not in self.parsed and d not in MACRO_MODULES]
            failed_deps = [d for d in missing if d in self.sources]  # found but broken
            if missing:
                src = self.parsed[name].source.shown
                absent = [d for d in missing if d not in failed_deps]
                why = []
                if absent:
                    why.append(f"{', '.join(absent)} (not found in the given folders)")
                if failed_deps:
                    why.append(f"{', '.join(failed_deps)} (failed to compile)")
                self.report.failed[name] = f"{src}: imports from {'; '.join(why)}"
        return [n for n in order if n not in self.report.failed]

    # -- phase 2: generate facts ---------------------------------------------------------------
    def generate(self, order: list[str], out_dir: Path) -> None:
        from pysmi import error as smierr

        out_dir.mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(order):
            if self.progress:
                self.progress("generate", name, i, len(order))
            parsed = self.parsed[name]
            if any(d in self.report.failed for d in parsed.imports):
                bad = [d for d in parsed.imports if d in self.report.failed]
                self.report.failed[name] = \
                    f"{parsed.source.shown}: imports from {', '.join(bad)} (failed to compile)"
                continue
            try:
                _, raw = self.codegen.gen_code(parsed.tree, self.symtables, genTexts=False)
                facts = self._facts(name, raw, parsed)
            except smierr.PySmiError as exc:
                self.report.failed[name] = f"{parsed.source.shown}: {exc.msg}"
                continue
            except NetrosettaError as exc:
                self.report.failed[name] = str(exc)
                continue
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                self.report.failed[name] = f"{parsed.source.shown}: MIB compiler could not handle " \
                                           f"{name} ({type(exc).__name__}: {exc})"
                continue
            target = out_dir / f"{name}.json"
            tmp = target.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(facts, separators=(",", ":"), sort_keys=False) + "\n")
            tmp.replace(target)
            self.report.compiled[name] = str(target)
            self.report.symbols += len(facts["symbols"])
        if self.progress:
            self.progress("generate", "", len(order), len(order))

    def _facts(self, module: str, raw: dict[str, Any], parsed: _Parsed) -> dict[str, Any]:
        imports: dict[str, str] = {}  # symbol -> module it is imported from
        for mod, syms in (raw.get("imports") or {}).items():
            if mod == "class":
                continue
            for s in syms:
                imports[s] = mod
        entries = [v for v in raw.values() if isinstance(v, dict) and "class" in v and "name" in v]
        local_types = {v["name"]: v for v in entries if v["class"] in ("type", "textualconvention")}
        types: dict[str, dict[str, Any]] = {}
        module_facts: dict[str, Any] = {"types": types, "imports": imports}
        self.facts[module] = module_facts

        def type_ref(tname: str) -> tuple[str, str] | None:
            if tname in local_types:
                return module, tname
            mod = imports.get(tname)
            if mod and mod in self.facts and tname in self.facts[mod]["types"]:
                return mod, tname
            return None

        resolving: set[str] = set()

        def resolve_local(tname: str) -> dict[str, Any] | None:
            if tname in types:
                return types[tname]
            if tname in resolving:
                raise NetrosettaError(f"{module}: type {tname} is defined in terms of itself",
                                      file=parsed.source.shown)
            resolving.add(tname)
            decl = local_types[tname]
            # SNMPv2-SMI spells Counter64 etc. as INTEGER ranges: keep the application type name.
            rec = {"base": BASE_TYPES[tname]} if tname in BASE_TYPES else describe(decl.get("type") or {})
            if decl.get("displayhint"):
                rec["hint"] = decl["displayhint"]
            types[tname] = rec
            resolving.discard(tname)
            return rec

        def lookup_type(tname: str) -> dict[str, Any] | None:
            ref = type_ref(tname)
            if ref is None:
                return None
            if ref[0] == module:
                return resolve_local(tname)
            return dict(self.facts[ref[0]]["types"][tname])

        def describe(syntax: dict[str, Any], copy_enums: bool = True) -> dict[str, Any]:
            """Facts of a SYNTAX clause: base, tc, enums, hint, size (inherited through TCs)."""
            tname = syntax.get("type") or ""
            rec: dict[str, Any] = {}
            inherited: dict[str, Any] = {}
            if tname in BASE_TYPES:
                rec["base"] = BASE_TYPES[tname]
            else:
                ref = type_ref(tname)
                parent = lookup_type(tname) if ref else None
                if parent is None:
                    self.report.warnings.append(
                        f"{parsed.source.shown}: {module} uses unknown type {tname!r}")
                    rec["base"] = "Unknown"
                else:
                    assert ref is not None
                    rec["base"] = parent["base"]
                    rec["tc"] = f"{ref[0]}::{ref[1]}"
                    inherited = parent
            cons = syntax.get("constraints") or {}
            enums = cons.get("enumeration") or syntax.get("bits")
            if enums:
                rec["enums"] = {str(v): k for k, v in enums.items()}
            elif inherited.get("enums") and copy_enums:
                # Types carry the enums down their chain; objects reach them through "tc"
                # at load time (IANAifType alone has ~300 names).
                rec["enums"] = inherited["enums"]
            if inherited.get("hint"):
                rec["hint"] = inherited["hint"]
            sizes = cons.get("size")
            if sizes:
                if len(sizes) == 1 and sizes[0].get("min") == sizes[0].get("max"):
                    rec["fixed"] = sizes[0]["min"]
            elif inherited.get("fixed") is not None:
                rec["fixed"] = inherited["fixed"]
            return rec

        for tname in local_types:
            resolve_local(tname)

        symbols: dict[str, dict[str, Any]] = {}
        for v in entries:
            cls = v["class"]
            oid = v.get("oid")
            if not oid:
                continue
            rec: dict[str, Any] = {"oid": oid}
            if cls == "objecttype":
                rec["kind"] = v.get("nodetype") or "node"
                if v.get("syntax"):
                    d = describe(v["syntax"], copy_enums=False)
                    rec["syntax"] = d.pop("base")
                    rec.update(d)
                if v.get("units"):
                    rec["units"] = v["units"]
                if v.get("maxaccess"):
                    rec["access"] = v["maxaccess"]
                if v.get("indices"):
                    rec["index"] = [[i.get("module") or module, i["object"], bool(i.get("implied"))]
                                    for i in v["indices"]]
                aug = v.get("augmention")
                if aug:
                    obj = aug.get("object")
                    amod = module if obj in raw or any(e["name"] == obj for e in entries) \
                        else imports.get(obj, module)
                    rec["augments"] = f"{amod}::{obj}"
            elif cls == "notificationtype":
                rec["kind"] = "notification"
                objs = [f"{o.get('module') or module}::{o['object']}" for o in v.get("objects") or []]
                if objs:
                    rec["objects"] = objs
            elif cls in ("objectidentity", "moduleidentity"):
                rec["kind"] = "node"
            else:
                continue  # groups, compliances, capabilities: no data lives under them
            if v.get("status") and v["status"] != "current":
                rec["status"] = v["status"]
            symbols[v["name"]] = rec
        module_facts["symbols"] = symbols

        # Table structure: columns name their row and table; AUGMENTS rows get the base indexes.
        local_oids = {rec["oid"]: n for n, rec in symbols.items()}
        for n, rec in symbols.items():
            self.oid_owner.setdefault(rec["oid"], (module, n))

        def owner(oid: str) -> tuple[str, str] | None:
            if oid in local_oids:
                return module, local_oids[oid]
            return self.oid_owner.get(oid)

        def row_rec(ref: tuple[str, str]) -> dict[str, Any] | None:
            if ref[0] == module:
                return symbols.get(ref[1])
            return self.facts.get(ref[0], {}).get("symbols", {}).get(ref[1])

        for rec in symbols.values():
            if rec["kind"] == "column":
                row = owner(rec["oid"].rsplit(".", 1)[0])
                if row:
                    rec["row"] = row[1]
                    rr = row_rec(row)
                    if rr:
                        table = owner(rr["oid"].rsplit(".", 1)[0])
                        if table:
                            rec["table"] = table[1]
            elif rec["kind"] == "row":
                table = owner(rec["oid"].rsplit(".", 1)[0])
                if table:
                    rec["table"] = table[1]
        for n, rec in symbols.items():
            if rec.get("augments") and "index" not in rec:
                seen: set[str] = set()
                target = rec["augments"]
                while target and target not in seen:
                    seen.add(target)
                    mod, _, tname = target.partition("::")
                    base = row_rec((mod, tname))
                    if base is None:
                        self.report.warnings.append(
                            f"{parsed.source.shown}: {n} AUGMENTS unknown row {target}")
                        break
                    if base.get("index"):
                        rec["index"] = base["index"]
                        break
                    target = base.get("augments")
        for n, rec in symbols.items():
            for imod, iname, _implied in rec.get("index", []) if rec["kind"] == "row" else []:
                if row_rec((imod, iname)) is None and iname not in BASE_TYPES:
                    self.report.warnings.append(
                        f"{parsed.source.shown}: {module}::{n} INDEX names {imod}::{iname}, which is "
                        "not defined; its instances cannot be decoded")

        result: dict[str, Any] = {
            "netrosetta_mib": FORMAT,
            "module": module,
            "source": parsed.source.path.name,
            "imports": sorted({m for m in imports.values() if m != module}),
        }
        if parsed.smiv1:
            result["smiv1"] = True
        result["types"] = types
        result["symbols"] = symbols
        return result


def compile_mibs(dirs: Sequence[str | Path], out_dir: str | Path, modules: Iterable[str] | None = None,
                 progress: ProgressFn | None = None) -> CompileReport:
    """Compile MIB modules found under DIRs into ``out_dir/<MODULE>.json``.

    ``modules`` limits the run to those modules (and what they import); by default every module
    found under DIRs is compiled. Failures never raise: each is reported with a plain reason.
    Raises NetrosettaError only for unusable arguments (missing folder, nothing to compile).
    """
    report = CompileReport()
    if not dirs:
        raise NetrosettaError("give at least one folder of MIB sources")
    sources = find_sources(dirs, report)
    wanted = list(modules) if modules else sorted(sources)
    if not sources:
        raise NetrosettaError(
            "no MIB modules found (no file has a 'NAME DEFINITIONS ::= BEGIN' header)",
            file=", ".join(str(d) for d in dirs))
    compiler = _Compiler(sources, report, progress)
    order = compiler.parse_all(wanted)
    compiler.generate(order, Path(out_dir))
    return report


def suggest_modules(name: str, sources: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(sources), n=3, cutoff=0.6)


def _did_you_mean(options: list[str]) -> str:
    return f" (did you mean {', '.join(options)}?)" if options else ""
