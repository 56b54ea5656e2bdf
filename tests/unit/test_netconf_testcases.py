"""Fault recordings (collectors/netconf/testcases): rpc-error and truncated XML are counted errors
on that RPC; the other RPC of the same recording still translates."""

from __future__ import annotations

from pathlib import Path

import pytest

from netrosetta.collectors.netconf import dataset as ncd
from netrosetta.collectors.netconf.dataset import ReplyError, parse_reply
from netrosetta.collectors.recording import Recording, engine_facts
from netrosetta.engine.translate import translate
from tests.golden.test_netconf_napalm import rulebooks

CASES = Path(__file__).resolve().parents[2] / "collectors" / "netconf" / "testcases"


@pytest.mark.parametrize("case, message", [("rpc-error", "rpc-error operation-failed"),
                                           ("truncated", "malformed XML")])
def test_fault_is_counted_and_others_translate(case: str, message: str) -> None:
    src = ncd.from_recording(Recording.open(CASES / case), "juniper_junos")
    assert message in src.errors["get-interface-information"]
    t = translate(ncd.to_engine(src), engine_facts(src), rulebooks())
    cpu = [v for _s, m, _a, v in t.iter_points() if m.name == "system.cpu.utilization"]
    assert cpu == [pytest.approx(0.10)]          # 100 - cpu-idle 90
    assert not [m for _s, m, _a, _v in t.iter_points() if m.name == "hw.network.io"]


def test_empty_and_entity_replies() -> None:
    with pytest.raises(ReplyError, match="empty"):
        parse_reply(b"  \n")
    # external entities are never resolved (no file or network reads from a reply)
    evil = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    root = parse_reply(evil)
    assert "root:" not in (root.text or "")
