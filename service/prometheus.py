"""Latest translated points as Prometheus text exposition (the scrape endpoint output).

OpenTelemetry → Prometheus naming as the OTel spec describes it: dots become underscores, the
unit is a suffix (By → bytes, s → seconds, By/s → bytes_per_second, 1 → ratio for gauges only,
``{packet}`` annotations dropped), monotonic counters end in ``_total``;
Resource attributes ``host.name``/``host.ip`` become labels so series stay per device.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from netrosetta.engine.points import DeviceTranslation

# UCUM unit -> Prometheus unit word, as the OpenTelemetry Prometheus compatibility spec maps them
_UNITS = {
    "d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds",
    "us": "microseconds", "ns": "nanoseconds",
    "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
    "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
    "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
    "Cel": "celsius", "Hz": "hertz", "%": "percent",
}
# the singular word after `_per_` (By/s -> bytes_per_second)
_PER = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}
_BAD = re.compile(r"[^a-zA-Z0-9_]")
_ANNOTATION = re.compile(r"\{[^}]*\}")


def _clean(text: str) -> str:
    """Unsupported characters to `_`, runs of `_` folded, none leading or trailing."""
    return "_".join(w for w in _BAD.sub("_", text).split("_") if w)


def _unit_suffix(unit: str, instrument: str) -> str:
    unit = _ANNOTATION.sub("", unit).strip()  # {packet}, {error}: annotations, no unit word
    if unit == "1":
        return "ratio" if instrument != "counter" else ""
    if not unit:
        return ""
    if "/" in unit:
        num, _, den = unit.partition("/")
        words = [_UNITS.get(num, _clean(num)), _PER.get(den, _clean(den))]
        return "_per_".join(w for w in words if w) if all(words) else "".join(words)
    # a unit with no Prometheus word keeps only its letters and digits (dB[mW] -> dBmW)
    return _UNITS.get(unit, re.sub(r"[^a-zA-Z0-9]", "", unit))


def metric_name(name: str, unit: str, instrument: str) -> str:
    """OpenTelemetry metric name -> Prometheus name: cleaned, unit word appended unless present,
    `_ratio` for unit-1 gauges (not counters), `_total` for monotonic counters."""
    base = _clean(name)
    suffix = _unit_suffix(unit, instrument)
    if suffix and not base.endswith(f"_{suffix}") and base != suffix:
        base = f"{base}_{suffix}"
    if instrument == "counter" and not base.endswith("_total"):
        base += "_total"
    return base


def _esc(v: object) -> str:
    return str(v).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render_prometheus(translations: Iterable[DeviceTranslation]) -> str:
    families: dict[str, tuple[str, str, list[str]]] = {}
    for t in translations:
        dev = [(k, t.resource[k]) for k in ("host.name", "host.ip", "service.instance.id") if k in t.resource]
        for scope in t.scopes:
            for mp in scope.metrics.values():
                name = metric_name(mp.name, mp.unit, mp.instrument)
                kind = {"counter": "counter", "gauge": "gauge"}.get(mp.instrument, "gauge")
                fam = families.setdefault(name, (kind, mp.description, []))
                for attrs, value in mp.points:
                    labels = ",".join(f'{_BAD.sub("_", k)}="{_esc(v)}"' for k, v in (*dev, *attrs))
                    fam[2].append(f"{name}{{{labels}}} {value}")
    out = []
    for name, (kind, desc, lines) in sorted(families.items()):
        out.append(f"# HELP {name} {_esc(desc)}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(lines)
    return "\n".join(out) + "\n"
