"""engine/reconcile.py and `netrosetta reconcile`: pairing, interface names, counter windows, gauges.

Offline inputs come from the lab's device state (service/lab/state.py): an SNMP walk as recorded
at one moment and an IOS `show interfaces` recording three seconds later, translated by the real
rulebooks. The expected numbers are the state's own (base + rate * t), never the code's output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netrosetta.engine.reconcile import InterfaceNames, ReconcileSettings, Sample, reconcile
from netrosetta.service.lab.ios_cli import show_interfaces
from netrosetta.service.lab.make_snmprec import write_state
from netrosetta.service.lab.state import lab_device

IF = "network.interface.name"
T0 = 1_790_000_000
RES = {"host.name": "r1"}


def s(metric: str, value: float, t: float, instrument: str = "counter", unit: str = "By", **attrs: str) -> Sample:
    return Sample(RES, metric, instrument, unit, tuple((k.replace("_", "."), v) for k, v in attrs.items()),
                  value, int(t * 1e9))


def io(name: str, value: float, t: float) -> Sample:
    return Sample(RES, "hw.network.io", "counter", "By", ((IF, name), ("network.io.direction", "receive")),
                  value, int(t * 1e9))


CISCO = InterfaceNames({"GigabitEthernet": ["Gi"], "TenGigabitEthernet": ["Te"]})


def test_abbreviated_names_pair_and_unknown_ones_are_reported() -> None:
    a = [io("Gi0/1", 1000, 0), io("Te1/1", 5, 0), io("Fa0/9", 1, 0)]
    b = [io("GigabitEthernet0/1", 1000, 0), io("TenGigabitEthernet1/1", 5, 0), io("FastEthernet0/9", 1, 0)]
    rep = reconcile(a, b, names=CISCO)
    assert rep.paired == 2 and rep.agreed == 2
    assert sorted((d, x, y) for d, x, y in rep.renamed) == [("r1", "Gi0/1", "GigabitEthernet0/1"),
                                                          ("r1", "Te1/1", "TenGigabitEthernet1/1")]
    # Fa is in no table: both spellings are reported, once each, as interfaces without a partner
    assert sorted((f.attrs[IF], f.why) for f in rep.of("interface")) == [
        ("Fa0/9", "only in source A"), ("FastEthernet0/9", "only in source B")]
    assert rep.disagreements == 2 and not rep.of("only_a") and not rep.of("only_b")


def test_counter_window_uses_the_measured_rate() -> None:
    # A grows 100/s (two reads); B read 2 s after A's last: 200 more is explained, 200 + slack*100 too
    a = [io("e1", 1000, 0), io("e1", 2000, 10)]
    settings = ReconcileSettings(slack_seconds=0.5)
    assert reconcile(a, [io("e1", 2250, 12)], settings=settings).disagreements == 0
    rep = reconcile(a, [io("e1", 2251, 12)], settings=settings)
    (f,) = rep.of("value")
    assert (f.a, f.b, f.allowed) == (2000, 2251, 250) and "measured rate 100/s" in f.why


def test_counter_without_rate_is_bounded_by_interface_speed() -> None:
    speed = [s("hw.network.bandwidth.limit", 1000, 0, "gauge", "By/s", network_interface_name="e1")]
    a = [io("e1", 0, 0), *speed]
    ok = reconcile(a, [io("e1", 3000, 2)], settings=ReconcileSettings(slack_seconds=1))
    assert ok.disagreements == 0                     # 1000 B/s x (2 s + 1 s)
    bad = reconcile(a, [io("e1", 3001, 2)], settings=ReconcileSettings(slack_seconds=1))
    assert [f.allowed for f in bad.of("value")] == [3000] and "interface speed" in bad.of("value")[0].why


def test_gauges_within_relative_or_absolute_tolerance_per_metric() -> None:
    def temp(v: float) -> Sample:
        return s("hw.temperature", v, 0, "gauge", "Cel", hw_name="Inlet")
    loose = ReconcileSettings(gauges={"hw.temperature": {"relative": 0.0, "absolute": 2.0}})
    assert reconcile([temp(40)], [temp(42)], settings=loose).disagreements == 0
    assert len(reconcile([temp(40)], [temp(42.5)], settings=loose).of("value")) == 1
    # default: 5 % of the larger value
    assert reconcile([temp(40)], [temp(42)]).disagreements == 0
    assert reconcile([temp(40)], [temp(42.2)]).disagreements == 1


def test_pairing_keys_are_what_both_sources_say() -> None:
    # CLI adds hw.type=network to errors, SNMP does not; component ids are source-local when named
    a = [s("hw.errors", 3, 0, unit="{error}", network_interface_name="e1", network_io_direction="receive"),
         s("hw.temperature", 40, 0, "gauge", "Cel", hw_id="2", hw_name="Inlet")]
    b = [s("hw.errors", 3, 0, unit="{error}", network_interface_name="e1", network_io_direction="receive",
           hw_type="network"),
         s("hw.temperature", 40, 0, "gauge", "Cel", hw_id="TEMP-Inlet", hw_name="Inlet")]
    rep = reconcile(a, b)
    assert (rep.paired, rep.agreed, rep.findings) == (2, 2, [])


def test_describing_attributes_do_not_split_a_pair() -> None:
    # EOS prints a quoted description with its quotes, SNMP's ifAlias has none: one interface
    a = [s("hw.network.io", 7, 0, network_interface_name="e1", network_io_direction="receive",
           netrosetta_interface_description="uplink")]
    b = [s("hw.network.io", 7, 0, network_interface_name="e1", network_io_direction="receive",
           netrosetta_interface_description='"uplink"')]
    rep = reconcile(a, b)
    assert (rep.paired, rep.agreed, rep.findings) == (1, 1, [])


def test_series_only_one_source_has_are_reported_not_counted() -> None:
    rep = reconcile([io("e1", 1, 0), s("system.uptime", 5, 0, "gauge", "s")], [io("e1", 1, 0)])
    assert [f.metric for f in rep.of("only_a")] == ["system.uptime"] and rep.disagreements == 0
    assert rep.as_dict()["consistent"] is True


def test_devices_are_told_apart_by_identity() -> None:
    other = Sample({"host.name": "r2"}, "hw.network.io", "counter", "By", ((IF, "e1"),), 9e12, 0)
    rep = reconcile([io("e1", 1, 0)], [other])
    assert rep.paired == 0 and {f.device for f in rep.findings} == {"r1", "r2"}


# -- the command, on recordings made from the lab's device state ---------------------------------

def _nr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netrosetta", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def recordings(tmp_path: Path) -> tuple[Path, Path]:
    state = lab_device(start=T0)
    walk = write_state(state, tmp_path / "lab-r1.snmprec", at=T0 + 100)
    cli = tmp_path / "cli"
    cli.mkdir()
    (cli / "show_interfaces.txt").write_text(show_interfaces(state, T0 + 103))
    return walk, cli


def test_reconcile_command_consistent(recordings: tuple[Path, Path]) -> None:
    walk, cli = recordings
    res = _nr("reconcile", str(walk), str(cli), "--platform", "cisco_ios", "--name", "lab-r1", "--apart", "3",
              "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["consistent"] and out["counts"]["value"] == 0 and out["counts"]["interface"] == 0
    # 4 ports x (rx/tx bytes, rx unicast/multicast/broadcast, rx/tx errors, rx/tx drops, up) = 40
    assert out["paired"] == out["agreed"] == 40
    assert {(r["a"], r["b"]) for r in out["renamed"]} == {(f"Gi0/{i}", f"GigabitEthernet0/{i}") for i in range(1, 5)}


def test_reconcile_command_shows_a_corrupted_source(tmp_path: Path) -> None:
    state = lab_device(start=T0)
    walk = write_state(state, tmp_path / "lab-r1.snmprec", at=T0 + 100)
    # the CLI source lies: port 1 received 10^10 more bytes, port 3 is called Gi0/7
    bad = state.with_port(1, base={**state.ports[0].base, "in-octets": state.ports[0].base["in-octets"] + 10**10})
    bad = bad.with_port(3, name="GigabitEthernet0/7")
    cli = tmp_path / "cli"
    cli.mkdir()
    (cli / "show_interfaces.txt").write_text(show_interfaces(bad, T0 + 103))
    res = _nr("reconcile", str(walk), str(cli), "--platform", "cisco_ios", "--name", "lab-r1", "--apart", "3",
              "--format", "json")
    assert res.returncode == 1, res.stderr
    out = json.loads(res.stdout)
    wrong = [f for f in out["findings"] if f["kind"] in ("value", "interface")]
    assert [(f["kind"], f.get("metric"), f["attrs"].get(IF), f["attrs"].get("network.io.direction"))
            for f in wrong] == [("interface", None, "Gi0/3", None), ("interface", None, "GigabitEthernet0/7", None),
                                ("value", "hw.network.io", "Gi0/1", "receive")]
    v = wrong[2]
    assert v["b"] - v["a"] == 10**10 + 3 * state.ports[0].rate["in-octets"]


def test_reconcile_command_errors_exit_2(tmp_path: Path) -> None:
    res = _nr("reconcile", str(tmp_path / "nope.snmprec"), str(tmp_path), "--format", "json")
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceMetrics": [\n')
    res = _nr("reconcile", str(bad), str(bad))
    assert res.returncode == 2 and "bad.json" in res.stderr and "Traceback" not in res.stderr
    res = _nr("reconcile", str(bad), str(bad), "--platform", "no_such_os")
    assert res.returncode == 2 and "unknown platform no_such_os" in res.stderr


def test_a_32_bit_counter_is_compared_modulo_2_32() -> None:
    true = 5 * 2**32 + 1000
    narrow = Sample(RES, "hw.network.io", "counter", "By", ((IF, "e1"),), 1000 + 50, 0, counter32=True)
    wide = Sample(RES, "hw.network.io", "counter", "By", ((IF, "e1"),), true, 0)
    settings = ReconcileSettings(slack_seconds=0, counter_absolute=100)
    assert reconcile([narrow], [wide], settings=settings).disagreements == 0
    far = Sample(RES, "hw.network.io", "counter", "By", ((IF, "e1"),), 1000 + 500, 0, counter32=True)
    assert reconcile([far], [wide], settings=settings).disagreements == 1


def _translation(name: str, source: str, value: int, t_s: float, metric: str = "hw.network.io") -> Any:
    from netrosetta.engine.points import DeviceTranslation, MetricPoints, ScopeBatch

    mp = MetricPoints(metric, "counter", "By", "bytes", [(((IF, "Gi0/1"), ("network.io.direction", "receive")), value)])
    scope = ScopeBatch("x/y", "1.0.0", source, {mp.name: mp})
    return DeviceTranslation({"host.name": name}, [scope], int(t_s * 1e9))


def test_otlp_json_reads_back_what_the_exporter_wrote(tmp_path: Path) -> None:
    from netrosetta.cli.reconcile import otlp_samples
    from netrosetta.engine.reconcile import samples_of
    from netrosetta.exporter.otlp import build_request
    from netrosetta.exporter.otlp_json import write_json_line

    trs = [_translation("r1", "snmp", 1000, 10), _translation("r1", "cli", 1500, 12)]
    path = tmp_path / "m.jsonl"
    with path.open("w") as f:
        for tr in trs:
            write_json_line(build_request([tr]), f)
    got = otlp_samples(path)
    assert [(g.resource["host.name"], g.metric, g.instrument, g.attrs, g.value, g.time_ns, g.source) for g in got] == [
        ("r1", "hw.network.io", "counter", ((IF, "Gi0/1"), ("network.io.direction", "receive")), v, t, src)
        for v, t, src in ((1000.0, 10 * 10**9, "snmp"), (1500.0, 12 * 10**9, "cli"))]
    assert [(s.value, s.time_ns, s.source) for s in samples_of(trs)] == [(g.value, g.time_ns, g.source) for g in got]


def test_live_reconciler_checks_devices_over_two_sources_and_forgets_idle_ones() -> None:
    from netrosetta.service.reconcile_live import LiveReconciler, ReconcileConfig

    live = LiveReconciler(ReconcileConfig(enabled=True, interval=10, forget_after=100, slack_seconds=0))
    live.observe([_translation("r1", "snmp", 1000, 0)], now=0)
    assert live.checks == 0                      # one source: nothing to compare
    live.observe([_translation("r1", "snmp", 2000, 10)], now=1)
    live.observe([_translation("r1", "snmp", 3000, 20)], now=2)   # three reads kept as two
    assert [len(q) for q in live.reads["r1"]["snmp"].values()] == [2]
    live.observe([_translation("r1", "cli", 3100, 21)], now=3)      # 100 B/s x 1 s later: agrees
    assert live.checks == 1 and live.status_json()["disagreements"] == 0
    live.observe([_translation("r1", "cli", 9999, 22)], now=5)      # within interval: not checked again
    assert live.checks == 1
    live.observe([_translation("r1", "cli", 9999, 23)], now=13)
    assert live.checks == 2 and live.status_json()["disagreements"] == 1
    key = (("netrosetta.device", "r1"), ("netrosetta.sources", "cli+snmp"), ("kind", "value"))
    assert live.gauges()["netrosetta.reconcile.disagreements"][key] == 1
    live.observe([_translation("r2", "snmp", 1, 0)], now=200)       # r1 silent for 187 s > 100
    assert set(live.reads) == {"r2"} and live.status_json()["pairs"] == []


def test_live_reconciler_makes_no_source_of_ignored_metrics() -> None:
    """NETCONF's session series (scope source `netconf`, its data under `xpath`) are never
    compared, so they make no pair of their own."""
    from netrosetta.service.reconcile_live import LiveReconciler, ReconcileConfig

    live = LiveReconciler(ReconcileConfig(enabled=True, interval=10, slack_seconds=0))
    live.observe([_translation("mx", "snmp", 1000, 0), _translation("mx", "xpath", 1000, 0),
                  _translation("mx", "netconf", 1, 0, metric="netrosetta.session.logins")], now=0)
    assert set(live.reads["mx"]) == {"snmp", "xpath"}
    assert [(p["a"], p["b"]) for p in live.status_json()["pairs"]] == [("snmp", "xpath")]
