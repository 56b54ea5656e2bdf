"""A small mutation fuzzer every decoder shares: seeded from real recordings, bounded in time,
with each crash kept as a regression input that is replayed on every run.

`make test` runs each target for a few seconds (NETROSETTA_FUZZ_SECONDS, default 3); `make fuzz`
runs them longer and writes the crashes it finds to tests/fuzz/regressions/<target>/ so that they
become permanent regression inputs (commit them with the fix). A per-input time limit turns a
hang (a decoder loop that never advances) into a failure, and a tracemalloc peak bound turns a
runaway allocation into one.

A target is `fn(data: bytes) -> None`; it must return for any input. The exceptions a decoder
raises *by contract* for bad input (its own error type, caught and counted by its caller) are
listed in `allowed`; anything else is a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
SUMMARY = Path(__file__).resolve().parents[2] / "var" / "fuzz" / "summary.json"
INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]


class Hang(Exception):
    """The per-input time limit fired: the target did not return."""


@dataclass
class Report:
    target: str
    inputs: int = 0
    seeds: int = 0
    regressions: int = 0
    seconds: float = 0.0
    crashes: list[str] = field(default_factory=list)  # "<sha1>: <error>" per distinct crash


def budget() -> float:
    """Seconds of mutation per target: short in `make test`, long in `make fuzz`."""
    return float(os.environ.get("NETROSETTA_FUZZ_SECONDS", "3"))


def keeping_crashes() -> bool:
    """`make fuzz` sets NETROSETTA_FUZZ_SAVE=1: new crashes are written as regression inputs."""
    return os.environ.get("NETROSETTA_FUZZ_SAVE") == "1"


def regression_inputs(target: str) -> list[tuple[str, bytes]]:
    folder = REGRESSIONS / target
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*")) if p.is_file()]


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """One to four mutations: byte flips, interesting integers, cuts, inserts, splices."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        n = len(buf)
        if op == 0 and n:  # flip a bit
            i = rng.randrange(n)
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:  # random byte
            buf[rng.randrange(n)] = rng.randrange(256)
        elif op == 2 and n >= 2:  # an interesting 16- or 32-bit value, big-endian as the wire is
            width = rng.choice((1, 2, 4))
            i = rng.randrange(max(1, n - width + 1))
            v = rng.choice(INTERESTING) & ((1 << (8 * width)) - 1)
            buf[i:i + width] = v.to_bytes(width, "big")
        elif op == 3 and n:  # truncate
            del buf[rng.randrange(n):]
        elif op == 4 and n:  # delete a run
            i = rng.randrange(n)
            del buf[i:i + rng.randint(1, 16)]
        elif op == 5:  # insert random bytes
            i = rng.randrange(n + 1)
            buf[i:i] = rng.randbytes(rng.randint(1, 16))
        elif op == 6 and n:  # duplicate a run (repeated sets, records, TLVs)
            i = rng.randrange(n)
            j = min(n, i + rng.randint(1, 64))
            buf[j:j] = buf[i:j]
        elif op == 7 and pool:  # splice with another seed
            other = rng.choice(pool)
            cut_a, cut_b = rng.randrange(n + 1), rng.randrange(len(other) + 1)
            buf = buf[:cut_a] + bytearray(other[cut_b:])
    return bytes(buf)


def _on_alarm(signum: int, frame: object) -> None:
    raise Hang("no return within the per-input limit")


def run_one(fn: Callable[[bytes], None], data: bytes, allowed: tuple[type[BaseException], ...],
            per_input: float, memory: int) -> str | None:
    """Run the target once; the crash description, or None when it behaved."""
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, per_input)
    tracemalloc.start()
    try:
        fn(data)
        _, peak = tracemalloc.get_traced_memory()
        if peak > memory:
            return f"MemoryBound: peak {peak} bytes > {memory}"
        return None
    except allowed:
        return None
    except Hang as exc:
        return f"Hang: {exc}"
    except Exception as exc:  # anything else escaping a decoder is the bug being looked for
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        tracemalloc.stop()


def fuzz(target: str, fn: Callable[[bytes], None], seeds: Iterable[bytes], *,
         allowed: tuple[type[BaseException], ...] = (), seconds: float | None = None,
         per_input: float = 2.0, memory: int = 64 << 20, rng_seed: int | None = None) -> Report:
    """Replay the target's regression inputs, then mutate the seeds for `seconds`.

    Returns a report; the caller asserts `not report.crashes`. Seeds themselves are run first:
    a real recording that crashes a decoder is the plainest regression there is.
    """
    pool = [s for s in seeds if s is not None]
    rep = Report(target, seeds=len(pool))
    seen: set[str] = set()

    def check(data: bytes) -> None:
        rep.inputs += 1
        err = run_one(fn, data, allowed, per_input, memory)
        if err is None:
            return
        digest = hashlib.sha1(data).hexdigest()[:16]
        if digest in seen:
            return
        seen.add(digest)
        rep.crashes.append(f"{digest}: {err} (input {data[:64].hex()}{'…' if len(data) > 64 else ''})")
        if keeping_crashes():
            folder = REGRESSIONS / target
            folder.mkdir(parents=True, exist_ok=True)
            (folder / digest).write_bytes(data)

    start = time.monotonic()
    for _name, data in regression_inputs(target):
        rep.regressions += 1
        check(data)
    for data in pool:
        check(data)
    rng = random.Random(rng_seed if rng_seed is not None else int(os.environ.get("NETROSETTA_FUZZ_SEED", "0")))
    limit = budget() if seconds is None else seconds
    while pool and time.monotonic() - start < limit:
        check(mutate(rng, rng.choice(pool), pool))
    rep.seconds = round(time.monotonic() - start, 2)
    _record(rep)
    return rep


def _record(rep: Report) -> None:
    """Append the report to var/fuzz/summary.json (inputs and crashes per target, for the notes)."""
    try:
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(SUMMARY.read_text()) if SUMMARY.exists() else {}
        data[rep.target] = {"inputs": rep.inputs, "seeds": rep.seeds, "regressions": rep.regressions,
                            "seconds": rep.seconds, "crashes": rep.crashes}
        SUMMARY.write_text(json.dumps(data, indent=2, sort_keys=True))
    except (OSError, ValueError):
        pass  # the summary is a convenience; a read-only clone still fuzzes


def assert_clean(rep: Report) -> None:
    assert not rep.crashes, (
        f"{rep.target}: {len(rep.crashes)} crash(es) in {rep.inputs} inputs — "
        "run `make fuzz` to keep them under tests/fuzz/regressions/:\n" + "\n".join(rep.crashes))
