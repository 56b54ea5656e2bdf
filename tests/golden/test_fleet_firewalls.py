"""Golden: SonicWall, Zyxel ZyWALL and Palo Alto fleet walks against the raw walk and LibreNMS."""

from __future__ import annotations

from tests.golden.fleet_gear import (
    check_cpu,
    fleet_expected,
    fleet_points,
    fleet_rulebook,
    fleet_walk,
    mempools,
    sensors,
)


def test_sonicwall() -> None:
    assert fleet_rulebook("sonicwall") == "sonicwall/sonicos"
    check_cpu("sonicwall", "1.3.6.1.4.1.8741.1.3.1.3.0")        # sonicCurrentCPUUtil


def test_zywall() -> None:
    assert fleet_rulebook("zywall") == "zyxel/zywall"
    check_cpu("zywall", "1.3.6.1.4.1.890.1.6.22.1.1.0")         # sysCPUUsage
    assert mempools(fleet_expected("zywall")) == []


def test_panos_entity_sensors() -> None:
    name = "panos_sensors_2"
    assert fleet_rulebook(name) == "paloalto/panos"
    pts, walk, lnms = fleet_points(name), fleet_walk(name), fleet_expected(name)
    # ENTITY-SENSOR-MIB rows of type celsius(8), status ok(1), scale units(9), precision 0
    ent = "1.3.6.1.2.1.99.1.1.1."
    kind, value, scale, prec, status = (walk.column(ent + c) for c in ("1", "4", "2", "3", "5"))
    rows = [i for i, t in kind.items() if t == 8 and status.get(i) == 1]
    assert rows and all(scale[i] == 9 and prec[i] == 0 for i in rows)
    ours = sorted(v for _a, v in pts.series("hw.temperature"))
    assert ours == sorted(value[i] for i in rows)
    assert ours == sorted(float(s["sensor_current"]) for s in sensors(lnms, "temperature"))
    fans = sorted(v for _a, v in pts.series("hw.fan.speed"))
    assert fans == sorted(float(s["sensor_current"]) for s in sensors(lnms, "fanspeed"))


def test_ftd_connections_as_a_vendor_extension_metric() -> None:
    """cfwConnectionStatValue protoIp(40).currentInUse(6) of the walk, read by the project's own
    snmprec parser, is the one point of cisco/asa's extension metric (LibreNMS has no such class)."""
    name = "ftd_4115"
    assert fleet_rulebook(name) == "cisco/asa"
    want = fleet_walk(name).get("1.3.6.1.4.1.9.9.147.1.2.2.2.1.5.40.6")
    assert want == 26960
    assert [v for _a, v in fleet_points(name).series("vendor.cisco.firewall.connections")] == [want]
