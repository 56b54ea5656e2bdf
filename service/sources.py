"""One polled device, whatever its protocol: poll → dataset → matched rulebook → DeviceTranslation.

A ``Source`` keeps what survives between polls (the SNMP client socket, the matched rulebook and
the tables it needs), so a poll after the first is: GET the system group, walk the same roots.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from netrosetta.collectors.snmp.client import SnmpClient, make_client
from netrosetta.collectors.snmp.poll import minimal_roots, walk_roots
from netrosetta.engine.facts import DeviceFacts
from netrosetta.engine.matching import MatchResult
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.selectors.snmp import SnmpDataset
from netrosetta.engine.snmp_facts import SYSTEM_OIDS, snmp_facts
from netrosetta.engine.translator import Translator
from netrosetta.errors import NetrosettaError

from .config import SnmpTargetSpec

log = logging.getLogger(__name__)


class PollError(NetrosettaError):
    """A poll failed; ``kind`` is a short reason for counting (timeout, auth, garbage, no-rulebook...).
    ``translation``: what is still worth exporting (a dead gNMI stream's last unsent samples and
    its ``target.up`` = 0), exported while the status records the failure."""

    def __init__(self, message: str, kind: str, translation: DeviceTranslation | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.translation = translation


@dataclass
class Polled:
    translation: DeviceTranslation
    match: MatchResult


class Source(Protocol):
    key: str        # kind/name
    kind: str
    spec: Any

    @property
    def address(self) -> str: ...

    async def poll(self, rulebooks: RulebookSet) -> Polled: ...

    async def close(self) -> None: ...


@dataclass
class SnmpSource:
    key: str
    spec: SnmpTargetSpec
    kind: str = "snmp"
    _client: SnmpClient | None = None
    # the walk roots of the translator last used (a reload brings a new translator, so new roots)
    _roots: tuple[Translator, list[str]] | None = None

    @property
    def address(self) -> str:
        return self.spec.address

    def _roots_for(self, tr: Translator) -> list[str]:
        if self._roots is None or self._roots[0] is not tr:
            self._roots = (tr, minimal_roots([str(r) for r in tr.requirements("snmp")]))
        return self._roots[1]

    async def poll(self, rulebooks: RulebookSet) -> Polled:
        if self._client is None:
            self._client = make_client(self.spec)
        client = self._client
        try:
            system = await client.get(list(SYSTEM_OIDS))
            ds = SnmpDataset(system)
            # host.ip is the host only; counter state is keyed by name + address (exporter.otlp.device_key)
            facts: DeviceFacts = snmp_facts(ds, name=self.spec.name, address=self.spec.host)
            if facts.sys_object_id is None and facts.sys_descr is None:
                raise PollError(f"{self.address}: the agent answered without sysObjectID/sysDescr", "garbage")
            m = rulebooks.match(facts, "snmp")      # remembered by the set per device identity
            if m.chosen is None:
                raise PollError(f"{self.address}: no rulebook matches ({m.reason})", "no-rulebook")
            tr = rulebooks.translator(m.chosen)
            walked = await walk_roots(client, self._roots_for(tr))
        except PollError:
            raise
        except NetrosettaError as exc:
            # drop the socket: a rebooted or re-addressed agent gets a fresh one next time
            await self.close()
            kind = type(exc).__name__.removeprefix("Snmp").lower() or "error"
            raise PollError(str(exc), kind) from None
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            await self.close()
            raise PollError(f"{self.address}: undecodable answer ({type(exc).__name__})", "garbage") from None
        seen = {vb[0] for vb in walked}
        full = SnmpDataset([*walked, *(vb for vb in system if vb[0] not in seen)])
        t = tr.translate(full, facts, time_ns=time.time_ns(), match=m)
        return Polled(t, m)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.close()
            except Exception:  # closing a broken socket must not hide the poll's real error
                log.debug("%s: close failed", self.key, exc_info=True)


def make_source(kind: str, key: str, spec: Any) -> Source:
    if kind == "snmp":
        return SnmpSource(key, spec)
    from .other_sources import make_other_source

    return make_other_source(kind, key, spec)
