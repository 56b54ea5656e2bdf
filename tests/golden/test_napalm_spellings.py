"""Recordings named the way NAPALM's drivers name them translate through the platform
definitions' spellings: `show_proc_cpu.txt` answers the rule asking `show processes cpu`,
`show_env_temperature_status.txt` answers `show environment temperature`, an NX-OS `| json` file
over SSH (nxos_ssh) answers the NX-API rule.

The device outputs are short excerpts of real devices, kept as facts with their source: NAPALM's
`ios` driver test fixtures (test/ios/mocked_data/test_get_environment/<case>/, a Catalyst 3850 on
IOS-XE 16.6 and a Catalyst on IOS-XE with per-core CPU lines). Every expectation is read off the
text by eye and written here — the numbers the device prints — never produced by the code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netrosetta.collectors.api import dataset as apd
from netrosetta.collectors.cli import dataset as cld
from netrosetta.collectors.cli import rulebook_commands
from netrosetta.collectors.platforms import platform
from netrosetta.collectors.recording import Recording, engine_facts
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.golden.test_netconf_napalm import check_counters, counters, rulebooks

pytestmark = pytest.mark.golden

# NAPALM ios fixture 3850_16.06 (excerpts: the summary line and the first process rows)
C3850 = {
    "show_proc_cpu.txt": (
        "CPU utilization for five seconds: 29%/15%; one minute: 19%; five minutes: 19%\n"
        " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process\n"
        "   1           2          29         68  0.00%  0.00%  0.00%   0 Chunk Manager\n"
        "   2      108537      170701        635  0.00%  0.00%  0.00%   0 Load Meter\n"),
    "show_memory_statistics.txt": (
        "Tracekey : 1#bfcda4e05e635ef59d927d2feb906f16\n\n"
        "                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)\n"
        "Processor  FF89570010   873745296   296643656   577101640   574894944   577041700\n"
        " lsmpi_io  FF888CE1A8     6295128     6294304         824         824         412\n"),
    "show_env_temperature_status.txt": (
        "Inlet Temperature Value: 25 Degree Celsius\nTemperature State: GREEN\n"
        "Yellow Threshold : 46 Degree Celsius\nRed Threshold : 56 Degree Celsius\n\n"
        "Hotspot Temperature Value: 38 Degree Celsius\nTemperature State: GREEN\n"
        "Yellow Threshold : 105 Degree Celsius\nRed Threshold : 125 Degree Celsius\n"),
}
# NAPALM ios fixture ios_xe (excerpts): per-core CPU lines; `show memory statistics` refused
IOS_XE = {
    "show_proc_cpu.txt": (
        "Core 0: CPU utilization for five seconds: 18%; one minute: 16%; five minutes: 15%\n"
        "Core 1: CPU utilization for five seconds: 8%; one minute: 8%; five minutes: 7%\n"
        "PID     Runtime(ms) Invoked   uSecs  5Sec 1Min 5Min TTY   Process\n"
        "1       1870        1438      1300   0.00 0.00 0.00 0     init               \n"),
    "show_memory_statistics.txt": "^\n% Invalid input detected at '^' marker.",
    "show_env_temperature_status.txt": (
        "Inlet Temperature Value: 26 Degree Celsius\nTemperature State: GREEN\n"
        "Yellow Threshold : 46 Degree Celsius\nRed Threshold    : 60 Degree Celsius\n\n"
        "Hotspot Temperature Value: 43 Degree Celsius\nTemperature State: GREEN\n"
        "Yellow Threshold : 105 Degree Celsius\nRed Threshold    : 125 Degree Celsius"),
}


def _folder(tmp_path: Path, files: dict[str, str]) -> Recording:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return Recording.open(tmp_path)


def _ios(rec: Recording) -> tuple[DeviceTranslation, dict[str, str]]:
    src = cld.from_recording(rec, "cisco_ios", rulebook_commands(rulebooks(), "cisco_ios"))
    t = translate(cld.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "cisco/ios-cli"
    return t, src.errors


def _values(t: DeviceTranslation, metric: str) -> dict[tuple[tuple[str, object], ...], float]:
    return {tuple(sorted((k, v) for k, v in attrs.items() if k != "network.interface.name")): v
            for _s, m, attrs, v in t.iter_points() if m.name == metric}


def test_catalyst_3850_ios_xe16_napalm_names(tmp_path: Path) -> None:
    t, errors = _ios(_folder(tmp_path, C3850))
    assert _values(t, "system.cpu.utilization") == {(("hw.id", "0"),): pytest.approx(0.19)}
    mem = _values(t, "system.memory.usage")
    assert mem == {(("hw.id", "processor"), ("system.memory.state", "used")): 296643656,
                   (("hw.id", "processor"), ("system.memory.state", "free")): 577101640}
    assert _values(t, "system.memory.limit") == {(("hw.id", "processor"),): 873745296}
    assert _values(t, "hw.temperature") == {(("hw.id", "Inlet"), ("hw.name", "Inlet")): 25,
                                            (("hw.id", "Hotspot"), ("hw.name", "Hotspot")): 38}
    limits = {(dict(k)["hw.id"], dict(k)["hw.limit_type"]): v for k, v in _values(t, "hw.temperature.limit").items()}
    assert limits == {("Inlet", "high.degraded"): 46, ("Inlet", "high.critical"): 56,
                      ("Hotspot", "high.degraded"): 105, ("Hotspot", "high.critical"): 125}
    # this getter's recording has no interface or version output: only those questions are missing
    assert set(errors) == {"show interfaces", "show version"}


def test_ios_xe_per_core_cpu_and_a_refused_memory_command(tmp_path: Path) -> None:
    t, errors = _ios(_folder(tmp_path, IOS_XE))
    # the first core's five-minute figure (the rule reads the box's first row, 5 min)
    assert _values(t, "system.cpu.utilization") == {(("hw.id", "0"),): pytest.approx(0.15)}
    assert _values(t, "hw.temperature") == {(("hw.id", "Inlet"), ("hw.name", "Inlet")): 26,
                                            (("hw.id", "Hotspot"), ("hw.name", "Hotspot")): 43}
    # the device refused `show memory statistics`: a counted error naming the refusal, no number
    assert "refused" in errors["show processes memory sorted"]
    assert _values(t, "system.memory.usage") == {}


def test_spellings_come_from_the_platform_definition() -> None:
    ios = platform("cisco_ios")
    assert ios is not None and platform("cisco_xe") is ios
    spelled = ios.spellings("show environment temperature")
    assert "show env temperature status" in spelled and spelled[0] == "show environment temperature"
    assert "show proc cpu" in ios.spellings("show processes cpu")
    nxos = platform("cisco_nxos")
    assert nxos is not None and "show interface | json" in nxos.spellings("show interface")


def test_nxos_ssh_json_file_answers_the_nxapi_rule(tmp_path: Path) -> None:
    # NX-OS prints the NX-API body for `show interface | json`; NAPALM's nxos_ssh names the file
    # show_interface___json.txt. One interface, numbers chosen here (as NX-OS keys them).
    body = {"TABLE_interface": {"ROW_interface": {
        "interface": "Ethernet1/1", "state": "up", "eth_inbytes": "1000", "eth_outbytes": 2000,
        "eth_inucast": 10, "eth_outucast": 20}}}
    (tmp_path / "show_interface___json.txt").write_text(json.dumps(body))
    src = apd.from_recording(Recording.open(tmp_path), "cisco_nxos")
    assert list(src.documents) == ["show interface"]
    t = translate(apd.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "cisco/nxos-api"
    io = {(a["network.interface.name"], a["network.io.direction"]): v
          for _s, m, a, v in t.iter_points() if m.name == "hw.network.io"}
    assert io == {("Ethernet1/1", "receive"): 1000, ("Ethernet1/1", "transmit"): 2000}


# NAPALM nxos fixture test_get_environment/normal/show_environment.json (the TABLE_tempinfo part,
# an N3K-C3548P: blanks after the numbers as NX-API sends them)
NXAPI_TEMPS = {"TABLE_tempinfo": {"ROW_tempinfo": [
    {"alarmstatus": "Ok", "curtemp": "56", "majthres": "92  ", "minthres": "85  ", "sensor": "ASIC", "tempmod": "1        "},
    {"alarmstatus": "Ok", "curtemp": "23", "majthres": "45  ", "minthres": "31  ", "sensor": "INTAKE", "tempmod": "1        "},
    {"alarmstatus": "Ok", "curtemp": "56", "majthres": "110 ", "minthres": "90  ", "sensor": "ASIC", "tempmod": "1        "},
    {"alarmstatus": "Ok", "curtemp": "23", "majthres": "70  ", "minthres": "40  ", "sensor": "INTAKE", "tempmod": "1        "},
]}}
# NAPALM nxos_ssh fixture test_get_environment/normal/show_environment_temperature.txt
NXOS_SSH_TEMPS = """Temperature:
--------------------------------------------------------------------
Module   Sensor        MajorThresh   MinorThres   CurTemp     Status
                       (Celsius)     (Celsius)    (Celsius)
--------------------------------------------------------------------
1        Intake          70              42          28         Ok
1        Exhaust         90              80          33         Ok
1        CPU             100             90          44         Ok
1        Davos           110             90          49         Ok
"""


def _temps(t: DeviceTranslation) -> dict[tuple[str, str, str], float]:
    """(hw.id, hw.name, metric or limit type) -> value."""
    return {(a["hw.id"], a["hw.name"], a.get("hw.limit_type", m.name)): v
            for _s, m, a, v in t.iter_points() if m.name in ("hw.temperature", "hw.temperature.limit")}


def test_nxos_nxapi_temperatures_named_as_napalm_nxos(tmp_path: Path) -> None:
    (tmp_path / "show_environment.json").write_text(json.dumps(NXAPI_TEMPS))
    src = apd.from_recording(Recording.open(tmp_path), "cisco_nxos")
    t = translate(apd.to_engine(src), engine_facts(src), rulebooks())
    got = _temps(t)
    # two ASIC and two INTAKE rows on module 1 stay four sensors, "1-1".."1-4" as NAPALM's keys
    assert {k: v for k, v in got.items() if k[2] == "hw.temperature"} == {
        ("1-1", "1-1 ASIC", "hw.temperature"): 56, ("1-2", "1-2 INTAKE", "hw.temperature"): 23,
        ("1-3", "1-3 ASIC", "hw.temperature"): 56, ("1-4", "1-4 INTAKE", "hw.temperature"): 23}
    assert got[("1-1", "1-1 ASIC", "high.degraded")] == 85 and got[("1-1", "1-1 ASIC", "high.critical")] == 92
    assert got[("1-4", "1-4 INTAKE", "high.degraded")] == 40 and got[("1-4", "1-4 INTAKE", "high.critical")] == 70


def test_nxos_ssh_temperatures_named_alike(tmp_path: Path) -> None:
    (tmp_path / "show_environment_temperature.txt").write_text(NXOS_SSH_TEMPS)
    src = cld.from_recording(Recording.open(tmp_path), "cisco_nxos",
                             rulebook_commands(rulebooks(), "cisco_nxos"))
    t = translate(cld.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "cisco/nxos-cli"
    got = _temps(t)
    assert {k: v for k, v in got.items() if k[2] == "hw.temperature"} == {
        ("1-1", "1-1 Intake", "hw.temperature"): 28, ("1-2", "1-2 Exhaust", "hw.temperature"): 33,
        ("1-3", "1-3 CPU", "hw.temperature"): 44, ("1-4", "1-4 Davos", "hw.temperature"): 49}
    assert got[("1-3", "1-3 CPU", "high.degraded")] == 90 and got[("1-3", "1-3 CPU", "high.critical")] == 100


def test_eos_json_over_ssh_file_names_answer_the_eapi_rules(tmp_path: Path) -> None:
    """EOS prints the eAPI document for `show interfaces | json` over SSH: NAPALM's eos recording,
    renamed as an SSH session would name it, gives NAPALM's expected counters."""
    case = need_shared("corpus", "napalm", "eos", "test_get_interfaces_counters", "normal")
    (tmp_path / "show_interfaces___json.txt").write_text((case / "show_interfaces.json").read_text())
    src = apd.from_recording(Recording.open(tmp_path), "arista_eos")
    assert list(src.documents) == ["show interfaces"]
    t = translate(apd.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "arista/eos-api"
    check_counters(counters(t), json.loads((case / "expected_result.json").read_text()))


# NAPALM ios fixture test_get_facts/old-2950/show_version.txt (the lines naming the device)
C2950_VERSION = """Cisco Internetwork Operating System Software
IOS (tm) C2950 Software (C2950-I6K2L2Q4-M), Version 12.1(22)EA13, RELEASE SOFTWARE (fc2)
Copyright (c) 1986-2009 by cisco Systems, Inc.
Compiled Fri 27-Feb-09 22:20 by amvarma
Image text-base: 0x80010000, data-base: 0x80680000

ROM: Bootstrap program is C2950 boot loader

c2950 uptime is 33 weeks, 4 days, 7 hours, 49 minutes
System returned to ROM by power-on
System restarted at 10:02:41 CDT Sat Mar 18 2017
System image file is "flash:/c2950-i6k2l2q4-mz.121-22.EA13.bin"

cisco WS-C2950T-48-SI (RC32300) processor (revision F0) with 19912K bytes of memory.
Processor board ID FHK0922W0JC
Last reset from system-reset
Running Standard Image
48 FastEthernet/IEEE 802.3 interface(s)

Base ethernet MAC Address: 00:14:69:CE:67:40
Model number: WS-C2950T-48-SI
System serial number: FHK0922W0JC
Configuration register is 0xF
"""


def test_ios_get_facts_resource_from_show_version(tmp_path: Path) -> None:
    t, _errors = _ios(_folder(tmp_path, {"show_version.txt": C2950_VERSION}))
    # NAPALM's get_facts: model WS-C2950T-48-SI, serial FHK0922W0JC, os_version "... Version 12.1(22)EA13 ..."
    assert t.resource["device.model.identifier"] == "WS-C2950T-48-SI"
    assert t.resource["netrosetta.device.serial_number"] == "FHK0922W0JC"
    assert t.resource["os.version"] == "12.1(22)EA13"
