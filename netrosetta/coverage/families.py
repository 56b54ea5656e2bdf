"""Unified metrics grouped into the families a network engineer asks about ("do I get CPU, memory,
temperature, fans, PSUs, interfaces from this box?"). Every schema metric belongs to one family;
tests/unit/test_coverage.py holds that true, so a metric added to the schema must be filed here.
"""

from __future__ import annotations

# metric -> family; order of FAMILIES is the column order of the reports
FAMILY_OF: dict[str, str] = {
    "system.cpu.utilization": "cpu",
    "system.memory.usage": "memory", "system.memory.limit": "memory", "system.memory.utilization": "memory",
    "hw.temperature": "temperature", "hw.temperature.limit": "temperature",
    "hw.fan.speed": "fan",
    "hw.voltage": "voltage", "hw.voltage.limit": "voltage",
    "netrosetta.current": "current", "netrosetta.current.limit": "current",
    "hw.power": "power", "hw.energy": "power", "netrosetta.power.apparent": "power",
    "netrosetta.power.factor": "power", "netrosetta.frequency": "power", "netrosetta.load": "power",
    "netrosetta.humidity": "humidity",
    "hw.battery.charge": "battery", "hw.battery.time_left": "battery",
    "hw.status": "state",
    "netrosetta.transceiver.rx.power": "optics", "netrosetta.transceiver.tx.power": "optics",
    "netrosetta.transceiver.bias.current": "optics",
    "netrosetta.signal.strength": "radio", "netrosetta.signal.snr": "radio", "netrosetta.bitrate": "radio",
    "hw.network.io": "interfaces", "hw.network.packets": "interfaces", "hw.errors": "interfaces",
    "system.network.packet.dropped": "interfaces", "hw.network.bandwidth.limit": "interfaces",
    "hw.network.up": "interfaces", "netrosetta.interface.status": "interfaces",
    "netrosetta.interface.mtu": "interfaces",
    "system.uptime": "uptime",
}

FAMILIES = ("cpu", "memory", "temperature", "fan", "power", "voltage", "current", "humidity", "battery",
            "state", "optics", "radio", "interfaces", "uptime", "extensions", "other")


def family(metric: str) -> str:
    """The family of a unified metric; a vendor extension metric (``vendor.*``, outside the schema)
    is 'extensions'."""
    if metric.startswith("vendor."):
        return "extensions"
    return FAMILY_OF.get(metric, "other")
