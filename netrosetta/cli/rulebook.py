"""`netrosetta rulebook lint|test|schema|import`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError
from netrosetta.paths import MAPPINGS


def cmd_lint(args: argparse.Namespace) -> int:
    from netrosetta.collectors.platforms import PLATFORMS_DIR, lint_platforms
    from netrosetta.engine.lint import lint_paths
    paths = [Path(p) for p in args.paths] or [MAPPINGS]
    # the platform definitions beside the rulebooks are linted with them, by their own model
    plat = [p for p in paths if p.resolve() == PLATFORMS_DIR.resolve() or p.resolve().parent == PLATFORMS_DIR.resolve()]
    books = [p for p in paths if p not in plat]
    problems = lint_paths(books, context_paths=[MAPPINGS]) if books else []
    if plat or any(p.resolve() == MAPPINGS.resolve() for p in paths):
        problems += lint_platforms()
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(p)
    sys.stdout.flush()
    n_files = len({p.file for p in problems})
    print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
          + (f" in {n_files} file(s)" if problems else ""), file=sys.stderr)
    return 1 if errors else 0


def fixture_loaders() -> dict[str, Any]:
    """Input file name -> loader, for every source kind whose fixtures `rulebook test` runs."""
    from netrosetta.collectors.snmp.facts import load_walk

    from .gnmi import load_fixture
    return {"walk.snmprec": load_walk, "responses.json": load_fixture}


def cmd_test(args: argparse.Namespace) -> int:
    from netrosetta.engine.fixtures import find_cases, run_case
    from netrosetta.engine.rulebooks import RulebookSet
    paths = [Path(p) for p in args.paths] or [MAPPINGS]
    rulebooks = RulebookSet.from_paths([MAPPINGS, *[p for p in paths if p != MAPPINGS and p.is_dir()
                                                    and not str(p.resolve()).startswith(str(MAPPINGS.resolve()))]])
    cases = find_cases(paths)
    loaders = fixture_loaders()
    if not cases:
        raise NetrosettaError("no fixtures found (testcases/<case>/expected.yaml)")
    failed = 0
    for case in cases:
        try:
            res = run_case(case, rulebooks, loaders)
        except NetrosettaError as exc:
            print(f"ERROR {case}: {exc}")
            failed += 1
            continue
        print(f"{'ok  ' if res.ok else 'FAIL'} {case}")
        for line in res.lines:
            print("    " + line.replace("\n", "\n    "))
        failed += 0 if res.ok else 1
    print(f"{len(cases) - failed} passed, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def rulebook_json_schema() -> dict[str, Any]:
    """The rulebook JSON Schema, as `rulebook schema` prints it (tests validate shipped rulebooks with it)."""
    from netrosetta.engine.model import Rulebook
    schema = Rulebook.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netrosetta rulebook"
    return schema


def cmd_schema(args: argparse.Namespace) -> int:
    json.dump(rulebook_json_schema(), sys.stdout, indent=2)
    print()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from netrosetta.rulebook_import import REPORT, import_profiles
    paths = [Path(p) for p in args.profiles]
    out = Path(args.out)
    context = [] if args.no_context else [Path(p) for p in args.context or []] or [MAPPINGS]
    mib = None
    if args.mibs:
        from netrosetta.engine.mib_index import MibIndex
        mib = MibIndex.load(args.mibs)
    res = import_profiles(paths, out, args.flavor, context, mib)
    reasons = res.reasons()
    print(f"{len(res.written)} rulebook(s) written to {out}: "
          f"{sum(c.schema_rules for c in res.converted)} unified-schema rules, "
          f"{sum(c.extension_rules for c in res.converted)} vendor extension rules; "
          f"{sum(reasons.values())} item(s) not kept or to review (see {out / REPORT})", file=sys.stderr)
    for why, n in reasons.most_common(10):
        print(f"  {n:6d} x {why}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("rulebook", help="lint, test or describe rulebooks")
    rsub = p.add_subparsers(dest="rulebook_command", metavar="lint|test|schema|import", required=True)
    q = rsub.add_parser("lint", help="report every problem with file:line:column")
    q.add_argument("paths", nargs="*", help=f"rulebook files or folders (default {MAPPINGS})")
    q.set_defaults(func=cmd_lint)
    q = rsub.add_parser("test", help="run the rulebooks' fixtures (testcases/<case>/) and show diffs")
    q.add_argument("paths", nargs="*", help=f"folders with testcases (default {MAPPINGS})")
    q.set_defaults(func=cmd_test)
    q = rsub.add_parser("schema", help="print the rulebook JSON Schema (for editors)")
    q.set_defaults(func=cmd_schema)
    q = rsub.add_parser("import", help="convert ktranslate / Datadog SNMP profiles into rulebooks")
    q.add_argument("flavor", choices=["ktranslate", "datadog"])
    q.add_argument("profiles", nargs="+", help="profile files or folders (extends resolve within the folder)")
    q.add_argument("out", help="folder the rulebooks and IMPORT-REPORT.md are written to")
    q.add_argument("--context", action="append", help=f"rulebooks the imported ones will run beside: a match "
                   f"entry one of them has is left out (default {MAPPINGS})")
    q.add_argument("--no-context", action="store_true", help="import as if no other rulebook were loaded")
    q.add_argument("--mibs", metavar="DIR", help="a compiled MIB index (`mibs compile` output) to take counter vs "
                   "gauge and UNITS from where a profile gives no metric type (default: the shipped mibs/)")
    q.set_defaults(func=cmd_import)
