"""NETCONF target configuration (pydantic v2); per-platform requests live in mappings/platforms/."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, model_validator

from netrosetta.collectors.netconf.filters import filter_key
from netrosetta.collectors.recording import TargetBase, file_stem


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
    requests: list[NetconfRequest] | None = None   # default: the platform definition's
    persistent: bool = True                  # keep one session between polls (else log in per poll)

