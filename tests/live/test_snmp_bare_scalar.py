"""FireBrick memory over real SNMP: the FB6000 fleet walk serves fbTotalMem / fbFreeMem without
their .0 instance; snmpsim answers them as the device did, and the service's SNMP source (which
walks their parent) reads them. Expected values: the walk file's own lines (read_snmprec), KiB."""

from __future__ import annotations

import pytest

from netrosetta.collectors.snmp.varbind import read_snmprec
from tests.conftest import need_shared
from tests.support.snmp_poll import poll_walk_once

pytestmark = pytest.mark.live

TOTAL, FREE = "1.3.6.1.4.1.24693.100.4.1.1", "1.3.6.1.4.1.24693.100.4.1.2"


async def test_bare_scalars_polled() -> None:
    walk = need_shared("corpus", "snmp-fleet", "firebrick_6000.snmprec")
    lines = {oid: v for oid, _t, v in read_snmprec(walk).varbinds}
    assert TOTAL + ".0" not in lines and TOTAL in lines          # served bare, as the test says
    polled = await poll_walk_once(walk, "fb")
    t = polled.translation
    assert t.matched is not None and t.matched.chosen is not None and t.matched.chosen.id == "firebrick/fb"
    mem = {(m.name, a.get("system.memory.state")): v for _s, m, a, v in t.iter_points()
           if m.name.startswith("system.memory")}
    assert mem == {("system.memory.limit", None): lines[TOTAL] * 1024,
                   ("system.memory.usage", "free"): lines[FREE] * 1024,
                   ("system.memory.usage", "used"): (lines[TOTAL] - lines[FREE]) * 1024}
