"""CLI captures through the CLI rulebooks: NAPALM's IOS case against expected_result.json, and
ntc-templates' real captures against their parsed_sample (the counters both carry).

Where our template reads more than ntc-templates' (bytes, casts), the test checks the identities
the raw text implies (unicast + broadcast + multicast = packets input) instead of values we chose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from netrosetta.collectors.cli import dataset as cld
from netrosetta.collectors.cli.config import CliCommand
from netrosetta.collectors.recording import Recording, SourceDataset, engine_facts
from netrosetta.engine.points import DeviceTranslation
from netrosetta.engine.translate import Translator, translate
from tests.conftest import need_shared
from tests.golden.test_netconf_napalm import check_counters, counters, rulebooks

pytestmark = pytest.mark.golden


def commands(platform: str) -> list[CliCommand]:
    """What the platform's CLI rulebook reads (as `netrosetta run` asks the collector)."""
    rs = rulebooks()
    book = next(rb for rb in rs.concrete() if platform in rb.book.match.platform
                and any(r.kind == "cli" for r in rb.rules))
    return cld.commands_from_requirements(Translator(book).requirements("cli"))


def run(src: SourceDataset) -> DeviceTranslation:
    t = translate(cld.to_engine(src), engine_facts(src), rulebooks())
    assert t.matched is not None and t.matched.chosen is not None, t.matched
    return t


def from_capture(platform: str, command: str, raw: Path) -> DeviceTranslation:
    cmds = [c for c in commands(platform) if c.command == command]
    assert cmds, f"no rule reads {command!r} on {platform}"
    src = cld.from_outputs({command: raw.read_text()}, platform, cmds, raw.stem)
    assert not src.errors, src.errors
    return run(src)


def test_ios_napalm_counters() -> None:
    case = need_shared("corpus", "napalm", "ios", "test_get_interfaces_counters", "normal")
    src = cld.from_recording(Recording.open(case), "cisco_ios", commands("cisco_ios"))
    t = run(src)
    want = json.loads((case / "expected_result.json").read_text())
    # NAPALM copies "N packets output" into tx_unicast_packets; IOS prints no cast split for output,
    # so the raw text supports no transmit unicast figure and we emit none.
    exceptions: dict[tuple[str, str], Any] = {(i, "tx_unicast_packets"): None for i in want}
    check_counters(counters(t), want, exceptions)


def _samples(platform: str, command_dir: str) -> list[Path]:
    folder = need_shared("corpus", "cli", platform, command_dir)
    return sorted(folder.glob("*.raw"))


def _by_interface(t: DeviceTranslation) -> dict[str, dict[str, float]]:
    return counters(t)


IOS_IF = [p.name for p in sorted((Path(__file__).resolve().parents[2].parent / "shared/corpus/cli/cisco_ios/"
                                  "show_interfaces").glob("*.raw"))] or ["cisco_ios_show_interfaces.raw"]


@pytest.mark.parametrize("capture", IOS_IF)
def test_ios_show_interfaces_matches_ntc_sample(capture: str) -> None:
    raw = need_shared("corpus", "cli", "cisco_ios", "show_interfaces", capture)
    sample = yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]
    got = _by_interface(from_capture("cisco_ios", "show interfaces", raw))
    seen: set[str] = set()
    for row in sample:
        name = row["interface"]
        if name in seen:          # the capture repeats a name (stacked switch): ours keeps "#1"
            continue
        seen.add(name)
        ours = got.get(name, {})
        for ntc_key, key in (("input_errors", "rx_errors"), ("output_errors", "tx_errors"),
                             ("queue_drops", "rx_discards"), ("queue_output_drops", "tx_discards")):
            if row.get(ntc_key) not in (None, ""):
                assert ours.get(key) == int(row[ntc_key]), (name, key)
        if row.get("input_packets") not in (None, ""):
            casts = [ours.get(f"rx_{c}_packets") for c in ("unicast", "broadcast", "multicast")]
            assert None not in casts, (name, casts)
            assert sum(casts) == int(row["input_packets"]), name   # type: ignore[arg-type]


def test_ios_cpu_and_memory_match_ntc_samples() -> None:
    cpu_raw = need_shared("corpus", "cli", "cisco_ios", "show_processes_cpu", "cisco_ios_show_processes_cpu.raw")
    mem_raw = need_shared("corpus", "cli", "cisco_ios", "show_processes_memory_sorted",
                          "cisco_ios_show_processes_memory_sorted.raw")
    cpu = yaml.safe_load(cpu_raw.with_suffix(".yml").read_text())["parsed_sample"][0]
    mem = yaml.safe_load(mem_raw.with_suffix(".yml").read_text())["parsed_sample"][0]
    cmds = [c for c in commands("cisco_ios") if c.command.startswith("show processes")]
    src = cld.from_outputs({"show processes cpu": cpu_raw.read_text(),
                            "show processes memory sorted": mem_raw.read_text()}, "cisco_ios", cmds, "r1")
    points = {(m.name, a.get("system.memory.state")): v for _s, m, a, v in run(src).iter_points()}
    assert points[("system.cpu.utilization", None)] == pytest.approx(int(cpu["cpu_usage_5_min"]) / 100)
    assert points[("system.memory.limit", None)] == int(mem["memory_total"])
    assert points[("system.memory.usage", "used")] == int(mem["memory_used"])
    assert points[("system.memory.usage", "free")] == int(mem["memory_free"])
