"""The on-disk spill as a real directory: FIFO order, the bound in disk usage, accounting per batch
identity (interleaved with exports in flight), and what a restart finds."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netrosetta.service.spill import Spill, content_key

from .harness import ROOT

ops = st.lists(st.one_of(st.tuples(st.just("push"), st.integers(1, 9000), st.integers(0, 50)),
                         st.tuples(st.sampled_from(["send", "ok", "fail"]), st.just(0), st.just(0))),
               max_size=60)


def block_size(d: Path) -> int:
    """What the file system allocates to a one-byte file here (measured, like `du`)."""
    probe = d / "probe.bin"
    probe.write_bytes(b"x")
    size = probe.stat().st_blocks * 512
    probe.unlink()
    return size


def on_disk(d: Path) -> dict[str, int]:
    """key in the file name -> allocated bytes, for every spill file in ``d`` (read by the test)."""
    return {f.stem.split("-")[2]: f.stat().st_blocks * 512 for f in sorted(d.glob("*.pb"))}


def test_overflow_while_the_oldest_is_exported_removes_only_other_batches(tmp_path: Path) -> None:
    """Issue 12 item 4: overflow while the oldest batch is being exported."""
    blk = block_size(tmp_path)
    sp = Spill(tmp_path / "s", 2 * blk)
    assert sp.push(b"a" * 10, 5, "a") == [] and sp.push(b"b" * 10, 6, "b") == []
    got = sp.peek()
    assert got is not None and got[0].label == "a" and got[1] == b"a" * 10
    in_flight = got[0]
    assert [b.label for b in sp.push(b"c" * 10, 7, "c")] == ["b"]    # not "a": it is in flight
    assert [b.label for b in sp.push(b"d" * 10, 8, "d")] == ["c"]
    assert sp.bytes <= 2 * blk and [b.label for b in sp.batches()] == ["a", "d"]
    assert sp.pop(in_flight.seq) == in_flight                  # delivered: removes exactly "a"
    assert set(on_disk(tmp_path / "s")) == {content_key("d")}
    nxt = sp.peek()
    assert nxt is not None and nxt[0].label == "d"


def test_an_evicted_batch_in_flight_is_delivered_not_dropped(tmp_path: Path) -> None:
    blk = block_size(tmp_path)
    sp = Spill(tmp_path / "s", blk)
    sp.push(b"a", 1, "a")
    got = sp.peek()
    assert got is not None
    assert sp.push(b"b", 2, "b") == []          # "a" gives up its place but is not dropped
    assert sp.full and [b.label for b in sp.batches()] == ["b"] and sp.bytes <= blk
    assert (tmp_path / "s" / f"{got[0].seq:016d}-1-{content_key('a')}.pb").exists()  # still being sent
    assert sp.pop(got[0].seq) == got[0]         # delivered
    assert set(on_disk(tmp_path / "s")) == {content_key("b")}
    nxt = sp.peek()
    assert nxt is not None and nxt[0].label == "b"


def test_an_evicted_batch_whose_export_fails_is_dropped_once(tmp_path: Path) -> None:
    blk = block_size(tmp_path)
    sp = Spill(tmp_path / "s", blk)
    sp.push(b"a", 1, "a")
    got = sp.peek()
    assert got is not None
    assert sp.push(b"b", 2, "b") == []
    assert sp.full
    gone = sp.release(got[0].seq)
    assert gone is not None and gone.label == "a"
    assert sp.release(got[0].seq) is None          # a second report changes nothing
    assert set(on_disk(tmp_path / "s")) == {content_key("b")}


def test_a_failed_export_keeps_the_batch_first_in_line(tmp_path: Path) -> None:
    sp = Spill(tmp_path / "s", 1 << 20)
    for x in "abc":
        sp.push(x.encode(), 1, x)
    got = sp.peek()
    assert got is not None and sp.release(got[0].seq) is None
    again = sp.peek()
    assert again is not None and again[0] == got[0]


def test_the_bound_is_disk_usage(tmp_path: Path) -> None:
    """Ten 100-byte batches take ten blocks, not 1000 bytes: a three-block bound keeps three."""
    blk = block_size(tmp_path)
    sp = Spill(tmp_path / "s", 3 * blk)
    dropped = sum(len(sp.push(bytes(100), 1, f"b{i}")) for i in range(10))
    used = sum(on_disk(tmp_path / "s").values())
    assert len(sp) == 3 and dropped == 7
    assert sp.bytes == used <= 3 * blk


def counted(d: Path, flight: tuple[int, str] | None, model: list[tuple[str, bytes, int]]) -> dict[str, int]:
    """Files on disk that count against the bound: all but a batch evicted while in flight."""
    files = on_disk(d)
    if flight is not None and flight[1] not in [m[0] for m in model]:
        files.pop(content_key(flight[1]), None)
    return files


@settings(max_examples=80, deadline=None)
@given(ops=ops, blocks=st.integers(1, 6))
def test_spill_accounts_every_batch_by_identity(ops: list[tuple[str, int, int]], blocks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "s"
        d.mkdir()
        blk = block_size(d)
        bound = blocks * blk
        sp = Spill(d, bound)
        model: list[tuple[str, bytes, int]] = []     # (label, data, points) on disk, oldest first
        made: list[str] = []
        delivered: set[str] = set()
        dropped: list[str] = []
        flight: tuple[int, str] | None = None        # (seq, label) being "exported"
        for i, (op, size, pts) in enumerate(ops):
            if op == "push":
                label = f"dev{i}@{i}"
                data = bytes([i % 256]) * size
                made.append(label)
                used = sum(counted(d, flight, model).values())
                need = -(-size // blk) * blk
                d_now = [b.label for b in sp.push(data, pts, label)]
                dropped += d_now
                if need > bound:                      # can never fit: only it is dropped
                    assert d_now == [label]
                    continue
                if used + need <= bound:
                    assert d_now == [], "dropped although it fitted"
                # the oldest go first, never the one in flight
                older = [m[0] for m in model if flight is None or m[0] != flight[1]]
                assert d_now == older[:len(d_now)]
                model = [m for m in model if m[0] not in d_now]
                if flight is not None and flight[1] not in [b.label for b in sp.batches()]:
                    model = [m for m in model if m[0] != flight[1]]   # evicted while in flight
                model.append((label, data, pts))
            elif op == "send" and flight is None:
                got = sp.peek()
                assert (got is None) == (not model)
                if got is not None:
                    assert (got[0].label, got[1], got[0].points) == model[0]
                    flight = (got[0].seq, got[0].label)
            elif op == "ok" and flight is not None:
                b = sp.pop(flight[0])
                assert b is not None and b.label == flight[1]
                delivered.add(flight[1])
                model = [m for m in model if m[0] != flight[1]]
                flight = None
            elif op == "fail" and flight is not None:
                gone = sp.release(flight[0])
                if gone is not None:
                    assert flight[1] not in [m[0] for m in model]
                    dropped.append(gone.label)
                flight = None
            usage = counted(d, flight, model)
            assert sp.bytes == sum(usage.values()) <= bound
            assert sorted(usage) == sorted(content_key(m[0]) for m in model)
            assert [b.label for b in sp.batches()] == [m[0] for m in model]   # FIFO
        # every batch made is delivered, dropped or still on disk: exactly one of them
        waiting = [m[0] for m in model]
        if flight is not None and flight[1] not in waiting:
            waiting.append(flight[1])                 # evicted, export not finished yet
        assert len(dropped) == len(set(dropped))
        assert sorted([*delivered, *dropped, *waiting]) == sorted(made)
        if flight is not None:
            sp.release(flight[0])
        again = Spill(d, bound)        # a restart sees the same backlog, same order
        assert [b.key for b in again.batches()] == [content_key(m[0]) for m in model]
        assert again.points == sum(m[2] for m in model)
        if model:
            got = again.peek()
            assert got is not None and got[1] == model[0][1]


WRITE_FAILS = """
import json, resource, signal, sys
from pathlib import Path
from netrosetta.service.spill import Spill, SpillWriteError
sp = Spill(Path(sys.argv[1]), int(sys.argv[2]))
for x in "ab":
    sp.push(bytes(100), 1, x)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # the kernel then fails the write with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.RLIM_INFINITY))
try:
    sp.push(bytes(5000), 1, "c")
except SpillWriteError as exc:
    print(json.dumps({"dropped": [b.label for b in exc.dropped], "batch": exc.batch.label,
                      "left": [b.label for b in sp.batches()], "bytes": sp.bytes,
                      "files": sorted(p.name for p in sp.dir.iterdir())}))
"""


def test_a_batch_that_cannot_be_written_is_reported_with_what_was_evicted_for_it(tmp_path: Path) -> None:
    """A write that fails (here: a file size limit) after eviction made room: nothing unaccounted."""
    blk = block_size(tmp_path)
    out = subprocess.run([sys.executable, "-c", WRITE_FAILS, str(tmp_path / "s"), str(2 * blk)],
                         capture_output=True, text=True, timeout=60, cwd=ROOT, check=True)
    assert json.loads(out.stdout) == {"dropped": ["a", "b"], "batch": "c", "left": [], "bytes": 0, "files": []}


def test_restart_keeps_sequence_numbers_unique(tmp_path: Path) -> None:
    sp = Spill(tmp_path / "s", 1 << 20)
    sp.push(b"x", 1, "x")
    got = sp.peek()
    assert got is not None
    sp.pop(got[0].seq)
    again = Spill(tmp_path / "s", 1 << 20)          # empty folder after a restart
    again.push(b"y", 1, "y")
    assert again.batches()[0].seq > got[0].seq


def test_adopting_a_folder_keeps_every_batch_and_unique_sequence_numbers(tmp_path: Path) -> None:
    old = Spill(tmp_path / "old", 1 << 20)
    new = Spill(tmp_path / "new", 1 << 20)
    for x in "ab":
        old.push(x.encode(), 1, f"old-{x}")
    new.push(b"n", 1, "new-n")
    (tmp_path / "new" / f"{old.batches()[0].seq:016d}-1.pb").write_bytes(b"same seq, older name")
    new = Spill(tmp_path / "new", 1 << 20)        # a restart: one batch shares a seq with "old"
    assert new.adopt(tmp_path / "old") == []
    seqs = [b.seq for b in new.batches()]
    assert len(seqs) == 4 == len(set(seqs))
    assert {b.key for b in new.batches()} == {"-", content_key("new-n"), content_key("old-a"), content_key("old-b")}
    assert not (tmp_path / "old").exists()
    names = sorted(f.name for f in (tmp_path / "new").glob("*.pb"))
    assert names == sorted(f"{b.seq:016d}-{b.points}{'' if b.key == '-' else '-' + b.key}.pb"
                           for b in new.batches())
