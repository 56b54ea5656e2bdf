"""net-snmp's own `snmpwalk -On` output, taken from snmpsim serving fleet walks over real UDP, read
back by collectors/snmp/snmpwalk_text: every value equals the snmprec line snmpsim served
(read with engine.varbind.read_snmprec, not the code under test), and `netrosetta coverage`
gives the same rulebook and metric families for the text walk as for the snmprec one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from netrosetta.collectors.snmp.lab import snmpsim_agent
from netrosetta.collectors.snmp.snmpwalk_text import read_snmpwalk
from netrosetta.collectors.snmp.varbind import read_snmprec
from netrosetta.coverage.walks import cover_device
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.paths import MAPPINGS
from tests.conftest import need_shared

pytestmark = pytest.mark.live

# a multi-line sysDescr with CR LF inside (comware), Opaque floats (avocent), a larger walk (hatteras)
WALKS = ["comware_hpe5900", "avocent_8000", "hatteras_hn4000e"]


@pytest.mark.parametrize("name", WALKS)
def test_snmpwalk_text_equals_served_walk(name: str, tmp_path: Path) -> None:
    src = need_shared("corpus", "snmp-fleet", f"{name}.snmprec")
    if shutil.which("snmpwalk") is None:
        pytest.skip("net-snmp's snmpwalk is not installed (make setup installs snmp)")
    with snmpsim_agent({"fleetwalk": src}) as agent:
        out = subprocess.run(["snmpwalk", "-v2c", "-c", "fleetwalk", "-On", "-t", "5", "-r", "1",
                              f"{agent.host}:{agent.port}", ".1"], capture_output=True, timeout=300, check=True)
    text_walk = tmp_path / f"{name}.walk"
    text_walk.write_bytes(out.stdout)
    got = read_snmpwalk(text_walk)
    want = read_snmprec(src)
    assert got.skipped == []
    assert {o: (t, v) for o, t, v in got.varbinds} == {o: (t, v) for o, t, v in want.varbinds}
    assert len(got.varbinds) == len(want.varbinds)

    rulebooks = RulebookSet.from_paths([MAPPINGS])
    from_text, from_rec = cover_device(text_walk, rulebooks), cover_device(src, rulebooks)
    assert (from_text.rulebook, from_text.families) == (from_rec.rulebook, from_rec.families)
    assert from_text.families, "the walk gave no metric at all"
