"""The committed compiled MIB index (mibs/) and the MibIndex query API.

Expected values are facts from the standards and vendor MIB definitions (OIDs, syntax, enums,
INDEX clauses), not output captured from our code.
"""

from __future__ import annotations

import json

import pytest

from netrosetta import paths
from netrosetta.engine.mib_index import (
    MibIndex,
    MibIndexDecodeError,
    MibResolveError,
    MibSymbol,
    format_integer_hint,
    format_octet_hint,
)
from netrosetta.errors import NetrosettaError


@pytest.fixture(scope="module")
def idx() -> MibIndex:
    return MibIndex.load()


def test_default_is_a_cached_singleton() -> None:
    assert MibIndex.default() is MibIndex.default()
    assert MibIndex.default().path == paths.MIBS


def test_if_mib_hc_in_octets(idx: MibIndex) -> None:
    for text in ("IF-MIB::ifHCInOctets", "ifHCInOctets", "1.3.6.1.2.1.31.1.1.1.6", ".1.3.6.1.2.1.31.1.1.1.6"):
        sym = idx.resolve(text)
        assert isinstance(sym, MibSymbol)
        assert (sym.module, sym.name) == ("IF-MIB", "ifHCInOctets")
        assert sym.oid == "1.3.6.1.2.1.31.1.1.1.6"
        assert sym.kind == "column"
        assert sym.syntax == "Counter64"
        assert sym.is_counter
        assert sym.table == "ifXTable" and sym.row == "ifXEntry"
        assert sym.indexes == ["ifIndex"]  # ifXEntry AUGMENTS ifEntry, indexed by ifIndex
        assert sym.max_access == "read-only"


def test_symbols_are_hashable_values(idx: MibIndex) -> None:
    a, b = idx.resolve("ifType"), idx.resolve("IF-MIB::ifType")
    assert a == b and len({a, b}) == 1
    assert str(a) == "IF-MIB::ifType (1.3.6.1.2.1.2.2.1.3)"


def test_augments_row(idx: MibIndex) -> None:
    row = idx.resolve("IF-MIB::ifXEntry")
    assert row is not None
    assert row.kind == "row" and row.augments == "ifEntry"
    assert row.indexes == ["ifIndex"]
    assert idx.resolve("ifXTable").kind == "table"  # type: ignore[union-attr]


def test_textual_conventions_enums_and_hints(idx: MibIndex) -> None:
    descr = idx.resolve("IF-MIB::ifDescr")
    assert descr is not None
    assert descr.oid == "1.3.6.1.2.1.2.2.1.2"
    assert (descr.syntax, descr.tc, descr.tc_module) == ("OctetString", "DisplayString", "SNMPv2-TC")
    assert descr.display_hint == "255a"
    admin = idx.resolve("ifAdminStatus")
    assert admin is not None and admin.enums == {1: "up", 2: "down", 3: "testing"}
    if_type = idx.resolve("ifType")
    assert if_type is not None and if_type.tc == "IANAifType"
    assert if_type.enums[6] == "ethernetCsmacd"
    assert if_type.enums[24] == "softwareLoopback"
    assert if_type.enums[161] == "ieee8023adLag"
    phys = idx.resolve("ifPhysAddress")
    assert phys is not None and phys.tc == "PhysAddress" and phys.display_hint == "1x:"


def test_smiv2_definition_wins_over_rfc1213(idx: MibIndex) -> None:
    up = idx.resolve("sysUpTime")
    assert up is not None
    assert (up.module, up.oid, up.kind, up.syntax) == ("SNMPv2-MIB", "1.3.6.1.2.1.1.3", "scalar", "TimeTicks")
    assert idx.resolve("1.3.6.1.2.1.2.2.1.1").module == "IF-MIB"  # type: ignore[union-attr]
    assert idx.resolve("RFC1213-MIB::ifIndex").oid == "1.3.6.1.2.1.2.2.1.1"  # type: ignore[union-attr]


# Symbols the SNMP rulebooks use, with facts from each MIB's definition.
RULEBOOK_SYMBOLS = [
    ("ENTITY-MIB::entPhysicalDescr", "1.3.6.1.2.1.47.1.1.1.1.2", "column", ["entPhysicalIndex"]),
    ("ENTITY-MIB::entPhysicalName", "1.3.6.1.2.1.47.1.1.1.1.7", "column", ["entPhysicalIndex"]),
    ("ENTITY-SENSOR-MIB::entPhySensorValue", "1.3.6.1.2.1.99.1.1.1.4", "column", ["entPhysicalIndex"]),
    ("HOST-RESOURCES-MIB::hrProcessorLoad", "1.3.6.1.2.1.25.3.3.1.2", "column", ["hrDeviceIndex"]),
    ("HOST-RESOURCES-MIB::hrStorageUsed", "1.3.6.1.2.1.25.2.3.1.6", "column", ["hrStorageIndex"]),
    ("CISCO-PROCESS-MIB::cpmCPUTotal5minRev", "1.3.6.1.4.1.9.9.109.1.1.1.1.8", "column", ["cpmCPUTotalIndex"]),
    ("CISCO-MEMORY-POOL-MIB::ciscoMemoryPoolUsed", "1.3.6.1.4.1.9.9.48.1.1.1.5", "column",
     ["ciscoMemoryPoolType"]),
    ("CISCO-ENHANCED-MEMPOOL-MIB::cempMemPoolHCUsed", "1.3.6.1.4.1.9.9.221.1.1.1.1.18", "column",
     ["entPhysicalIndex", "cempMemPoolIndex"]),
    ("CISCO-ENTITY-SENSOR-MIB::entSensorValue", "1.3.6.1.4.1.9.9.91.1.1.1.1.4", "column", ["entPhysicalIndex"]),
    ("CISCO-ENVMON-MIB::ciscoEnvMonTemperatureStatusValue", "1.3.6.1.4.1.9.9.13.1.3.1.3", "column",
     ["ciscoEnvMonTemperatureStatusIndex"]),
    ("CISCO-ENTITY-FRU-CONTROL-MIB::cefcFRUPowerOperStatus", "1.3.6.1.4.1.9.9.117.1.1.2.1.2", "column",
     ["entPhysicalIndex"]),
    ("JUNIPER-MIB::jnxOperatingTable", "1.3.6.1.4.1.2636.3.1.13", "table",
     ["jnxOperatingContentsIndex", "jnxOperatingL1Index", "jnxOperatingL2Index", "jnxOperatingL3Index"]),
    ("JUNIPER-MIB::jnxOperatingCPU", "1.3.6.1.4.1.2636.3.1.13.1.8", "column",
     ["jnxOperatingContentsIndex", "jnxOperatingL1Index", "jnxOperatingL2Index", "jnxOperatingL3Index"]),
    ("HUAWEI-ENTITY-EXTENT-MIB::hwEntityCpuUsage", "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5", "column",
     ["entPhysicalIndex"]),
    ("HUAWEI-ENTITY-EXTENT-MIB::hwEntityTemperature", "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.11", "column",
     ["entPhysicalIndex"]),
    ("UCD-SNMP-MIB::memTotalReal", "1.3.6.1.4.1.2021.4.5", "scalar", []),
    ("UCD-SNMP-MIB::ssCpuIdle", "1.3.6.1.4.1.2021.11.11", "scalar", []),
    ("UCD-SNMP-MIB::laLoad", "1.3.6.1.4.1.2021.10.1.3", "column", ["laIndex"]),
    ("TIMETRA-SYSTEM-MIB::sgiCpuUsage", "1.3.6.1.4.1.6527.3.1.2.1.1.1", "scalar", []),
    ("TIMETRA-CHASSIS-MIB::tmnxHwTemperature", "1.3.6.1.4.1.6527.3.1.2.2.1.8.1.18", "column",
     ["tmnxChassisIndex", "tmnxHwIndex"]),
    ("ARISTA-ENTITY-SENSOR-MIB::aristaEntSensorThresholdEntry", "1.3.6.1.4.1.30065.3.12.1.1.1", "row",
     ["entPhysicalIndex"]),
    ("ARISTA-IF-MIB::aristaIfInOctetRate", "1.3.6.1.4.1.30065.3.15.1.1.1.5", "column", ["ifIndex"]),
]


@pytest.mark.parametrize(("text", "oid", "kind", "indexes"), RULEBOOK_SYMBOLS, ids=[r[0] for r in RULEBOOK_SYMBOLS])
def test_rulebook_symbols_resolve(idx: MibIndex, text: str, oid: str, kind: str, indexes: list[str]) -> None:
    sym = idx.resolve(text)
    assert sym is not None
    assert sym.oid == oid
    assert sym.kind == kind
    assert sym.indexes == indexes
    assert idx.resolve(sym.name) == sym or len(idx._by_name[sym.name]) > 1


def test_vendor_types_and_units(idx: MibIndex) -> None:
    cpu = idx.resolve("cpmCPUTotal5minRev")
    assert cpu is not None and cpu.syntax == "Gauge32" and cpu.units == "percent"
    hc = idx.resolve("cempMemPoolHCUsed")
    assert hc is not None and hc.syntax == "Counter64" and hc.tc == "CounterBasedGauge64"
    assert not hc.is_counter  # RFC 2856: a gauge carried in a Counter64
    sensor = idx.resolve("CISCO-ENTITY-SENSOR-MIB::entSensorType")
    assert sensor is not None and sensor.enums[8] == "celsius"
    assert idx.resolve("ENTITY-SENSOR-MIB::entPhySensorType").enums[8] == "celsius"  # type: ignore[union-attr]
    assert idx.resolve("entPhysicalClass").enums[3] == "chassis"  # type: ignore[union-attr]
    assert idx.resolve("cefcFRUPowerOperStatus").enums[2] == "on"  # type: ignore[union-attr]
    assert idx.resolve("hrStorageAllocationUnits").units == "Bytes"  # type: ignore[union-attr]
    assert idx.resolve("memTotalReal").units == "kB"  # type: ignore[union-attr]


def test_lookup_oid_longest_prefix(idx: MibIndex) -> None:
    hit = idx.lookup_oid("1.3.6.1.2.1.31.1.1.1.6.5")
    assert hit is not None
    sym, suffix = hit
    assert sym.qualname == "IF-MIB::ifHCInOctets" and suffix == (5,)
    scalar = idx.lookup_oid(".1.3.6.1.2.1.1.3.0")
    assert scalar is not None and scalar[0].name == "sysUpTime" and scalar[1] == (0,)
    assert idx.lookup_oid((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 7))[1] == (7,)  # type: ignore[index]
    assert idx.lookup_oid("2.999.1.2") is None
    assert idx.resolve("1.3.6.1.2.1.31.1.1.1.6.5") is None  # an instance, not a symbol
    assert idx.name_oid("1.3.6.1.2.1.31.1.1.1.6.5") == "IF-MIB::ifHCInOctets.5"


def test_columns(idx: MibIndex) -> None:
    cols = idx.columns("ifXTable")
    names = [c.name for c in cols]
    assert names[0] == "ifName"  # ifXEntry column 1
    assert "ifHCInOctets" in names and "ifAlias" in names
    assert all(c.kind == "column" and c.row == "ifXEntry" for c in cols)
    assert [c.name for c in idx.columns("IF-MIB::ifXEntry")] == names
    jnx = [c.name for c in idx.columns("jnxOperatingTable")]
    assert "jnxOperatingTemp" in jnx and "jnxOperatingCPU" in jnx
    with pytest.raises(MibResolveError):
        idx.columns("ifHCInOctets")


def test_unknown_symbols_are_plain_errors_with_suggestions(idx: MibIndex) -> None:
    with pytest.raises(MibResolveError, match=r"unknown MIB symbol 'ifHCInOctet'.*ifHCInOctets"):
        idx.resolve("ifHCInOctet")
    with pytest.raises(MibResolveError, match=r"IF-MIB::ifHCInOctets"):
        idx.resolve("IF-MIB::ifHCInOctet")
    with pytest.raises(MibResolveError, match=r"unknown MIB module 'IF-MIBB'.*IF-MIB"):
        idx.resolve("IF-MIBB::ifHCInOctets")
    # Same name at different OIDs in two modules: the message lists both qualified names.
    with pytest.raises(MibResolveError, match=r"HUAWEI-MIB::transmission.*SNMPv2-SMI::transmission"):
        idx.resolve("transmission")
    assert issubclass(MibResolveError, NetrosettaError)
    assert "ifHCInOctets" in idx and "ifHCInOctet" not in idx


def test_index_components(idx: MibIndex) -> None:
    def decode(oid: str) -> list[int | str]:
        hit = idx.lookup_oid(oid)
        assert hit is not None
        return idx.index_components(*hit)

    # IP-MIB ipAddressTable: INDEX { InetAddressType, InetAddress (length-prefixed) }
    assert decode("1.3.6.1.2.1.4.34.1.3.1.4.10.0.0.1") == [1, "10.0.0.1"]
    assert decode("1.3.6.1.2.1.4.34.1.3.2.16.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1") == [2, "fe80::1"]
    # IpAddress index: four arcs
    assert decode("1.3.6.1.2.1.4.20.1.1.192.168.1.1") == ["192.168.1.1"]
    # BRIDGE-MIB dot1dTpFdbTable: INDEX { MacAddress } — fixed SIZE(6), no length arc
    assert decode("1.3.6.1.2.1.17.4.3.1.2.0.80.86.1.2.3") == ["00:50:56:01:02:03"]
    # IF-MIB ifRcvAddressTable: ifIndex then PhysAddress (variable size, length-prefixed)
    assert decode("1.3.6.1.2.1.31.1.4.1.2.3.6.0.80.86.1.2.3") == [3, "00:50:56:01:02:03"]
    # SNMP-TARGET-MIB snmpTargetAddrTable: INDEX { IMPLIED SnmpAdminString } — no length arc
    assert decode("1.3.6.1.6.3.12.1.2.1.2.97.98.99") == ["abc"]
    # LLDP-MIB lldpRemTable: three integer components
    assert decode("1.0.8802.1.1.2.1.4.1.1.9.0.3.1") == [0, 3, 1]
    # JUNIPER-MIB jnxOperatingTable: four integer components (jnxOperatingTemp of FPC 1)
    assert decode("1.3.6.1.4.1.2636.3.1.13.1.7.9.1.0.0") == [9, 1, 0, 0]
    # ENTITY-SENSOR-MIB row indexed by ENTITY-MIB's entPhysicalIndex
    assert decode("1.3.6.1.2.1.99.1.1.1.4.1001") == [1001]


def test_index_decode_errors(idx: MibIndex) -> None:
    sym = idx.resolve("ipAddressIfIndex")
    assert sym is not None
    with pytest.raises(MibIndexDecodeError, match="too short"):
        idx.index_components(sym, (1, 4, 10, 0))
    with pytest.raises(MibIndexDecodeError, match="left over"):
        idx.index_components(idx.resolve("ifHCInOctets"), (5, 6))  # type: ignore[arg-type]
    with pytest.raises(MibIndexDecodeError, match="above 255"):
        idx.index_components(idx.resolve("snmpTargetAddrTDomain"), (300,))  # type: ignore[arg-type]


def test_committed_index_has_no_description_text() -> None:
    files = sorted(paths.MIBS.glob("*.json"))
    assert len(files) > 40
    for file in files:
        text = file.read_text()
        data = json.loads(text)
        assert data["netrosetta_mib"] == 1 and data["module"] == file.stem
        assert '"description"' not in text and '"reference"' not in text
    # A sentence from the DESCRIPTION of IF-MIB::ifHCInOctets (RFC 2863) must not be there.
    assert "total number of octets received" not in (paths.MIBS / "IF-MIB.json").read_text()


def test_missing_index_folder_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NetrosettaError, match="mibs compile") as err:
        MibIndex.load(tmp_path / "nope")
    assert err.value.file == str(tmp_path / "nope")


def _encode_instance(values: list[tuple[str, object]]) -> tuple[int, ...]:
    """RFC 2578 section 7.7 instance encoding, written independently of the decoder."""
    arcs: list[int] = []
    for how, v in values:
        if how == "int":
            arcs.append(int(v))  # type: ignore[call-overload]
        elif how == "str":
            raw = str(v).encode()
            arcs += [len(raw), *raw]
        elif how == "implied":
            arcs += list(str(v).encode())
    return tuple(arcs)


def test_index_round_trip_property(idx: MibIndex) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    # SNMP-TARGET-MIB snmpTargetAddrEntry: INDEX { IMPLIED snmpTargetAddrName } (SnmpAdminString)
    implied_col = idx.resolve("snmpTargetAddrTDomain")
    # LLDP-MIB lldpRemEntry: INDEX { TimeFilter, LldpPortNumber, Integer32 }
    lldp_col = idx.resolve("lldpRemSysName")
    # IF-MIB ifRcvAddressEntry: INDEX { ifIndex, ifRcvAddressAddress } (PhysAddress: length-prefixed)
    rcv_col = idx.resolve("ifRcvAddressStatus")
    assert implied_col is not None and lldp_col is not None and rcv_col is not None
    printable = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=32)

    @hypothesis.given(name=printable, a=st.integers(0, 2**32 - 1), b=st.integers(1, 4096),
                      c=st.integers(1, 2**31 - 1), mac=st.binary(min_size=1, max_size=20))
    @hypothesis.settings(max_examples=60, deadline=None)
    def check(name: str, a: int, b: int, c: int, mac: bytes) -> None:
        assert idx.index_components(implied_col, _encode_instance([("implied", name)])) == [name]
        encoded = _encode_instance([("int", a), ("int", b), ("int", c)])
        assert idx.index_components(lldp_col, encoded) == [a, b, c]
        encoded = (c, len(mac), *mac)
        assert idx.index_components(rcv_col, encoded) == [c, ":".join(f"{x:02x}" for x in mac)]

    check()


def test_display_hints_rfc2579() -> None:
    # RFC 2579 DateAndTime: "Tuesday May 26, 1992 at 1:30:15 PM EDT would be displayed as
    # 1992-5-26,13:30:15.0,-4:0" (octets 07 C8 05 1A 0D 1E 0F 00 '-' 04 00).
    hint = "2d-1d-1d,1d:1d:1d.1d,1a1d:1d"
    eleven = bytes([0x07, 0xC8, 5, 26, 13, 30, 15, 0, ord("-"), 4, 0])
    assert format_octet_hint(hint, eleven) == "1992-5-26,13:30:15.0,-4:0"
    assert format_octet_hint(hint, eleven[:8]) == "1992-5-26,13:30:15.0"  # 8-octet form: no zone
    assert format_octet_hint("1x:", bytes([0, 0x50, 0x56, 1, 2, 0xAB])) == "00:50:56:01:02:ab"
    assert format_octet_hint("255a", b"eth0") == "eth0"
    assert format_octet_hint("1d.1d.1d.1d", bytes([192, 0, 2, 1])) == "192.0.2.1"
    assert format_octet_hint("255t", "température".encode()) == "température"
    assert format_octet_hint("*1x:/1a", bytes([2, 0xA, 0xB, ord("z")])) == "0a:0b/z"
    # INTEGER hints: "d-2" puts two digits after the decimal point.
    assert format_integer_hint("d-2", 1234) == "12.34"
    assert format_integer_hint("d-2", -5) == "-0.05"
    assert format_integer_hint("x", 255) == "ff"
    with pytest.raises(ValueError):
        format_octet_hint("1q", b"x")


def test_symbol_render(idx: MibIndex) -> None:
    assert idx.resolve("ifOperStatus").render(1) == "up"  # type: ignore[union-attr]
    assert idx.resolve("ifOperStatus").render(7) == "lowerLayerDown"  # type: ignore[union-attr]
    assert idx.resolve("ifPhysAddress").render(bytes([0, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E])) == "00:1a:2b:3c:4d:5e"  # type: ignore[union-attr]
    assert idx.resolve("ifDescr").render(b"GigabitEthernet0/1") == "GigabitEthernet0/1"  # type: ignore[union-attr]
    assert idx.resolve("ifHCInOctets").render(10) == "10"  # type: ignore[union-attr]
