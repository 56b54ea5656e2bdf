"""Filters, rollups, column filters, sampling precedence, template cache, config and enrichment."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from netrosetta.collectors.flow.config import FlowListenerConfig
from netrosetta.collectors.flow.decoder import FlowDecoder
from netrosetta.collectors.flow.enrichment import (
    InterfaceTable,
    enrich,
    interfaces_from_varbinds,
)
from netrosetta.collectors.flow.filters import ColumnFilter, Filters, RowFilter
from netrosetta.collectors.flow.record import FlowBatch, v4_to_addr
from netrosetta.collectors.flow.rollups import Rollup, RollupSpec
from netrosetta.collectors.flow.sampling import SamplingTable, rate_from_options
from netrosetta.collectors.flow.templates import Template, TemplateCache
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.errors import NetrosettaError
from tests.conftest import need_shared


def ip(s: str) -> int:
    return struct.unpack("!I", bytes(int(x) for x in s.split(".")))[0]


def batch() -> FlowBatch:
    src = ["10.0.0.1", "10.0.0.1", "10.0.0.2", "192.168.1.5", "10.0.0.1"]
    dst = ["8.8.8.8", "1.1.1.1", "8.8.8.8", "8.8.8.8", "8.8.8.8"]
    return FlowBatch({
        "src_addr": v4_to_addr(np.array([ip(s) for s in src], dtype=np.uint32)),
        "dst_addr": v4_to_addr(np.array([ip(s) for s in dst], dtype=np.uint32)),
        "src_port": np.array([80, 443, 80, 53, 8080], dtype=np.uint16),
        "proto": np.array([6, 6, 6, 17, 6], dtype=np.uint8),
        "bytes": np.array([100, 200, 300, 400, 500], dtype=np.uint64),
        "packets": np.array([1, 2, 3, 4, 5], dtype=np.uint64),
        "sampling_rate": np.array([10, 10, 10, 10, 0], dtype=np.uint64),
    }, {"sampling_rate": np.array([True, True, True, True, False])})


def test_ktranslate_filter_syntax() -> None:
    b = Filters.parse(["int,l4_src_port,==,80"]).apply(batch())
    assert b.columns["bytes"].tolist() == [100, 300]


def test_filters_or_and_cidr_and_names() -> None:
    f = Filters.parse(["src_addr,%,10.0.0.0/24 and proto,==,tcp or src_port,==,53"])
    assert f.apply(batch()).columns["bytes"].tolist() == [100, 200, 300, 400, 500]
    f = Filters.parse(["src_addr,%,10.0.0.0/31", "bytes,>=,200"])  # two expressions: both must hold
    assert f.apply(batch()).columns["bytes"].tolist() == [200, 500]
    f = Filters.parse(["dst_addr,!=,8.8.8.8"])
    assert f.apply(batch()).columns["bytes"].tolist() == [200]


def test_absent_field_never_matches() -> None:
    assert len(Filters.parse(["vlan_id,!=,5"]).apply(batch())) == 0
    # sampling_rate is absent on the last row: not "different from 10"
    assert Filters.parse(["sampling_rate,!=,10"]).apply(batch()).columns["bytes"].tolist() == []


@pytest.mark.parametrize("bad", ["int,l4_src_port,=,80", "src_addr,==,not-an-ip", "bytes,>,many", "a,b"])
def test_bad_filters_are_clear_errors(bad: str) -> None:
    with pytest.raises(NetrosettaError):
        RowFilter.parse(bad)


def test_column_filter() -> None:
    b = ColumnFilter(include=["src_addr", "in_bytes"]).apply(batch())
    assert set(b.columns) == {"src_addr", "bytes"}
    b = ColumnFilter(exclude=["bytes"]).apply(batch())
    assert "bytes" not in b.columns and "packets" in b.columns


def test_rollup_unique_ktranslate_example() -> None:
    r = Rollup(RollupSpec.parse("unique,top_src_addr_by_count_dst_addr,dst_addr,src_addr"))
    r.add(batch())
    r.add(batch())  # the same pairs again: still distinct counts, merged over the interval
    got = {row.dims["src_addr"]: row.value for row in r.flush().rows}
    assert got == {"10.0.0.1": 2, "10.0.0.2": 1, "192.168.1.5": 1}


def test_rollup_sum_scaled_and_top() -> None:
    r = Rollup(RollupSpec.parse("sum,b,s_bytes,dst_addr"))
    r.add(batch())
    got = {row.dims["dst_addr"]: row.value for row in r.flush().rows}
    # unknown rate (last row) counts once, never zero
    assert got == {"8.8.8.8": 100 * 10 + 300 * 10 + 400 * 10 + 500, "1.1.1.1": 2000}
    t = Rollup(RollupSpec.parse("top,t,bytes,src_addr", top_k=1))
    t.add(batch())
    rows = t.flush().rows
    assert [(x.dims["src_addr"], x.value) for x in rows] == [("10.0.0.1", 800)]


def test_rollup_count_min_max_mean() -> None:
    for spec, want in [("count,c,count,proto", {6: 4, 17: 1}), ("min,m,bytes,proto", {6: 100, 17: 400}),
                       ("max,m,bytes,proto", {6: 500, 17: 400}), ("mean,m,packets,proto", {6: 2.75, 17: 4})]:
        r = Rollup(RollupSpec.parse(spec))
        r.add(batch().take(np.array([0, 1, 2])))
        r.add(batch().take(np.array([3, 4])))
        assert {row.dims["proto"]: row.value for row in r.flush().rows} == want, spec


def test_rollup_spec_errors() -> None:
    for bad in ["avg,x,bytes,src_addr", "sum,x,src_addr,dst_addr", "sum,x"]:
        with pytest.raises(NetrosettaError):
            RollupSpec.parse(bad)


def test_sampling_precedence() -> None:
    t = SamplingTable(default_rate=100, overrides={"192.0.2.9": 7})
    key = ("192.0.2.1", 9, 0)
    assert t.domain_rate(key) == 100            # nothing reported: the configured default
    t.learn(key, 512)
    assert t.domain_rate(key) == 512            # reported beats default
    t.learn(key, 64, sampler_id=3)
    assert t.sampler_rate(key, 3) == 64 and t.sampler_rate(key, 4) == 512
    assert t.domain_rate(("192.0.2.9", 9, 0)) == 7  # override beats everything
    assert SamplingTable().domain_rate(key) is None
    assert rate_from_options({"samplingInterval": 1000}) == 1000
    assert rate_from_options({"samplingPacketInterval": 1, "samplingPacketSpace": 99}) == 100
    assert rate_from_options({"samplingSize": 1, "samplingPopulation": 256}) == 256


def test_template_cache_persists_and_expires(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    c = TemplateCache(timeout=10, path=path)
    t = Template(("192.0.2.1", 2055, 9, 0, 256), [(8, 4, 0), (12, 4, 0), (1, 4, 0)], last_seen=time.time())
    c.put(t)
    c.save()
    c2 = TemplateCache(timeout=10, path=path)  # a restart
    got = c2.get(t.key, time.time())
    assert got is not None and got.fields == t.fields and got.record_len == 12
    assert c2.get(t.key, time.time() + 11) is None  # expired: data is held, not mis-decoded
    path.write_text("{broken")
    assert len(TemplateCache(path=path)) == 0  # a damaged file is logged and ignored


def test_restart_keeps_decoding_with_persisted_templates(tmp_path: Path) -> None:
    pcap = need_shared("corpus", "flow", "pmacct", "101-NFv9-CISCO-cust_primitives", "traffic-00.pcap")
    from netrosetta.collectors.flow.sources import datagrams_from_file
    dgs = list(datagrams_from_file(pcap))
    path = tmp_path / "t.json"
    d1 = FlowDecoder(TemplateCache(path=path))
    d1.decode(dgs[:1])  # the template datagram only
    d1.templates.save()
    d2 = FlowDecoder(TemplateCache(path=path))  # new process: data without a template resend
    res = d2.decode(dgs[1:])
    assert len(res.flows) == 51 and d2.stats.template_missing == 0
    d3 = FlowDecoder()  # no persisted cache: the same data is held, then counted missing
    assert len(d3.decode(dgs[1:]).flows) == 0
    d3.expire_held(0, everything=True)
    assert d3.stats.template_missing == len(dgs) - 1


def test_config_yaml_form_equals_flags() -> None:
    cfg = FlowListenerConfig.model_validate({
        "port": 9995, "filters": [{"field": "src_port", "op": "==", "value": 80},
                                  {"any": [{"field": "proto", "op": "==", "value": "tcp"}]}],
        "rollups": [{"method": "sum", "name": "b", "metrics": ["bytes"], "dimensions": ["dst_addr"]}],
        "sampling": {"default_rate": 10, "overrides": {"192.0.2.1": 5}},
    })
    assert cfg.build_filters().apply(batch()).columns["bytes"].tolist() == [100, 300]
    assert cfg.build_rollups()[0] == RollupSpec.parse("sum,b,bytes,dst_addr")
    with pytest.raises(ValueError, match="filter"):
        FlowListenerConfig.model_validate({"filters": ["src_addr,==,nope"]})
    with pytest.raises(ValueError):
        FlowListenerConfig.model_validate({"port": 9995, "portt": 1})  # misspelled keys are errors


def test_enrichment_from_corpus_walk() -> None:
    walk = read_snmprec(need_shared("corpus", "snmp", "iosxe_c9300.snmprec"))
    expected = json.loads(need_shared("corpus", "snmp", "expected", "iosxe_c9300.json").read_text())
    names = {p["ifIndex"]: p["ifName"] for p in expected["ports"]["discovery"]["ports"]}
    speeds = {p["ifIndex"]: p["ifSpeed"] for p in expected["ports"]["poller"]["ports"] if p.get("ifSpeed")}
    table = InterfaceTable()
    table.update_from_varbinds("192.0.2.1", walk.varbinds)
    idx = sorted(names)[:6]
    b = FlowBatch({
        "sampler_address": v4_to_addr(np.array([ip("192.0.2.1")] * 6 + [ip("192.0.2.2")], dtype=np.uint32)),
        "in_if": np.array([*idx, idx[0]], dtype=np.uint32),
        "out_if": np.array([999999] * 7, dtype=np.uint32),
    })
    e = enrich(b, table)
    rows = list(e.rows())
    for i, r in zip(idx, rows, strict=False):
        assert r["in_if_name"] == names[i]  # LibreNMS's decode of the same walk
        if i in speeds:
            assert r["in_if_speed"] == speeds[i]
    assert "in_if_name" not in rows[6]  # other exporter: nothing known, nothing invented
    assert all("out_if_name" not in r for r in rows)  # unknown ifIndex
    assert interfaces_from_varbinds([])== {}


def test_names_from_v9_options_interface_table() -> None:
    d = need_shared("corpus", "flow", "telegraf", "netflow_v9_options", "message.bin")
    dec = FlowDecoder()
    dec.decode_one(d.read_bytes(), "192.0.2.7", 2055, 0)
    # Telegraf's decode of the same options: in_snmp 1 is "Te0/0/0", 7 is "Gi0"
    names = dec.templates.names.interfaces["192.0.2.7"]
    assert names[1][0] == "Te0/0/0" and names[7][0] == "Gi0"
