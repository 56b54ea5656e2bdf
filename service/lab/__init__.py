"""The built-in lab: simulated devices on loopback from fixtures the project ships, and a config for them.

Each simulator is optional: one that cannot start (its collector not written yet, a missing
package) is reported in one line and the lab runs with the others. SNMP (snmpsim) is always there.
SNMP, gNMI and CLI serve one device, `lab-r1` (state.py); SNMP and eAPI serve `lab-eos-1`, SNMP
and NETCONF `lab-mx-1`; so each device's sources agree with each other (`netrosetta reconcile`
shows no disagreement); lab-switch.snmprec stays for the tests that want a fixed walk.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .devices import Lab, LabDevice
from .state import DeviceState

__all__ = ["Lab", "LabDevice", "lab_config", "simulators", "start_lab"]

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
LAB_SNMPREC = HERE / "lab-switch.snmprec"
LAB_COMMUNITY = "lab"
# SNMP community of each device beside lab-r1 (one snmpsim agent serves all three walks)
OTHER_COMMUNITIES = {"eos": "lab-eos", "junos": "lab-mx"}


Starter = Callable[[contextlib.ExitStack, Lab], None]


def _snmp(stack: contextlib.ExitStack, lab: Lab) -> None:
    import tempfile

    from netrosetta.collectors.snmp.lab import snmpsim_agent

    from .make_snmprec import write_state

    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nr-lab-snmp-")))
    served = {LAB_COMMUNITY: lab.state_for("snmp")}
    served.update({c: lab.state_for("snmp", getattr(lab, k)) for k, c in OTHER_COMMUNITIES.items()})
    walks = {c: write_state(s, tmp / f"{s.name}.snmprec") for c, s in served.items()}
    agent = stack.enter_context(snmpsim_agent(walks))
    for community, state in served.items():
        lab.devices.append(LabDevice("snmp", state.name, f"127.0.0.1:{agent.port}", {
            "name": state.name, "host": "127.0.0.1", "port": agent.port, "version": "2c",
            "credentials": {"community": f"literal:{community}"}, "timeout": 1.0, "retries": 1,
        }))


def simulators() -> dict[str, Starter]:
    """Simulator name -> starter. Other sources add theirs in service/lab/others.py as they land."""
    found: dict[str, Starter] = {"snmp": _snmp}
    try:
        from .others import STARTERS
    except ImportError:
        STARTERS = {}
    found.update(STARTERS)
    return found


@contextlib.contextmanager
def start_lab(only: list[str] | None = None, overrides: dict[str, DeviceState] | None = None) -> Iterator[Lab]:
    """The lab's simulators; ``overrides``: a source kind serving another state than the shared one."""
    lab = Lab(overrides=dict(overrides or {}))
    with contextlib.ExitStack() as stack:
        for name, start in simulators().items():
            if only and name not in only:
                continue
            try:
                start(stack, lab)
            except Exception as exc:  # one missing simulator must not stop the lab
                lab.missing[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                log.debug("simulator %s failed", name, exc_info=True)
        for name in ("gnmi", "netconf", "api", "cli", "flow"):
            if name not in simulators() and (not only or name in only):
                lab.missing.setdefault(name, "simulator not wired into the lab yet")
        yield lab


def lab_config(lab: Lab, *, json_path: Path, spill_dir: Path | None, http_listen: str = "127.0.0.1:0",
               interval: float = 5.0) -> dict[str, Any]:
    """A service config (as data) polling the lab's devices."""
    cfg: dict[str, Any] = {
        "defaults": {"interval": interval, "jitter": 0.2, "poll_timeout": interval},
        "targets": lab.targets(),
        "outputs": {"otlp_json": [{"path": str(json_path), "signals": ["metrics"]}], "from_env": True},
        "http": {"listen": http_listen},
        "self_telemetry": {"interval": max(interval * 3, 15.0)},
        # lab-r1 (SNMP, gNMI, CLI), lab-eos-1 (SNMP, eAPI) and lab-mx-1 (SNMP, NETCONF): the
        # status page shows each device's sources agreeing
        "reconcile": {"enabled": True, "interval": max(interval * 3, 15.0)},
    }
    if spill_dir is not None:
        cfg["delivery"] = {"spill_dir": str(spill_dir)}
    if lab.flow:
        # raw flows into a file and, as OTLP logs, through the service's outputs (the backend of
        # OTEL_EXPORTER_OTLP_* too, with the same delivery guarantees as the metrics)
        cfg["flow"] = [{**f, "outputs": [{"type": "jsonl", "path": str(json_path.parent / "flows.jsonl")},
                                         {"type": "otlp"}]}
                       for f in lab.flow]
    return cfg
