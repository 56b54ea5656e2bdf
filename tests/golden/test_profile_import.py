"""`rulebook import ktranslate` on the 202 profiles ktranslate ships (../shared, read in place):
every profile imports, the rulebooks lint clean beside the shipped ones, nothing a profile reads
is dropped without a line in the report, and docs/import-comparison.md (our rulebooks against the
imported ones on the fleet walks) is current."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from netrosetta.cli import main
from netrosetta.engine.lint import lint_paths
from netrosetta.paths import MAPPINGS
from netrosetta.rulebook_import import ImportResult, import_profiles
from netrosetta.rulebook_import.convert import oid_text
from netrosetta.rulebook_import.profiles import load_profile, profile_files
from tests.conftest import need_shared
from tests.golden import fleet

PROFILES = ("corpus", "ktranslate-profiles", "profiles", "kentik_snmp")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, Path]:
    out = tmp_path_factory.mktemp("imported")
    return import_profiles([need_shared(*PROFILES)], out, "ktranslate", context=[MAPPINGS]), out


def test_every_profile_imports(imported: tuple[ImportResult, Path]) -> None:
    res, out = imported
    files = profile_files([need_shared(*PROFILES)])
    assert len(files) == 202
    assert sorted(cv.profile for cv in res.converted) == sorted(f.resolve() for f in files)
    assert len({cv.rulebook_id for cv in res.converted}) == 202
    assert len(list(out.glob("*.yaml"))) == 202


def test_imported_rulebooks_lint_clean_beside_ours(imported: tuple[ImportResult, Path]) -> None:
    _res, out = imported
    problems = lint_paths([out], context_paths=[MAPPINGS])
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_nothing_is_dropped_silently(imported: tuple[ImportResult, Path]) -> None:
    """Every symbol of every profile is read by a rule of its rulebook, or the report names it."""
    res, _out = imported
    missing = []
    for cv in res.converted:
        values = {r["snmp"]["value"] for r in cv.book["rules"]}
        said = " ".join(cv.not_kept)
        for entry in load_profile(cv.profile).data.get("metrics") or []:
            syms = entry.get("symbols") or ([entry["symbol"]] if "symbol" in entry else [entry])
            for s in syms:
                oid = oid_text(s.get("OID") or s.get("oid"))
                label = str(s.get("tag") or s.get("name") or oid)
                if oid is None or label in said:
                    continue
                if not any(oid == v or oid.startswith(v + ".") for v in values):
                    missing.append(f"{cv.profile.name}: {label} {oid}")
    assert not missing, missing[:20]


def test_comparison_doc_is_current(tmp_path: Path) -> None:
    walks = need_shared(*fleet.FLEET_PARTS)
    out = tmp_path / "imported"
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["rulebook", "import", "ktranslate", str(need_shared(*PROFILES)), str(out), "--no-context"]) == 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["coverage", "--walk", str(walks), "--expected", str(walks / "expected"),
                     "--compare", str(out), "--format", "markdown"]) == 0
    doc = (ROOT / "docs" / "import-comparison.md").read_text(encoding="utf-8")
    assert buf.getvalue() == doc, "docs/import-comparison.md is stale: regenerate it (commands in its header)"
    assert doc.count("\n| ") == 1 + 184
