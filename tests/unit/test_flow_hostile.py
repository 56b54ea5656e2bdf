"""Issue 12 item 1: zero-length template fields sent over UDP to a running listener.

The listener must refuse the template (counted as malformed), not loop forever, and still
decode a following good datagram."""

from __future__ import annotations

import struct
import time

from netrosetta.collectors.flow.decoding import DecodeResult
from tests.flow_wire import listening


def wait_flows(got: list[DecodeResult], n: int) -> int:
    """Flows received, once n have arrived or 10 s have passed."""
    end = time.monotonic() + 10
    while time.monotonic() < end and sum(len(r.flows) for r in got) < n:
        time.sleep(0.05)
    return sum(len(r.flows) for r in got)


def ipfix_zero_len_options() -> bytes:
    """RFC 7011: header, options template set (id 3) with one scope field of length 0, data set."""
    tset = struct.pack("!HHHHH", 3, 14, 256, 1, 1) + struct.pack("!HH", 1, 0)
    dset = struct.pack("!HH", 256, 12) + bytes(8)
    body = tset + dset
    return struct.pack("!HHIII", 10, 16 + len(body), 0, 1, 0) + body


def v9_zero_len_options() -> bytes:
    """RFC 3954: header, options template flowset (id 1) with zero-length fields, data flowset."""
    tpl = struct.pack("!HHH", 257, 4, 4) + struct.pack("!HHHH", 1, 0, 2, 0)
    tfs = struct.pack("!HH", 1, 4 + len(tpl)) + tpl
    dfs = struct.pack("!HH", 257, 12) + bytes(8)
    return struct.pack("!HHIIII", 9, 2, 1000, 1, 1, 7) + tfs + dfs


def ipfix_good() -> bytes:
    """One data template (octetDeltaCount u64, protocolIdentifier u8) and one record."""
    tset = struct.pack("!HHHH", 2, 16, 300, 2) + struct.pack("!HHHH", 1, 8, 4, 1)
    dset = struct.pack("!HH", 300, 13) + struct.pack("!QB", 1234, 6)
    body = tset + dset
    return struct.pack("!HHIII", 10, 16 + len(body), 0, 2, 0) + body


def test_zero_length_fields_refused_and_listener_goes_on() -> None:
    assert len(ipfix_zero_len_options()) == 42
    got: list[DecodeResult] = []
    with listening(got.append) as (lst, send):
        for p in (ipfix_zero_len_options(), v9_zero_len_options()):
            send(p)
        send(ipfix_good())
        assert wait_flows(got, 1) == 1
        assert lst.stats().malformed == 2


def ipfix_absurd_init() -> bytes:
    """Options template (scope: observationDomainId 149; systemInitTimeMilliseconds 160 u64),
    an options record with init >= 2^63, a data template with flowStartSysUpTime, one record."""
    otpl = struct.pack("!HHHHH", 3, 18, 400, 2, 1) + struct.pack("!HHHH", 149, 4, 160, 8)
    odata = struct.pack("!HH", 400, 16) + struct.pack("!IQ", 0, 2**63 + 5)
    dtpl = struct.pack("!HHHH", 2, 16, 401, 2) + struct.pack("!HHHH", 1, 8, 22, 4)
    ddata = struct.pack("!HH", 401, 16) + struct.pack("!QI", 99, 1000)
    body = otpl + odata + dtpl + ddata
    return struct.pack("!HHIII", 10, 16 + len(body), 0, 3, 0) + body


def test_absurd_system_init_time_is_skipped_not_fatal() -> None:
    got: list[DecodeResult] = []
    with listening(got.append) as (lst, send):
        send(ipfix_absurd_init())
        send(ipfix_good())
        assert wait_flows(got, 2) == 2  # the record with the absurd init, and the good one
        st = lst.stats()
        assert st.absurd_values == 1 and st.malformed == 0


def test_an_exception_past_the_decoder_is_counted_and_the_listener_goes_on() -> None:
    """A failing output/filter (the emit callback) must not end the receive loop either."""
    got: list[DecodeResult] = []
    calls = {"n": 0}

    def emit(res: DecodeResult) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        got.append(res)

    with listening(emit) as (lst, send):
        send(ipfix_good())
        end = time.monotonic() + 10
        while time.monotonic() < end and calls["n"] < 1:
            time.sleep(0.05)
        send(ipfix_good())
        assert wait_flows(got, 1) == 1
        assert lst.stats().emit_errors == 1
