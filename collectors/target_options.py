"""Per-target options every kind's target model includes: Resource attributes (tags), a pinned
rulebook, and which interfaces to keep. Applied the same way whatever the source: the pin at match
time (``source.matched``), the rest on the translation (``apply``) before it is emitted."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from netrosetta.engine.mib_index import MibIndex

if TYPE_CHECKING:
    from netrosetta.engine.points import DeviceTranslation

IF_NAME = "network.interface.name"
IF_TYPE = "netrosetta.interface.type"
LINK_UP = "hw.network.up"


class InterfaceFilter(BaseModel):
    """Which interfaces' points to keep, by the ``network.interface.name`` attribute (points
    without one - CPU, memory, sensors - are never touched)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    include: list[str] = Field([], description="regexes; when given, only matching interface names are kept")
    exclude: list[str] = Field([], description="regexes; matching interface names are dropped")
    up_only: bool = Field(False, description="keep only interfaces whose link is up (hw.network.up = 1)")
    types: list[str] = Field([], description="IANAifType names (ethernetCsmacd, ieee8023adLag, ...); when "
                                             "given, only interfaces of these types are kept (one whose "
                                             "source gives no type is not)")
    exclude_types: list[str] = Field([], description="IANAifType names whose interfaces are dropped "
                                                     "(softwareLoopback, tunnel, l2vlan, ...)")

    @field_validator("include", "exclude")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from None
        return v

    @field_validator("types", "exclude_types")
    @classmethod
    def _iana_names(cls, v: list[str]) -> list[str]:
        # a misspelt type would silently keep nothing (or drop nothing): check it against the
        # names the attribute takes, IANAifType's enumeration in the MIB index
        if v:
            known = set(MibIndex.default().resolve("IF-MIB::ifType").enums.values())
            for name in v:
                if name not in known:
                    close = (sorted(k for k in known if name.lower() in k.lower())[:3]
                             or difflib.get_close_matches(name, known, 3))
                    raise ValueError(f"{name!r} is not an IANAifType name"
                                     + (f" (did you mean {', '.join(close)}?)" if close else ""))
        return v

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude or self.up_only or self.types or self.exclude_types)

    def keeps(self, name: str, up: set[str] | None, if_type: str | None = None) -> bool:
        if self.include and not any(re.search(p, name) for p in self.include):
            return False
        if any(re.search(p, name) for p in self.exclude):
            return False
        if self.types and if_type not in self.types:
            return False
        if if_type is not None and if_type in self.exclude_types:
            return False
        return up is None or name in up


class TargetOptions(BaseModel):
    """Mixed into each kind's target model."""

    resource: dict[str, str] = Field(
        {}, description="Resource attributes added to the device's (tags: site, role, customer); "
                        "they win over the rulebook's")
    rulebook: str | None = Field(None, description="use this rulebook id instead of matching one")
    interfaces: InterfaceFilter | None = Field(None, description="which interfaces' points to keep")


def apply(t: DeviceTranslation, spec: Any) -> DeviceTranslation:
    """The target's tags and interface filter on one poll's translation (in place)."""
    tags = getattr(spec, "resource", None)
    if tags:
        t.resource.update(tags)
    filt: InterfaceFilter | None = getattr(spec, "interfaces", None)
    if filt is None or not filt.active:
        return t
    up: set[str] | None = None
    if filt.up_only:
        up = {str(dict(attrs).get(IF_NAME)) for scope in t.scopes for mp in scope.metrics.values()
              if mp.name == LINK_UP for attrs, value in mp.points if value == 1}
    # an interface's type is on the points of the rules that read its own rows (IF-MIB, openconfig
    # state); a vendor rule's points for the same interface may lack it, so it is looked up by name
    types: dict[str, str] = {}
    if filt.types or filt.exclude_types:
        for scope in t.scopes:
            for mp in scope.metrics.values():
                for attrs, _v in mp.points:
                    a = dict(attrs)
                    if IF_TYPE in a and IF_NAME in a:
                        types.setdefault(str(a[IF_NAME]), str(a[IF_TYPE]))
    decided: dict[str, bool] = {}     # one regex decision per interface, not per point
    for scope in t.scopes:
        for name, mp in list(scope.metrics.items()):
            keep = []
            for i, (attrs, _v) in enumerate(mp.points):
                n = dict(attrs).get(IF_NAME)
                if n is None:
                    keep.append(i)
                    continue
                ok = decided.get(str(n))
                if ok is None:
                    ok = decided[str(n)] = filt.keeps(str(n), up, types.get(str(n)))
                if ok:
                    keep.append(i)
            if len(keep) == len(mp.points):
                continue
            mp.points = [mp.points[i] for i in keep]
            if mp.timestamps is not None:
                mp.timestamps = [mp.timestamps[i] for i in keep]
            if not mp.points:
                del scope.metrics[name]
    return t
