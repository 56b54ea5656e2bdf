"""The SNMP source: GET the system group, match a rulebook, walk only the tables it reads.

The client socket, the matched rulebook (redone only when the rulebooks or the device's identity
change) and the walk roots survive between polls, so a poll after the first is one GET and the
same walks. A rulebook matching by `present` costs one GETNEXT per probe OID when the device is
first seen, after a reload and when its sysObjectID/sysDescr change; the answer is kept with them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from netrosetta.collectors.snmp.varbind import TAG_END_OF_MIB, VarBind, oid_key
from netrosetta.collectors.source import Polled, PollError, matched
from netrosetta.engine.selectors.base import BareScalar
from netrosetta.errors import NetrosettaError

from .client import SnmpClient, make_client
from .target import SnmpTargetSpec

if TYPE_CHECKING:
    from netrosetta.engine.facts import DeviceFacts
    from netrosetta.engine.rulebooks import RulebookSet
    from netrosetta.engine.translator import Translator

log = logging.getLogger(__name__)


def minimal_roots(roots: Sequence[str]) -> list[str]:
    """Drop duplicates and roots inside another root (walking 1.3.6.1.2.1.2 covers .2.2)."""
    cleaned = sorted({r.strip().lstrip(".") for r in roots if r.strip()}, key=lambda r: (len(r), r))
    kept: list[str] = []
    for r in cleaned:
        if not any(r == k or r.startswith(k + ".") for k in kept):
            kept.append(r)
    return sorted(kept, key=oid_key)


async def walk_roots(client: SnmpClient, roots: list[str]) -> list[VarBind]:
    """Walk each (minimal) root in OID order; one request stream, agents are often single-threaded."""
    minimal = minimal_roots(roots)
    walk_many = getattr(client, "walk_many", None)
    if walk_many is not None:
        # the native client walks several subtrees per request: fewer round trips, less CPU
        many: list[VarBind] = await walk_many(minimal)
        return many
    out: list[VarBind] = []
    for root in minimal:
        out.extend(await client.walk(root))
    return out


async def identify(client: SnmpClient, *, name: str | None = None, address: str | None = None
                   ) -> tuple[list[VarBind], DeviceFacts]:
    """One GET of sysDescr, sysObjectID, sysUpTime and sysName: the varbinds and the device facts
    (missing or mistyped objects become None, never an exception)."""
    from netrosetta.collectors.snmp.dataset import SnmpDataset
    from netrosetta.collectors.snmp.facts import SYSTEM_OIDS, snmp_facts

    system = await client.get(list(SYSTEM_OIDS))
    return system, snmp_facts(SnmpDataset(system), name=name, address=address)


async def probe_present(client: SnmpClient, probes: list[str]) -> frozenset[str]:
    """The probe OIDs the agent serves something under: one GETNEXT each (one per request, so an
    SNMPv1 noSuchName for one probe does not hide the others)."""
    from .errors import SnmpAuthError, SnmpError, SnmpTimeout

    served = []
    for oid in probes:
        try:
            nxt = await client.get_next([oid])
        except (SnmpTimeout, SnmpAuthError):
            raise
        except SnmpError as exc:
            # an error status for one probe (genError...) says the agent does not serve it
            log.debug("probe %s: %s", oid, exc)
            continue
        if nxt and nxt[0][1] < TAG_END_OF_MIB and nxt[0][0].startswith(oid + "."):
            served.append(oid)
    return frozenset(served)


@dataclass
class SnmpSource:
    key: str
    spec: SnmpTargetSpec
    kind: str = "snmp"
    _client: SnmpClient | None = None
    # the walk roots of the translator last used (a reload brings a new translator, so new roots)
    _roots: tuple[Translator, list[str]] | None = None
    # the `present` probes answered: (rulebook set, sysObjectID, sysDescr, served OIDs)
    _probed: tuple[RulebookSet, str | None, str | None, frozenset[str]] | None = None

    @property
    def address(self) -> str:
        return self.spec.address

    def _roots_for(self, tr: Translator) -> list[str]:
        if self._roots is None or self._roots[0] is not tr:
            self._roots = (tr, minimal_roots([r.walk_root if isinstance(r, BareScalar) else str(r)
                                              for r in tr.requirements("snmp")]))
        return self._roots[1]

    async def _present(self, client: SnmpClient, rulebooks: RulebookSet, facts: DeviceFacts) -> frozenset[str]:
        p = self._probed
        if p is None or p[0] is not rulebooks or p[1] != facts.sys_object_id or p[2] != facts.sys_descr:
            from netrosetta.engine.matching import snmp_probes

            served = await probe_present(client, snmp_probes(rulebooks, facts))
            p = self._probed = (rulebooks, facts.sys_object_id, facts.sys_descr, served)
        return p[3]

    async def poll(self, rulebooks: RulebookSet) -> Polled:
        from netrosetta.collectors.snmp.dataset import SnmpDataset

        if self._client is None:
            self._client = make_client(self.spec)
        client = self._client
        try:
            # host.ip is the host only; counter state is keyed by name + address (exporter.otlp.device_key)
            system, facts = await identify(client, name=self.spec.name, address=self.spec.host)
            if facts.sys_object_id is None and facts.sys_descr is None:
                raise PollError(f"{self.address}: the agent answered without sysObjectID/sysDescr", "garbage")
            if self.spec.rulebook is None:
                facts = replace(facts, present=await self._present(client, rulebooks, facts))
            m = matched(rulebooks, facts, "snmp", self.address, self.spec.rulebook)   # the set remembers it per identity
            assert m.chosen is not None
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
        return Polled(tr.translate(full, facts, time_ns=time.time_ns(), match=m), m)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.close()
            except Exception:  # closing a broken socket must not hide the poll's real error
                log.debug("%s: close failed", self.key, exc_info=True)
