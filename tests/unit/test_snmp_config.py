"""Credentials by reference, target validation, client choice, device start times, root pruning."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from netrosetta.collectors.snmp.client import SnmpError, make_client
from netrosetta.collectors.snmp.credentials import (
    SecretRefError,
    SnmpV2cCredentials,
    SnmpV3Credentials,
    resolve_secret,
)
from netrosetta.collectors.snmp.native_client import NativeClient
from netrosetta.collectors.snmp.pysnmp_client import PysnmpClient
from netrosetta.collectors.snmp.source import minimal_roots
from netrosetta.collectors.snmp.target import SnmpTarget
from netrosetta.exporter.start_times import StartTimes

SECRET = "s3cr3t-Community-9f"


def test_env_file_literal(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NR_TEST_COMMUNITY", SECRET)
    f = tmp_path / "community"
    f.write_text(SECRET + "\nignored second line\n")
    for ref in ("env:NR_TEST_COMMUNITY", f"file:{f}", f"literal:{SECRET}"):
        creds = SnmpV2cCredentials(community=ref)
        assert creds.community.get_secret_value() == SECRET
        assert SECRET not in repr(creds) and SECRET not in str(creds)
        assert SECRET not in creds.model_dump_json()


def test_missing_env_names_variable_not_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NR_TEST_MISSING", raising=False)
    with pytest.raises(SecretRefError, match="NR_TEST_MISSING"):
        resolve_secret("env:NR_TEST_MISSING")
    with pytest.raises(SecretRefError, match="cannot read secret file"):
        resolve_secret("file:/nonexistent/netrosetta/secret")


def test_plain_string_refused_without_echo() -> None:
    # a pasted secret must not end up in the error text
    with pytest.raises(ValidationError) as info:
        SnmpV2cCredentials(community=SECRET)
    assert SECRET not in str(info.value)
    assert "env:VAR" in str(info.value)


def test_v3_validation_never_echoes_keys() -> None:
    with pytest.raises(ValidationError) as info:
        SnmpV3Credentials(user="u", auth_protocol="SHA256", auth_key="literal:short",
                          priv_protocol="AES", priv_key=f"literal:{SECRET}")
    assert "at least 8" in str(info.value)
    assert "short" not in str(info.value).replace("at least", "") and SECRET not in str(info.value)
    with pytest.raises(ValidationError, match="privacy needs authentication"):
        SnmpV3Credentials(user="u", priv_protocol="AES", priv_key=f"literal:{SECRET}")
    with pytest.raises(ValidationError, match="go together"):
        SnmpV3Credentials(user="u", auth_protocol="SHA256")
    ok = SnmpV3Credentials(user="u", auth_protocol="SHA512", auth_key=f"literal:{SECRET}",
                           priv_protocol="AES256", priv_key=f"literal:{SECRET}")
    assert ok.security_level == "authPriv" and SECRET not in repr(ok)


def test_target_version_and_credentials_must_agree() -> None:
    v2 = SnmpV2cCredentials(community=SecretStr(SECRET))
    v3 = SnmpV3Credentials(user="u", auth_protocol="SHA", auth_key=f"literal:{SECRET}")
    with pytest.raises(ValidationError, match="version 3 needs v3"):
        SnmpTarget(host="h", version="3", credentials=v2)
    with pytest.raises(ValidationError, match="needs a community"):
        SnmpTarget(host="h", version="2c", credentials=v3)
    # YAML gives ints; dict input with a reference resolves like a config file would
    t = SnmpTarget.model_validate({"host": "10.0.0.1", "version": 3, "credentials": {
        "user": "u", "auth_protocol": "SHA", "auth_key": f"literal:{SECRET}"}})
    assert t.version == "3" and t.address == "10.0.0.1:161"
    assert SnmpTarget(host="::1", port=1161, credentials=v2).address == "[::1]:1161"
    with pytest.raises(ValidationError):
        SnmpTarget(host="h", credentials=v2, timeout=0)
    with pytest.raises(ValidationError):
        SnmpTarget(host="h", credentials=v2, extra_field=1)  # type: ignore[call-arg]


def test_make_client_picks_cheapest_capable() -> None:
    v2 = SnmpTarget(host="127.0.0.1", credentials=SnmpV2cCredentials(community=SecretStr(SECRET)))

    def v3(auth: str, priv: str | None) -> SnmpTarget:
        return SnmpTarget(host="127.0.0.1", version="3", credentials=SnmpV3Credentials(
            user="u", auth_protocol=auth, auth_key=f"literal:{SECRET}",  # type: ignore[arg-type]
            priv_protocol=priv, priv_key=f"literal:{SECRET}" if priv else None))  # type: ignore[arg-type]

    assert isinstance(make_client(v2), NativeClient)
    assert isinstance(make_client(v2, "pysnmp"), PysnmpClient)
    assert isinstance(make_client(v3("SHA256", "AES")), NativeClient)
    assert isinstance(make_client(v3("SHA512", "AES256")), NativeClient)  # 64-byte key: no extension
    assert isinstance(make_client(v3("SHA256", "AES")), NativeClient)
    # DES, and AES-256 from a 20-byte SHA-1 key (needs Blumenthal/Reeder extension): pysnmp
    assert isinstance(make_client(v3("SHA256", "DES")), PysnmpClient)
    assert isinstance(make_client(v3("SHA", "AES256C")), PysnmpClient)
    with pytest.raises(SnmpError, match=r"127\.0\.0\.1:161: .*SNMPv3 privacy mode"):
        make_client(v3("SHA", "AES256"), "native")
    with pytest.raises(SnmpError, match="value types"):
        make_client(v2, "gufo")


def test_start_time_resets_when_uptime_goes_back() -> None:
    # the exporter's StartTimes is what the service keeps per device; boot = now - sysUpTime
    st = StartTimes()

    def boot(ticks: int, now_ns: int) -> int:
        return now_ns - ticks * 10_000_000

    s1 = st.device_boot("a", boot(100_00, 1_000 * 10**9), 1_000 * 10**9)  # up 100 s at t=1000 s
    assert s1 == 900 * 10**9
    s2 = st.device_boot("a", boot(160_00, 1_060 * 10**9) + 10**6, 1_060 * 10**9)
    assert s2 == s1  # stable while uptime grows, even with clock jitter
    s3 = st.device_boot("a", boot(5_00, 1_120 * 10**9), 1_120 * 10**9)  # agent restarted
    assert s3 == 1_115 * 10**9 and st.events["device restarts"] == 1
    assert st.device_boot("b", None, 7) == 7  # no uptime: start now, no crash


def test_minimal_roots() -> None:
    assert minimal_roots(["1.3.6.1.2.1.31.1.1", ".1.3.6.1.2.1.2.2", "1.3.6.1.2.1.2", "1.3.6.1.2.1.2.2.1.10",
                          "1.3.6.1.2.1.2", " "]) == ["1.3.6.1.2.1.2", "1.3.6.1.2.1.31.1.1"]
    # prefix as a string is not prefix as an OID: .2.20 is not under .2.2
    assert minimal_roots(["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.2.20"]) == ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.2.20"]


def test_walk_numeric_variation_reads_its_start_value() -> None:
    """The lab walk's snmpsim `numeric` lines translate offline: the value the agent starts from."""
    from netrosetta.collectors.snmp.varbind import parse_snmprec_line
    assert parse_snmprec_line("1.3.6.1.2.1.31.1.1.1.6.1|70:numeric|rate=324536,offset=628571139008") == (
        "1.3.6.1.2.1.31.1.1.1.6.1", 70, 628571139008)
    assert parse_snmprec_line("1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=5,offset=0")[2] == 5
    with pytest.raises(ValueError, match="not a recorded value"):
        parse_snmprec_line("1.3.6.1.2.1.1.1.0|4:writecache|value=x")
