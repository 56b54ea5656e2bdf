"""Golden: fleet walks whose family implements only the standard MIBs get their own rulebook
(identity: manufacturer, OS, version and model from sysDescr) over generic/snmp's rules.

Each walk is checked against LibreNMS's `os` for it (the second opinion on which family it is),
and the walk's own sysDescr (read by the project's separate snmprec parser). That such a rulebook
keeps what generic/snmp got right is held by test_snmp_fleet.py's recorded lists.
"""

from __future__ import annotations

import pytest

from tests.golden.fleet_gear import fleet_expected, fleet_points, fleet_resource, fleet_rulebook, fleet_walk

SYS_DESCR = "1.3.6.1.2.1.1.1.0"

# walk, LibreNMS os, rulebook, manufacturer, os.name, text of sysDescr that is os.version (None: none)
CASES = [
    ("arubaos-cx_nac", "arubaos-cx", "aruba/aos-cx", "HPE Aruba Networking", "ArubaOS-CX", "PL.10.08.1050"),
    ("ciena-saos_6500", "ciena-saos", "ciena/6500", "Ciena", "6500", "1271"),
    ("cimc_1", "cimc", "cisco/imc", "Cisco", "CIMC", "4.3(4.240152)"),
    ("ciscospa_spa112-1", "ciscospa", "cisco/spa", "Cisco", "SPA", "1.4.0(001)"),
    ("ise_3595", "ise", "cisco/ise", "Cisco", "ISE", None),
    ("ucos_cer", "ucos", "cisco/ucos", "Cisco", "UCOS", None),
    ("viptela_vedge1000", "viptela", "cisco/vedge", "Cisco", "Viptela", None),
    ("dlink", "dlink", "dlink/dgs", "D-Link", "D-Link", "6.10.007"),
    ("dlinkap", "dlinkap", "dlink/dap", "D-Link", "DAP", None),
    ("draytek", "draytek", "draytek/vigor", "DrayTek", "DrayOS", "3.8.8.2"),
    ("edgeswitch_us-24-250w", "edgeswitch", "ubiquiti/edgeswitch", "Ubiquiti", "EdgeSwitch", "5.43.18.12487"),
    ("eltex-mes23xx_5332a", "eltex-mes23xx", "eltex/mes", "Eltex", "MES", None),
    ("exa", "exa", "calix/e7", "Calix", "E7", None),
    ("occamos_blc-6252", "occamos", "calix/occam", "Calix", "OccamOS", None),
    ("fiberhome-switch_fh2800", "fiberhome-switch", "fiberhome/switch", "FiberHome", "FHN USP", "V210R220"),
    ("fs-bdcom_s3900-24t4s-r", "fs-bdcom", "fs/bdcom", "FS.COM", "BDCOM OS", "127804"),
    ("hatteras_hn4000e", "hatteras", "hatteras/hn", "Hatteras Networks", "HN", None),
    ("ifotec", "ifotec", "ifotec/cpefibre", "Ifotec", "Ifotec", None),
    ("lcos_1", "lcos", "lancom/lcos", "LANCOM", "LCOS", "9.20.0566"),
    ("lcoslx_lw500", "lcoslx", "lancom/lcos-lx", "LANCOM", "LCOS LX", "5.36.0069"),
    ("lcossx_xs5110f", "lcossx", "lancom/lcos-sx", "LANCOM", "LCOS SX", "5.20.0316RU6"),
    ("merakims", "merakims", "cisco/meraki-ms", "Cisco Meraki", "Meraki MS", None),
    ("opengear_cm71xx", "opengear", "opengear/console", "Opengear", "Opengear", "5.1.1"),
    ("opnsense", "opnsense", "opnsense/opnsense", "Deciso", "OPNsense", "18.1.1-a5575d7bd"),
    ("pfsense_frr-bgp", "pfsense", "netgate/pfsense", "Netgate", "pfSense", "2.4.5-RELEASE-p1"),
    ("phybridge-flex_flex-24", "phybridge-flex", "phybridge/flex", "PhyBridge", "FLEX", None),
    ("planetos_igs-10020mt", "planetos", "planet/switch", "PLANET", "PLANET", None),
    ("radwin_5200-0150", "radwin", "radwin/radio", "RADWIN", "RADWIN", None),
    ("saf_phoenix", "saf", "saf/cfip", "SAF Tehnika", "CFIP", "1.63.46"),
    ("sm-os", "sm-os", "siae/alfoplus", "SIAE Microelettronica", "SM-OS", None),
    ("tachyon_tns100", "tachyon", "tachyon/tns", "Tachyon Networks", "Tachyon", None),
    ("arista-mos_metamux48", "arista-mos", "arista/mos", "Arista", "MOS", "0.32.0"),
    ("avocent_8000", "avocent", "avocent/acs", "Avocent", "ACS", None),
    ("esphome_esp32", "esphome", "esphome/esphome", "ESPHome", "ESPHome", "2024.12.2"),
    ("webmon_edge", "webmon", "dantel/webmon", "Dantel", "WebMon", None),
    ("binox_1", "binox", "telco-systems/binox", "Telco Systems", "BiNOX", "2.4.R3.1.1"),
    ("nokia-1830_psd", "nokia-1830", "nokia/1830-psd", "Nokia", "1830", "R23.6"),
    ("adva-aos_sh1r", "adva-aos", "adva/aos", "ADVA", "AOS", None),
    ("adva_fsp150_ge114pro", "adva_fsp150", "adva/fsp150cm", "ADVA", "FSP 150CM", None),
    ("luminato_4x4", "luminato", "teleste/luminato", "Teleste", "Luminato", "20.8.23"),
    ("compas", "compas", "alpha-innovations/compas", "Alpha Innovations", "Comp@s", None),
]


@pytest.mark.parametrize(("walk", "lnms_os", "rulebook", "manufacturer", "os_name", "version"), CASES)
def test_family_identity(walk: str, lnms_os: str, rulebook: str, manufacturer: str, os_name: str,
                         version: str | None) -> None:
    lnms = fleet_expected(walk)
    assert lnms["os"]["discovery"]["devices"][0]["os"] == lnms_os, "LibreNMS files the walk under another family"
    assert fleet_rulebook(walk) == rulebook
    res = fleet_resource(walk)
    assert (res["device.manufacturer"], res["os.name"]) == (manufacturer, os_name)
    descr = fleet_walk(walk).text(fleet_walk(walk).get(SYS_DESCR))
    if version is None:
        assert "os.version" not in res
    else:
        assert res["os.version"] == version and version in descr



# families whose sysDescr names no vendor: matched by their product OIDs (ESW) or enterprise
# subtree + model word (Hyperion); walk, LibreNMS os, rulebook, Resource attributes, model text
NAMELESS = [
    ("ciscosb_esw540-8p", "ciscosb", "cisco/esw", {"device.manufacturer": "Cisco", "os.name": "ESW",
                                                   "device.model.identifier": "ESW-540-8P-K9"}),
    ("hyperion", "hyperion", "hyperion/hyperion", {"os.name": "Hyperion", "device.model.identifier": "Hyperion-200"}),
    # sysObjectID enterprises.0 and an empty sysDescr: matched by the tree it serves (`present`)
    ("apc-epdu_epdu1132m", "apc-epdu", "apc/epdu", {"device.manufacturer": "APC", "os.version": "11.10"}),
]


@pytest.mark.parametrize(("walk", "lnms_os", "rulebook", "resource"), NAMELESS)
def test_family_identity_without_a_vendor_in_sysdescr(walk: str, lnms_os: str, rulebook: str,
                                                      resource: dict[str, str]) -> None:
    lnms = fleet_expected(walk)
    assert lnms["os"]["discovery"]["devices"][0]["os"] == lnms_os, "LibreNMS files the walk under another family"
    assert fleet_rulebook(walk) == rulebook
    res = fleet_resource(walk)
    assert {k: res.get(k) for k in resource} == resource
    # the hyperion agent names no manufacturer anywhere in its walk: none is invented
    if "device.manufacturer" not in resource:
        assert "device.manufacturer" not in res


def test_apc_epdu_version_is_librenms_s_and_matched_by_present() -> None:
    walk = "apc-epdu_epdu1132m"
    lnms = fleet_expected(walk)["os"]["discovery"]["devices"][0]
    w = fleet_walk(walk)
    assert (lnms["sysObjectID"], lnms["sysDescr"]) == (".1.3.6.1.4.1.0", "")
    assert fleet_resource(walk)["os.version"] == lnms["version"]
    assert w.text(w.get("1.3.6.1.4.1.1.1.38.1")) == "Ver" + lnms["version"]


# column, metric, unit text the agent appends, factor to the schema's unit
EPDU_READINGS = [("1", "hw.voltage", "V", 1), ("2", "netrosetta.current", "A", 1), ("3", "hw.power", "kW", 1000),
                 ("6", "netrosetta.power.factor", "", 1), ("7", "hw.energy", "kWh", 3_600_000),
                 ("27", "netrosetta.frequency", "Hz", 1)]


@pytest.mark.parametrize(("column", "metric", "unit", "factor"), EPDU_READINGS)
def test_apc_epdu_readings_from_their_unit_text(column: str, metric: str, unit: str, factor: float) -> None:
    # LibreNMS decodes no sensor of this walk; the expectation is the walk's own text
    walk = "apc-epdu_epdu1132m"
    w = fleet_walk(walk)
    text = w.text(w.get(f"1.3.6.1.4.1.1.1.{column}.1"))
    assert text.endswith(unit)
    want = float(text.removesuffix(unit)) * factor if unit else float(text)
    assert fleet_points(walk).one(metric, {"hw.id": "input.1"}) == pytest.approx(want)
