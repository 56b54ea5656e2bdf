"""Golden: environment monitors, DC power, storage and BMC fleet walks (issue 10, fleet-b)
against the raw walk (the project's own snmprec parser) and LibreNMS's temperature sensors."""

from __future__ import annotations

import pytest

from tests.golden.fleet_gear import fleet_expected, fleet_points, fleet_rulebook, fleet_walk, sensors


def temps(name: str) -> dict[str, float]:
    return {a["hw.id"]: v for a, v in fleet_points(name).series("hw.temperature")}


def lnms_temps(name: str) -> list[float]:
    return sorted(float(s["sensor_current"]) for s in sensors(fleet_expected(name), "temperature"))


@pytest.mark.parametrize(("name", "rulebook"), [
    ("xclarity_lenovoxcc", "lenovo/xclarity"),
    ("dell-compellent", "dell/compellent"),
    ("avtech_roomalert4e", "avtech/roomalert-4e"),
    ("netagent2_1", "megatec/netagent"),
    ("enexus_sp2touch", "eltek/smartpack"),
    ("serverscheck_sc-ts01", "serverscheck/gateway"),
    ("valere_bc2000", "valere/bc2000"),
    ("siteboss571_siteboss571-2", "asentria/siteboss"),
])
def test_rulebook_and_temperatures_agree_with_librenms(name: str, rulebook: str) -> None:
    assert fleet_rulebook(name) == rulebook
    assert sorted(temps(name).values()) == lnms_temps(name)


def test_xcc_readings_are_the_walks_strings() -> None:
    walk = fleet_walk("xclarity_lenovoxcc")
    col = walk.column("1.3.6.1.4.1.19046.11.1.1.1.2.1.3")
    assert temps("xclarity_lenovoxcc") == {i: float(walk.text(v)) for i, v in col.items()}


def test_compellent_controller_and_enclosure_rows() -> None:
    walk = fleet_walk("dell-compellent")
    ctlr = walk.column("1.3.6.1.4.1.674.11000.2000.500.1.2.19.1.5")
    encl = walk.column("1.3.6.1.4.1.674.11000.2000.500.1.2.23.1.5")
    assert temps("dell-compellent") == {**{f"ctlr.{i}": v for i, v in ctlr.items()},
                                        **{f"encl.{i}": v for i, v in encl.items()}}


def test_eltek_disabled_probes_are_not_temperatures() -> None:
    walk = fleet_walk("enexus_sp2touch")
    probe = "1.3.6.1.4.1.12148.10.10.18.3.1."
    # probes 1.2 and 1.3 are not enabled (column 5 = 0) and read the placeholder 127
    assert walk.get(probe + "5.1.2") == 0 and walk.get(probe + "6.1.2") == 127
    assert temps("enexus_sp2touch") == {"battery": walk.get("1.3.6.1.4.1.12148.10.10.7.5.0"),
                                        "probe.1.1": walk.get(probe + "6.1.1")}


def test_netagent_battery_temperature_tenths() -> None:
    raw = fleet_walk("netagent2_1").get("1.3.6.1.4.1.935.1.1.1.2.2.3.0")
    assert temps("netagent2_1") == {"battery": raw / 10}


def test_roomalert_celsius_not_fahrenheit() -> None:
    walk = fleet_walk("avtech_roomalert4e")
    base = "1.3.6.1.4.1.20916.1.6.1."
    assert temps("avtech_roomalert4e") == {"internal": walk.get(base + "1.1.2.0"),
                                           "digital.1": walk.get(base + "2.1.1.0"),
                                           "digital.2": walk.get(base + "2.2.1.0")}


def test_f5_tmm_and_host_memory() -> None:
    from tests.golden.fleet_gear import memory_pools

    name = "f5_ve-14.1.5.1"
    assert fleet_rulebook(name) == "f5/bigip"
    walk = fleet_walk(name)
    g = "1.3.6.1.4.1.3375.2.1.1.2."
    tmm_t, tmm_u = walk.get(g + "1.44.0"), walk.get(g + "1.45.0")
    host_t, host_u = walk.get(g + "20.44.0"), walk.get(g + "20.45.0")
    assert memory_pools(fleet_points(name)) == {
        "tmm": {"limit": tmm_t, "used": tmm_u, "free": tmm_t - tmm_u},
        "host": {"limit": host_t, "used": host_u, "free": host_t - host_u}}
    lnms = {m["mempool_descr"]: (m["mempool_total"], m["mempool_used"])
            for m in fleet_expected(name)["mempools"]["discovery"]["mempools"]}
    assert lnms["TMM Memory"] == (tmm_t, tmm_u) and lnms["Other Memory"] == (host_t, host_u)
    # LibreNMS's third pool is the swap (sysGlobalHostSwapTotal), see fleet_disagreements.yaml
    assert lnms["Swap Memory"][0] == walk.get(g + "20.46.0")


def test_acos_cpus_and_kib_memory() -> None:
    from tests.golden.fleet_gear import cpu_percent, memory_pools, processors

    name = "acos"
    assert fleet_rulebook(name) == "a10/acos"
    walk, lnms = fleet_walk(name), fleet_expected(name)
    col = walk.column("1.3.6.1.4.1.22610.2.4.1.3.2.1.3")
    assert cpu_percent(fleet_points(name)) == sorted(float(v) for v in col.values())
    assert cpu_percent(fleet_points(name)) == sorted(float(p["processor_usage"]) for p in processors(lnms))
    total_kib, used_kib = walk.get("1.3.6.1.4.1.22610.2.4.1.2.1.0"), walk.get("1.3.6.1.4.1.22610.2.4.1.2.2.0")
    assert memory_pools(fleet_points(name)) == {"system": {
        "limit": total_kib * 1024, "used": used_kib * 1024, "free": (total_kib - used_kib) * 1024}}
    (lm,) = lnms["mempools"]["discovery"]["mempools"]
    assert (lm["mempool_total"], lm["mempool_used"]) == (total_kib * 1024, used_kib * 1024)


def test_serverscheck_kinds_from_names() -> None:
    name, walk = "serverscheck_sc-ts01", fleet_walk("serverscheck_sc-ts01")
    base = "1.3.6.1.4.1.17095.3."
    # sensor 3 ("... Humid", value at .10) is humidity, not a temperature
    assert walk.text(walk.get(base + "9.0")).endswith("Humid")
    assert temps(name) == {f"sensor{n}": float(walk.text(walk.get(f"{base}{4 * n - 2}.0"))) for n in (1, 2, 4)}
    hum = {a["hw.id"]: v for a, v in fleet_points(name).series("netrosetta.humidity")}
    assert sorted(round(v * 100, 6) for v in hum.values()) == sorted(
        float(s["sensor_current"]) for s in sensors(fleet_expected(name), "humidity"))


def test_gude_sensor_box_dew_point_difference_is_not_a_temperature() -> None:
    name = "gude-esb_7213-12"
    assert fleet_rulebook(name) == "gude/esb7213"
    walk, col = fleet_walk(name), "1.3.6.1.4.1.28507.66.1.6.1.1."
    assert temps(name) == {"1": walk.get(col + "2.1") / 10, "dewpoint.1": walk.get(col + "6.1") / 10}
    # LibreNMS also files esb7213DewPointDiff (column 7: temperature minus dew point, 10.0) as a
    # temperature sensor; the other two agree (fleet_disagreements.yaml)
    diff = walk.get(col + "7.1") / 10
    assert sorted([*temps(name).values(), diff]) == lnms_temps(name)
    hum = [v for _a, v in fleet_points(name).series("netrosetta.humidity")]
    assert [round(v * 100, 6) for v in hum] == [float(s["sensor_current"]) for s in sensors(fleet_expected(name), "humidity")]


def test_siteboss_temperatures_by_unit_string() -> None:
    name = "siteboss571_siteboss571-2"
    walk, t = fleet_walk(name), "1.3.6.1.4.1.3052.14.1.1.1.1."
    # only the two points whose value string carries a Celsius unit; the humidity point ("33"),
    # door contacts and relays are not temperatures
    assert walk.text(walk.get(t + "7.3.1.1")) == "25 C" and walk.text(walk.get(t + "7.3.3.1")) == "33"
    assert temps(name) == {"3.1.1": walk.get(t + "6.3.1.1"), "200.1.1": walk.get(t + "6.200.1.1")}


def test_wut_thermo_hygrometer_sensor_numbers() -> None:
    name = "wut_57720-os-143"
    assert fleet_rulebook(name) == "wut/thermo-hygrometer"
    walk, col = fleet_walk(name), "1.3.6.1.4.1.5040.1.2.42.1."
    # the string column repeats the binary one: "20.8" for 208 tenths
    assert walk.text(walk.get(col + "8.1.1.1")) == "20.8" and walk.get(col + "4.1.1.1") == 208
    assert temps(name) == {"temperature": walk.get(col + "4.1.1.1") / 10}
    assert lnms_temps(name) == [walk.get(col + "4.1.1.1") / 10]
    hum = [v for _a, v in fleet_points(name).series("netrosetta.humidity")]
    assert hum == [walk.get(col + "4.1.1.2") / 1000]
    assert [float(s["sensor_current"]) for s in sensors(fleet_expected(name), "humidity")] == [walk.get(col + "4.1.1.2") / 10]
