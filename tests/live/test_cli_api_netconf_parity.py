"""Parity between collection paths: a device polled live through each simulator (real SSH / TLS /
NETCONF) gives the same unified points as its recording translated offline; and every source
kind describes interfaces with the same metrics, attribute keys and units as the SNMP and gNMI
rulebooks, so a device's output does not depend on where it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from netrosetta.cli.record import load_target
from netrosetta.collectors.api import client as api_client
from netrosetta.collectors.api import dataset as apd
from netrosetta.collectors.api.config import ApiTarget
from netrosetta.collectors.api.lab import lab_api
from netrosetta.collectors.cli import client as cli_client
from netrosetta.collectors.cli import dataset as cld
from netrosetta.collectors.cli.config import CliTarget
from netrosetta.collectors.cli.lab import lab_cli
from netrosetta.collectors.netconf import client as nc_client
from netrosetta.collectors.netconf import dataset as ncd
from netrosetta.collectors.netconf.config import NetconfTarget
from netrosetta.collectors.netconf.lab import LoopThread, lab_netconf
from netrosetta.collectors.recording import Recording, SourceDataset, engine_facts
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.golden.test_netconf_napalm import rulebooks

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
NAPALM = ("corpus", "napalm")


def _points(src: SourceDataset, to_engine: Callable[[SourceDataset], Any]) -> dict[Any, float]:
    t = translate(to_engine(src), engine_facts(src, name="dev"), rulebooks())
    return {(m.name, tuple(sorted(a.items()))): v for _s, m, a, v in t.iter_points()}


def _target(model: Any, spec: dict[str, Any]) -> Any:
    spec = dict(spec, password=spec["password"].removeprefix("literal:"))
    return model.model_validate(spec)


CASES: list[tuple[str, Callable[[], AbstractContextManager[dict[str, Any]]], Any, Any, Any, tuple[str, ...]]] = [
    ("netconf", lab_netconf, NetconfTarget, nc_client.poll, ncd, ("junos", "test_get_environment", "mx10003")),
    ("api", lab_api, ApiTarget, api_client.poll, apd, ("eos", "test_get_environment", "normal")),
    ("cli", lab_cli, CliTarget, cli_client.poll, cld, ("ios", "test_get_interfaces_counters", "normal")),
]


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.run(api_client.close_all())      # API targets keep their HTTP session on this loop
    lt.close()


@pytest.mark.parametrize("kind, lab, model, poll, mod, rec", CASES, ids=[c[0] for c in CASES])
def test_live_equals_recording(kind: str, lab: Any, model: Any, poll: Any, mod: Any, rec: tuple[str, ...],
                               loop: LoopThread) -> None:
    folder = need_shared(*NAPALM, *rec)
    with lab() as spec:
        target = _target(model, spec)
        if kind == "cli":
            target.commands = [c for c in cld.commands_from_requirements(
                _cli_requirements("cisco_ios")) if c.command == "show interfaces"]
        live = loop.run(poll(target))
    if kind == "netconf":
        offline = ncd.from_recording(Recording.open(folder), "juniper_junos")
    elif kind == "api":
        offline = apd.from_recording(Recording.open(folder), "arista_eos")
    else:
        offline = cld.from_recording(Recording.open(folder), "cisco_ios", target.commands)
    got, want = _points(live, mod.to_engine), _points(offline, mod.to_engine)
    assert got and got == want


def _cli_requirements(platform: str) -> Any:
    from netrosetta.engine.translate import Translator
    book = next(rb for rb in rulebooks().concrete() if platform in rb.book.match.platform
                and any(r.kind == "cli" for r in rb.rules))
    return Translator(book).requirements("cli")


INTERFACE_METRICS = ("hw.network.io", "hw.network.packets", "hw.errors", "system.network.packet.dropped")


def _interface_shapes(kinds: set[str]) -> dict[str, set[tuple[tuple[str, ...], str]]]:
    """Per source kind: (attribute keys, unit) of every interface-counter rule."""
    from netrosetta.engine.schema import load_schema
    schema = load_schema()
    out: dict[str, set[tuple[tuple[str, ...], str]]] = {}
    for rb in rulebooks().concrete():
        for r in rb.rules:
            if r.kind not in kinds or r.metric not in INTERFACE_METRICS:
                continue
            keys = set(r.attributes) | set(rb.defaults.get(r.kind, {}))
            keys &= set(schema.metric(r.metric).attributes.required) | {"error.type"}   # type: ignore[union-attr]
            out.setdefault(r.kind, set()).add((r.metric, *sorted(keys)))   # type: ignore[arg-type]
    return out


def test_every_source_describes_interfaces_alike() -> None:
    shapes = _interface_shapes({"snmp", "gnmi", "xpath", "json", "cli"})
    reference = shapes.get("gnmi") or shapes.get("snmp")
    assert reference, "an SNMP or gNMI interface rulebook to compare with"
    for kind in ("xpath", "json", "cli"):
        assert shapes.get(kind), f"no {kind} interface rules"
        assert shapes[kind] <= reference | shapes.get("snmp", set()), (kind, shapes[kind] - reference)


@pytest.mark.parametrize("sample", ["netconf", "api", "cli"])
def test_sample_target_configs_validate(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("NR_NETCONF_PASSWORD", "NR_API_PASSWORD", "NR_CLI_PASSWORD"):
        monkeypatch.setenv(var, "from-env")
    t = load_target(str(ROOT / "collectors" / sample / "sample-target.yaml"))
    assert t.kind == sample and t.password.get_secret_value() == "from-env"
    assert "from-env" not in repr(t)


@pytest.mark.parametrize("kind, lab, model", [(c[0], c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_service_source_feeds_the_engine(kind: str, lab: Any, model: Any, loop: LoopThread) -> None:
    """What the service does per poll: the registered kind's source -> translation."""
    from netrosetta.service.sources import make_source
    need_shared(*NAPALM)
    with lab() as spec:
        target = _target(model, spec)
        src = make_source(kind, f"{kind}/{target.name}", target)
        polled = loop.run(src.poll(rulebooks()))
        loop.run(src.close())
    t = polled.translation
    assert t.count() > 0 and t.resource["host.name"] == target.name
    assert t.matched is not None and t.matched.chosen is not None
