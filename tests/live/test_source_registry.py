"""A new source kind is one registration: config, scheduling, record and translate pick it up.

tests/support/httpjson_kind.py is a kind that exists only here, serving over a real HTTP socket.
It is registered at run time; nothing in service/ or netrosetta/cli names it. Expected values are
the ones the test's HTTP device serves, never the code's output.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netrosetta.cli import main
from netrosetta.collectors import registry
from netrosetta.errors import NetrosettaError
from netrosetta.service.config import json_schema, load_config
from netrosetta.service.runtime import Service, all_targets
from tests.reliability.harness import write_yaml
from tests.support.httpjson_kind import KIND, NAME, serve
from tests.support.kept import Kept

pytestmark = pytest.mark.live

IN_OCTETS = {"Et1": 123456789, "Et2": 42}
DOC = {"show interfaces": {"interfaces": {
    name: {"interfaceCounters": {"inOctets": v, "outOctets": 2 * v}} for name, v in IN_OCTETS.items()}}}


@pytest.fixture
def kind() -> Iterator[None]:
    registry.register(KIND)
    yield
    registry.unregister(NAME)


@pytest.fixture
def device() -> Iterator[int]:
    with serve(DOC) as port:
        yield port


def target(port: int, **kw: Any) -> dict[str, Any]:
    return {"name": "dev1", "host": "127.0.0.1", "port": port, "platform": "arista_eos"} | kw


def in_octets(points: list[tuple[str, dict[str, Any], Any]]) -> dict[str, int]:
    return {a["network.interface.name"]: int(v) for name, a, v in points
            if name == "hw.network.io" and a.get("network.io.direction") == "receive"}


def test_config_lists_the_kind_and_locates_its_errors(kind: None, device: int, tmp_path: Path) -> None:
    cfg = load_config(write_yaml(tmp_path / "ok.yaml", {"targets": {NAME: [target(device, interval=5)]}}))
    [(key, (k, spec))] = all_targets(cfg).items()
    assert (key, k, spec.port, spec.interval) == ("httpjson/dev1", NAME, device, 5)
    assert NAME in json_schema()["$defs"]["Targets"]["properties"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"targets:\n  {NAME}:\n    - name: dev1\n      host: 127.0.0.1\n      port: 70000\n"
                   "      platform: arista_eos\n")
    with pytest.raises(NetrosettaError) as err:
        load_config(bad)
    assert f"{bad}:5:" in str(err.value) and "port" in str(err.value)


def test_gone_once_unregistered(tmp_path: Path) -> None:
    with pytest.raises(NetrosettaError) as err:
        load_config(write_yaml(tmp_path / "c.yaml", {"targets": {NAME: [target(1)]}}))
    assert NAME in str(err.value)


def test_service_schedules_and_translates_it(kind: None, device: int, tmp_path: Path) -> None:
    cfg = load_config(write_yaml(tmp_path / "config.yaml", {
        "defaults": {"interval": 60, "jitter": 0}, "self_telemetry": {"enabled": False},
        "targets": {NAME: [target(device)]}}))
    got: list[Any] = []

    async def run() -> Service:
        svc = Service(cfg, sinks=[], record=Kept(got))
        await svc.start()
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.05)
        await svc.stop()
        return svc

    svc = asyncio.run(run())
    st = svc.status["httpjson/dev1"]
    assert (st.kind, st.state, st.rulebook) == (NAME, "ok", "arista/eos-api")
    points = [(m.name, {kv.key: kv.value.string_value for kv in dp.attributes}, dp.as_int)
              for req in got for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
              if m.WhichOneof("data") == "sum" for dp in m.sum.data_points]
    assert in_octets(points) == IN_OCTETS


def test_record_and_translate_it(kind: None, device: int, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_yaml(tmp_path / "target.yaml", target(device, kind=NAME))
    out = tmp_path / "rec"
    assert main(["record", "--target", str(spec), "--out", str(out)]) == 0
    assert json.loads((out / "show_interfaces.json").read_text()) == DOC["show interfaces"]
    capsys.readouterr()
    assert main(["translate", "--recording", str(out), "--format", "otlp-json"]) == 0
    req = json.loads(capsys.readouterr().out)
    points = [(m["name"], {a["key"]: a["value"].get("stringValue") for a in dp["attributes"]}, dp["asInt"])
              for rm in req["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]
              if "sum" in m for dp in m["sum"]["dataPoints"]]
    assert in_octets(points) == IN_OCTETS
