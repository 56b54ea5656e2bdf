"""Junos NETCONF replies for the lab's NETCONF simulator, from the shared device state.

The elements the juniper/junos-netconf rulebook reads, in the shape `get-interface-information`
and `get-route-engine-information` replies have, computed when the RPC is asked, so the counters
are the ones the same device's SNMP agent answers at that moment. Physical interfaces only: the
state has no logical units (its SNMP view has none either).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from .state import DeviceState


def interface_information(state: DeviceState, now: float | None = None) -> str:
    parts = ["<interface-information>"]
    for p in state.ports:
        c = state.counters(p, now)
        status = "up" if p.up else "down"
        desc = f"<description>{escape(p.description)}</description>" if p.description else ""
        parts.append(
            f"<physical-interface><name>{escape(p.name)}</name>{desc}<admin-status>up</admin-status>"
            f"<oper-status>{status}</oper-status><snmp-index>{p.index}</snmp-index>"
            f"<link-level-type>Ethernet</link-level-type><mtu>1514</mtu><speed>1000mbps</speed>"
            f"<traffic-statistics><input-bytes>{c['in-octets']}</input-bytes>"
            f"<output-bytes>{c['out-octets']}</output-bytes></traffic-statistics>"
            f"<input-error-list><input-errors>{c['in-errors']}</input-errors>"
            f"<input-discards>{c['in-discards']}</input-discards></input-error-list>"
            f"<output-error-list><output-errors>{c['out-errors']}</output-errors>"
            f"<output-drops>{c['out-discards']}</output-drops></output-error-list>"
            f"<ethernet-mac-statistics><input-unicasts>{c['in-unicast-pkts']}</input-unicasts>"
            f"<output-unicasts>{c['out-unicast-pkts']}</output-unicasts>"
            f"<input-multicasts>{c['in-multicast-pkts']}</input-multicasts>"
            f"<output-multicasts>{c['out-multicast-pkts']}</output-multicasts>"
            f"<input-broadcasts>{c['in-broadcast-pkts']}</input-broadcasts>"
            f"<output-broadcasts>{c['out-broadcast-pkts']}</output-broadcasts>"
            f"</ethernet-mac-statistics></physical-interface>")
    parts.append("</interface-information>")
    return "".join(parts)


def route_engine_information(state: DeviceState) -> str:
    """One routing engine: the state's CPU load and memory (DRAM in MB, used as a whole percent)."""
    busy = next(iter(state.cpu.values()), 0)
    physical, used = state.memory
    return ("<route-engine-information><route-engine><slot>0</slot><mastership-state>master</mastership-state>"
            f"<model>RE-LAB-1</model><memory-dram-size>{physical // 2**20} MB</memory-dram-size>"
            f"<memory-buffer-utilization>{used * 100 // physical}</memory-buffer-utilization>"
            f"<cpu-user>{busy}</cpu-user><cpu-background>0</cpu-background>"
            f"<cpu-system>0</cpu-system><cpu-interrupt>0</cpu-interrupt>"
            f"<cpu-idle>{100 - busy}</cpu-idle></route-engine></route-engine-information>")
