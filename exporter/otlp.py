"""DeviceTranslation -> OTLP ExportMetricsServiceRequest, with our own timestamps.

The SDK's instrument API cannot set timestamps or one Resource per device, so we build the
request ourselves (encoded by otlp_wire, the hot path) and hand it to a sink (sinks.py). One ResourceMetrics per device, one ScopeMetrics per rulebook:
scope name = rulebook id, scope version = rulebook version.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from netrosetta import __version__
from netrosetta.engine.points import DeviceTranslation, MetricPoints

from . import otlp_wire as w
from .start_times import StartTimes

_ATTRS = w.AttrCache()
_first, _second = itemgetter(0), itemgetter(1)


def device_key(t: DeviceTranslation) -> str:
    """Counter state is per device: its name and address together (two devices may share an
    address behind different ports, or a name)."""
    r = t.resource
    return f"{r.get('host.name', '')}|{r.get('host.ip', '')}" if ("host.name" in r or "host.ip" in r) \
        else r.get("netrosetta.device.sys_object_id", "?")


def encode_request(translations: Iterable[DeviceTranslation], state: StartTimes | None = None,
                   prev_poll_ns: dict[str, int] | None = None, attr_cache: w.AttrCache = _ATTRS,
                   window_start_ns: int | None = None) -> bytes:
    """Serialized ExportMetricsServiceRequest. ``window_start_ns``: the points are aggregates of
    the window from then to the translation's time (flow rollups): that is their start time."""
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
                inst = mp.instrument
                if inst == "counter" and state is not None:
                    dps = _counter_points(mp, (dev, sc.rulebook_id, mp.name), state, now, boot, prev, attr_cache)
                elif mp.timestamps:
                    dps = _timestamped_points(mp, 0 if inst == "gauge" else boot, now, attr_cache)
                else:           # one start and one time for the whole metric
                    start = (0 if inst == "gauge" else min(boot, now)) if window_start_ns is None else window_start_ns
                    dps = w.data_points(attr_cache, list(map(_first, mp.points)), list(map(_second, mp.points)),
                                        start, now)
                metrics.append(w.lenfield(w.T_METRICS, w.metric(mp.name, mp.description, mp.unit, inst, dps)))
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


def _counter_points(mp: MetricPoints, key0: tuple[str, str, str], state: StartTimes, now: int, boot: int,
                    prev: int | None, attr_cache: w.AttrCache) -> bytes:
    """Counters: each series' start time (and wrap offset) from the StartTimes state."""
    tss = mp.timestamps
    attrs = list(map(_first, mp.points))
    values = list(map(_second, mp.points))
    series = state.metric(*key0)
    times: list[int] | int = [ts or now for ts in tss] if tss else now
    starts, out = series.update(attrs, values, times, boot, prev, mp.counter32 or (), state.events)
    if isinstance(starts, int):     # the usual case: every series counts from the same start
        return w.data_points(attr_cache, attrs, list(out), starts, now)
    get, head, at = attr_cache.heads.get, attr_cache.head, w.data_point_at
    if isinstance(times, int):
        return b"".join([at(get(a) or head(a), start, now, v) for a, start, v in zip(attrs, starts, out, strict=True)])
    return b"".join([at(get(a) or head(a), start, ts, v)
                     for a, start, ts, v in zip(attrs, starts, times, out, strict=True)])


def _timestamped_points(mp: MetricPoints, start: int, now: int, attr_cache: w.AttrCache) -> bytes:
    """Points with device timestamps (gNMI); a zero timestamp means the poll time."""
    assert mp.timestamps is not None
    get, head, at = attr_cache.heads.get, attr_cache.head, w.data_point_at
    return b"".join([at(get(attrs) or head(attrs), min(start, ts or now) if start else 0, ts or now, value)
                     for (attrs, value), ts in zip(mp.points, mp.timestamps, strict=True)])


def build_request(translations: Iterable[DeviceTranslation], state: StartTimes | None = None,
                  prev_poll_ns: dict[str, int] | None = None,
                  window_start_ns: int | None = None) -> ExportMetricsServiceRequest:
    """The request as a protobuf message (parsed from the wire encoding, in C)."""
    return ExportMetricsServiceRequest.FromString(encode_request(translations, state, prev_poll_ns,
                                                                 window_start_ns=window_start_ns))
