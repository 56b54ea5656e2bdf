"""The on-disk spill as a real directory: FIFO order, the byte bound, exact drop accounting, and
what a restart (a new Spill on the same directory) finds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netrosetta.service.spill import Spill

ops = st.lists(st.one_of(st.tuples(st.just("push"), st.integers(1, 400), st.integers(0, 50)),
                         st.tuples(st.just("pop"), st.just(0), st.just(0))), max_size=60)


@settings(max_examples=80, deadline=None)
@given(ops=ops, bound=st.integers(200, 2000))
def test_spill_is_a_bounded_fifo_that_counts_every_drop(ops: list[tuple[str, int, int]], bound: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sp = Spill(Path(tmp) / "s", bound)
        model: list[tuple[bytes, int]] = []
        pushed = delivered = dropped = 0
        for i, (op, size, pts) in enumerate(ops):
            if op == "push":
                data = bytes([i % 256]) * size
                d = sp.push(data, pts)
                pushed += pts
                dropped += d.points
                if size > bound:                                # can never fit: only it is dropped
                    assert d.batches == 1 and d.points == pts
                    continue
                while model and sum(len(b) for b, _ in model) + size > bound:   # the oldest go first
                    model.pop(0)
                model.append((data, pts))
            else:
                got = sp.peek()
                assert (got is None) == (not model)
                if got is not None:
                    assert got == model[0]
                    sp.pop()
                    delivered += model.pop(0)[1]
            assert sp.bytes <= bound
            assert sp.bytes == sum(len(b) for b, _ in model)
        # nothing vanishes: pushed = delivered + dropped + still on disk
        assert pushed == delivered + dropped + sp.points
        again = Spill(Path(tmp) / "s", bound)        # a restart sees the same backlog, same order
        assert len(again) == len(model) and again.points == sum(p for _, p in model)
        if model:
            assert again.peek() == model[0]
