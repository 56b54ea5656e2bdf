"""`netrosetta coverage --walk --expected` over the 184 walks of ../shared/corpus/snmp-fleet,
cross-checked with the fleet golden harness: the same rulebook per device (the harness
translates through its own path), the agreement lists equal the recorded
fleet_fully_right.yaml (documented disagreements are not agreements), and the summary
counts what the device rows say."""

from __future__ import annotations

import json
from typing import Any

import pytest

from netrosetta.cli import main
from netrosetta.coverage.families import family
from tests.conftest import need_shared
from tests.golden import fleet


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    walks = need_shared(*fleet.FLEET_PARTS)
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["coverage", "--walk", str(walks), "--expected", str(walks / "expected"), "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_every_walk_is_reported(report: dict[str, Any]) -> None:
    devices = report["devices"]
    assert sorted(devices) == fleet.families()
    assert len(devices) == 184
    assert not [d for d, r in devices.items() if r.get("error")]
    assert all("librenms" in r for r in devices.values()), "every fleet walk has a LibreNMS decode"


def test_rulebook_and_families_match_the_harness(report: dict[str, Any]) -> None:
    for name, row in report["devices"].items():
        t = fleet.translate_family(name)
        assert row["rulebook"] == t.matched.chosen.id, name
        assert row["fallback"] == row["rulebook"].startswith("generic/"), name
        counts: dict[str, int] = {}
        for _s, m, _a, _v in t.iter_points():
            counts[family(m.name)] = counts.get(family(m.name), 0) + 1
        assert row["families"] == counts, name


def test_agreement_equals_recorded_status(report: dict[str, Any]) -> None:
    status = fleet.load_status()
    for cls in ("cpu", "memory", "temperature"):
        agree = {d for d, r in report["devices"].items() if r["librenms"]["agree"][cls]}
        assert agree == status[cls], cls
    vendor = {d for d, r in report["devices"].items() if not r["fallback"]}
    assert vendor == status["rulebook"]


def test_summary_counts_the_rows(report: dict[str, Any]) -> None:
    rows, summary = report["devices"].values(), report["summary"]
    assert summary["rulebook"] == {"right": sum(not r["fallback"] for r in rows), "of": len(rows)}
    for cls in ("cpu", "memory", "temperature"):
        assert summary[cls]["right"] == sum(r["librenms"]["agree"][cls] for r in rows)
        has = [r for r in rows if r["librenms"]["has"][cls]]
        assert summary[cls]["where_librenms_has_it"] == {
            "right": sum(r["librenms"]["agree"][cls] for r in has), "of": len(has)}
