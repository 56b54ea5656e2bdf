"""What a collector learned about a device before translation: used for matching and the Resource."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DeviceFacts:
    name: str | None = None              # configured target name
    address: str | None = None           # host the collector reached
    sys_object_id: str | None = None     # SNMP
    sys_descr: str | None = None         # SNMP (or equivalent free text)
    sys_uptime: int | None = None        # SNMP TimeTicks (1/100 s)
    sys_name: str | None = None
    # match.snmp `present` probe OIDs the device serves (None: not probed)
    present: frozenset[str] | None = None
    platform: str | None = None          # netmiko device_type, e.g. cisco_ios
    gnmi_models: list[str] = field(default_factory=list)       # "name" or "name@version"
    gnmi_organizations: list[str] = field(default_factory=list)
    netconf_capabilities: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
