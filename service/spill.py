"""A bounded on-disk FIFO of export batches (serialized ExportMetricsServiceRequest).

One file per batch, named by a sequence number so order survives a restart; written to a temp
name and renamed, so a crash never leaves half a batch. When adding would pass ``max_bytes`` the
oldest batches are dropped and counted — the only place data is ever dropped.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class Dropped:
    batches: int = 0
    points: int = 0


class Spill:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.dir = directory
        self.max_bytes = max_bytes
        self.dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.dir.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        # (seq, points, size) oldest first; points are in the name so a restart can count drops
        self._files: list[tuple[int, int, int]] = []
        for f in self.dir.glob("*.pb"):
            try:
                seq, pts = (int(x) for x in f.stem.split("-"))
            except ValueError:
                continue
            self._files.append((seq, pts, f.stat().st_size))
        self._files.sort()
        self._seq = self._files[-1][0] + 1 if self._files else 0
        self.bytes = sum(s for _q, _p, s in self._files)
        if self._files:
            log.info("spill %s: %d batches (%d bytes) from before a restart", self.dir, len(self._files), self.bytes)

    def __len__(self) -> int:
        return len(self._files)

    @property
    def points(self) -> int:
        return sum(p for _q, p, _s in self._files)

    def _path(self, seq: int, points: int) -> Path:
        return self.dir / f"{seq:016d}-{points}.pb"

    def push(self, data: bytes, points: int) -> Dropped:
        """Append a batch; drop the oldest ones while over the bound. Returns what was dropped."""
        dropped = Dropped()
        if len(data) > self.max_bytes:
            return Dropped(1, points)  # can never fit
        while self._files and self.bytes + len(data) > self.max_bytes:
            seq, pts, size = self._files.pop(0)
            self._path(seq, pts).unlink(missing_ok=True)
            self.bytes -= size
            dropped.batches += 1
            dropped.points += pts
        seq, self._seq = self._seq, self._seq + 1
        path = self._path(seq, points)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        self._files.append((seq, points, len(data)))
        self.bytes += len(data)
        return dropped

    def peek(self) -> tuple[bytes, int] | None:
        """The oldest batch (data, points), left in place until ``pop``."""
        while self._files:
            seq, pts, _size = self._files[0]
            try:
                return self._path(seq, pts).read_bytes(), pts
            except FileNotFoundError:  # removed behind our back: skip it
                self._files.pop(0)
        return None

    def pop(self) -> None:
        if self._files:
            seq, pts, size = self._files.pop(0)
            self._path(seq, pts).unlink(missing_ok=True)
            self.bytes -= size
