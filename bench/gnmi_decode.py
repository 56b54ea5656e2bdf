"""gNMI leaf updates decoded and translated per second on one core, from a replayed stream.

Streams (serialized SubscribeResponses, i.e. what arrives off the wire):
- ``openconfig``: the simulator's OpenConfig device (``--interfaces``, default 200), PROTO
  encoding, one notification per container (prefix + relative leaves), ``--sweeps`` successive
  full samples 10 s apart (counters move between samples, as from a real device).
- ``corpus``: every recorded response in ../shared/corpus/gnmi (Juniper, Nokia, Cisco, Arista,
  OpenConfig; JSON_IETF blobs included), replayed ``--sweeps`` x 10 times (same values each time).

Measured in the same run, CPU time of this process (time.process_time), one thread. The modes
run interleaved in rounds of ``--round`` sweeps each (one round of every mode, then the next
round), so every mode sees the same phases of this shared machine's load; each mode keeps its
state (Dataset, translator memo) across rounds as a stream would. Reported per mode: the best
round (the rate of an uncontended core) and the median round; ratios to pygnmi are the median of
the per-round ratios (both measured in the same round).
- ``protobuf``: ``SubscribeResponse.FromString`` only (the floor every decoder pays)
- ``pygnmi``: FromString + pygnmi's ``telemetryParser`` (its decode to dicts; no translation)
- ``decode_messages``: FromString + netrosetta's flatten over protobuf messages
- ``decode``: what the collector runs: the wire fast path (collectors/gnmi/wire.py), falling back
  to the message path for JSON blobs, decimals, extensions... (all value quirks, normalised leaves)
- ``translate``: decode + Dataset update + the OpenConfig rulebook translated once per sweep, so
  every leaf update is translated once (unified data points with device timestamps) - the headline
- ``translate_per_export``: the service's cadence (10 s samples, 60 s export): every update
  decoded and cached, the dataset translated once every 6 sweeps

    python -m bench.gnmi_decode [--interfaces N] [--rounds N] [--round SWEEPS]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from netrosetta.collectors.gnmi.dataset import GnmiDataset
from netrosetta.collectors.gnmi.flatten import flatten_response
from netrosetta.collectors.gnmi.lab.device import SimDevice
from netrosetta.collectors.gnmi.lab.encode import notifications
from netrosetta.collectors.gnmi.proto import gnmi_pb2
from netrosetta.collectors.gnmi.recording import load_responses
from netrosetta.collectors.gnmi.wire import flatten_bytes
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import Translator
from netrosetta.paths import SHARED
from netrosetta.yang_catalog import default_catalog

RESULTS = Path(__file__).parent / "results"
TARGET = 200_000


def openconfig_stream(interfaces: int, samples: int) -> list[list[bytes]]:
    """``samples`` successive 10 s samples of a device whose counters move (values differ)."""
    dev = SimDevice.generated(interfaces)
    out = []
    for n in range(samples):
        t = dev.start + 10 * n
        out.append([gnmi_pb2.SubscribeResponse(update=note).SerializeToString()
                    for note in notifications(dev.leaves(t), gnmi_pb2.PROTO, int(t * 1e9))])
    return out


def corpus_stream() -> list[list[bytes]]:
    out: list[bytes] = []
    for f in sorted((SHARED / "corpus" / "gnmi").glob("*/responses.json")):
        out.extend(r.SerializeToString() for r in load_responses(f))
    return [out]     # recordings: the same values every sweep


Mode = Callable[[], int]     # runs one round (``per_round`` sweeps), returns the leaves it read


def run_stream(samples: list[list[bytes]], rounds: int, per_round: int) -> dict[str, Any]:
    msgs = samples[0]
    parse = gnmi_pb2.SubscribeResponse.FromString
    catalog = default_catalog()
    leaves_per_sweep = sum(flatten_response(parse(m), catalog).count() for m in msgs)
    done: dict[str, int] = {}    # sweeps each mode has read: where its next round starts

    def sweeps(mode: str) -> list[list[bytes]]:
        k = done.get(mode, 0)
        done[mode] = k + per_round
        return [samples[(k + i) % len(samples)] for i in range(per_round)]

    def protobuf() -> int:
        for sample in sweeps("protobuf"):
            for m in sample:
                parse(m)
        return leaves_per_sweep * per_round

    failed = [0]

    def pygnmi() -> int:
        from pygnmi.client import telemetryParser
        sink = io.StringIO()   # pygnmi prints its parse failures; count them instead
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for sample in sweeps("pygnmi"):
                for m in sample:
                    if telemetryParser(parse(m)) is None:
                        failed[0] += 1
        return leaves_per_sweep * per_round

    def decode_messages() -> int:
        n = 0
        for sample in sweeps("decode_messages"):
            for m in sample:
                n += flatten_response(parse(m), catalog).count()
        return n

    def decode() -> int:
        n = 0
        for sample in sweeps("decode"):
            for m in sample:
                n += flatten_bytes(m, catalog).count()
        return n

    rs = RulebookSet.from_paths()
    tr = Translator(rs.resolve("openconfig/gnmi"))
    tr_export = Translator(rs.resolve("openconfig/gnmi"))
    points = [0]
    ds = GnmiDataset("bench")
    ds_export = GnmiDataset("bench-export")

    def translate() -> int:
        n = 0
        for sample in sweeps("translate"):
            for m in sample:
                flat = flatten_bytes(m, catalog)
                n += flat.count()
                ds.apply(flat)
            points[0] = tr.translate(ds, DeviceFacts(name="bench")).count()
        return n

    def translate_per_export() -> int:
        # the service's cadence: 10 s samples, 60 s export - every update decoded and cached,
        # the latest value of each leaf translated once per export (6 sweeps)
        n = 0
        for k, sample in enumerate(sweeps("translate_per_export"), start=1):
            for m in sample:
                flat = flatten_bytes(m, catalog)
                n += flat.count()
                ds_export.apply(flat)
            if k % 6 == 0:
                tr_export.translate(ds_export, DeviceFacts(name="bench-export"))
        return n

    modes: dict[str, Mode] = {"protobuf": protobuf, "pygnmi": pygnmi, "decode_messages": decode_messages,
                              "decode": decode, "translate": translate,
                              "translate_per_export": translate_per_export}
    for fn in modes.values():
        fn()    # warm-up: path caches, templates and the translator's plans are paid once per device
    failed[0] = 0
    times: dict[str, list[float]] = {name: [] for name in modes}
    read: dict[str, int] = {}
    for _ in range(rounds):
        for name, fn in modes.items():
            t0 = time.process_time()
            read[name] = fn()
            times[name].append(time.process_time() - t0)
    res: dict[str, Any] = {"messages": len(msgs), "leaves_per_sweep": leaves_per_sweep,
                           "rounds": rounds, "sweeps_per_round": per_round}
    for name, ts in times.items():
        res[name] = {"leaves_per_round": read[name], "best_cpu_s": round(min(ts), 5),
                     "median_cpu_s": round(statistics.median(ts), 5),
                     "leaves_per_s": round(read[name] / min(ts)),
                     "median_leaves_per_s": round(read[name] / statistics.median(ts))}
    res["points_per_sweep"] = points[0]
    res["pygnmi_unparsed_messages_per_sweep"] = failed[0] // (rounds * per_round)
    for mode in ("decode", "translate"):
        per = [times["pygnmi"][r] / times[mode][r] * read[mode] / read["pygnmi"] for r in range(rounds)]
        res[f"{mode}_vs_pygnmi"] = round(statistics.median(per), 2)
    return res


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gnmi_decode")
    ap.add_argument("--interfaces", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--round", type=int, default=6, dest="per_round", help="sweeps per round")
    args = ap.parse_args(list(argv) if argv is not None else None)
    logging.getLogger("netrosetta").setLevel(logging.ERROR)
    logging.getLogger("pygnmi").setLevel(logging.CRITICAL)   # its parse failures are counted instead
    results: dict[str, Any] = {"bench": "gnmi_decode", "target_leaves_per_s": TARGET,
                               "python": platform.python_version(), "machine": platform.machine(),
                               "streams": {}}
    results["streams"]["openconfig"] = run_stream(openconfig_stream(args.interfaces, 30), args.rounds,
                                                  args.per_round)
    if (SHARED / "corpus" / "gnmi").is_dir():
        results["streams"]["corpus"] = run_stream(corpus_stream(), args.rounds, args.per_round * 8)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "gnmi_decode.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("leaf updates per CPU-second, best round / median round")
    print(f"{'stream':<11} {'leaves/sweep':>12} {'pygnmi/s':>17} {'decode/s':>17} {'translate/s':>17} "
          f"{'tr/export/s':>17} {'dec/pygnmi':>10} {'tr/pygnmi':>9}")

    def both(m: dict[str, Any]) -> str:
        return f"{m['leaves_per_s']:>8}/{m['median_leaves_per_s']:<8}"
    for name, r in results["streams"].items():
        print(f"{name:<11} {r['leaves_per_sweep']:>12} {both(r['pygnmi'])} {both(r['decode'])} "
              f"{both(r['translate'])} {both(r['translate_per_export'])} "
              f"{r['decode_vs_pygnmi']:>10} {r['translate_vs_pygnmi']:>9}")
    print(f"target: {TARGET} leaf updates/s decoded and translated; results in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
