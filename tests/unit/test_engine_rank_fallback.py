"""Two small rulebook features NX-OS needs: ``rank`` (a row's position among the rows sharing a
field's value: sensor 2 of module 1) and a device attribute's ``fallback`` selector (the key an
older release uses)."""

from __future__ import annotations

from pathlib import Path

from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.selectors.json import JsonDataset
from netrosetta.engine.translate import Translator

BOOK = """\
id: test/rank
version: 1.0.0
match:
  platform: [test_os]
device:
  os.version:
    json: {command: ver, rows: "[]", value: new_key}
    fallback: {json: {command: ver, rows: "[]", value: old_key}}
rules:
  - name: temp
    metric: hw.temperature
    json: {command: env, rows: "temps[]", value: cur}
    attributes:
      hw.id: {concat: [{field: mod}, {rank: mod}], sep: "-"}
"""


def _translate(tmp_path: Path, docs: dict[str, object]) -> tuple[dict[str, float], dict[str, str]]:
    (tmp_path / "b.yaml").write_text(BOOK)
    rb = RulebookSet.from_paths([tmp_path]).resolve("test/rank")
    t = Translator(rb).translate(JsonDataset(docs), DeviceFacts())
    return {a["hw.id"]: v for _s, m, a, v in t.iter_points() if m.name == "hw.temperature"}, t.resource


def test_rank_counts_within_each_group_in_device_order(tmp_path: Path) -> None:
    temps, _ = _translate(tmp_path, {"env": {"temps": [
        {"mod": "1", "cur": 30}, {"mod": "1", "cur": 31}, {"mod": "5", "cur": 40}, {"mod": "5", "cur": 41},
        {"mod": "1", "cur": 32}]}})
    assert temps == {"1-1": 30, "1-2": 31, "5-1": 40, "5-2": 41, "1-3": 32}


def test_device_fallback_is_read_only_when_the_first_finds_nothing(tmp_path: Path) -> None:
    _, res = _translate(tmp_path, {"ver": {"new_key": "9.3(8)", "old_key": "6.2(16)"}})
    assert res["os.version"] == "9.3(8)"
    _, res = _translate(tmp_path, {"ver": {"old_key": "6.2(16)"}})
    assert res["os.version"] == "6.2(16)"
    _, res = _translate(tmp_path, {"ver": {}})
    assert "os.version" not in res
