"""The loaded rulebook set owns its translators and matches: a reload makes the old ones garbage,
and a new set never hands back what an earlier set (maybe at the same address) compiled."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.dataset import SnmpDataset
from netrosetta.collectors.snmp.varbind import TAG_COUNTER32, TAG_OCTET_STRING
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet, load_rulebook
from netrosetta.engine.translator import Translator

IF = "1.3.6.1.2.1.2.2.1"
FACTS = DeviceFacts(name="r1", sys_object_id="1.3.6.1.4.1.99999.1", sys_descr="Test OS")
WALK = [(f"{IF}.2.1", TAG_OCTET_STRING, b"Ethernet1"), (f"{IF}.10.1", TAG_COUNTER32, 5)]


def rulebook(version: str) -> str:
    """A one-rule rulebook whose version also lands in a constant attribute of its points."""
    return f"""\
id: test/lifetime
version: {version}
match:
  snmp: [{{sys_object_id: 1.3.6.1.4.1.99999.*}}]
rules:
  - name: in-octets
    metric: hw.network.io
    snmp: {{value: {IF}.10}}
    attributes:
      network.interface.name: {{field: {IF}.2}}
      network.io.direction: receive-{version}
"""


def load(folder: Path, version: str) -> RulebookSet:
    (folder / "lifetime.yaml").write_text(rulebook(version))
    return RulebookSet.from_paths([folder])


def direction(rs: RulebookSet) -> str:
    """Translate the walk with the set's matched translator: the direction its rulebook wrote."""
    m = rs.match(FACTS, "snmp")
    assert m.chosen is not None
    t = rs.translator(m.chosen).translate(SnmpDataset(WALK), FACTS, time_ns=1)
    ((_s, _m, attrs, value),) = list(t.iter_points())
    assert value == 5
    return str(attrs["network.io.direction"])


def test_reloads_leave_only_the_current_set_and_its_translator_alive(tmp_path: Path) -> None:
    sets: weakref.WeakSet[RulebookSet] = weakref.WeakSet()
    translators: weakref.WeakSet[Translator] = weakref.WeakSet()
    current = load(tmp_path, "1.0.0")
    for n in range(200):
        current = load(tmp_path, f"1.0.{n}")      # the service's reload: build, then swap
        assert direction(current) == f"receive-1.0.{n}"
        sets.add(current)
        translators.add(current.translator("test/lifetime"))
    gc.collect()
    assert list(sets) == [current]
    assert list(translators) == [current.translator("test/lifetime")]


def test_a_new_set_at_a_reused_address_compiles_its_own_translator(tmp_path: Path) -> None:
    old = load(tmp_path, "1.0.0")
    assert direction(old) == "receive-1.0.0"
    old_tr = weakref.ref(old.translator("test/lifetime"))
    reused = 0
    for n in range(20):
        (tmp_path / "lifetime.yaml").write_text(rulebook(f"2.0.{n}"))
        docs = [load_rulebook(tmp_path / "lifetime.yaml")]
        old_id = id(old)
        del old
        old = RulebookSet(docs)    # allocated where the freed set was, as a reload often is
        reused += id(old) == old_id
        assert old_tr() is None
        # whatever its address, a set translates with its own rulebook
        assert direction(old) == f"receive-2.0.{n}"
        old_tr = weakref.ref(old.translator("test/lifetime"))
    assert reused, "no set got a freed set's address: the id-reuse case went untested"


def test_translator_refuses_a_rulebook_resolved_by_another_set(tmp_path: Path) -> None:
    a = load(tmp_path, "1.0.0")
    b = load(tmp_path, "1.0.1")
    stale = a.match(FACTS, "snmp").chosen
    assert stale is not None
    with pytest.raises(ValueError, match="another rulebook set"):
        b.translator(stale)
    assert b.translator(stale.id).rulebook.version == "1.0.1"


def test_matches_are_remembered_per_set(tmp_path: Path) -> None:
    a = load(tmp_path, "1.0.0")
    b = load(tmp_path, "1.0.1")
    m = a.match(FACTS, "snmp")
    assert a.match(DeviceFacts(name="other", sys_object_id=FACTS.sys_object_id, sys_descr=FACTS.sys_descr),
                   "snmp") is m            # same identity, another device: the remembered match
    assert m.chosen is not None and m.chosen.version == "1.0.0"
    mb = b.match(FACTS, "snmp")
    assert mb is not m and mb.chosen is not None and mb.chosen.version == "1.0.1"


def test_loaded_set_is_read_only(tmp_path: Path) -> None:
    rs = load(tmp_path, "1.0.0")
    with pytest.raises(TypeError):
        rs.loaded["x"] = rs.loaded["test/lifetime"]  # type: ignore[index]
    assert isinstance(rs.problems, tuple)
