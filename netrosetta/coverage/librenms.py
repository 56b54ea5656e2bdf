"""Agreement of one translated device with LibreNMS's decode of the same walk (its test-data JSON:
``os``, ``processors``, ``mempools``, ``sensors`` modules, each with a ``discovery`` and maybe a
``poller`` view).

"Fully right" per class:

* cpu - our system.cpu.utilization points, x100, equal LibreNMS's processors' processor_usage
  as a multiset within 0.5 (LibreNMS stores whole or rounded percent) - same count, so no CPU
  is missing and none is invented. A CPU whose cores we report (cpu.logical_number) counts by
  its cores, not its total: LibreNMS lists a CPU's cores in place of the CPU when the agent has
  them (Cisco cpmCoreTable), so the total would be a processor it does not have.
* memory - one pool of ours (hw.id) per LibreNMS mempool of class "system" (RAM) with total
  (system.memory.limit), used and free all equal within 0.5 % of the total or 1 byte (LibreNMS
  derives some from percentages and KiB units); same number of pools. LibreNMS's free is what is
  available (total - used), so ours is free + buffers + cached (the OTel states that are not
  used), or limit - used when we give no free point. Its other classes are not RAM pools of
  their own: buffers / cached are states of the RAM pool in the unified schema, and virtual,
  swap and shared memory are not system.memory at all. A pool LibreNMS knows only as a
  percentage (it files it as total 100, used = percent) is compared with our
  system.memory.utilization of a pool that has no byte figures.
* temperature - our hw.temperature values equal LibreNMS's temperature sensors' sensor_current
  (already divided/multiplied) as a multiset within 0.1, same count. LibreNMS rows without a
  current value (sensor_current null) cannot be checked and are left out.
* A device where LibreNMS has none of a class is right only if we produce none either.
* LibreNMS records a discovery and a poller view; when they differ (a handful of devices, e.g.
  a poller that computes 100 - idle) matching either counts, since both are its reading of the
  one walk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netrosetta.engine.points import DeviceTranslation
from netrosetta.errors import NetrosettaError

CLASSES = ("cpu", "memory", "temperature")


def load_expected(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise NetrosettaError(f"cannot read LibreNMS decode: {exc.strerror}", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise NetrosettaError(f"not JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    if not isinstance(data, dict):
        raise NetrosettaError("not a LibreNMS decode (expected a JSON object of modules)", file=str(path))
    return data


def views(data: dict[str, Any], module: str, table: str) -> list[list[dict[str, Any]]]:
    """LibreNMS's rows of module.table: [discovery] or [discovery, poller] when the poller differs."""
    mod = data.get(module)
    if not isinstance(mod, dict):
        return [[]]
    out = []
    for phase in ("discovery", "poller"):
        part = mod.get(phase)
        if isinstance(part, dict) and isinstance(part.get(table), list):
            out.append(part[table])
    return out or [[]]


def _pair(ours: list[float], theirs: list[float], tol: float) -> bool:
    """Same count and, sorted, pairwise within tol (sorted pairing is the best 1-D matching)."""
    return len(ours) == len(theirs) and all(abs(a - b) <= tol for a, b in zip(sorted(ours), sorted(theirs), strict=True))


def points(t: DeviceTranslation, metric: str) -> list[tuple[dict[str, str], Any]]:
    return [(attrs, v) for _s, m, attrs, v in t.iter_points() if m.name == metric]


def cpu_right(t: DeviceTranslation, data: dict[str, Any]) -> bool:
    pts = points(t, "system.cpu.utilization")
    with_cores = {a.get("hw.id") for a, _v in pts if "cpu.logical_number" in a}
    ours = [float(v) * 100 for a, v in pts if "cpu.logical_number" in a or a.get("hw.id") not in with_cores]
    return any(_pair(ours, [float(r["processor_usage"]) for r in rows], 0.5)
               for rows in views(data, "processors", "processors"))


Pool = tuple[float, float, float]      # (total, used, free); NaN where not known


def our_pools(t: DeviceTranslation) -> dict[str, Pool | float]:
    """hw.id -> (total, used, free), or -> used percent for a pool known only as a ratio."""
    nan = float("nan")
    total: dict[str, float] = {}
    states: dict[str, dict[str, float]] = {}
    for attrs, v in points(t, "system.memory.limit"):
        total[attrs.get("hw.id", "")] = float(v)
    for attrs, v in points(t, "system.memory.usage"):
        states.setdefault(attrs.get("hw.id", ""), {})[attrs.get("system.memory.state", "")] = float(v)
    out: dict[str, Pool | float] = {}
    for i in sorted(set(total) | set(states)):
        st = states.get(i, {})
        used = st.get("used", nan)
        free = (st["free"] + st.get("buffers", 0.0) + st.get("cached", 0.0)) if "free" in st \
            else total.get(i, nan) - used
        out[i] = (total.get(i, nan), used, free)
    for attrs, v in points(t, "system.memory.utilization"):
        out.setdefault(attrs.get("hw.id", ""), float(v) * 100)
    return out


def _pool_eq(got: Pool | float, want: dict[str, Any]) -> bool:
    total = float(want.get("mempool_total") or 0)
    if isinstance(got, float):
        # LibreNMS files a pool it knows only as a percentage as total 100, used = percent
        perc = want.get("mempool_perc", want.get("mempool_used"))
        return total == 100 and perc is not None and abs(got - float(perc)) <= 0.5
    b = (total, float(want.get("mempool_used") or 0), float(want.get("mempool_free") or 0))
    tol = max(1.0, 0.005 * abs(b[0]))
    return all(abs(x - y) <= tol for x, y in zip(got, b, strict=True))


def memory_right(t: DeviceTranslation, data: dict[str, Any]) -> bool:
    ours = list(our_pools(t).values())
    for rows in views(data, "mempools", "mempools"):
        theirs = [r for r in rows if r.get("mempool_class", "system") == "system"]
        if len(ours) != len(theirs):
            continue
        left = list(ours)
        for want in theirs:
            hit = next((i for i, got in enumerate(left) if _pool_eq(got, want)), None)
            if hit is None:
                break
            left.pop(hit)
        else:
            return True
    return False


def temperature_right(t: DeviceTranslation, data: dict[str, Any]) -> bool:
    ours = [float(v) for _a, v in points(t, "hw.temperature")]
    for rows in views(data, "sensors", "sensors"):
        theirs = [float(r["sensor_current"]) for r in rows
                  if r.get("sensor_class") == "temperature" and r.get("sensor_current") is not None]
        if _pair(ours, theirs, 0.1):
            return True
    return False


def has(data: dict[str, Any], cls: str) -> bool:
    """LibreNMS decoded at least one item of the class (cpu, memory, temperature)."""
    if cls == "cpu":
        return any(views(data, "processors", "processors"))
    if cls == "memory":
        return any(r.get("mempool_class", "system") == "system" for rows in views(data, "mempools", "mempools")
                   for r in rows)
    return any(r.get("sensor_class") == "temperature" for rows in views(data, "sensors", "sensors") for r in rows)


RIGHT = {"cpu": cpu_right, "memory": memory_right, "temperature": temperature_right}


def verdicts(t: DeviceTranslation, data: dict[str, Any]) -> dict[str, bool]:
    return {c: RIGHT[c](t, data) for c in CLASSES}


def os_name(data: dict[str, Any]) -> str:
    """LibreNMS's os of the device ('' when the decode does not say)."""
    for phase in ("discovery", "poller"):
        devs = ((data.get("os") or {}).get(phase) or {}).get("devices")
        if isinstance(devs, list) and devs and isinstance(devs[0], dict):
            return str(devs[0].get("os") or "")
    return ""
