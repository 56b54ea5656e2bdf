"""The gNMI rulebook fixtures (mappings/*/testcases/*gnmi*) pass `netrosetta rulebook test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.cli.gnmi import load_fixture
from netrosetta.engine.fixtures import run_case
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.paths import MAPPINGS

CASES = sorted(p.parent for p in MAPPINGS.glob("*/testcases/*/responses.json"))


@pytest.fixture(scope="module")
def rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path, rulebooks: RulebookSet) -> None:
    res = run_case(case, rulebooks, {"responses.json": load_fixture})
    assert res.ok, "\n".join(res.lines)
