"""Protobuf wire encoding of OTLP metrics and logs, written for the hot path.

Building the request through protobuf message objects costs ~9 µs per data point, more than
polling and translating it. Here each series' attributes are encoded once and cached (series are
the same from poll to poll), and a data point is one struct.pack. Field numbers are read from the
opentelemetry-proto descriptors, and tests check the bytes parse back into the same message the
protobuf library would build.
"""

from __future__ import annotations

import logging
import math
import struct
from collections import Counter
from itertools import chain, repeat
from typing import Any

from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.logs.v1 import logs_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb

from netrosetta.varint import encode as _varint


def _num(msg: Any, field: str) -> int:
    return int(msg.DESCRIPTOR.fields_by_name[field].number)


def _tag(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


LEN, I64, VARINT = 2, 1, 0
T_RM = _tag(_num(pb.MetricsData, "resource_metrics"), LEN)        # same number in the request
T_RESOURCE = _tag(_num(pb.ResourceMetrics, "resource"), LEN)
T_SCOPE_METRICS = _tag(_num(pb.ResourceMetrics, "scope_metrics"), LEN)
T_RES_ATTR = _tag(1, LEN)                                          # Resource.attributes
T_SCOPE = _tag(_num(pb.ScopeMetrics, "scope"), LEN)
T_METRICS = _tag(_num(pb.ScopeMetrics, "metrics"), LEN)
T_SCOPE_NAME = _tag(_num(common_pb2.InstrumentationScope, "name"), LEN)
T_SCOPE_VERSION = _tag(_num(common_pb2.InstrumentationScope, "version"), LEN)
T_SCOPE_ATTR = _tag(_num(common_pb2.InstrumentationScope, "attributes"), LEN)
T_M_NAME = _tag(_num(pb.Metric, "name"), LEN)
T_M_DESC = _tag(_num(pb.Metric, "description"), LEN)
T_M_UNIT = _tag(_num(pb.Metric, "unit"), LEN)
T_M_GAUGE = _tag(_num(pb.Metric, "gauge"), LEN)
T_M_SUM = _tag(_num(pb.Metric, "sum"), LEN)
T_DPS = _tag(_num(pb.Sum, "data_points"), LEN)
assert _num(pb.Gauge, "data_points") == _num(pb.Sum, "data_points")
T_TEMPORALITY = _tag(_num(pb.Sum, "aggregation_temporality"), VARINT)
T_MONOTONIC = _tag(_num(pb.Sum, "is_monotonic"), VARINT)
T_KV_KEY = _tag(_num(common_pb2.KeyValue, "key"), LEN)
T_KV_VALUE = _tag(_num(common_pb2.KeyValue, "value"), LEN)
T_STR = _tag(_num(common_pb2.AnyValue, "string_value"), LEN)
T_INT = _tag(_num(common_pb2.AnyValue, "int_value"), VARINT)
T_DBL = _tag(_num(common_pb2.AnyValue, "double_value"), I64)
T_BOOL = _tag(_num(common_pb2.AnyValue, "bool_value"), VARINT)
T_ARRAY = _tag(_num(common_pb2.AnyValue, "array_value"), LEN)
T_ARRAY_VALUES = _tag(_num(common_pb2.ArrayValue, "values"), LEN)
T_DP_ATTR = _tag(_num(pb.NumberDataPoint, "attributes"), LEN)
_START = _num(pb.NumberDataPoint, "start_time_unix_nano")
_TIME = _num(pb.NumberDataPoint, "time_unix_nano")
_AS_INT = _num(pb.NumberDataPoint, "as_int")
_AS_DOUBLE = _num(pb.NumberDataPoint, "as_double")
# start, time, value in one pack; gauges have no start time (proto3 omits zero)
_P_INT = struct.Struct("<BQBQBq")
_P_DBL = struct.Struct("<BQBQBd")
_G_INT = struct.Struct("<BQBq")
_G_DBL = struct.Struct("<BQBd")
B_START = (_START << 3) | I64
B_TIME = (_TIME << 3) | I64
B_INT = (_AS_INT << 3) | I64
B_DBL = (_AS_DOUBLE << 3) | I64
CUMULATIVE = int(pb.AGGREGATION_TEMPORALITY_CUMULATIVE)
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
log = logging.getLogger(__name__)
# data points left out because no OTLP number can carry their value (an int beyond int64, a NaN
# or an infinity): translation skips those already, this is the last guard (self-telemetry)
DROPPED: Counter[str] = Counter()
DROP_REASON = "value not encodable"


def _drop(value: Any) -> bytes:
    DROPPED[DROP_REASON] += 1
    log.warning("data point left out: %s value %.40r is not an int64 or a finite double",
                type(value).__name__, value)
    return b""


def _encodable(value: Any) -> bool:
    """An int64 (as_int) or a number with a finite double (as_double)."""
    if value.__class__ is int and INT64_MIN <= value <= INT64_MAX:
        return True
    try:    # other ints go as doubles (a Counter64 past 2^63) while a double holds them
        return math.isfinite(value)
    except (OverflowError, TypeError):
        return False


def lenfield(tag: bytes, payload: bytes) -> bytes:
    return tag + _varint(len(payload)) + payload


def any_value(v: Any) -> bytes:
    if isinstance(v, bool):
        return T_BOOL + (b"\x01" if v else b"\x00")
    if isinstance(v, int):
        return T_INT + _varint(v & 0xFFFFFFFFFFFFFFFF)
    if isinstance(v, float):
        return T_DBL + struct.pack("<d", v)
    if isinstance(v, list | tuple):
        return lenfield(T_ARRAY, b"".join(lenfield(T_ARRAY_VALUES, any_value(x)) for x in v))
    s = str(v).encode("utf-8")
    return lenfield(T_STR, s)


def key_value(tag: bytes, key: str, v: Any) -> bytes:
    return lenfield(tag, lenfield(T_KV_KEY, key.encode("utf-8")) + lenfield(T_KV_VALUE, any_value(v)))


# the same layouts up to the value, and the value alone (a data point = head + fixed + value)
_P_INT_HEAD = struct.Struct("<BQBQB")
_G_INT_HEAD = struct.Struct("<BQB")
_Q = struct.Struct("<q")
_D = struct.Struct("<d")
_INT: set[type] = {int}
_FLOAT: set[type] = {float}
# a data point's fixed part (times and value) has the same size for ints and doubles
GAUGE_FIXED = _G_INT.size
SUM_FIXED = _P_INT.size
assert (_G_DBL.size, _P_DBL.size) == (GAUGE_FIXED, SUM_FIXED)


class AttrCache:
    """attrs tuple -> encoded repeated KeyValue field, kept across polls (bounded)."""

    def __init__(self, limit: int = 1_000_000) -> None:
        self.cache: dict[Any, bytes] = {}
        # attrs -> (gauge, sum) data_points entry up to its fixed part: tag, length, attributes
        self.heads: dict[Any, tuple[bytes, bytes]] = {}
        self.limit = limit

    def head(self, attrs: tuple[tuple[str, Any], ...]) -> tuple[bytes, bytes]:
        h = self.heads.get(attrs)
        if h is None:
            if len(self.heads) >= self.limit:
                self.heads.clear()
            a = self.get(attrs)
            h = self.heads[attrs] = (T_DPS + _varint(len(a) + GAUGE_FIXED) + a, T_DPS + _varint(len(a) + SUM_FIXED) + a)
        return h

    def get(self, attrs: tuple[tuple[str, Any], ...]) -> bytes:
        b = self.cache.get(attrs)
        if b is None:
            if len(self.cache) >= self.limit:
                self.cache.clear()
            b = self.cache[attrs] = b"".join(key_value(T_DP_ATTR, k, v) for k, v in attrs)
        return b


def data_point(attrs_b: bytes, start: int, ts: int, value: Any) -> bytes:
    """One NumberDataPoint wrapped as a data_points entry (empty when the value is not encodable)."""
    if not _encodable(value):
        return _drop(value)
    if start:
        if value.__class__ is int and INT64_MIN <= value <= INT64_MAX:
            body = attrs_b + _P_INT.pack(B_START, start, B_TIME, ts, B_INT, value)
        else:
            body = attrs_b + _P_DBL.pack(B_START, start, B_TIME, ts, B_DBL, float(value))
    elif value.__class__ is int and INT64_MIN <= value <= INT64_MAX:
        body = attrs_b + _G_INT.pack(B_TIME, ts, B_INT, value)
    else:
        body = attrs_b + _G_DBL.pack(B_TIME, ts, B_DBL, float(value))
    n = len(body)
    return T_DPS + (bytes((n,)) if n < 0x80 else _varint(n)) + body


def data_points(cache: AttrCache, attrs: list[Any], values: list[Any], start: int, ts: int) -> bytes:
    """data_points entries of series sharing one start and time: the same bytes as data_point,
    with each series' tag, length and attributes encoded once (AttrCache.head)."""
    get, head = cache.heads.get, cache.head
    k = 1 if start else 0
    heads = [(get(a) or head(a))[k] for a in attrs]
    kinds = set(map(type, values))
    if kinds == _INT and min(values) >= INT64_MIN and max(values) <= INT64_MAX:
        fixed, pack = (_P_INT_HEAD.pack(B_START, start, B_TIME, ts, B_INT) if start else
                       _G_INT_HEAD.pack(B_TIME, ts, B_INT)), _Q.pack
    elif kinds == _FLOAT and all(map(math.isfinite, values)):
        fixed, pack = (_P_INT_HEAD.pack(B_START, start, B_TIME, ts, B_DBL) if start else
                       _G_INT_HEAD.pack(B_TIME, ts, B_DBL)), _D.pack
    else:           # mixed or out-of-range values: point by point
        return b"".join([data_point_at((h, h), start, ts, v) for h, v in zip(heads, values, strict=True)])
    # all ints (or all floats): head, fixed part, value, interleaved in C
    return b"".join(chain.from_iterable(zip(heads, repeat(fixed), map(pack, values))))


def data_point_at(head: tuple[bytes, bytes], start: int, ts: int, value: Any) -> bytes:
    """data_point with the series' head from AttrCache.head (empty when the value is not encodable)."""
    if not _encodable(value):
        return _drop(value)
    if start:
        if value.__class__ is int and INT64_MIN <= value <= INT64_MAX:
            return head[1] + _P_INT.pack(B_START, start, B_TIME, ts, B_INT, value)
        return head[1] + _P_DBL.pack(B_START, start, B_TIME, ts, B_DBL, float(value))
    if value.__class__ is int and INT64_MIN <= value <= INT64_MAX:
        return head[0] + _G_INT.pack(B_TIME, ts, B_INT, value)
    return head[0] + _G_DBL.pack(B_TIME, ts, B_DBL, float(value))


def metric(name: str, description: str, unit: str, instrument: str, points: bytes) -> bytes:
    head = lenfield(T_M_NAME, name.encode()) + lenfield(T_M_DESC, description.encode()) + \
        lenfield(T_M_UNIT, unit.encode())
    if instrument == "gauge":
        return head + lenfield(T_M_GAUGE, points)
    flags = T_TEMPORALITY + _varint(CUMULATIVE)
    if instrument == "counter":
        flags += T_MONOTONIC + b"\x01"
    return head + lenfield(T_M_SUM, points + flags)


def scope(name: str, version: str, attrs: list[tuple[str, Any]]) -> bytes:
    return lenfield(T_SCOPE_NAME, name.encode()) + lenfield(T_SCOPE_VERSION, version.encode()) + \
        b"".join(key_value(T_SCOPE_ATTR, k, v) for k, v in attrs)


def resource(attrs: list[tuple[str, Any]]) -> bytes:
    return b"".join(key_value(T_RES_ATTR, k, v) for k, v in attrs)


# -- logs (raw flow records) ----------------------------------------------------------------------
T_RL = _tag(_num(logs_pb2.LogsData, "resource_logs"), LEN)          # same number in the request
T_RL_RESOURCE = _tag(_num(logs_pb2.ResourceLogs, "resource"), LEN)
T_SCOPE_LOGS = _tag(_num(logs_pb2.ResourceLogs, "scope_logs"), LEN)
T_SL_SCOPE = _tag(_num(logs_pb2.ScopeLogs, "scope"), LEN)
T_LOG_RECORDS = _tag(_num(logs_pb2.ScopeLogs, "log_records"), LEN)
T_LR_ATTR = _tag(_num(logs_pb2.LogRecord, "attributes"), LEN)
T_LR_BODY = _tag(_num(logs_pb2.LogRecord, "body"), LEN)
T_LR_SEV_TEXT = _tag(_num(logs_pb2.LogRecord, "severity_text"), LEN)
T_LR_SEV = _tag(_num(logs_pb2.LogRecord, "severity_number"), VARINT)
T_LR_EVENT = _tag(_num(logs_pb2.LogRecord, "event_name"), LEN)
_LR_TIME = struct.Struct("<BQ")
B_LR_TIME = (_num(logs_pb2.LogRecord, "time_unix_nano") << 3) | I64
B_LR_OBSERVED = (_num(logs_pb2.LogRecord, "observed_time_unix_nano") << 3) | I64
SEVERITY_INFO = int(logs_pb2.SEVERITY_NUMBER_INFO)


class LogAttrs:
    """Log record attributes as a repeated KeyValue field. Flow records repeat most of their
    values (exporter, protocol, interfaces, AS numbers): each (key, value) pair is encoded once
    and kept (bounded); addresses, ports and counts that do not repeat only cost the lookup."""

    def __init__(self, limit: int = 200_000) -> None:
        self.pairs: dict[tuple[str, type, Any], bytes] = {}
        self.limit = limit

    def encode(self, attrs: dict[str, Any]) -> bytes:
        pairs = self.pairs
        out = []
        for k, v in attrs.items():
            cls = v.__class__
            if cls is list:
                out.append(key_value(T_LR_ATTR, k, v))
                continue
            b = pairs.get((k, cls, v))   # the class too: True == 1 but encodes differently
            if b is None:
                if len(pairs) >= self.limit:
                    pairs.clear()
                b = pairs[(k, cls, v)] = key_value(T_LR_ATTR, k, v)
            out.append(b)
        return b"".join(out)


def log_record(time_ns: int, observed_ns: int, fixed: bytes, attrs_b: bytes) -> bytes:
    """One LogRecord as a log_records entry; ``fixed``: the fields every record of a batch shares
    (log_fixed), ``attrs_b``: LogAttrs.encode. A zero time is left out, as protobuf does."""
    body = (_LR_TIME.pack(B_LR_TIME, time_ns) if time_ns else b"") + \
        (_LR_TIME.pack(B_LR_OBSERVED, observed_ns) if observed_ns else b"") + fixed + attrs_b
    return T_LOG_RECORDS + _varint(len(body)) + body


def log_fixed(severity_number: int, severity_text: str, body: Any, event_name: str) -> bytes:
    return T_LR_SEV + _varint(severity_number) + lenfield(T_LR_SEV_TEXT, severity_text.encode()) + \
        lenfield(T_LR_BODY, any_value(body)) + lenfield(T_LR_EVENT, event_name.encode())


def resource_logs(resource_attrs: list[tuple[str, Any]], scope_b: bytes, records: bytes) -> bytes:
    """One ResourceLogs entry of an ExportLogsServiceRequest with a single scope."""
    scope_logs = lenfield(T_SCOPE_LOGS, lenfield(T_SL_SCOPE, scope_b) + records)
    return lenfield(T_RL, lenfield(T_RL_RESOURCE, resource(resource_attrs)) + scope_logs)
