"""Fixtures we wrote ourselves, one folder per NAPALM driver / getter / case in NAPALM's mocked-data
layout (``napalm_fixtures/<driver>/<getter>/<case>/``): the command / RPC outputs under the file
names the driver's recordings use, built from the vendors' documented output formats with values
chosen here, and ``expected.yaml`` — the points and Resource attributes worked out by hand from
those files (never produced by the translator).

Each case is replayed as ``netrosetta translate --recording`` does: the source kind guessed from the
files, the platform from the platform definition that serves the driver. For every metric the
expectation names, the translation must give exactly the points listed (none missing, none extra);
``hw.status`` state sets are compared by the one state whose series reads 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netrosetta.cli.record import guess_kind
from netrosetta.collectors import registry
from netrosetta.collectors.platforms import platforms
from netrosetta.collectors.recording import Recording, engine_facts
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.translate import translate
from tests.golden.test_netconf_napalm import rulebooks

pytestmark = pytest.mark.golden

ROOT = Path(__file__).parent / "napalm_fixtures"
CASES = sorted(p.parent for p in ROOT.glob("*/*/*/expected.yaml"))


def driver_platform(driver: str) -> str:
    found = [d.platform for d in platforms().defs if driver in d.napalm]
    assert len(found) == 1, f"NAPALM driver {driver} is served by {found or 'no platform definition'}"
    return found[0]


def replay(case: Path) -> tuple[DeviceTranslation, dict[str, str]]:
    driver = case.relative_to(ROOT).parts[0]
    rec = Recording.open(case)
    kind = registry.recording_of(guess_kind(rec.path))
    src = kind.replay(rec, driver_platform(driver), rulebooks(), None)
    return translate(kind.to_engine(src), engine_facts(src), rulebooks()), src.errors


def points(t: DeviceTranslation, metric: str) -> list[dict[str, Any]]:
    """The metric's points as {attribute..., value}; a state set as its one state reading 1."""
    out = []
    for _s, m, attrs, value in t.iter_points():
        if m.name != metric:
            continue
        if metric == "hw.status" and value != 1:
            continue
        out.append({**{k: str(v) for k, v in attrs.items()}, "value": value})
    return out


def _key(p: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in p.items() if k != "value"))


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(ROOT)) for c in CASES])
def test_fixture_translates_to_the_hand_computed_values(case: Path) -> None:
    want = yaml.safe_load((case / "expected.yaml").read_text())
    t, errors = replay(case)
    assert t.matched is not None and t.matched.chosen is not None
    assert t.matched.chosen.id == want["rulebook"]
    for attr, value in (want.get("resource") or {}).items():
        assert t.resource.get(attr) == value, attr
    for metric, listed in (want.get("metrics") or {}).items():
        got = {_key(p): p["value"] for p in points(t, metric)}
        expected = {_key({k: v for k, v in p.items()}): p.get("value", 1) for p in listed}
        assert set(got) == set(expected), f"{metric}: extra {set(got) - set(expected)}, missing {set(expected) - set(got)}"
        for k, v in expected.items():
            assert got[k] == pytest.approx(v), f"{metric} {dict(k)}"
    # questions the recording cannot answer are named, never silently empty
    assert set(errors) <= set(want.get("unanswered") or []), errors


def test_every_driver_and_getter_has_a_fixture() -> None:
    drivers = {"ios", "iosxr", "iosxr_netconf", "nxos", "nxos_ssh", "eos", "junos"}
    getters = ("test_get_interfaces_counters", "test_get_environment", "test_get_facts")
    have = {(c.relative_to(ROOT).parts[0], c.relative_to(ROOT).parts[1]) for c in CASES}
    missing = [(d, g) for d in sorted(drivers) for g in getters if (d, g) not in have]
    assert not missing, missing
