"""Translation throughput: unified data points per CPU-second on one core, corpus walks.

Each corpus walk is indexed once (as a poll result would be) and translated repeatedly through
the rulebook it matches. Reported three times: translation alone; translation of polls whose
counters all moved since the previous poll (the walk and a copy with every counter advanced,
alternately); and - the headline, what a poll costs - indexing + translation + OTLP encoding of
successive polls whose counters all moved (start times kept between them). The translator keeps each device's row
plans between polls while the columns they came from are unchanged, so the first figure is the
steady state of a device whose tables did not change; the second also recomputes every value.
In the same run a reference loop — a dict per data point, the way most Python collectors hold
samples — is timed over the same points, so the ratio is comparable across noisy machines.

    python -m bench.translate [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import COUNTER_TAGS, VarBind, read_snmprec
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.exporter.otlp import encode_request
from netrosetta.exporter.start_times import StartTimes

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "snmp"
RESULTS = Path(__file__).resolve().parent / "results" / "translate.json"


def _rate(fn: Callable[[], int], seconds: float) -> float:
    """Points per CPU-second of fn (which returns the points it made), run for ~seconds."""
    fn()  # warm-up: compile, caches
    n = 0
    t0 = time.process_time()
    while True:
        n += fn()
        el = time.process_time() - t0
        if el >= seconds:
            return n / el


def _next_poll(varbinds: list[VarBind], step: int = 1000) -> list[VarBind]:
    """The same device one poll later: every counter moved on, everything else unchanged."""
    return [(o, t, v + step if t in COUNTER_TAGS and isinstance(v, int) else v) for o, t, v in varbinds]


POLLS_AHEAD = 32   # successive polls of the realistic path; the cycle's wrap is one counter reset in 32


def _reference(points: list[tuple[str, dict[str, Any], Any]]) -> Callable[[], int]:
    def run() -> int:
        out = []
        for name, attrs, value in points:
            out.append({"name": name, "attributes": dict(attrs), "value": value, "time": 0})
        return len(out)
    return run


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m bench.translate", description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per measurement")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS} is absent (the shared corpus is not beside this clone)")
    rs = RulebookSet.from_paths()
    rows = []
    for walk_path in sorted(CORPUS.glob("*.snmprec")):
        walk = read_snmprec(walk_path)
        ds = SnmpDataset(walk.varbinds)
        facts = snmp_facts(ds)
        m = rs.match(facts, "snmp")
        if m.chosen is None:
            continue
        tr = rs.translator(m.chosen)
        t = tr.translate(ds, facts, match=m)
        n_points = t.count()
        if not n_points:
            continue
        points = [(mp.name, a, v) for _s, mp, a, v in t.iter_points()]

        def translate_only(ds: SnmpDataset = ds, facts: Any = facts, tr: Any = tr, n: int = n_points) -> int:
            tr.translate(ds, facts)
            return n

        polls = (ds, SnmpDataset(_next_poll(walk.varbinds)))

        def changing(polls: tuple[SnmpDataset, ...] = polls, facts: Any = facts, tr: Any = tr,
                     turn: list[int] = [0]) -> int:  # noqa: B006 - per walk
            turn[0] ^= 1
            return int(tr.translate(polls[turn[0]], facts).count())

        # what a poll would return: only the columns the rulebook reads
        needed = tuple(f"{ref}." for ref in tr.requirements("snmp"))
        polled = [vb for vb in walk.varbinds if vb[0].startswith(needed)]

        # the realistic path (the headline): each poll's varbinds indexed, translated and encoded as
        # OTLP with start times kept between polls, every counter moved on since the previous poll
        ahead = [_next_poll(polled, 1000 * k) for k in range(POLLS_AHEAD)]

        def full(ahead: list[list[VarBind]] = ahead, facts: Any = facts, tr: Any = tr,
                 state: StartTimes = StartTimes(), prev: dict[str, int] = {},  # noqa: B006 - per walk
                 turn: list[int] = [0]) -> int:  # noqa: B006 - per walk
            turn[0] = (turn[0] + 1) % len(ahead)
            t = tr.translate(SnmpDataset(ahead[turn[0]]), facts)
            encode_request([t], state, prev)
            return int(t.count())

        ours = _rate(translate_only, args.seconds)
        ours_changing = _rate(changing, args.seconds)
        ours_full = _rate(full, args.seconds)
        ref = _rate(_reference(points), args.seconds)
        rows.append({"walk": walk_path.name, "rulebook": f"{m.chosen.id}@{m.chosen.version}",
                     "varbinds": len(walk.varbinds), "points": n_points,
                     "translate_points_per_cpu_s": round(ours),
                     "translate_changing_counters_points_per_cpu_s": round(ours_changing),
                     "index_translate_encode_points_per_cpu_s": round(ours_full),
                     "reference_dict_per_point_per_cpu_s": round(ref),
                     "ratio_translate_vs_reference": round(ours / ref, 3)})
    total_points = sum(r["points"] for r in rows)
    weighted = total_points / sum(r["points"] / r["translate_points_per_cpu_s"] for r in rows)
    weighted_changing = total_points / sum(r["points"] / r["translate_changing_counters_points_per_cpu_s"] for r in rows)
    weighted_full = total_points / sum(r["points"] / r["index_translate_encode_points_per_cpu_s"] for r in rows)
    print(f"{'walk':34} {'rulebook':26} {'points':>7} {'translate/s':>12} {'counters moved/s':>16} "
          f"{'+index+OTLP/s':>14} {'ref dict/s':>11} {'ratio':>6}")
    for r in rows:
        print(f"{r['walk']:34} {r['rulebook']:26} {r['points']:7d} {r['translate_points_per_cpu_s']:12,d} "
              f"{r['translate_changing_counters_points_per_cpu_s']:16,d} "
              f"{r['index_translate_encode_points_per_cpu_s']:14,d} {r['reference_dict_per_point_per_cpu_s']:11,d} "
              f"{r['ratio_translate_vs_reference']:6.2f}")
    print(f"all walks, realistic path (each poll indexed, translated, OTLP-encoded; counters moving): "
          f"{weighted_full:,.0f} points/CPU-s; translation alone {weighted:,.0f} (tables unchanged), "
          f"{weighted_changing:,.0f} when every counter moved (target >= 1,000,000 translating)")
    result = {"bench": "translate", "headline": "all_walks_index_translate_encode_points_per_cpu_s",
              "target_points_per_cpu_s": 1_000_000,
              "all_walks_translate_points_per_cpu_s": round(weighted),
              "all_walks_translate_changing_counters_points_per_cpu_s": round(weighted_changing),
              "all_walks_index_translate_encode_points_per_cpu_s": round(weighted_full), "walks": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
