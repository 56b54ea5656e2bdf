"""Print issue 10's table over ../shared/corpus/snmp-fleet: vendor-rulebook share and the share of
devices whose CPU / memory / temperature / interface octets are fully right against LibreNMS.

    .venv/bin/python scripts/fleet_figures.py [--per-family] [--json OUT] [--update-status]

The comparison rules are netrosetta.coverage.librenms's (plus interface octets from
tests/golden/fleet.py); `netrosetta coverage --walk DIR --expected DIR` gives the same CPU /
memory / temperature verdicts for any folder of walks. This script adds what only the golden
test keeps: the octets class, the documented disagreements (counted as right: the walk backs
us) and --update-status.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netrosetta.coverage.figures import lines
from tests.golden import fleet


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-family", action="store_true", help="one line per walk")
    ap.add_argument("--json", type=Path, help="also write the per-family verdicts here")
    ap.add_argument("--update-status", action="store_true",
                    help="rewrite tests/golden/fleet_fully_right.yaml from this run (review the diff)")
    args = ap.parse_args()
    names = fleet.families()
    if not names:
        print("no walks: ../shared/corpus/snmp-fleet is absent", file=sys.stderr)
        return 2
    results = []
    for name in names:
        try:
            results.append(fleet.compare(name))
        except Exception as exc:  # a walk that fails to translate is a result, not a stop
            print(f"{name}: translation failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            results.append(fleet.FamilyResult(name, "ERROR", {c: False for c in fleet.CLASSES}))
    if args.per_family:
        for r in results:
            marks = " ".join(f"{c}={'-' if v is None else 'ok' if v else 'NO'}" for c, v in r.verdicts.items())
            print(f"{r.family:40s} {r.rulebook:28s} {marks}")
    dis = fleet.load_disagreements()
    figs = fleet.figures(results, dis)
    present = fleet.figures(results, dis, only_present=True)
    print("\n".join(lines(figs, present)))
    if args.update_status:
        fleet.write_status(results, dis)
    if args.json:
        args.json.write_text(json.dumps({r.family: {"rulebook": r.rulebook, **r.verdicts} for r in results},
                                        indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
