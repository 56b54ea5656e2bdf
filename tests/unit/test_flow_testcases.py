"""collectors/flow/testcases/<case>: hand-built input.hex, optional listener.yaml, expected.jsonl.

Every key in an expected line must equal the decoded/processed value (the expected files list
what was written into the hand-built bytes, not a recording of our output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoder import FlowDecoder
from netrosetta.collectors.flow.pcap import read_hex
from netrosetta.collectors.flow.rollups import Rollup

CASES = Path(__file__).resolve().parents[2] / "collectors" / "flow" / "testcases"


def run_case(case: Path) -> list[dict[str, Any]]:
    cfg_path = case / "listener.yaml"
    cfg = FlowListenerConfig.model_validate(YAML(typ="safe").load(cfg_path.read_text())) if cfg_path.exists() \
        else FlowListenerConfig()
    dec = FlowDecoder()
    res = dec.decode([(d, "192.0.2.10", 2055, 0) for _, d in read_hex(case / "input.hex")])
    assert dec.stats.malformed == 0
    flows = cfg.build_filters().apply(res.flows)
    out = list(flows.rows())
    for spec in cfg.build_rollups():
        r = Rollup(spec)
        r.add(flows)
        out += [{"rollup": spec.name, **row.dims, "value": row.value} for row in r.flush().rows]
    return out


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_testcase(case: str) -> None:
    got = run_case(CASES / case)
    expected = [json.loads(line) for line in (CASES / case / "expected.jsonl").read_text().splitlines() if line]
    assert len(got) == len(expected)
    for g, e in zip(sorted(got, key=repr), sorted(expected, key=repr), strict=True):
        for k, v in e.items():
            assert g.get(k) == v, (case, k, g.get(k), v)
