"""Issue 16: the enterprise element table, unknown elements kept raw and counted, packet
sections on arbitrary bytes, and the names saved with the template cache surviving damage."""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import pytest

from netrosetta.collectors.flow import fields as F
from netrosetta.collectors.flow.decoder import FlowDecoder
from netrosetta.collectors.flow.record import SCHEMA
from netrosetta.collectors.flow.templates import TemplateCache
from tests.flow_wire import VARLEN, flowset, ip, ipfix, template, varlen


def test_enterprise_table_names_are_distinct_and_typed() -> None:
    iana = {el.name for el in F.ELEMENTS.values()}
    names = [el.name for el in F.ENTERPRISE.values()]
    assert len(names) == len(set(names)) >= 60
    # a vendor name never shadows a normalized column or an IANA element name
    assert not set(names) & (set(SCHEMA) | iana)
    assert {el.kind for el in F.ENTERPRISE.values()} <= F.KINDS


def test_bad_enterprise_entry_is_an_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "elements.yaml"
    bad.write_text("enterprises:\n  2011:\n    elements:\n      701: [inner source, u]\n")
    with pytest.raises(ValueError, match=r"elements\.yaml: enterprise 2011 element 701"):
        F.load_enterprise(bad)


def test_unknown_elements_stay_raw_and_are_counted() -> None:
    fields = [(8, 4), (1, 4), (701, 4, 2011), (118, 2, 35632), (999, 2)]
    record = ip("10.0.0.1") + struct.pack("!IIHH", 10, 0x0A000002, 37, 5)
    dec = FlowDecoder()
    [row] = dec.decode_one(ipfix(1, flowset(2, template(256, fields)), flowset(256, record))).flows.rows()
    assert row["type_2011_701"] == "0x0a000002" and row["type_999"] == "0x0005"  # raw bytes, as Telegraf
    assert row["l7_proto"] == 37  # ntop 118, named by the table
    assert dec.stats.unknown_elements == 2


def test_reverse_and_cisco_elements_are_named_and_typed() -> None:
    # RFC 5103 reverse octets (PEN 29305, IANA 1) and Cisco AVC artClientPackets (PEN 9, 9265)
    fields = [(8, 4), (1, 4), (1, 4, 29305), (9265, 4, 9), (8, 4, 29305)]
    record = ip("10.0.0.1") + struct.pack("!III", 10, 77, 5) + ip("10.0.0.9")
    dec = FlowDecoder()
    [row] = dec.decode_one(ipfix(1, flowset(2, template(256, fields)), flowset(256, record))).flows.rows()
    assert (row["reverseOctetDeltaCount"], row["artClientPackets"]) == (77, 5)
    assert row["reverseSourceIPv4Address"] == "10.0.0.9" and row["bytes"] == 10
    assert dec.stats.unknown_elements == 0


def test_packet_sections_of_arbitrary_bytes_never_break_a_record() -> None:
    rnd = random.Random(16)
    fields = [(8, 4), (12, 4), (4, 1), (1, 4), (313, VARLEN), (314, 12), (315, VARLEN)]
    dec = FlowDecoder()
    for i in range(300):
        record = ip("10.0.0.1") + ip("10.0.0.2") + bytes([rnd.choice([4, 6, 17, 41, 47, 43])]) + \
            struct.pack("!I", i) + varlen(rnd.randbytes(rnd.randrange(0, 80))) + rnd.randbytes(12) + \
            varlen(rnd.randbytes(rnd.randrange(0, 80)))
        res = dec.decode_one(ipfix(1, flowset(2, template(256, fields)), flowset(256, record)))
        [row] = res.flows.rows()
        assert row["bytes"] == i and "ipHeaderPacketSection" not in row
    assert dec.stats.malformed == 0


def test_damaged_names_in_the_cache_file_start_empty(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "templates.json"
    path.write_text(json.dumps({"version": 1, "templates": [], "names": {"vrf": {"192.0.2.1": {"x": "A"}}}}))
    cache = TemplateCache(path=path)
    assert not cache.names and len(cache) == 0
    assert "template cache not loaded" in caplog.text
