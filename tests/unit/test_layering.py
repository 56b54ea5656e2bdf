"""The project's import layering, read from the source with `ast` (no module is imported).

Why not import-linter: its graph builder (grimp) walks the folder of the top package only, and
setup.py maps `engine/`, `collectors/`, `exporter/` and `service/` into `netrosetta.*` from
sibling folders, so it sees the 16 modules under `netrosetta/` and none of the engine. This check
reads the same mapping from setup.py and counts every import statement wherever it stands:
module level, inside functions, under `if TYPE_CHECKING:`. (`__import__`/`importlib` with a
computed name cannot be seen; service/other_sources.py is the one such place.)

Rules:
- the engine imports no collector, service, exporter, CLI or the MIB compiler;
- collectors import no service and no CLI; the exporter imports no collector, service or CLI;
  the service imports no CLI;
- the core leaves (`netrosetta.errors`, `paths`, `yang_catalog`) and the engine's protocol-free
  helpers import nothing of the project but the core leaves;
- no import cycle among the project's modules.

Run `python tests/unit/test_layering.py [ROOT]` to check another tree (e.g. an export of main).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CORE = ("netrosetta", "netrosetta.errors", "netrosetta.paths", "netrosetta.yang_catalog")
# engine modules collectors share with it: they must stay leaves (core imports only)
ENGINE_LEAVES = ("netrosetta.engine.pathgrammar", "netrosetta.engine.textparse",
                 "netrosetta.engine.file_stem", "netrosetta.engine.values")

# layer -> layers it must not import
FORBIDDEN = {
    "engine": {"collectors", "exporter", "service", "cli", "tools"},
    "collectors": {"service", "cli"},
    "exporter": {"collectors", "service", "cli"},
    "service": {"cli"},
    "tools": {"collectors", "exporter", "service", "cli"},
}

# Wrong-direction imports and cycles allowed for now, each with why and who removes it (empty since
# the issue 14 redesign landed). An entry that no longer matches anything fails the check, so the
# list cannot go stale.
ALLOWED_EDGES: dict[tuple[str, str], str] = {
}
ALLOWED_CYCLES: list[tuple[frozenset[str], str]] = [
]


@dataclass
class Graph:
    files: dict[str, Path] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)
    # (importing module, line, module named) for project modules that do not exist: a moved
    # module's old name in a function-level import fails only when that line runs
    missing: list[tuple[str, int, str]] = field(default_factory=list)


def package_roots(root: Path) -> dict[str, str]:
    """The package -> folder mapping setup.py declares (its ROOTS literal)."""
    tree = ast.parse((root / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ROOTS" for t in node.targets):
            roots: dict[str, str] = ast.literal_eval(node.value)
            return roots
    raise AssertionError("setup.py has no ROOTS mapping")


def build_graph(root: Path) -> Graph:
    g = Graph()
    is_pkg: dict[str, bool] = {}
    for pkg, folder in package_roots(root).items():
        for f in sorted((root / folder).rglob("*.py")):
            parts = list(f.relative_to(root / folder).with_suffix("").parts)
            init = parts[-1] == "__init__"
            name = ".".join([pkg, *(parts[:-1] if init else parts)])
            g.files[name], is_pkg[name] = f, init

    def known(name: str) -> str | None:
        while name and name not in g.files:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in g.files.items():
        here = name if is_pkg[name] else name.rpartition(".")[0]
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: Iterable[str] = ()
            if isinstance(node, ast.Import):
                targets = (a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here.split(".")[:len(here.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                # `from pkg import sub` imports the submodule; `from mod import name` the module
                targets = (f"{base}.{a.name}" if f"{base}.{a.name}" in g.files else base for a in node.names)
                if base.split(".")[0] == "netrosetta" and base not in g.files:
                    g.missing.append((name, node.lineno, base))
            if isinstance(node, ast.Import):
                g.missing.extend((name, node.lineno, a.name) for a in node.names
                                 if a.name.split(".")[0] == "netrosetta" and a.name not in g.files)
            for t in targets:
                hit = known(t) if t.split(".")[0] == "netrosetta" else None
                if hit and hit != name:
                    out.add(hit)
        g.edges[name] = out
    return g


def layer(module: str) -> str:
    if module in CORE:
        return "core"
    if module == "netrosetta.__main__":
        return "cli"
    top = module.split(".")[1]
    return {"mibs_compile": "tools"}.get(top, top)


def cycles(g: Graph) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[frozenset[str]] = []
    for start in g.edges:
        if start in index:
            continue
        work = [(start, iter(sorted(g.edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(g.edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.add(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(frozenset(comp))
    return found


def problems(root: Path) -> list[str]:
    g = build_graph(root)
    out: list[str] = []
    used_edges: set[tuple[str, str]] = set()
    for a, targets in sorted(g.edges.items()):
        la = layer(a)
        for b in sorted(targets):
            lb = layer(b)
            wrong = lb in FORBIDDEN.get(la, ())
            if (a in CORE or a in ENGINE_LEAVES) and lb != "core":
                wrong = True
            if not wrong:
                continue
            if (a, b) in ALLOWED_EDGES:
                used_edges.add((a, b))
                continue
            out.append(f"{a} ({la}) imports {b} ({lb}): {g.files[a].relative_to(root)}")
    out += [f"allow-list entry {e} ({who}) matches no import any more: remove it"
            for e, who in ALLOWED_EDGES.items() if e not in used_edges]
    used_cycles: set[int] = set()
    for comp in cycles(g):
        hit = next((i for i, (allowed, _) in enumerate(ALLOWED_CYCLES) if comp <= allowed), None)
        if hit is None:
            out.append(f"import cycle of {len(comp)} modules: {', '.join(sorted(comp))}")
        else:
            used_cycles.add(hit)
    out += [f"allowed cycle ({who}) {', '.join(sorted(allowed))} matches no cycle alone any more "
            "(gone: remove the entry; or part of a larger cycle listed above)"
            for i, (allowed, who) in enumerate(ALLOWED_CYCLES) if i not in used_cycles]
    return out


def test_graph_sees_every_package() -> None:
    g = build_graph(ROOT)
    for pkg in package_roots(ROOT):
        assert pkg in g.files, pkg
    # a function-level import is an edge (the gNMI collector's flatten parses paths lazily)
    assert "netrosetta.engine.pathgrammar" in g.edges["netrosetta.collectors.gnmi.flatten"]


def test_cycle_finder_on_a_made_up_graph() -> None:
    g = Graph(edges={"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()})
    assert cycles(g) == [frozenset({"a", "b", "c"})]


def test_every_project_import_names_a_module_that_exists() -> None:
    """In the packages, and in tests/, bench/ and scripts/ too (they import the project's modules)."""
    g = build_graph(ROOT)
    missing = list(g.missing)
    for f in sorted(p for d in ("tests", "bench", "scripts") for p in (ROOT / d).rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            missing += [(str(f.relative_to(ROOT)), node.lineno, n) for n in names
                        if n.split(".")[0] == "netrosetta" and n not in g.files]
    assert not missing, "\n".join(f"{m} line {n}: no module {t}" for m, n, t in missing)


def test_layering() -> None:
    found = problems(ROOT)
    assert not found, "\n".join(found)


if __name__ == "__main__":
    bad = problems(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)
    print("\n".join(bad) or "layering ok")
    sys.exit(1 if bad else 0)
