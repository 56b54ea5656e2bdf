"""Shared test helpers: where ../shared is, and how its absence is handled.

Without ../shared (a user's clone) tests that need it skip with a reason; in CI (CI=true) a
missing ../shared is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def need_shared(*parts: str) -> Path:
    """Return ../shared/<parts>, skipping (or failing in CI) when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent (the shared corpus is not beside this clone)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture
def shared() -> Path:
    return need_shared()


@pytest.fixture
async def close_api_sessions() -> AsyncIterator[None]:
    """API targets keep their HTTP session between polls; a test's event loop closes them."""
    yield
    from netrosetta.collectors.api.client import close_all
    await close_all()
