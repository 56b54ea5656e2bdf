"""Issue 10 fleet golden test: every walk of ../shared/corpus/snmp-fleet against LibreNMS's decode.

Comparison rules: tests/golden/fleet.py. The recorded state lives in two YAML files beside this
one and is held true both ways:
- fleet_fully_right.yaml: class -> families fully right today. A listed family that is no
  longer right is a regression; an unlisted family that is now right fails too, so whoever fixed
  it adds it to the list (and the list never overstates or understates what works).
- fleet_disagreements.yaml: family -> class -> why the walk supports our value. A listed family
  must really disagree with LibreNMS for that class.
"""

from __future__ import annotations

import pytest

from tests.golden import fleet

FAMILIES = fleet.families() or ["<no ../shared/corpus/snmp-fleet>"]
STATUS = fleet.load_status()
DISAGREE = fleet.load_disagreements()


def test_recorded_lists_name_real_walks() -> None:
    names = set(fleet.families())
    if not names:
        pytest.skip("../shared/corpus/snmp-fleet is absent")
    unknown = {f for fams in STATUS.values() for f in fams} - names
    unknown |= set(DISAGREE) - names
    assert not unknown, f"fleet YAMLs name walks that do not exist: {sorted(unknown)}"
    for fam, classes in DISAGREE.items():
        for cls, why in classes.items():
            assert cls in fleet.CLASSES and isinstance(why, str) and why.strip(), (fam, cls)
            assert fam not in STATUS[cls], f"{fam}/{cls} is both fully right and a disagreement"


@pytest.mark.parametrize("family", FAMILIES)
def test_fleet_family(family: str) -> None:
    fleet.walk_path(family)            # skips (fails in CI) without ../shared
    t = fleet.translate_family(family)
    assert t.matched is not None and t.matched.chosen is not None, f"{family}: no rulebook, not even generic"
    result = fleet.compare(family)
    problems = []
    for cls in fleet.CLASSES:
        right = result.verdicts[cls]
        if right is None:
            continue
        listed = family in STATUS[cls]
        if cls in DISAGREE.get(family, {}):
            if right:
                problems.append(f"{cls}: listed in fleet_disagreements.yaml but now agrees with LibreNMS - remove it")
        elif listed and not right:
            problems.append(f"{cls}: regressed (listed fully right in fleet_fully_right.yaml)")
        elif right and not listed:
            problems.append(f"{cls}: now fully right - add {family} to fleet_fully_right.yaml under {cls}")
    assert not problems, f"{family} ({result.rulebook}): " + "; ".join(problems)
