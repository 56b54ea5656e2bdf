"""DeviceTranslation -> OTLP ExportMetricsServiceRequest, with our own timestamps.

The SDK's instrument API cannot set timestamps or one Resource per device, so we build the
request the OTLP exporters send (encoded by otlp_wire, the hot path) and hand it to their
transport (see sinks.py). One ResourceMetrics per device, one ScopeMetrics per rulebook:
scope name = rulebook id, scope version = rulebook version.
"""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta import __version__
from netrosetta.engine.points import DeviceTranslation

from . import otlp_wire as w
from .start_times import StartTimes

_ATTRS = w.AttrCache()


def device_key(t: DeviceTranslation) -> str:
    r = t.resource
    return r.get("host.ip") or r.get("host.name") or r.get("netrosetta.device.sys_object_id", "?")


def encode_request(translations: Iterable[DeviceTranslation], state: StartTimes | None = None,
                   prev_poll_ns: dict[str, int] | None = None, attr_cache: w.AttrCache = _ATTRS) -> bytes:
    """Serialized ExportMetricsServiceRequest."""
    out: list[bytes] = []
    for t in translations:
        if not t.scopes:
            continue
        dev = device_key(t)
        now = t.time_ns
        boot = t.boot_time_ns if t.boot_time_ns is not None else now
        if state is not None:
            boot = state.device_boot(dev, t.boot_time_ns, now)
        prev = prev_poll_ns.get(dev) if prev_poll_ns is not None else None
        scopes: list[bytes] = []
        for sc in t.scopes:
            metrics: list[bytes] = []
            for mp in sc.metrics.values():
                if not mp.points:
                    continue
                tss = mp.timestamps
                inst = mp.instrument
                dps: list[bytes] = []
                get = attr_cache.get
                if inst == "counter" and state is not None:
                    counter = state.counter
                    key0 = (dev, sc.rulebook_id, mp.name)
                    for i, (attrs, value) in enumerate(mp.points):
                        ts = (tss[i] or now) if tss else now
                        start, value = counter((*key0, attrs), value, ts, boot, prev)
                        dps.append(w.data_point(get(attrs), start, ts, value))
                else:
                    start = 0 if inst == "gauge" else boot
                    for i, (attrs, value) in enumerate(mp.points):
                        ts = (tss[i] or now) if tss else now
                        dps.append(w.data_point(get(attrs), start, ts, value))
                metrics.append(w.lenfield(w.T_METRICS, w.metric(mp.name, mp.description, mp.unit, inst,
                                                                 b"".join(dps))))
            if metrics:
                head = w.lenfield(w.T_SCOPE, w.scope(sc.rulebook_id, sc.rulebook_version,
                                                     [("netrosetta.source", sc.source),
                                                      ("netrosetta.version", __version__)]))
                scopes.append(w.lenfield(w.T_SCOPE_METRICS, head + b"".join(metrics)))
        if prev_poll_ns is not None:
            prev_poll_ns[dev] = now
        if scopes:
            res = w.lenfield(w.T_RESOURCE, w.resource(sorted(t.resource.items())))
            out.append(w.lenfield(w.T_RM, res + b"".join(scopes)))
    return b"".join(out)


def build_request(translations: Iterable[DeviceTranslation], state: StartTimes | None = None,
                  prev_poll_ns: dict[str, int] | None = None) -> ExportMetricsServiceRequest:
    """The request as a protobuf message (parsed from the wire encoding, in C)."""
    return ExportMetricsServiceRequest.FromString(encode_request(translations, state, prev_poll_ns))
