"""SIGHUP reloads through the service's SNMP source (real UDP agent): each reload swaps in a new
rulebook set, polls go on with it, and the old sets with their translators become garbage."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

import pytest

from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.translator import Translator
from tests.live.test_snmp_absurd_values import points, service, table, value
from tests.support.snmp_responder import Responder

pytestmark = pytest.mark.live

RELOADS = 20    # a set per SIGHUP: they must not pile up


class PolledByTheTest:
    """Ownership of nothing: a reload re-applies the targets to the scheduler, whose own polls
    (and the translators their sources keep) would mix with the test's; here only the test polls."""

    def owns(self, key: str) -> bool:
        return False

    def subscribe(self, listener: object) -> None:
        return None


async def test_reloaded_sets_and_translators_do_not_outlive_their_polls(tmp_path: Path) -> None:
    sets: weakref.WeakSet[RulebookSet] = weakref.WeakSet()
    translators: weakref.WeakSet[Translator] = weakref.WeakSet()
    with Responder(table()) as agent:
        svc, src, got = service(tmp_path, agent.port, ownership=PolledByTheTest())
        svc.poller.keep_latest = True              # the last poll holds its translator: read below
        for n in range(RELOADS + 1):
            if n:
                before = svc.rulebooks
                svc.reload()
                for _ in range(600):                 # the reload parses in a thread
                    if svc.rulebooks is not before:
                        break
                    await asyncio.sleep(0.05)
                assert svc.rulebooks is not before, "the reload did not swap the rulebook set"
                del before
            src = svc.sources[src.key]
            await svc.poll_once(src, 10)
            st = svc.status[src.key]
            assert st.state == "ok" and len(got) == n + 1, st.error
            assert value(points(got[-1])[("hw.network.io", "Et1", "transmit")]) == 9000
            sets.add(svc.rulebooks)
            assert st.latest is not None and st.latest.matched.chosen is not None
            translators.add(svc.rulebooks.translator(st.latest.matched.chosen))
        await src.close()
    gc.collect()
    assert list(sets) == [svc.rulebooks]
    assert len(translators) == 1
