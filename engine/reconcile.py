"""Cross-source reconciliation: one device's unified series as two sources report them, lined up.

Pure: it sees only samples (Resource, metric, attributes, value, time), so `netrosetta reconcile`
(recordings, OTLP JSON) and the service's opt-in live check share it. What it reports:

- series only one source has (after pairing, below);
- interface names one source has and the other has no counterpart for, after both sides' names
  are expanded with an abbreviation table (`Gi0/1` and `GigabitEthernet0/1` are one interface);
- values that disagree beyond what the time between the two reads explains. Counters:
  |a - b| <= rate * (|tA - tB| + slack) + absolute, the rate estimated from two reads of the
  series when either source has them, else bounded by the interface's speed
  (hw.network.bandwidth.limit) or the unit's bound in the settings; a 32-bit counter (the
  translation marks them) is compared modulo 2^32. Gauges: within
  max(absolute, relative * max(|a|, |b|)), per metric.

Pairing: a metric's series are keyed by the attribute keys both sources use for that metric (one
source may add a decoration such as `hw.type` the other lacks). Source-local names (`hw.id`: an
SNMP entity index here, a component name there) are left out of the key when both sides name the
thing with `hw.name`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .points import DeviceTranslation
from .schema import load_schema

IFNAME = "network.interface.name"
SPEED_METRIC = "hw.network.bandwidth.limit"
# smallest Ethernet frame on the wire (64 B + preamble 8 + gap 12): packets/s at a given byte rate
MIN_FRAME_BYTES = 84
WRAP32 = 2 ** 32
KINDS = ("value", "interface", "only_a", "only_b")


class GaugeTolerance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    relative: float = Field(0.05, ge=0, description="fraction of the larger value")
    absolute: float = Field(0.0, ge=0, description="in the metric's unit")


class ReconcileSettings(BaseModel):
    """How far two reads of one series may be apart and still agree (a service config section too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    identity: list[str] = Field(default_factory=lambda: ["host.name"],
                                description="Resource attributes that say two sources read one device")
    slack_seconds: float = Field(1.0, ge=0, description="how much earlier than its timestamp a value may have "
                                 "been read (an SNMP poll stamps its points when the walk ends)")
    counter_absolute: float = Field(0.0, ge=0, description="counters: allowed difference on top of the rate window")
    rate_bounds: dict[str, float] = Field(
        default_factory=lambda: {"By": 1.25e9, "{packet}": 1.5e7, "{error}": 1.5e7},
        description="unit -> the most a counter grows per second, when no rate estimate and no speed is known")
    default_rate_bound: float = Field(1e6, ge=0, description="the same for units not listed")
    gauge: GaugeTolerance = Field(default_factory=GaugeTolerance)
    gauges: dict[str, GaugeTolerance] = Field(default_factory=dict, description="metric -> tolerance")
    ignore_metrics: list[str] = Field(
        default_factory=lambda: ["netrosetta.session.", "netrosetta.gnmi."],
        description="metric name prefixes not compared: each source's own collection health")
    local_attributes: list[str] = Field(default_factory=lambda: ["hw.id"],
                                        description="left out of the pairing key when both sides carry hw.name")

    def gauge_for(self, metric: str) -> GaugeTolerance:
        return self.gauges.get(metric, self.gauge)


@dataclass(frozen=True, slots=True)
class Sample:
    resource: Mapping[str, str]
    metric: str
    instrument: str          # counter | updowncounter | gauge
    unit: str
    attrs: tuple[tuple[str, Any], ...]
    value: float
    time_ns: int
    source: str = ""         # snmp | gnmi | cli | ... (the scope's netrosetta.source)
    counter32: bool = False  # a 32-bit counter: it equals the true count modulo 2^32


class InterfaceNames:
    """Expands an interface name's type prefix (`Gi` -> `GigabitEthernet`) from a table of
    full type -> short forms (the platform definitions' `interface_names`)."""

    _SPLIT = re.compile(r"^([A-Za-z][A-Za-z-]*?)(\d.*|)$")

    def __init__(self, table: Mapping[str, Sequence[str]] | None = None) -> None:
        self.full: dict[str, str] = {}
        for full, shorts in (table or {}).items():
            self.full[full.lower()] = full
            for s in shorts:
                self.full.setdefault(s.lower(), full)

    def canonical(self, name: str) -> str:
        m = self._SPLIT.match(name.strip())
        if not m:
            return name.strip().lower()
        prefix, rest = m.groups()
        return (self.full.get(prefix.lower(), prefix) + rest).lower()


@dataclass
class Disagreement:
    kind: str                      # value | interface | only_a | only_b
    device: str
    metric: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    a: float | None = None
    b: float | None = None
    allowed: float | None = None
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", {})}


@dataclass
class Report:
    paired: int = 0
    agreed: int = 0
    renamed: list[tuple[str, str, str]] = field(default_factory=list)   # device, name in A, name in B
    findings: list[Disagreement] = field(default_factory=list)

    def of(self, kind: str) -> list[Disagreement]:
        return [f for f in self.findings if f.kind == kind]

    @property
    def disagreements(self) -> int:
        """Values that disagree and interfaces that do not pair; one-source series are reported, not counted."""
        return sum(1 for f in self.findings if f.kind in ("value", "interface"))

    def counts(self) -> dict[str, int]:
        return {k: len(self.of(k)) for k in KINDS}

    def as_dict(self) -> dict[str, Any]:
        return {"consistent": self.disagreements == 0, "paired": self.paired, "agreed": self.agreed,
                "counts": self.counts(),
                "renamed": [{"device": d, "a": a, "b": b} for d, a, b in self.renamed],
                "findings": [f.as_dict() for f in self.findings]}


def samples_of(translations: Iterable[DeviceTranslation], time_ns: int | None = None) -> list[Sample]:
    """A translation's points as samples (gNMI's own timestamps where it has them)."""
    out: list[Sample] = []
    for tr in translations:
        for scope in tr.scopes:
            for m in scope.metrics.values():
                stamps = m.timestamps
                narrow = m.counter32 or ()
                for i, (attrs, value) in enumerate(m.points):
                    if stamps is not None and i < len(stamps) and stamps[i]:
                        t = stamps[i]
                    else:
                        t = tr.time_ns if time_ns is None else time_ns
                    out.append(Sample(tr.resource, m.name, m.instrument, m.unit, attrs, float(value), t,
                                      scope.source, attrs in narrow))
    return out


@dataclass
class _Series:
    sample: Sample                  # the latest read
    rate: float | None = None       # per second, from the two latest reads


Key = tuple[tuple[str, str], ...]
SeriesMap = dict[str, dict[str, dict[Key, _Series]]]
RawNames = dict[tuple[str, str], set[str]]


def _series(samples: Iterable[Sample], identity: Sequence[str], names: InterfaceNames,
            ignore: Sequence[str] = ()) -> tuple[SeriesMap, RawNames]:
    """device -> metric -> canonical attributes -> series (latest read, rate from the one before),
    and (device, canonical interface name) -> the names the source printed."""
    reads: dict[tuple[str, str, Key], list[Sample]] = defaultdict(list)
    raw: RawNames = defaultdict(set)
    ignored = tuple(ignore)
    for s in samples:
        if ignored and s.metric.startswith(ignored):
            continue
        dev = "/".join(str(s.resource.get(k, "")) for k in identity)
        pairs = []
        for k, v in s.attrs:
            if k == IFNAME:
                canon = names.canonical(str(v))
                raw[(dev, canon)].add(str(v))
                pairs.append((k, canon))
            else:
                pairs.append((k, str(v)))
        reads[(dev, s.metric, tuple(sorted(pairs)))].append(s)
    out: SeriesMap = defaultdict(lambda: defaultdict(dict))
    for (dev, metric, key), rs in reads.items():
        rs.sort(key=lambda s: s.time_ns)
        last = rs[-1]
        rate = None
        if last.instrument == "counter" and len(rs) >= 2:
            prev = rs[-2]
            dt = (last.time_ns - prev.time_ns) / 1e9
            if dt > 0 and last.value >= prev.value:    # a reset or wrap says nothing about the rate
                rate = (last.value - prev.value) / dt
        out[dev][metric][key] = _Series(last, rate)
    return out, raw


def _pair_keys(left: Iterable[Key], right: Iterable[Key],
               local: Sequence[str]) -> frozenset[str]:
    lk = {k for key in left for k, _ in key}
    rk = {k for key in right for k, _ in key}
    # attributes the schema marks `describes` (an interface's description, type) say what a series
    # is, not which one: two sources may spell them apart (quotes, trimming) for the same interface
    common = (lk & rk) - load_schema().describing
    if "hw.name" in common:
        common -= set(local)
    return frozenset(common)


def _project(series: Mapping[Key, _Series], keys: frozenset[str]
             ) -> dict[Key, _Series]:
    """Series re-keyed on ``keys``; a series whose projection collides with another keeps its full key."""
    groups: dict[Key, list[tuple[Key, _Series]]] = defaultdict(list)
    for key, s in series.items():
        groups[tuple(kv for kv in key if kv[0] in keys)].append((key, s))
    out: dict[Key, _Series] = {}
    for short, members in groups.items():
        if len(members) == 1:
            out[short] = members[0][1]
        else:
            out.update(members)
    return out


def _speeds(series: Mapping[str, Mapping[Key, _Series]]) -> dict[str, float]:
    """canonical interface name -> bytes per second, from hw.network.bandwidth.limit."""
    out: dict[str, float] = {}
    for key, s in series.get(SPEED_METRIC, {}).items():
        name = dict(key).get(IFNAME)
        if name is not None and s.sample.value > 0:
            out[name] = s.sample.value
    return out


def _rate_bound(sample: Sample, key: Key, speeds: Mapping[str, float],
                settings: ReconcileSettings) -> tuple[float, str]:
    speed = speeds.get(dict(key).get(IFNAME, ""))
    if speed is not None and sample.unit == "By":
        return speed, "interface speed"
    if speed is not None and sample.unit in ("{packet}", "{error}"):
        return speed / MIN_FRAME_BYTES, "interface speed / minimum frame"
    return settings.rate_bounds.get(sample.unit, settings.default_rate_bound), f"bound for unit {sample.unit}"


def _compare(a: _Series, b: _Series, key: Key, speeds: Mapping[str, float],
             settings: ReconcileSettings) -> tuple[bool, float, str]:
    va, vb = a.sample.value, b.sample.value
    diff = abs(va - vb)
    if a.sample.instrument == "counter" and (a.sample.counter32 or b.sample.counter32):
        # a 32-bit counter against a 64-bit one (ifInOctets vs a CLI's count): equal modulo 2^32
        diff = min(diff % WRAP32, WRAP32 - diff % WRAP32)
    if a.sample.instrument == "counter":
        dt = abs(a.sample.time_ns - b.sample.time_ns) / 1e9
        rates = [r for r in (a.rate, b.rate) if r is not None]
        if rates:
            rate, how = max(rates), "measured rate"
        else:
            rate, how = _rate_bound(a.sample, key, speeds, settings)
        allowed = rate * (dt + settings.slack_seconds) + settings.counter_absolute
        return diff <= allowed, allowed, f"{how} {rate:.6g}/s over {dt:.3f}s + {settings.slack_seconds:g}s slack"
    tol = settings.gauge_for(a.sample.metric)
    allowed = max(tol.absolute, tol.relative * max(abs(va), abs(vb)))
    return diff <= allowed, allowed, f"gauge tolerance {tol.relative:g} relative, {tol.absolute:g} absolute"


def reconcile(a: Iterable[Sample], b: Iterable[Sample], *, names: InterfaceNames | None = None,
              settings: ReconcileSettings | None = None) -> Report:
    """Line up two sources' samples of the same devices and report what does not agree."""
    settings = settings or ReconcileSettings()
    names = names or InterfaceNames()
    sa, raw_a = _series(a, settings.identity, names, settings.ignore_metrics)
    sb, raw_b = _series(b, settings.identity, names, settings.ignore_metrics)
    report = Report()
    for dev in sorted(set(sa) | set(sb)):
        ma, mb = sa.get(dev, {}), sb.get(dev, {})
        ifs_a, ifs_b = _interfaces(ma), _interfaces(mb)
        unpaired: set[str] = set()
        if ifs_a and ifs_b:      # a source that reports no interface at all has none to pair
            for side, mine, theirs, raw in (("a", ifs_a, ifs_b, raw_a), ("b", ifs_b, ifs_a, raw_b)):
                for n in sorted(mine - theirs):
                    unpaired.add(n)
                    shown = ", ".join(sorted(raw.get((dev, n), {n})))
                    report.findings.append(Disagreement("interface", dev, attrs={IFNAME: shown},
                                                        why=f"only in source {side.upper()}"))
            for n in sorted(ifs_a & ifs_b):
                for ra in sorted(raw_a.get((dev, n), ())):
                    for rb in sorted(raw_b.get((dev, n), ())):
                        if ra != rb:
                            report.renamed.append((dev, ra, rb))
        speeds = {**_speeds(mb), **_speeds(ma)}
        for metric in sorted(set(ma) | set(mb)):
            keys = _pair_keys(ma.get(metric, {}), mb.get(metric, {}), settings.local_attributes)
            pa, pb = _project(ma.get(metric, {}), keys), _project(mb.get(metric, {}), keys)
            for key in sorted(set(pa) | set(pb)):
                if dict(key).get(IFNAME) in unpaired:
                    continue       # reported once, as the interface
                if key not in pb or key not in pa:
                    only = pa.get(key) or pb[key]
                    kind = "only_a" if key in pa else "only_b"
                    report.findings.append(Disagreement(kind, dev, metric, dict(only.sample.attrs),
                                                        a=only.sample.value if key in pa else None,
                                                        b=only.sample.value if key in pb else None))
                    continue
                report.paired += 1
                ok, allowed, why = _compare(pa[key], pb[key], key, speeds, settings)
                if ok:
                    report.agreed += 1
                else:
                    report.findings.append(Disagreement("value", dev, metric, dict(pa[key].sample.attrs),
                                                        pa[key].sample.value, pb[key].sample.value, allowed, why))
    return report


def _interfaces(metrics: Mapping[str, Mapping[Key, _Series]]) -> set[str]:
    return {v for series in metrics.values() for key in series for k, v in key if k == IFNAME}
