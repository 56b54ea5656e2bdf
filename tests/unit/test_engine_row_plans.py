"""Row plans kept between polls: reused only while their columns are unchanged, bounded per device."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.varbind import TAG_COUNTER64, TAG_GAUGE32
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.plans import PlanMemo
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translate import Translator, device_key
from netrosetta.paths import MAPPINGS

from .test_engine_translate import JOIN_WALK, JOINS, WALK

IFX = "1.3.6.1.2.1.31.1.1.1"
FACTS = DeviceFacts(name="r1", sys_object_id="1.3.6.1.4.1.99999.1.1", sys_descr="Test OS 1.0", sys_uptime=360000)


@pytest.fixture(scope="module")
def generic() -> Any:
    return RulebookSet.from_paths([MAPPINGS]).resolve("generic/snmp")


def _out(t: DeviceTranslation) -> Any:
    """Everything a translation says, in order (points, value types, counts, Resource)."""
    pts = [(m.name, a, v, type(v)) for s in t.scopes for m in s.metrics.values() for a, v in m.points]
    stats = {k: (st.points, list(st.skipped.items())) for k, st in t.rule_stats.items()}
    return pts, stats, t.resource


def _replace(walk: list[Any], oid: str, value: Any, tag: int | None = None) -> list[Any]:
    return [(o, tag if tag is not None and o == oid else t, value if o == oid else v) for o, t, v in walk]


def _same_as_fresh(tr: Translator, rb: Any, walk: list[Any], facts: DeviceFacts = FACTS) -> DeviceTranslation:
    """Translate with the long-lived translator; a new one (no plans) must say exactly the same."""
    t = tr.translate(SnmpDataset(walk), facts, time_ns=1)
    assert _out(t) == _out(Translator(rb).translate(SnmpDataset(walk), facts, time_ns=1))
    return t


def _names(t: DeviceTranslation) -> set[str]:
    return {a["network.interface.name"] for _s, m, a, _v in t.iter_points() if m.name == "hw.network.io"}


def test_plan_reused_while_columns_equal_and_rebuilt_when_ifname_changes(generic: Any) -> None:
    tr = Translator(generic)
    _same_as_fresh(tr, generic, WALK)
    memo = tr.memo.devices[device_key("snmp", FACTS)]
    plans = dict(memo.plans)
    # next poll: counters moved, names did not -> same plans, new values
    polled = _replace(WALK, f"{IFX}.6.1", 10_000_000_000_500, TAG_COUNTER64)
    t = _same_as_fresh(tr, generic, polled)
    assert all(memo.plans[k] is p for k, p in plans.items())
    assert 10_000_000_000_500 in {v for _s, m, _a, v in t.iter_points() if m.name == "hw.network.io"}
    # ifName of ifIndex 1 renamed -> the plans reading ifName are rebuilt, the new name is used
    renamed = _replace(polled, f"{IFX}.1.1", b"Et1-renamed")
    t = _same_as_fresh(tr, generic, renamed)
    assert _names(t) == {"Et1-renamed", "Ethernet2"}
    assert any(memo.plans[k] is not p for k, p in plans.items())


def test_rows_appearing_and_disappearing(generic: Any) -> None:
    tr = Translator(generic)
    _same_as_fresh(tr, generic, WALK)
    fewer = [vb for vb in WALK if not vb[0].endswith(".2") or vb[0].startswith("1.3.6.1.2.1.1.")]
    assert _names(_same_as_fresh(tr, generic, fewer)) == {"Et1"}
    assert _names(_same_as_fresh(tr, generic, WALK)) == {"Et1", "Ethernet2"}
    # only the value column loses a row (names unchanged): the 32-bit fallback counter takes over
    no_hc = [vb for vb in WALK if vb[0] != f"{IFX}.6.1"]
    t = _same_as_fresh(tr, generic, no_hc)
    assert 5 in {v for _s, m, a, v in t.iter_points() if m.name == "hw.network.io" and a["network.interface.name"] == "Et1"}
    # a counter row disappears while its interface stays
    t = _same_as_fresh(tr, generic, [vb for vb in WALK if vb[0] != "1.3.6.1.2.1.2.2.1.10.2"])
    assert t.rule_stats["if-in-octets"].points == 1
    _same_as_fresh(tr, generic, WALK)


def test_joins_operands_sentinels_and_states_between_polls(tmp_path: Path) -> None:
    (tmp_path / "joins.yaml").write_text(JOINS)
    rb = RulebookSet.from_paths([tmp_path]).resolve("test/joins")
    tr = Translator(rb)
    facts = DeviceFacts(name="j1")
    _same_as_fresh(tr, rb, JOIN_WALK, facts)
    polls = [
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.2.1.3.21", 300),                    # sentinel -> reading
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.5.1.3.1", 2000, TAG_GAUGE32),       # subtract_from operand
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.4.1.2.10", 3),                      # state degraded -> failed
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.4.1.2.10", 9),                      # unmapped state
        _replace(JOIN_WALK, "1.3.6.1.2.1.47.1.1.1.1.2.10", b"PSU B"),              # join by value breaks
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.3.1.2.30", 6),                      # chained lookup target
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.2.1.2.21", 14),                     # sensor type changes
        _replace(JOIN_WALK, "1.3.6.1.4.1.99999.6.1.2.2", b"12 %"),                 # text value parses now
        JOIN_WALK,
        JOIN_WALK,
    ]
    for walk in polls:
        _same_as_fresh(tr, rb, walk, facts)


def test_resource_follows_facts(generic: Any) -> None:
    tr = Translator(generic)
    t = _same_as_fresh(tr, generic, WALK)
    other = DeviceFacts(name="r1", address="10.0.0.9", sys_object_id=FACTS.sys_object_id,
                        sys_descr=FACTS.sys_descr, sys_uptime=FACTS.sys_uptime)
    t2 = _same_as_fresh(tr, generic, WALK, other)
    assert t.resource.get("host.ip") is None and t2.resource["host.ip"] == "10.0.0.9"
    t2.resource["host.name"] = "changed by a consumer"
    assert _same_as_fresh(tr, generic, WALK, other).resource["host.name"] == "r1"


def test_device_memory_is_released(generic: Any) -> None:
    tr = Translator(generic)
    devices = [DeviceFacts(name=f"r{i}", sys_object_id="1.3.6.1.4.1.99999.1.1") for i in range(3)]
    for f in devices:
        tr.translate(SnmpDataset(WALK), f)
    assert len(tr.memo) == 3 and tr.memo.rows > 0
    tr.memo.forget(device_key("snmp", devices[0]))
    assert len(tr.memo) == 2
    # r2 disappears: r1 alone is polled on; r2 is dropped after a few rounds
    for _ in range(40):
        tr.translate(SnmpDataset(WALK), devices[1])
    assert list(tr.memo.devices) == [device_key("snmp", devices[1])]
    assert tr.memo.rows == tr.memo.devices[device_key("snmp", devices[1])].rows


def test_row_budget_keeps_a_stable_set_of_devices(generic: Any) -> None:
    tr = Translator(generic)
    for _ in range(3):                      # a memo grows over the first polls (values, points kept)
        tr.translate(SnmpDataset(WALK), DeviceFacts(name="a"))
    one = tr.memo.rows
    tr.memo = PlanMemo(max_rows=2 * one + 1)
    for _ in range(3):                      # three devices polled in turn, two fit
        for name in ("a", "b", "c"):
            tr.translate(SnmpDataset(WALK), DeviceFacts(name=name))
            assert len(tr.memo) <= 2 and tr.memo.rows <= 2 * one
    assert set(tr.memo.devices) == {device_key("snmp", DeviceFacts(name=n)) for n in "ab"}
    tr.memo = PlanMemo(max_rows=0)        # nothing fits: nothing is kept, translation still works
    assert tr.translate(SnmpDataset(WALK), DeviceFacts(name="a")).count() > 0
    assert len(tr.memo) == 0 and tr.memo.rows == 0


def test_datasets_without_the_opt_in_keep_no_plans(generic: Any) -> None:
    class Plain(SnmpDataset):      # e.g. a source whose column order is not a function of its rows
        stable_columns = False

    tr = Translator(generic)
    assert tr.translate(Plain(WALK), FACTS).count() > 0
    assert len(tr.memo) == 0


def test_a_memo_is_never_shared_by_two_translations() -> None:
    memo = PlanMemo()
    a, b = memo.checkout("d"), memo.checkout("d")       # e.g. two threads polling one device
    assert a is not b and len(memo) == 0
    memo.checkin("d", a)
    memo.checkin("d", b)
    assert list(memo.devices.values()) == [b] and memo.rows == b.rows


def test_threads_translating_one_device(generic: Any) -> None:
    tr = Translator(generic)
    walks = [WALK, _replace(WALK, f"{IFX}.6.1", 10_000_000_000_900, TAG_COUNTER64),
             _replace(WALK, f"{IFX}.1.1", b"Et1-renamed")]
    want = [_out(Translator(generic).translate(SnmpDataset(w), FACTS, time_ns=1)) for w in walks]
    errors: list[str] = []

    def poll(k: int) -> None:
        for i in range(30):
            n = (i + k) % len(walks)
            if _out(tr.translate(SnmpDataset(walks[n]), FACTS, time_ns=1)) != want[n]:
                errors.append(f"thread {k} poll {i}")

    threads = [threading.Thread(target=poll, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_text_cache_is_bounded_and_transparent(monkeypatch: pytest.MonkeyPatch) -> None:
    from netrosetta.engine import transforms

    monkeypatch.setattr(transforms, "_AUTO_TEXT", {})
    monkeypatch.setattr(transforms, "_AUTO_TEXT_LIMIT", 3)
    samples = [b"Gi0/1\x00", b" Et1 ", b"\x01\x02", b"\xff\xfe", b"x" * 300, b"Gi0/1\x00"]
    want = ["Gi0/1", "Et1", "0102", "fffe", "x" * 300, "Gi0/1"]
    for _ in range(2):
        assert [transforms.to_text(v) for v in samples] == want
        assert len(transforms._AUTO_TEXT) <= 3 and b"x" * 300 not in transforms._AUTO_TEXT
    assert transforms.to_text(b"\x01\x02", "hex") == "0102" and transforms.to_text(b"ab", "ascii") == "ab"


CONCAT = """\
id: test/concat
version: 1.0.0
rules:
  - name: temp
    metric: hw.temperature
    snmp: {value: 1.3.6.1.4.1.99999.2.1.3}
    where:
      - any: [{field: 1.3.6.1.4.1.99999.2.1.2, equals: 8}, {field: 1.3.6.1.4.1.99999.2.1.2, equals: 9}]
      - ref: {lookup: {field: 1.3.6.1.2.1.47.1.1.1.1.5, by: {field: 1.3.6.1.2.1.47.1.1.1.1.4}}}
        equals: 6
    attributes:
      hw.id: {index: 0}
      hw.name:
        concat:
          - {lookup: {field: 1.3.6.1.2.1.47.1.1.1.1.7, by: {field: 1.3.6.1.2.1.47.1.1.1.1.4}}}
          - {field: 1.3.6.1.2.1.47.1.1.1.1.7}
"""


def test_lookups_or_conditions_and_concat_between_polls(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(CONCAT)
    rb = RulebookSet.from_paths([tmp_path]).resolve("test/concat")
    e, s = "1.3.6.1.2.1.47.1.1.1.1", "1.3.6.1.4.1.99999.2.1"
    walk = [(f"{e}.7.1", 4, b"PSU 1"), (f"{e}.5.1", 2, 6), (f"{e}.7.2", 4, b"Chassis"), (f"{e}.5.2", 2, 3),
            (f"{e}.7.11", 4, b"Hotspot"), (f"{e}.4.11", 2, 1), (f"{e}.7.13", 4, b"Board"), (f"{e}.4.13", 2, 2),
            (f"{s}.2.11", 2, 8), (f"{s}.3.11", 2, 50), (f"{s}.2.13", 2, 9), (f"{s}.3.13", 2, 40)]
    tr, facts = Translator(rb), DeviceFacts(name="c1")
    for w in (walk, walk,
              _replace(walk, f"{e}.7.1", b"PSU A"),            # parent renamed (lookup in concat)
              _replace(walk, f"{e}.5.2", 6),                   # chassis becomes class 6 (ref condition)
              _replace(walk, f"{s}.2.11", 10),                 # sensor type leaves the any-condition
              _replace(walk, f"{e}.4.13", 1),                  # sensor moves to another parent
              walk):
        _same_as_fresh(tr, rb, w, facts)
