"""The bulk check of a rule's values: exactly the values a data point may carry pass."""

from __future__ import annotations

import pytest

from netrosetta.engine.emit import exportable_numbers

INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize("vals, ok", [
    ([], True),
    ([0, 5, 2**64 - 1, -2**63], True),            # Counter64 top and int64 bottom are carried
    ([2**64], False),
    ([-2**63 - 1], False),
    ([1.5, 2.0, -3.25], True),
    ([1e308, 1e308], True),        # finite each, though their sum overflows to inf
    ([1e300, 5], True),            # a big finite float: past the int bounds, still a value
    ([1.0, NAN], False),           # NaN slips through min/max comparisons
    ([INF, 1], False),
    ([-INF], False),
    ([1, True], False),            # bools go the row-by-row way (made 1/0 there)
    ([1, None], False),
    ([1, "2"], False),
    ([b"1"], False),
])
def test_exportable_numbers(vals: list[object], ok: bool) -> None:
    assert exportable_numbers(vals) is ok
