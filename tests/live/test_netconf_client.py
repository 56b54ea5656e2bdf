"""NETCONF client against the project's NETCONF-over-SSH simulator (real SSH, RFC 6242 framing)."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncssh
import pytest
from lxml import etree

from netrosetta.collectors.netconf.client import poll
from netrosetta.collectors.netconf.config import NetconfRequest, NetconfTarget
from netrosetta.collectors.netconf.lab.server import Faults, NetconfSimulator
from netrosetta.collectors.recording import Recording, TargetError
from tests.conftest import need_shared

pytestmark = pytest.mark.live
SECRET = "s3cr3t-Pa55"
XR_IF = "http://cisco.com/ns/yang/Cisco-IOS-XR-pfi-im-cmd-oper"


async def _start(rec: Path, platform: str, tmp_path: Path,
                 **kw: object) -> tuple[NetconfSimulator, NetconfTarget]:
    sim = NetconfSimulator(rec, username="op", password=SECRET, platform=platform, **kw)  # type: ignore[arg-type]
    port = await sim.start()
    kh = tmp_path / "known_hosts"
    kh.write_text(sim.known_hosts_line())
    target = NetconfTarget(name="dev1", host="127.0.0.1", port=port, username="op", password=SECRET,
                           platform=platform, known_hosts=kh, timeout=3, connect_timeout=3)
    return sim, target


@pytest.fixture
def junos_env() -> Path:
    return need_shared("corpus", "napalm", "junos", "test_get_environment", "mx10003")


@pytest.fixture
def xr_counters() -> Path:
    return need_shared("corpus", "napalm", "iosxr_netconf", "test_get_interfaces_counters", "normal")


async def test_junos_vendor_rpcs_and_unsupported_rpc(junos_env: Path, tmp_path: Path) -> None:
    sim, target = await _start(junos_env, "juniper_junos", tmp_path)
    try:
        ds = await poll(target, record=tmp_path / "rec")
    finally:
        await sim.stop()
    # the recording has no get-interface-information: the device answers rpc-error, counted, others kept
    assert "get-interface-information" in ds.errors and "rpc-error" in ds.errors["get-interface-information"]
    re_info = ds.documents["get-route-engine-information"]
    assert re_info.tag == "route-engine-information"
    raw = etree.parse(str(junos_env / "get-route-engine-information.xml"))
    assert re_info.findtext(".//memory-dram-size") == raw.findtext(".//memory-dram-size")
    assert ds.facts.vendor == "Juniper"
    # what was recorded reads back in the same NAPALM layout
    rec = Recording.open(tmp_path / "rec")
    assert rec.find("get-environment-information", "netconf") is not None


async def test_xr_subtree_filter(xr_counters: Path, tmp_path: Path) -> None:
    sim, target = await _start(xr_counters, "cisco_xr", tmp_path)
    target.requests = [NetconfRequest(subtree=f'<interfaces xmlns="{XR_IF}"><interface-xr><interface>'
                                              "<interface-name>Bundle-Ether1</interface-name>"
                                              "<interface-statistics/></interface></interface-xr></interfaces>")]
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    doc = ds.documents["pfi-im-cmd-oper_interfaces"]
    names = doc.xpath("//x:interface-name/text()", namespaces={"x": XR_IF})
    assert names == ["Bundle-Ether1"]       # content-match node selected one list entry
    assert doc.xpath("string(//x:bytes-received)", namespaces={"x": XR_IF}) == "15591"   # from the raw reply


async def test_xr_xpath_filter(xr_counters: Path, tmp_path: Path) -> None:
    sim, target = await _start(xr_counters, "cisco_xr", tmp_path)
    target.requests = [NetconfRequest(
        name="bundles", namespaces={"im": XR_IF},
        xpath="/nc:data/im:interfaces/im:interface-xr/im:interface[im:interface-name='Bundle-Ether1.10']"
              "/im:interface-statistics")]
    target.requests[0].namespaces["nc"] = "urn:ietf:params:xml:ns:netconf:base:1.0"
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    doc = ds.documents["bundles"]
    assert doc.xpath("//x:interface-name/text()", namespaces={"x": XR_IF}) == ["Bundle-Ether1.10"]
    assert doc.xpath("string(//x:input-drops)", namespaces={"x": XR_IF}) == "1"


async def test_truncated_reply_is_an_error_on_that_rpc(junos_env: Path, tmp_path: Path) -> None:
    sim, target = await _start(junos_env, "juniper_junos", tmp_path,
                               faults=Faults(truncate={"get-environment-information"}))
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    assert "get-environment-information" not in ds.documents
    assert "get-environment-information" in ds.errors
    assert "get-route-engine-information" in ds.documents


async def test_timeout(junos_env: Path, tmp_path: Path) -> None:
    sim, target = await _start(junos_env, "juniper_junos", tmp_path,
                               faults=Faults(delay={"get-route-engine-information": 10}))
    target.timeout = 1
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "timeout"


async def test_login_failure_never_logs_the_password(junos_env: Path, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim, target = await _start(junos_env, "juniper_junos", tmp_path)
    wrong = "Wr0ng-" + SECRET
    target.password = wrong  # type: ignore[assignment]
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
    finally:
        await sim.stop()
    assert err.value.reason == "auth"
    assert wrong not in str(err.value) and wrong not in caplog.text and wrong not in repr(target)


async def test_host_key_mismatch_and_unknown_host(junos_env: Path, tmp_path: Path) -> None:
    sim, target = await _start(junos_env, "juniper_junos", tmp_path)
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().strip()
    assert target.known_hosts is not None
    target.known_hosts.write_text(f"[127.0.0.1]:{sim.port} {other}\n")
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    try:
        with pytest.raises(TargetError) as err:
            await poll(target)
        assert err.value.reason == "hostkey"
        target.known_hosts = empty
        with pytest.raises(TargetError) as err:
            await poll(target)
        assert err.value.reason == "hostkey"
    finally:
        await sim.stop()


async def test_connection_refused(tmp_path: Path) -> None:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    target = NetconfTarget(name="gone", host="127.0.0.1", port=port, username="u", password="p",
                           platform="juniper_junos", connect_timeout=2)
    with pytest.raises(TargetError) as err:
        await poll(target)
    assert err.value.reason in {"connect", "timeout"}


async def test_base10_server_uses_end_of_message_framing(junos_env: Path, tmp_path: Path) -> None:
    # a server that only speaks base:1.0 must be answered with ]]>]]> framing throughout
    sim, target = await _start(junos_env, "juniper_junos", tmp_path, chunked=False)
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    assert "get-route-engine-information" in ds.documents


async def test_key_based_login(junos_env: Path, tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    key_file.write_bytes(key.export_private_key("openssh"))
    key_file.chmod(0o600)
    sim, target = await _start(junos_env, "juniper_junos", tmp_path, client_keys=[key])
    target.password = None
    target.key_file = key_file
    try:
        ds = await poll(target)
    finally:
        await sim.stop()
    assert "get-route-engine-information" in ds.documents
