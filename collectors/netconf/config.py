"""NETCONF target configuration (pydantic v2) and the per-platform default requests."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, model_validator

from netrosetta.collectors.netconf.filters import filter_key
from netrosetta.collectors.recording import TargetBase, file_stem

XR = "http://cisco.com/ns/yang/Cisco-IOS-XR-"


class NetconfRequest(BaseModel):
    """One RPC: a vendor RPC (``rpc``), or a ``<get>`` with a ``subtree`` or ``xpath`` filter."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None                  # recording file stem; derived when absent
    rpc: str | None = None                   # e.g. <get-interface-information><extensive/></...>
    subtree: str | None = None               # filter content (one or more top containers)
    xpath: str | None = None
    namespaces: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_kind(self) -> NetconfRequest:
        if sum(x is not None for x in (self.rpc, self.subtree, self.xpath)) != 1:
            raise ValueError("give exactly one of rpc, subtree, xpath")
        for text in (self.rpc, self.subtree):
            if text is not None:
                self._parse(text)
        return self

    @staticmethod
    def _parse(text: str) -> etree._Element:
        try:
            return etree.fromstring(f"<filter>{text}</filter>")
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"not well-formed XML: {exc}") from exc

    def key(self) -> str:
        if self.name:
            return file_stem(self.name)
        if self.rpc is not None:
            return etree.QName(self._parse(self.rpc)[0]).localname
        if self.subtree is not None:
            return filter_key(self._parse(self.subtree))
        return file_stem(self.xpath or "get")


class NetconfTarget(TargetBase):
    kind: Literal["netconf"] = "netconf"
    port: int | None = 830
    key_file: Path | None = None
    known_hosts: Path | None = None          # default ~/.ssh/known_hosts
    hostkey_verify: bool = True              # on by default; turning it off is logged
    requests: list[NetconfRequest] | None = None   # default: PLANS[platform]


def _sub(ns: str, body: str) -> NetconfRequest:
    top = body.split(">", 1)[0].lstrip("<").split()[0].rstrip("/")
    return NetconfRequest(subtree=body.replace(f"<{top}", f'<{top} xmlns="{ns}"', 1))


PLANS: dict[str, list[NetconfRequest]] = {
    "juniper_junos": [
        NetconfRequest(rpc="<get-interface-information><extensive/></get-interface-information>"),
        NetconfRequest(rpc="<get-route-engine-information/>"),
        NetconfRequest(rpc="<get-environment-information/>"),
        NetconfRequest(rpc="<get-temperature-threshold-information/>"),
    ],
    "cisco_xr": [
        _sub(XR + "pfi-im-cmd-oper", "<interfaces><interface-xr><interface><interface-name/>"
                                      "<interface-statistics/></interface></interface-xr></interfaces>"),
        _sub(XR + "nto-misc-oper", "<memory-summary><nodes><node><node-name/><summary/></node></nodes>"
                                    "</memory-summary>"),
        _sub(XR + "wdsysmon-fd-oper", "<system-monitoring><cpu-utilization><node-name/>"
                                       "<total-cpu-one-minute/></cpu-utilization></system-monitoring>"),
        _sub("http://www.cisco.com/ns/yang/Cisco-IOS-XR-sysadmin-envmon-ui",
             "<environment><oper><temperatures/></oper></environment>"),
    ],
}

# ncclient device handlers by netmiko device_type
DEVICE_HANDLERS = {"juniper_junos": "junos", "cisco_xr": "iosxr", "cisco_nxos": "nexus",
                   "cisco_ios": "iosxe", "cisco_xe": "iosxe", "huawei_vrp": "huaweiyang"}
# platforms whose replies carry release-specific namespaces that rulebooks should not depend on
STRIP_NAMESPACES = {"juniper_junos"}
