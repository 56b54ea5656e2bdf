"""The gNMI Dataset: what the collector knows about one device right now.

A cache of normalised leaves ``(origin, path, keys) -> Leaf`` fed by flattened responses: updates
overwrite, deletes remove every leaf under the deleted path (matching its keys) and are reported
so the exporter can end those series. Device timestamps are kept on every leaf.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .flatten import Delete, Flat, Leaf
from .paths import Keys


@dataclass
class GnmiDataset:
    target: str
    platform: str | None = None
    models: list[tuple[str, str, str]] = field(default_factory=list)   # Capabilities: name, org, version
    synced: bool = False
    malformed: int = 0
    by_path: dict[tuple[str, str], dict[Keys, Leaf]] = field(default_factory=dict)

    kind = "gnmi"

    def apply(self, flat: Flat | Iterable[Leaf], deletes: Iterable[Delete] = (),
              sync: bool = False) -> list[Leaf]:
        """Merge one response; returns the leaves its deletes ended."""
        if isinstance(flat, Flat):
            leaves: Iterable[Leaf] = flat.leaves
            deletes, sync = flat.deletes, flat.sync
            self.malformed += len(flat.errors)
        else:
            leaves = flat
        ended: list[Leaf] = []
        for d in deletes:
            ended.extend(self._delete(d))
        by_path = self.by_path
        for leaf in leaves:
            k = (leaf.origin, leaf.path)
            rows = by_path.get(k)
            if rows is None:
                rows = by_path[k] = {}
            rows[leaf.keys] = leaf
        if sync:
            self.synced = True
        return ended

    def _delete(self, d: Delete) -> list[Leaf]:
        ended: list[Leaf] = []
        pre = d.path.rstrip("/") + "/"
        want = set(d.keys)
        for (origin, path), rows in list(self.by_path.items()):
            if origin != d.origin or not (path == d.path or path.startswith(pre) or d.path == "/"):
                continue
            for keys in [k for k in rows if want.issubset(k)]:
                ended.append(rows.pop(keys))
            if not rows:
                del self.by_path[(origin, path)]
        return ended

    def leaves(self) -> Iterator[Leaf]:
        for rows in self.by_path.values():
            yield from rows.values()

    def get(self, origin: str, path: str, keys: Keys = ()) -> Leaf | None:
        rows = self.by_path.get((origin, path))
        return rows.get(keys) if rows else None

    def __len__(self) -> int:
        return sum(len(r) for r in self.by_path.values())
