"""`workers: N` without processes: the config option, what each worker's config keeps to itself,
the static shard against rendezvous, and how the supervisor merges its workers' views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch
from netrosetta.errors import NetrosettaError
from netrosetta.service.config import load_config
from netrosetta.service.merge import WorkerView, merge_prometheus, merge_status
from netrosetta.service.prometheus import render_prometheus
from netrosetta.service.shard import Shard, worker_name
from netrosetta.service.worker import worker_config


def _cfg(tmp_path: Path, text: str) -> Any:
    p = tmp_path / "c.yaml"
    p.write_text(text)
    return load_config(p)


def test_workers_option(tmp_path: Path) -> None:
    assert _cfg(tmp_path, "{}\n").worker_count() == 1
    assert _cfg(tmp_path, "workers: 3\n").worker_count() == 3
    assert _cfg(tmp_path, "workers: auto\n").worker_count() >= 1
    with pytest.raises(NetrosettaError) as e:
        _cfg(tmp_path, "targets: {}\nworkers: 0\n")
    assert "c.yaml:2" in str(e.value)
    with pytest.raises(NetrosettaError):
        _cfg(tmp_path, "instance: a/b\n")   # '/' is the workers' separator


def test_worker_config_keeps_shared_things_apart(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, """
workers: 2
http: {listen: "0.0.0.0:8080"}
delivery: {spill_dir: spill}
outputs: {otlp_json: [{path: out/data.jsonl}, {path: "-"}], prometheus: {listen: "127.0.0.1:9464"}}
flow: [{port: 2055}]
""")
    w0, w1 = worker_config(cfg, 0), worker_config(cfg, 1)
    assert w0.delivery.spill_dir == tmp_path / "spill" / "w0" and w1.delivery.spill_dir == tmp_path / "spill" / "w1"
    assert [o.path for o in w1.outputs.otlp_json] == [tmp_path / "out" / "data.w1.jsonl", Path("-")]
    assert w0.outputs.prometheus is None and w0.http.listen == "127.0.0.1:0" and w0.workers == 1
    assert len(w0.flow) == 1 and w1.flow == []           # flow listeners: worker 0 only
    assert cfg.delivery.spill_dir == tmp_path / "spill"  # the instance's config is not changed


def test_every_target_has_one_owning_worker() -> None:
    members = [worker_name("lab", k) for k in range(4)]
    shards = [Shard(members, m) for m in members]
    keys = [f"snmp/dev{i}" for i in range(400)]
    counts = [sum(s.owns(k) for k in keys) for s in shards]
    assert all(sum(s.owns(k) for s in shards) == 1 for k in keys)
    assert min(counts) > 60, counts       # spread, not all on one worker
    with pytest.raises(ValueError):
        Shard(members, "lab/w9")


def _view(name: str, status: dict[str, Any] | None, alive: bool = True) -> WorkerView:
    return WorkerView(name, 100, alive, 0, None, 1234 if alive else None, status)


def _status(targets: list[dict[str, Any]], ready: bool = True) -> dict[str, Any]:
    return {"ready": ready, "checks": [{"name": "polls", "ok": ready, "reason": "" if ready else "late"}],
            "rulebooks": ["a"], "targets": targets, "outputs": [{"name": "otlp", "queue": 1}],
            "orphaned_spill": [], "translated_points": 10, "cluster": None, "flows": {"x": 1}, "traps": None}


def test_merge_status_shows_each_target_as_its_owner_reports_it() -> None:
    a = _status([{"key": "snmp/a", "state": "ok", "polls_ok": 1}, {"key": "snmp/b", "state": "pending"}])
    b = _status([{"key": "snmp/a", "state": "not-owned"}, {"key": "snmp/b", "state": "failed", "polls_failed": 1}],
                ready=False)
    m = merge_status("lab", "1", 1.0, [_view("lab/w0", a), _view("lab/w1", b)])
    assert [(t["key"], t["state"], t["worker"]) for t in m["targets"]] == [
        ("snmp/a", "ok", "lab/w0"), ("snmp/b", "failed", "lab/w1")]
    assert m["translated_points"] == 20 and [o["name"] for o in m["outputs"]] == ["otlp [lab/w0]", "otlp [lab/w1]"]
    assert m["ready"] is False and {"name": "lab/w1: polls", "ok": False, "reason": "late"} in m["checks"]
    assert m["flows"] == {"x": 1}
    down = merge_status("lab", "1", 1.0, [_view("lab/w0", a), _view("lab/w1", None, alive=False)])
    assert down["ready"] is False and not next(c for c in down["checks"] if c["name"] == "worker lab/w1")["ok"]


def _translation(host: str, value: int) -> DeviceTranslation:
    scope = ScopeBatch("s", "1", "r")
    mp = scope.metrics["if.octets"] = MetricPoints("if.octets", "counter", "By", "octets")
    mp.points.append(((("if.name", "eth0"),), value))
    return DeviceTranslation({"host.name": host}, [scope], 1, 0)


def test_merge_prometheus_regroups_families() -> None:
    merged = merge_prometheus([render_prometheus([_translation("a", 1)]), render_prometheus([_translation("b", 2)])])
    lines = merged.splitlines()
    assert lines.count("# TYPE if_octets_bytes_total counter") == 1
    assert [ln.split("{")[0] for ln in lines if not ln.startswith("#")] == ["if_octets_bytes_total"] * 2
    assert 'host_name="a"' in merged and 'host_name="b"' in merged
