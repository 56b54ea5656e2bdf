"""docs/coverage.md is the coverage matrix of the rulebooks in mappings/ as they are now (issue 10
item 6): regenerate it with `netrosetta coverage --format markdown > docs/coverage.md`."""

from __future__ import annotations

from pathlib import Path

from netrosetta.coverage.matrix import markdown, matrix
from netrosetta.engine.rulebooks import RulebookSet

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_doc_is_current() -> None:
    books = matrix(RulebookSet.from_paths())
    doc = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert doc == markdown(books), \
        "docs/coverage.md is stale: run `netrosetta coverage --format markdown > docs/coverage.md`"
    # every concrete rulebook has its row, and a rulebook's row names a source it really reads
    for rid, fams in books.items():
        assert f"| `{rid}` |" in doc
        assert all(sources for sources in fams.values()), rid
