"""What the lab is made of: its devices (each one entry of a config's targets) and flow exporters.
Its own module so the simulators in others.py and the lab in __init__.py share it without
importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .state import DeviceState, lab_device, lab_eos, lab_junos


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
    # the devices the lab serves over more than one source (service/lab/state.py), so their
    # sources agree: lab-r1 over SNMP, gNMI and CLI; lab-eos-1 over SNMP and eAPI; lab-mx-1 over
    # SNMP and NETCONF
    state: DeviceState = field(default_factory=lab_device)
    eos: DeviceState = field(default_factory=lab_eos)
    junos: DeviceState = field(default_factory=lab_junos)
    # source kind -> the state that source serves instead of the device of that name (tests
    # corrupt one source of one device this way)
    overrides: dict[str, DeviceState] = field(default_factory=dict)

    def state_for(self, kind: str, device: DeviceState | None = None) -> DeviceState:
        device = self.state if device is None else device
        other = self.overrides.get(kind)
        return other if other is not None and other.name == device.name else device

    def targets(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for d in self.devices:
            if d.kind != "flow":  # flow exporters send to a listener; they are not polled
                out.setdefault(d.kind, []).append(d.target)
        return out
