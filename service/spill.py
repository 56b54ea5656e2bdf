"""A bounded on-disk FIFO of export batches (serialized ExportMetricsServiceRequest).

Every batch has an identity: its sequence number ``seq`` (order, unique in this folder across
restarts) and its ``key`` (a digest of its content's identity, the same for the same batch
anywhere: see ``delivery.batch_label``). Both and the point count are in the file name
``<seq>-<points>-<key>.pb``, so a restart finds and counts everything. Files are written to a
temp name and renamed: a crash never leaves half a batch.

The bound counts disk usage (allocated blocks), not bytes written. When a new batch would pass
it, the oldest batches are dropped — except the one being exported (``peek`` until ``pop`` or
``release``): it is never removed while in flight. If it must go to make room it is marked
evicted and stops counting against the bound; its file stays until the export ends, and then
it is counted delivered (``pop``) or dropped (``release``), never both.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


# <seq, 16 digits>-<points>[-<key, 16 hex>].pb; anything else in the folder is not ours to read
NAME = re.compile(r"(\d{16})-(\d{1,12})(?:-([0-9a-f]{16}))?\.pb", re.ASCII)


def content_key(label: str) -> str:
    """The 16-hex-digit key in a spill file's name for a batch labelled ``label``."""
    return hashlib.blake2b(label.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Batch:
    seq: int
    points: int
    key: str
    usage: int          # disk usage in bytes (allocated blocks)
    label: str = ""     # readable identity when known (not kept across a restart)

    @property
    def ident(self) -> str:
        return f"#{self.seq} {self.label or self.key}"


@dataclass(frozen=True)
class Orphan:
    """A spill folder no configured output owns (its output was renamed or removed)."""

    folder: Path
    batches: int
    points: int
    bytes: int

    def as_json(self) -> dict[str, object]:
        return {"folder": str(self.folder), "batches": self.batches, "points": self.points, "bytes": self.bytes}


def find_orphans(spill_dir: Path, owned: set[str]) -> list[Orphan]:
    """Folders under ``spill_dir`` holding spill files, other than the ``owned`` folder names."""
    out: list[Orphan] = []
    if not spill_dir.is_dir():
        return out
    for sub in sorted(spill_dir.iterdir()):
        if not sub.is_dir() or sub.name in owned:
            continue
        files = list(sub.glob("*.pb"))
        if not files:
            continue
        pts = 0
        for f in files:
            m = NAME.fullmatch(f.name)
            pts += int(m.group(2)) if m else 0
        out.append(Orphan(sub, len(files), pts, sum(disk_usage(f) for f in files)))
    return out


class SpillWriteError(OSError):
    """A batch could not be written; ``dropped`` were evicted to make room for it, ``batch`` is it."""

    def __init__(self, errno: int, strerror: str, dropped: list[Batch], batch: Batch) -> None:
        super().__init__(errno, strerror)
        self.dropped, self.batch = dropped, batch


def disk_usage(path: Path) -> int:
    """Bytes the file system allocated to ``path`` (what `du` counts)."""
    return os.stat(path).st_blocks * 512


class Spill:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.dir = directory
        self.max_bytes = max_bytes
        self.dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.dir.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        # an estimate for a batch not yet written: whole file system blocks
        self._block = max(512, os.statvfs(self.dir).f_frsize)
        self._files: list[Batch] = []          # oldest first, in flight included unless evicted
        self.bad_names = 0
        for f in self.dir.glob("*.pb"):
            b = self._parse(f)
            if b is None:
                self.bad_names += 1
                log.warning("spill %s: ignoring %s (not a spill file name)", self.dir, f.name)
                continue
            self._files.append(b)
        self._files.sort(key=lambda b: b.seq)
        # sequence numbers never repeat in a folder, even once it was empty: ids in logs stay unique
        self._seq = max(self._files[-1].seq + 1 if self._files else 0, time.time_ns() // 1000)
        self.bytes = sum(b.usage for b in self._files)
        self._flight: Batch | None = None
        self._evicted = False                   # the batch in flight was evicted to make room
        self.full = False                       # the last push had to drop: at the bound and dropping
        if self._files:
            log.info("spill %s: %d batches (%d bytes on disk) from before a restart", self.dir,
                     len(self._files), self.bytes)

    def adopt(self, other: Path) -> list[Batch]:
        """Move the batches of another spill folder into this one (same file system), keeping their
        sequence numbers (older batches go first); returns what the bound then drops."""
        moved = 0
        seqs = {x.seq for x in self._files}
        for f in sorted(other.glob("*.pb")):
            b = self._parse(f)
            if b is None:
                continue
            dest = self._path(b)
            if b.seq in seqs or dest.exists():  # its seq is taken here: a new one (ids stay unique)
                b = Batch(self._seq, b.points, b.key, b.usage)
                self._seq += 1
                dest = self._path(b)
            os.rename(f, dest)
            seqs.add(b.seq)
            self._files.append(b)
            self.bytes += b.usage
            moved += 1
        self._files.sort(key=lambda x: x.seq)
        self._seq = max(self._seq, self._files[-1].seq + 1 if self._files else 0)
        dropped = self._drop_oldest(0)
        with contextlib.suppress(OSError):
            other.rmdir()  # only if nothing else is left in it
        log.info("spill %s: adopted %d batches from %s", self.dir, moved, other)
        return dropped

    def _parse(self, f: Path) -> Batch | None:
        m = NAME.fullmatch(f.name)
        if m is None:
            return None
        seq, pts, key = int(m.group(1)), int(m.group(2)), m.group(3) or "-"  # no key: written before keys
        if self._path(Batch(seq, pts, key, 0)).name != f.name:  # e.g. 0-padded points: not a name we write
            return None
        try:
            usage = disk_usage(f)
        except FileNotFoundError:
            return None
        return Batch(seq, pts, key, usage)

    def __len__(self) -> int:
        return len(self._files)

    @property
    def points(self) -> int:
        return sum(b.points for b in self._files)

    def batches(self) -> list[Batch]:
        return list(self._files)

    def _path(self, b: Batch) -> Path:
        name = f"{b.seq:016d}-{b.points}.pb" if b.key == "-" else f"{b.seq:016d}-{b.points}-{b.key}.pb"
        return self.dir / name

    def _estimate(self, size: int) -> int:
        return -(-size // self._block) * self._block

    def push(self, data: bytes, points: int, label: str = "") -> list[Batch]:
        """Append a batch; drop the oldest ones not in flight while over the bound.

        Returns the batches dropped now (the new one itself if it can never fit)."""
        key = content_key(label) if label else "-"
        need = self._estimate(len(data))
        if need > self.max_bytes:
            self.full = True
            return [Batch(-1, points, key, need, label)]  # can never fit: never written
        dropped = self._drop_oldest(need)
        if self.bytes + need > self.max_bytes and self._flight is not None and not self._evicted:
            # only the batch in flight is left: it gives up its place; counted once its export ends
            self._files = [b for b in self._files if b.seq != self._flight.seq]
            self.bytes -= self._flight.usage
            self._evicted = True
        self.full = bool(dropped) or self._evicted
        seq, self._seq = self._seq, self._seq + 1
        b = Batch(seq, points, key, 0, label)
        path = self._path(b)
        tmp = path.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
            b = Batch(seq, points, key, disk_usage(path), label)
        except OSError as exc:  # disk full or gone: what was evicted for it is still accounted
            tmp.unlink(missing_ok=True)
            raise SpillWriteError(exc.errno or 0, exc.strerror or str(exc), dropped, Batch(-1, points, key, 0, label)) from None
        self._files.append(b)
        self.bytes += b.usage
        # the file system may allocate more than whole blocks of the data: the bound holds anyway
        dropped += self._drop_oldest(0, spare_newest=True)
        self.full = self.full or bool(dropped)
        return dropped

    def _drop_oldest(self, need: int, spare_newest: bool = False) -> list[Batch]:
        """Remove the oldest batches while the spill plus ``need`` bytes passes the bound; never
        the batch in flight (it gives up its place in ``push``), nor with ``spare_newest`` the
        batch just written. Returns what was removed, to be counted dropped."""
        dropped: list[Batch] = []
        i = 0
        while self.bytes + need > self.max_bytes and i < len(self._files) - spare_newest:
            b = self._files[i]
            if self._flight is not None and b.seq == self._flight.seq:
                i += 1
                continue
            self._files.pop(i)
            self._path(b).unlink(missing_ok=True)
            self.bytes -= b.usage
            dropped.append(b)
        return dropped

    def peek(self) -> tuple[Batch, bytes] | None:
        """The oldest batch and its data, now in flight: kept on disk until ``pop`` or ``release``."""
        if self._flight is not None:
            raise RuntimeError("spill: one batch in flight at a time")
        while self._files:
            b = self._files[0]
            try:
                data = self._path(b).read_bytes()
            except FileNotFoundError:  # removed behind our back: skip it
                log.warning("spill %s: batch %s vanished from disk", self.dir, b.ident)
                self._files.pop(0)
                self.bytes -= b.usage
                continue
            self._flight, self._evicted = b, False
            return b, data
        return None

    def pop(self, seq: int) -> Batch | None:
        """Batch ``seq`` was delivered: remove exactly it (also when it was evicted meanwhile)."""
        fl = self._flight
        if fl is not None and fl.seq == seq:
            evicted, self._flight, self._evicted = self._evicted, None, False
            b: Batch | None = fl
            if not evicted:
                self._files.remove(fl)
                self.bytes -= fl.usage
        else:
            b = next((x for x in self._files if x.seq == seq), None)
            if b is None:
                return None
            self._files.remove(b)
            self.bytes -= b.usage
        assert b is not None
        self._path(b).unlink(missing_ok=True)
        self.full = False
        return b

    def release(self, seq: int) -> Batch | None:
        """The export of ``seq`` failed: it stays for a retry, unless it was evicted meanwhile —
        then it is removed now and returned, to be counted dropped."""
        fl = self._flight
        if fl is None or fl.seq != seq:
            return None
        evicted, self._flight, self._evicted = self._evicted, None, False
        if not evicted:
            return None
        self._path(fl).unlink(missing_ok=True)
        return fl
