"""What the lab is made of: its devices (each one entry of a config's targets) and flow exporters.
Its own module so the simulators in others.py and the lab in __init__.py share it without
importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .state import DeviceState, lab_device


@dataclass
class LabDevice:
    kind: str
    name: str
    address: str
    target: dict[str, Any]          # one entry of the config's targets.<kind>


@dataclass
class Lab:
    devices: list[LabDevice] = field(default_factory=list)
    flow: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)   # simulator -> why it is not running
    # the one device SNMP, gNMI and CLI serve (service/lab/state.py), so its sources agree
    state: DeviceState = field(default_factory=lab_device)
    # source kind -> the state that source serves instead (tests corrupt one source this way)
    overrides: dict[str, DeviceState] = field(default_factory=dict)

    def state_for(self, kind: str) -> DeviceState:
        return self.overrides.get(kind, self.state)

    def targets(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for d in self.devices:
            if d.kind != "flow":  # flow exporters send to a listener; they are not polled
                out.setdefault(d.kind, []).append(d.target)
        return out
