"""bench.cluster_sim in quick mode against a real nats-server: several instances of the service's own
Cluster share synthetic targets. Checks ownership and rebalancing, never timings: every target
owned by exactly one instance after start, leave, crash and join (stable for a lease tick); a
leaver's targets are the only ones that move, a joiner only gains; the final owner of each target
is the highest-random-weight winner; every published batch is consumed."""

from __future__ import annotations

from typing import Any

import pytest

from bench import cluster_sim

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return cluster_sim.main(["--quick", "--procs", "1"])


def test_ownership_exactly_once_through_start_leave_crash_join(result: dict[str, Any]) -> None:
    (case,) = result["cases"]
    # (a target owned twice at some sample is possible by design when a renewal comes late on a
    # loaded host — the conflict is settled on the next tick — so only the converged states count)
    # one left, one crashed, one joined
    assert case["final"] == {"instances": case["instances"] - 1, "exactly_once": True, "not_the_hrw_owner": 0}
    lo, hi = case["cold_start"]["targets_per_instance"]
    assert lo > 0 and hi < case["targets"]
    # every target has its lease in the bucket, renewed in place (history 1)
    assert case["steady"]["lease_bucket_entries"] == case["targets"]


def test_rendezvous_moves_only_what_it_must(result: dict[str, Any]) -> None:
    (case,) = result["cases"]
    for event in ("leave", "crash"):
        ev = case[event]
        assert ev["moved"] > 0 and ev["moved_between_others"] == 0, ev
    join = case["join"]
    assert join["moved"] > 0 and join["moved_between_others"] == 0, join


def test_every_published_batch_consumed(result: dict[str, Any]) -> None:
    js = result["jetstream"]
    assert js["published"] > 0 and js["publish_failed"] == 0
    assert js["consumed"] >= js["published"]
    assert js["batch_points"] > 0 and js["batch_bytes"] > 0
