"""Golden: power / environment / BMC fleet walks (issue 10, fleet-b) against the raw walk and
LibreNMS's decode. The walk is read by the project's own snmprec parser; LibreNMS's sensors
(sensor_current, already divided) are the independent second opinion."""

from __future__ import annotations

import pytest

from tests.golden.fleet_gear import (
    fleet_expected,
    fleet_points,
    fleet_rulebook,
    fleet_walk,
    memory_pools,
    sensors,
)


def ours(name: str, metric: str) -> dict[str, float]:
    """hw.id -> value of one metric in our translation."""
    return {a["hw.id"]: v for a, v in fleet_points(name).series(metric)}


def lnms(name: str, cls: str) -> list[float]:
    return sorted(float(s["sensor_current"]) for s in sensors(fleet_expected(name), cls))


@pytest.mark.parametrize(("name", "rulebook"), [
    ("apc_ap7998b", "apc/powernet"),
    ("eatonups_eaton-connectups", "eaton/xups"),
    ("eatonupsm2_9px", "eaton/xups"),
    ("eaton-mgeups_ex2200", "eaton/ups-standard"),
    ("eatonpdu_epdu", "eaton/ups-standard"),
    ("raritan-pdu_px2", "raritan/px"),
    ("sentry3_3phase", "servertech/sentry3"),
    ("sentry4_switched8i", "servertech/sentry4"),
    ("liebert", "vertiv/liebert"),
    ("vertiv-pdu_mg02e4w1", "vertiv/geist-pdu"),
    ("cyberpower_cp1000pfclcd", "cyberpower/ups"),
    ("trippliteconsole_b097", "tripplite/poweralert"),
    ("drac_2", "dell/idrac"),
    ("hpe-ilo", "hpe/ilo"),
])
def test_vendor_rulebook_matches_by_subtree(name: str, rulebook: str) -> None:
    assert fleet_rulebook(name) == rulebook


def test_sentry4_temperature_humidity_power() -> None:
    name, t = "sentry4_switched8i", "1.3.6.1.4.1.1718.4.1.9.3.1.1."
    walk = fleet_walk(name)
    # st4TempSensorScale celsius(0); -410 (no reading) on units A and B is not a temperature
    assert walk.get("1.3.6.1.4.1.1718.4.1.9.1.10.0") == 0
    assert walk.get(t + "1.1") == -410
    temps = ours(name, "hw.temperature")
    assert temps == {"5.1": walk.get(t + "5.1") / 10, "5.2": walk.get(t + "5.2") / 10}
    assert sorted(temps.values()) == lnms(name, "temperature")
    hum = ours(name, "netrosetta.humidity")
    assert sorted(round(v * 100, 6) for v in hum.values()) == lnms(name, "humidity")
    # st4InputCordActivePower in W: LibreNMS lists the cords (and the equal phase powers)
    assert sorted(ours(name, "hw.power").values()) == [806, 856]
    assert {806.0, 856.0} <= set(lnms(name, "power"))


def test_sentry3_infeeds() -> None:
    name = "sentry3_3phase"
    # the neutral infeed has current but infeedVoltage/infeedPower -1 (no reading): skipped
    assert fleet_walk(name).get("1.3.6.1.4.1.1718.3.2.2.1.11.1.4") == -1
    assert sorted(ours(name, "netrosetta.current").values()) == lnms(name, "current")
    assert sorted(ours(name, "hw.voltage").values()) == lnms(name, "voltage")
    # LibreNMS adds systemTotalPower (1718.3.1.6: 279 W, the agent's own total; the rounded
    # infeeds sum to 278) as a fourth power sensor; we report the infeeds only
    total = fleet_walk(name).get("1.3.6.1.4.1.1718.3.1.6.0")
    assert abs(total - sum(ours(name, "hw.power").values())) <= 1
    assert sorted([*ours(name, "hw.power").values(), total]) == lnms(name, "power")


def test_raritan_inlet_scaled_by_decimal_digits() -> None:
    name = "raritan-pdu_px2"
    walk = fleet_walk(name)
    # inletSensorDecimalDigits: 3 for current, 1 for frequency
    assert walk.get("1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.1") == 3
    raw = walk.get("1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.1")
    assert ours(name, "netrosetta.current") == {"1.1": raw / 1000}
    inlet = [s for s in sensors(fleet_expected(name), "current")
             if s["sensor_oid"].startswith(".1.3.6.1.4.1.13742.6.5.2.")]      # inlet, not outlets
    assert [float(s["sensor_current"]) for s in inlet] == [raw / 1000]
    assert ours(name, "hw.voltage") == {"1.1": 233}
    assert ours(name, "hw.power") == {"1.1": 138}
    assert ours(name, "netrosetta.frequency") == {"1.1": 50}
    assert lnms(name, "frequency") == [50]


def test_liebert_pdu_aux_temperatures() -> None:
    name = "liebert"
    col = fleet_walk(name).column("1.3.6.1.4.1.476.1.42.3.8.60.15.1.70")
    assert ours(name, "hw.temperature") == {i: v / 10 for i, v in col.items()}
    assert sorted(ours(name, "hw.temperature").values()) == lnms(name, "temperature")


def test_geist_pdu_phases_and_breakers() -> None:
    name = "vertiv-pdu_mg02e4w1"
    cur = ours(name, "netrosetta.current")
    # LibreNMS also lists pduLineCurrent (three lines of 0); the walk's line table is empty of
    # readings we map, so we compare phases and breakers
    theirs = [float(s["sensor_current"]) for s in sensors(fleet_expected(name), "current")
              if "21239.5.2.3.4." not in s["sensor_oid"]]
    assert sorted(cur.values()) == sorted(theirs)
    assert sorted(ours(name, "hw.voltage").values()) == lnms(name, "voltage")
    assert list(ours(name, "hw.power").values()) == lnms(name, "power")


@pytest.mark.parametrize("name", ["eatonups_eaton-connectups", "eatonupsm2_9px"])
def test_eaton_ambient_temperature(name: str) -> None:
    amb = fleet_walk(name).get("1.3.6.1.4.1.534.1.6.1.0")
    assert ours(name, "hw.temperature") == {"ambient": amb}
    assert lnms(name, "temperature") == [amb]


def test_eaton_connectups_xups_readings() -> None:
    name = "eatonups_eaton-connectups"
    walk = fleet_walk(name)
    assert ours(name, "hw.battery.time_left") == {"battery": walk.get("1.3.6.1.4.1.534.1.2.1.0")}
    # LibreNMS shows minutes: 1948 s / 60
    (rt,) = lnms(name, "runtime")
    assert abs(rt * 60 - 1948) < 0.01
    assert ours(name, "hw.battery.charge") == {"battery": 1.0}
    assert ours(name, "netrosetta.load") == {"output": 0.35}
    assert lnms(name, "load") == [35]
    assert ours(name, "hw.power") == {"output.1": 246}


def test_cyberpower_cps_mib() -> None:
    name = "cyberpower_cp1000pfclcd"
    assert ours(name, "hw.battery.charge") == {"battery": 1.0}
    # upsAdvanceBatteryRunTimeRemaining 120000 TimeTicks = 1200 s; LibreNMS: 20 minutes
    assert ours(name, "hw.battery.time_left") == {"battery": 1200}
    assert lnms(name, "runtime") == [20]
    assert sorted(ours(name, "hw.voltage").values()) == lnms(name, "voltage")
    assert ours(name, "netrosetta.load") == {"output": 0.24}


def test_ilo_physical_memory() -> None:
    name = "hpe-ilo"
    walk = fleet_walk(name)
    total = int(walk.text(walk.get("1.3.6.1.4.1.232.11.2.13.1.0"))) * 1048576
    free = int(walk.text(walk.get("1.3.6.1.4.1.232.11.2.13.2.0"))) * 1048576
    assert memory_pools(fleet_points(name)) == {"physical": {"limit": total, "free": free, "used": total - free}}
    (phys,) = [m for m in fleet_expected(name)["mempools"]["discovery"]["mempools"]
               if m["mempool_descr"] == "Physical Memory"]
    assert (phys["mempool_total"], phys["mempool_free"], phys["mempool_used"]) == (total, free, total - free)
