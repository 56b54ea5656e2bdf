"""DeviceTranslation -> OTLP ExportMetricsServiceRequest (protobuf), with our own timestamps.

The SDK's instrument API cannot set timestamps or one Resource per device, so we build the
protobuf the OTLP exporters send and hand it to their transport (see sinks.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from netrosetta import __version__
from netrosetta.engine.points import DeviceTranslation

from .start_times import StartTimes

CUMULATIVE = pb.AGGREGATION_TEMPORALITY_CUMULATIVE


def _kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def device_key(t: DeviceTranslation) -> str:
    r = t.resource
    return r.get("host.ip") or r.get("host.name") or r.get("netrosetta.device.sys_object_id", "?")


def build_request(translations: Iterable[DeviceTranslation], state: StartTimes | None = None,
                  prev_poll_ns: dict[str, int] | None = None) -> ExportMetricsServiceRequest:
    """One ResourceMetrics per device, one ScopeMetrics per rulebook."""
    req = ExportMetricsServiceRequest()
    for t in translations:
        if not t.scopes:
            continue
        dev = device_key(t)
        now = t.time_ns
        boot = t.boot_time_ns if t.boot_time_ns is not None else now
        if state is not None:
            boot = state.device_boot(dev, t.boot_time_ns, now)
        prev = prev_poll_ns.get(dev) if prev_poll_ns is not None else None
        rm = req.resource_metrics.add()
        rm.resource.CopyFrom(Resource(attributes=[_kv(k, v) for k, v in sorted(t.resource.items())]))
        for scope in t.scopes:
            sm = rm.scope_metrics.add()
            sm.scope.CopyFrom(InstrumentationScope(
                name=scope.rulebook_id, version=scope.rulebook_version,
                attributes=[_kv("netrosetta.source", scope.source), _kv("netrosetta.version", __version__)]))
            for mp in scope.metrics.values():
                if not mp.points:
                    continue
                m = sm.metrics.add()
                m.name = mp.name
                m.unit = mp.unit
                m.description = mp.description
                if mp.instrument == "gauge":
                    dps = m.gauge.data_points
                    cumulative = False
                else:
                    m.sum.aggregation_temporality = CUMULATIVE
                    m.sum.is_monotonic = mp.instrument == "counter"
                    dps = m.sum.data_points
                    cumulative = mp.instrument == "counter"
                tss = mp.timestamps
                for i, (attrs, value) in enumerate(mp.points):
                    ts = (tss[i] or now) if tss else now
                    dp = dps.add()
                    dp.attributes.extend([_kv(k, v) for k, v in attrs])
                    dp.time_unix_nano = ts
                    if cumulative:
                        if state is not None:
                            start, value = state.counter((dev, scope.rulebook_id, mp.name, attrs), value, ts, boot, prev)
                        else:
                            start = boot
                        dp.start_time_unix_nano = start
                    elif mp.instrument == "updowncounter":
                        dp.start_time_unix_nano = boot
                    if isinstance(value, int) and -(1 << 63) <= value < (1 << 63):
                        dp.as_int = value
                    else:
                        dp.as_double = float(value)
        if prev_poll_ns is not None:
            prev_poll_ns[dev] = now
    return req
