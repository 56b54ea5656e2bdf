"""Flow enrichment from MaxMind-format databases the test builds (mmdb-writer, GeoLite2 record
layout) and a CIDR list, over real captures from ../shared/corpus/flow/pmacct: every flow's
country, city, AS and network name is what the test's own tables say for its address (computed
here with `ipaddress`), a router's AS is never overwritten, unknown addresses get no value."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from tests.conftest import need_shared

# test-built "world": which networks sit where (private ranges stand in for the world's)
CITY = {"10.231.0.0/16": ("CH", "Zurich"), "10.192.0.0/16": ("DE", "Frankfurt"),
        "2001:db8::/32": ("NL", "Amsterdam"), "fe80::/10": ("NL", "Utrecht")}
ASN = {"10.231.0.0/16": (64501, "Example Transit AG"), "10.192.0.0/16": (64502, "Example Hosting GmbH"),
       "fe80::/10": (64503, "Example IPv6 BV")}
NETWORKS = "# cidr,name\n10.192.12.0/24,dc-frankfurt-core\n10.192.0.0/16,frankfurt\n2001:db8:1::/48,lab-v6\n"


def _build(tmp: Path) -> Path:
    city = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    for net, (cc, name) in CITY.items():
        city.insert_network(IPSet([net]), {"country": {"iso_code": cc}, "city": {"names": {"en": name}}})
    city.to_db_file(str(tmp / "city.mmdb"))
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN")
    for net, (number, org) in ASN.items():
        asn.insert_network(IPSet([net]), {"autonomous_system_number": number,
                                          "autonomous_system_organization": org})
    asn.to_db_file(str(tmp / "asn.mmdb"))
    (tmp / "networks.csv").write_text(NETWORKS)
    cfg = tmp / "geo.yaml"
    cfg.write_text(f"city: {tmp / 'city.mmdb'}\nasn: {tmp / 'asn.mmdb'}\nnetworks_file: {tmp / 'networks.csv'}\n"
                   "networks: [{cidr: 10.231.65.0/24, name: branch-65}]\n")
    return cfg


def _expect(addr: str) -> dict[str, object]:
    ip = ipaddress.ip_address(addr)
    out: dict[str, object] = {}
    for net, (cc, name) in CITY.items():
        if ip in ipaddress.ip_network(net):
            out["country"], out["city"] = cc, name
    for net, (number, org) in ASN.items():
        if ip in ipaddress.ip_network(net):
            out["as"], out["as_name"] = number, org
    best = -1
    nets = [line.split(",") for line in NETWORKS.splitlines() if line and not line.startswith("#")]
    for net, name in [*nets, ["10.231.65.0/24", "branch-65"]]:
        n = ipaddress.ip_network(net)
        if ip.version == n.version and ip in n and n.prefixlen > best:
            best, out["net_name"] = n.prefixlen, name
    return out


def _decode(capture: Path, geo: Path | None) -> list[dict[str, object]]:
    res = subprocess.run([sys.executable, "-m", "netrosetta", "flow", "decode", str(capture),
                          *(["--geo", str(geo)] if geo else [])],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


@pytest.mark.parametrize("case", ["100-IPFIXv10-CISCO", "104-IPFIXv10-IPv6-CISCO-sampling_option"])
def test_real_captures_enriched_from_the_users_databases(case: str, tmp_path: Path) -> None:
    folder = need_shared("corpus", "flow", "pmacct", case)
    geo = _build(tmp_path)
    rows = _decode(next(folder.glob("*.pcap")), geo)
    plain = _decode(next(folder.glob("*.pcap")), None)
    assert rows and len(rows) == len(plain)
    hits = filled = kept = 0
    for row, before in zip(rows, plain, strict=True):
        for side in ("src", "dst"):
            want = _expect(str(row[f"{side}_addr"]))
            for key in ("country", "city", "as_name", "net_name"):
                assert row.get(f"{side}_{key}") == want.get(key), (side, key, row[f"{side}_addr"])
                hits += key in want
            sent = before.get(f"{side}_as")
            if sent:                      # the exporter's (BGP) AS wins over the database
                assert row[f"{side}_as"] == sent
                kept += 1
            elif "as" in want:
                assert row[f"{side}_as"] == want["as"]
                filled += 1
            else:
                assert row.get(f"{side}_as") == sent
    print(f"{case}: {len(rows)} flows, {hits} geo values, AS kept {kept}, filled {filled}")
    if case.startswith("100"):
        assert hits > 0 and kept > 0, "the v4 capture's addresses fall in the test's networks"
    else:                                 # link-local sources, multicast destinations (no value)
        assert hits > 0 and filled > 0


def test_bad_database_and_bad_cidr_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.mmdb").write_bytes(b"not a database")
    (tmp_path / "geo.yaml").write_text(f"city: {tmp_path / 'broken.mmdb'}\n")
    cap = need_shared("corpus", "flow", "pmacct", "100-IPFIXv10-CISCO")
    res = subprocess.run([sys.executable, "-m", "netrosetta", "flow", "decode", str(next(cap.glob("*.pcap"))),
                          "--geo", str(tmp_path / "geo.yaml")], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "broken.mmdb" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "nets.csv").write_text("10.0.0.0/8,ok\n10.300.0.0/16,bad\n")
    (tmp_path / "geo.yaml").write_text(f"networks_file: {tmp_path / 'nets.csv'}\n")
    res = subprocess.run([sys.executable, "-m", "netrosetta", "flow", "decode", str(next(cap.glob("*.pcap"))),
                          "--geo", str(tmp_path / "geo.yaml")], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "nets.csv:2" in res.stderr and "Traceback" not in res.stderr
