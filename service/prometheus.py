"""Latest translated points as Prometheus text exposition (the scrape endpoint output).

OpenTelemetry → Prometheus naming as the OTel spec describes it: dots become underscores, the
unit is a suffix (By → bytes, s → seconds, 1 → ratio), monotonic counters end in ``_total``;
Resource attributes ``host.name``/``host.ip`` become labels so series stay per device.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from netrosetta.engine.points import DeviceTranslation

_UNITS = {"By": "bytes", "s": "seconds", "1": "ratio", "Cel": "celsius", "By/s": "bytes_per_second",
          "W": "watts", "V": "volts", "A": "amperes", "Hz": "hertz", "%": "percent"}
_BAD = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(name: str, unit: str, instrument: str) -> str:
    base = _BAD.sub("_", name)
    suffix = _UNITS.get(unit, "" if unit.startswith("{") or not unit else _BAD.sub("_", unit))
    if suffix and not base.endswith(suffix):
        base = f"{base}_{suffix}"
    if instrument == "counter":
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
