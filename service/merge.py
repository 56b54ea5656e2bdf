"""One instance's view from its workers' views: status.json, readiness and Prometheus text.

Each worker reports only itself; the supervisor fetches every worker's view and merges them so
the status page, /readyz and /metrics still describe the whole instance. A worker that is down or
does not answer is a failing ``worker <name>`` check, never a silent gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkerView:
    """What the supervisor knows of one worker, and the worker's status.json (None: no answer)."""

    name: str
    pid: int | None
    alive: bool
    restarts: int
    last_exit: int | None
    http_port: int | None
    status: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "alive": self.alive, "restarts": self.restarts,
                "last_exit": self.last_exit, "http_port": self.http_port,
                "ready": bool(self.status and self.status.get("ready"))}


def worker_checks(views: Sequence[WorkerView]) -> list[dict[str, Any]]:
    """One check per worker (running and answering), then each worker's own checks, prefixed."""
    out = []
    for v in views:
        if not v.alive:
            why = ("starting" if v.last_exit is None else
                   f"not running (last exit {v.last_exit}, {v.restarts} restarts); restarting")
            out.append({"name": f"worker {v.name}", "ok": False, "reason": why})
        elif v.status is None:
            out.append({"name": f"worker {v.name}", "ok": False, "reason": "starting or not answering"})
        else:
            out.append({"name": f"worker {v.name}", "ok": True, "reason": ""})
            out += [{**c, "name": f"{v.name}: {c['name']}"} for c in v.status.get("checks", [])]
    return out


def _owner_first(entry: dict[str, Any]) -> int:
    """Polled by this worker, then not polled yet (every worker lists every target), then not-owned."""
    if entry.get("polls_ok") or entry.get("polls_failed"):
        return 0
    return 2 if entry.get("state") == "not-owned" else 1


def merge_status(instance: str, version: str, uptime_s: float, views: Sequence[WorkerView]) -> dict[str, Any]:
    """The instance's status.json: each target as its owner reports it, outputs and checks per worker."""
    checks = worker_checks(views)
    answered = [(v.name, v.status) for v in views if v.status is not None]
    targets: dict[str, dict[str, Any]] = {}
    for name, st in answered:
        for t in st["targets"]:
            t = {**t, "worker": name}
            have = targets.get(t["key"])
            if have is None or _owner_first(t) < _owner_first(have):
                targets[t["key"]] = t
    first = answered[0][1] if answered else {}
    worker0 = views[0].status if views and views[0].status is not None else {}
    clusters = {name: st["cluster"] for name, st in answered if st.get("cluster")}
    return {
        "instance": instance,
        "version": version,
        "ready": all(c["ok"] for c in checks),
        "checks": checks,
        "uptime_s": uptime_s,
        "rulebooks": first.get("rulebooks", []),
        "targets": [targets[k] for k in sorted(targets)],
        "outputs": [{**o, "name": f"{o['name']} [{name}]", "worker": name}
                    for name, st in answered for o in st["outputs"]],
        "orphaned_spill": [o for _n, st in answered for o in st.get("orphaned_spill", [])],
        "translated_points": sum(st.get("translated_points", 0) for _n, st in answered),
        "cluster": {"members": sorted({m for c in clusters.values() for m in c.get("members", [])}),
                    "owned": sorted({k for c in clusters.values() for k in c.get("owned", [])}),
                    "connected": all(c.get("connected") for c in clusters.values()),
                    "workers": clusters} if clusters else None,
        "polls": _sum_polls([st["polls"] for _n, st in answered if st.get("polls")]),
        "gc": _sum_gc([st["gc"] for _n, st in answered if st.get("gc")]),
        "flows": worker0.get("flows"),
        "traps": worker0.get("traps"),
        "workers": [v.as_json() for v in views],
    }


def _sum_polls(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The scheduler's missed/late counts over the workers: sums, the largest lags, the histograms added."""
    if not parts:
        return None
    lateness: dict[str, int] = {}
    for p in parts:
        for bucket, n in p.get("lateness", {}).items():
            lateness[bucket] = lateness.get(bucket, 0) + n
    return {"missed": sum(p["missed"] for p in parts), "late": sum(p["late"] for p in parts),
            "late_after": parts[0].get("late_after"), "lag_s": max(p["lag_s"] for p in parts),
            "lag_max_s": max(p["lag_max_s"] for p in parts), "lateness": lateness}


def _sum_gc(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Garbage collections over the workers: per generation, counts and seconds added."""
    if not parts:
        return None
    return {"collections": [sum(c) for c in zip(*(p["collections"] for p in parts), strict=True)],
            "seconds": [round(sum(c), 6) for c in zip(*(p["seconds"] for p in parts), strict=True)],
            "collected": sum(p["collected"] for p in parts), "uncollectable": sum(p["uncollectable"] for p in parts)}


def merge_prometheus(texts: Sequence[str]) -> str:
    """Prometheus text expositions → one: each family's HELP/TYPE once, then every sample of it.

    The workers' series differ by their labels (a target is one worker's; self-telemetry carries
    ``service_instance_id``), so samples are only regrouped, never summed."""
    families: dict[str, tuple[list[str], list[str]]] = {}
    for text in texts:
        for line in text.splitlines():
            if not line:
                continue
            if line.startswith("# "):
                parts = line.split(" ", 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    head, _ = families.setdefault(parts[2], ([], []))
                    if not any(h.split(" ", 2)[1] == parts[1] for h in head):
                        head.append(line)
                continue
            name = line.split("{", 1)[0].split(" ", 1)[0]
            families.setdefault(name, ([], []))[1].append(line)
    out = []
    for name in sorted(families):
        head, samples = families[name]
        out += head
        out += samples
    return "\n".join(out) + "\n"
