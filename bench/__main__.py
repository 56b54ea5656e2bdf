"""Run every bench module (bench/<name>.py with a main()) one after the other."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    failed = []
    for mod in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if mod.name.startswith("_") or mod.ispkg:
            continue
        module = importlib.import_module(f"bench.{mod.name}")
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue
        print(f"== bench.{mod.name}", flush=True)
        try:
            entry([])
        except (Exception, SystemExit) as exc:  # one broken bench must not hide the others
            print(f"bench.{mod.name} failed: {exc}", file=sys.stderr)
            failed.append(mod.name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
