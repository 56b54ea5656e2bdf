"""`netrosetta mibs compile`: MIB sources from ../shared/mibs and hand-written ones in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netrosetta import paths
from netrosetta.cli import main
from netrosetta.engine.mib_index import MibIndex
from netrosetta.mibs_compile import CompileReport, compile_mibs
from tests.conftest import need_shared

SOME = ["IF-MIB", "ENTITY-SENSOR-MIB", "CISCO-PROCESS-MIB", "JUNIPER-MIB"]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompileReport, Path]:
    mibs = need_shared("mibs")
    out = tmp_path_factory.mktemp("mibs")
    return compile_mibs([mibs], out, modules=SOME), out


def test_compiles_requested_modules_and_their_imports(compiled: tuple[CompileReport, Path]) -> None:
    report, out = compiled
    assert report.ok, report.failed
    # Imports are found in subfolders (cisco/, junos/) as well as at the top.
    for module in [*SOME, "SNMPv2-SMI", "SNMPv2-TC", "ENTITY-MIB", "CISCO-SMI", "JUNIPER-SMI"]:
        assert module in report.compiled
        assert (out / f"{module}.json").is_file()
    # JUNIPER-SMI uses Opaque without importing it: compiled, with a warning saying so.
    assert any("JUNIPER-SMI" in w and "does not import" in w for w in report.warnings)


def test_compiled_facts(compiled: tuple[CompileReport, Path]) -> None:
    idx = MibIndex.load(compiled[1])
    hc = idx.resolve("IF-MIB::ifHCInOctets")
    assert hc is not None
    assert (hc.oid, hc.syntax, hc.table, hc.indexes) == ("1.3.6.1.2.1.31.1.1.1.6", "Counter64", "ifXTable",
                                                         ["ifIndex"])
    value = idx.resolve("entPhySensorValue")
    assert value is not None and value.oid == "1.3.6.1.2.1.99.1.1.1.4"
    assert value.tc == "EntitySensorValue" and value.indexes == ["entPhysicalIndex"]
    assert value.index_parts[0].module == "ENTITY-MIB"
    scale = idx.resolve("entPhySensorScale")
    assert scale is not None and (scale.enums[8], scale.enums[9], scale.enums[10]) == ("milli", "units", "kilo")  # RFC 3433
    cpu = idx.resolve("cpmCPUTotal5minRev")
    assert cpu is not None and cpu.oid == "1.3.6.1.4.1.9.9.109.1.1.1.1.8" and cpu.units == "percent"
    temp = idx.resolve("JUNIPER-MIB::jnxOperatingTemp")
    assert temp is not None and temp.oid == "1.3.6.1.4.1.2636.3.1.13.1.7" and temp.syntax == "Gauge32"
    assert temp.indexes[0] == "jnxOperatingContentsIndex"


def test_committed_index_matches_a_fresh_compile(compiled: tuple[CompileReport, Path]) -> None:
    """mibs/ was made by this compiler from ../shared/mibs: same bytes for the same modules."""
    out = compiled[1]
    for module in ("IF-MIB", "ENTITY-SENSOR-MIB", "CISCO-PROCESS-MIB", "JUNIPER-MIB"):
        fresh = json.loads((out / f"{module}.json").read_text())
        committed = json.loads((paths.MIBS / f"{module}.json").read_text())
        assert fresh == committed, f"mibs/{module}.json is stale: re-run `netrosetta mibs compile ../shared/mibs`"


BROKEN = """\
-- a deliberately broken module: the OID assignment is never closed
BROKEN-MIB DEFINITIONS ::= BEGIN

IMPORTS
    OBJECT-TYPE, Integer32, enterprises
        FROM SNMPv2-SMI;

brokenThing OBJECT-TYPE
    SYNTAX      Integer32
    MAX-ACCESS  read-only
    STATUS      current
    DESCRIPTION "never closed"
    ::= { enterprises 99999 1

END
"""


def test_broken_mib_is_reported_with_its_file_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "broken.txt").write_text(BROKEN)
    report = compile_mibs([src], tmp_path / "out")
    assert list(report.failed) == ["BROKEN-MIB"]
    assert str(src / "broken.txt") in report.failed["BROKEN-MIB"]
    assert "syntax error" in report.failed["BROKEN-MIB"]

    rc = main(["mibs", "compile", str(src), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "BROKEN-MIB" in err and "broken.txt" in err
    assert "Traceback" not in err


def test_missing_import_is_named(tmp_path: Path) -> None:
    (tmp_path / "ORPHAN-MIB").write_text(
        "ORPHAN-MIB DEFINITIONS ::= BEGIN\n"
        "IMPORTS widgets FROM NOT-THERE-MIB;\n"
        "orphan OBJECT IDENTIFIER ::= { widgets 1 }\n"
        "END\n")
    report = compile_mibs([tmp_path], tmp_path / "out")
    assert "NOT-THERE-MIB" in report.failed["ORPHAN-MIB"]
    assert "not found" in report.failed["ORPHAN-MIB"]
    assert "ORPHAN-MIB" in report.failed["NOT-THERE-MIB"]  # says who needed it


def test_missing_folder_and_unknown_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mibs", "compile", str(tmp_path / "nope")]) == 1
    assert "nope: MIB source folder does not exist" in capsys.readouterr().err
    (tmp_path / "x.txt").write_text(BROKEN)
    report = compile_mibs([tmp_path], tmp_path / "out", modules=["BROKEN-MIBB"])
    assert "did you mean BROKEN-MIB" in report.failed["BROKEN-MIBB"]


ACME = """\
ACME-WIDGET-MIB DEFINITIONS ::= BEGIN

IMPORTS
    MODULE-IDENTITY, OBJECT-TYPE, Integer32, Counter64, enterprises
        FROM SNMPv2-SMI
    TEXTUAL-CONVENTION, DisplayString
        FROM SNMPv2-TC
    ifIndex
        FROM IF-MIB;

acmeWidgetMIB MODULE-IDENTITY
    LAST-UPDATED "202601010000Z"
    ORGANIZATION "Example"
    CONTACT-INFO "none"
    DESCRIPTION  "Test module: composite index with an IMPLIED string."
    ::= { enterprises 99999 }

AcmeTemp ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "d-1"
    STATUS       current
    DESCRIPTION  "Tenths of a degree Celsius."
    SYNTAX       Integer32 (-1000..2000)

AcmeState ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Widget state."
    SYNTAX       INTEGER { ok(1), degraded(2), failed(3) }

acmeWidgetTable OBJECT-TYPE
    SYNTAX      SEQUENCE OF AcmeWidgetEntry
    MAX-ACCESS  not-accessible
    STATUS      current
    DESCRIPTION "Widgets per interface."
    ::= { acmeWidgetMIB 1 }

acmeWidgetEntry OBJECT-TYPE
    SYNTAX      AcmeWidgetEntry
    MAX-ACCESS  not-accessible
    STATUS      current
    DESCRIPTION "One widget."
    INDEX       { ifIndex, IMPLIED acmeWidgetName }
    ::= { acmeWidgetTable 1 }

AcmeWidgetEntry ::= SEQUENCE {
    acmeWidgetName   DisplayString,
    acmeWidgetTemp   AcmeTemp,
    acmeWidgetState  AcmeState,
    acmeWidgetBytes  Counter64
}

acmeWidgetName OBJECT-TYPE
    SYNTAX      DisplayString (SIZE (1..32))
    MAX-ACCESS  not-accessible
    STATUS      current
    DESCRIPTION "Name."
    ::= { acmeWidgetEntry 1 }

acmeWidgetTemp OBJECT-TYPE
    SYNTAX      AcmeTemp
    UNITS       "0.1 degrees Celsius"
    MAX-ACCESS  read-only
    STATUS      current
    DESCRIPTION "Temperature."
    ::= { acmeWidgetEntry 2 }

acmeWidgetState OBJECT-TYPE
    SYNTAX      AcmeState
    MAX-ACCESS  read-only
    STATUS      current
    DESCRIPTION "State."
    ::= { acmeWidgetEntry 3 }

acmeWidgetBytes OBJECT-TYPE
    SYNTAX      Counter64
    MAX-ACCESS  read-only
    STATUS      current
    DESCRIPTION "Bytes."
    ::= { acmeWidgetEntry 4 }

END
"""


def test_user_mib_in_a_subfolder_with_any_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mibs = need_shared("mibs")
    deep = tmp_path / "vendor" / "acme"
    deep.mkdir(parents=True)
    (deep / "acme-widgets.my").write_text(ACME)
    out = tmp_path / "out"
    rc = main(["mibs", "compile", str(tmp_path), str(mibs), "--module", "ACME-WIDGET-MIB",
               "--out", str(out), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    assert "compiled" in capsys.readouterr().out
    idx = MibIndex.load(out)
    temp = idx.resolve("ACME-WIDGET-MIB::acmeWidgetTemp")
    assert temp is not None
    assert temp.oid == "1.3.6.1.4.1.99999.1.1.2"
    assert (temp.syntax, temp.tc, temp.display_hint, temp.units) == (
        "Integer32", "AcmeTemp", "d-1", "0.1 degrees Celsius")
    assert temp.indexes == ["ifIndex", "acmeWidgetName"]
    assert [p.implied for p in temp.index_parts] == [False, True]
    assert idx.resolve("acmeWidgetState").enums == {1: "ok", 2: "degraded", 3: "failed"}  # type: ignore[union-attr]
    assert idx.resolve("acmeWidgetBytes").is_counter  # type: ignore[union-attr]
    # ifIndex 7, IMPLIED name "eth0" (no length arc)
    hit = idx.lookup_oid("1.3.6.1.4.1.99999.1.1.2.7.101.116.104.48")
    assert hit is not None and idx.index_components(*hit) == [7, "eth0"]
    assert "Test module" not in (out / "ACME-WIDGET-MIB.json").read_text()  # no description text


def test_lookup_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mibs", "lookup", "1.3.6.1.2.1.31.1.1.1.6.5"]) == 0
    out = capsys.readouterr().out
    assert "IF-MIB::ifHCInOctets" in out and "Counter64" in out and "[5]" in out
    assert main(["mibs", "lookup", "ifHCInOctet"]) == 1
    err = capsys.readouterr().err
    assert "unknown MIB symbol" in err and "ifHCInOctets" in err and "Traceback" not in err


TWO_IN_ONE = """\
-- two modules in one file; the second imports from the first
ACME-SMI DEFINITIONS ::= BEGIN
IMPORTS enterprises FROM SNMPv2-SMI;
acme OBJECT IDENTIFIER ::= { enterprises 99998 }
END

ACME-THING-MIB DEFINITIONS ::= BEGIN
IMPORTS OBJECT-TYPE, Gauge32 FROM SNMPv2-SMI
        acme FROM ACME-SMI;
acmeLoad OBJECT-TYPE
    SYNTAX      Gauge32 (0..100)
    UNITS       "percent"
    MAX-ACCESS  read-only
    STATUS      current
    DESCRIPTION "Load."
    ::= { acme 1 }
END
"""


def test_non_mib_files_are_counted_and_two_modules_in_one_file(tmp_path: Path) -> None:
    mibs = need_shared("mibs")
    src = tmp_path / "src"
    src.mkdir()
    (src / "README.md").write_text("# not a MIB\n")
    (src / "empty.mib").write_text("")
    (src / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (src / ".hidden").write_text(BROKEN)  # hidden files are not searched
    (src / "acme.txt").write_text(TWO_IN_ONE)
    report = compile_mibs([src, mibs], tmp_path / "out", modules=["ACME-THING-MIB"])
    assert report.ok, report.failed
    assert report.skipped_files == 3
    assert {"ACME-SMI", "ACME-THING-MIB"} <= set(report.compiled)
    load = MibIndex.load(tmp_path / "out").resolve("acmeLoad")
    assert load is not None
    assert (load.oid, load.kind, load.syntax, load.units) == ("1.3.6.1.4.1.99998.1", "scalar", "Gauge32", "percent")


def _compile_acme_variant(tmp_path: Path, text: str) -> CompileReport:
    mibs = need_shared("mibs")
    (tmp_path / "acme.my").write_text(text)
    return compile_mibs([tmp_path, mibs], tmp_path / "out", modules=["ACME-WIDGET-MIB"])


def test_undefined_type_is_a_plain_reason(tmp_path: Path) -> None:
    report = _compile_acme_variant(tmp_path, ACME.replace("SYNTAX      AcmeState\n", "SYNTAX      AcmeNoSuchType\n"))
    reason = report.failed["ACME-WIDGET-MIB"]
    assert str(tmp_path / "acme.my") in reason
    assert "acmeWidgetState" in reason and "neither defined in the module nor imported" in reason


def test_index_naming_an_undefined_object_is_warned(tmp_path: Path) -> None:
    report = _compile_acme_variant(tmp_path, ACME.replace("IMPLIED acmeWidgetName", "IMPLIED acmeNoSuchCol"))
    assert report.ok
    assert any("acmeWidgetEntry INDEX names ACME-WIDGET-MIB::acmeNoSuchCol" in w for w in report.warnings)


def test_progress_without_a_terminal_is_plain_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a long library compile in CI or into a log file says how far it got (the bar is invisible there)
    mibs = need_shared("mibs")
    rc = main(["mibs", "compile", str(mibs), "--module", "IF-MIB", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 0, err
    lines = [ln for ln in err.splitlines() if ln.startswith(("parse ", "generate "))]
    assert any(ln.startswith("parse ") for ln in lines) and any(ln.startswith("generate ") for ln in lines), err
    done, total = lines[-1].split()[1].split("/")
    assert done == total and int(total) > 1
