"""Every unified series appears once per device: two rules (or two rows) producing the same metric
with the same attributes would send conflicting points for one OTLP series."""

from __future__ import annotations

from collections import Counter

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.facts import snmp_facts
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import translate
from netrosetta.paths import MAPPINGS
from tests.conftest import SHARED, need_shared

WALKS = sorted(p.stem for p in (SHARED / "corpus" / "snmp").glob("*.snmprec")) or ["(corpus absent)"]


@pytest.fixture(scope="module")
def rulebooks() -> RulebookSet:
    return RulebookSet.from_paths([MAPPINGS])


@pytest.mark.parametrize("walk", WALKS)
def test_no_duplicate_series(walk: str, rulebooks: RulebookSet) -> None:
    path = need_shared("corpus", "snmp", f"{walk}.snmprec")
    ds = SnmpDataset(read_snmprec(path).varbinds)
    t = translate(ds, snmp_facts(ds), rulebooks)
    assert t.count() > 0
    for scope in t.scopes:
        for m in scope.metrics.values():
            counts = Counter(attrs for attrs, _v in m.points)
            dups = {k for k, n in counts.items() if n > 1}
            assert not dups, f"{walk}: {m.name} repeats series {sorted(dups)[:3]} (rules {m.rules})"
