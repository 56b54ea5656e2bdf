"""UDP receive side: SO_REUSEPORT sockets with large buffers, batched reads, kernel drop counters.

Two readers return the same `Datagrams`: `MmsgReader` (Linux `recvmmsg(2)` through ctypes: one
system call per batch, sources decoded with numpy) and `BatchReader` (one `recvfrom_into` per
datagram: the portable fallback). `make_reader` picks the first that works here.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import queue
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_DATAGRAM = 65535
SLOT = 2048  # per-datagram room in the batch buffer; longer datagrams spill into a per-slot overflow
OVER = 1 << 16  # overflow stride: page-aligned, so a used overflow area can be given back alone
MSG_DONTWAIT = 0x40
MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)  # Linux's value; Python names it only on some builds
EAGAIN_ERRNOS = (11, 4)  # EAGAIN/EWOULDBLOCK, EINTR
# while a batch lingers, take what arrived every LINGER_STEP: the batch fills in our slots, not in
# the kernel queue (a long queue holds its buffers cold and slows the delivering side)
LINGER_STEP = 0.002


def open_socket(bind: str, port: int, rcvbuf: int, reuseport: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:  # root may exceed net.core.rmem_max; others get what the kernel allows
        s.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((bind, port))
    return s


@dataclass
class Datagrams:
    """One batch: datagram i is ``buf[offs[i]:offs[i] + lens[i]]``, sent from
    ``addrs[addr_index[i]]``:``ports[i]``, received at ``stamps[i]`` (ns)."""

    buf: bytes | mmap.mmap  # a mapping only from ReadAhead's pool: valid until its next get()
    offs: np.ndarray
    lens: np.ndarray
    addrs: list[str]
    addr_index: np.ndarray
    ports: np.ndarray
    stamps: np.ndarray

    def __len__(self) -> int:
        return len(self.offs)


def _empty() -> Datagrams:
    z = np.zeros(0, np.int64)
    return Datagrams(b"", z, z, [], z, z, np.zeros(0, np.uint64))


class BatchReader:
    """Reads up to ``max_datagrams`` per call into one buffer, one ``recvfrom_into`` each."""

    def __init__(self, sock: socket.socket, max_datagrams: int = 512) -> None:
        self.sock = sock
        self.max = max_datagrams
        self.buf = bytearray(max_datagrams * 2048 + MAX_DATAGRAM)
        self.view = memoryview(self.buf)

    def read(self, wait_s: float, linger_s: float = 0.0, into: mmap.mmap | None = None) -> Datagrams:
        """Block up to ``wait_s`` for the first datagram, then drain what is queued; with
        ``linger_s``, keep draining that long after the first datagram while the batch is not full.
        (``into`` is for MmsgReader's signature: this reader reads into its own buffer anyway.)"""
        sock = self.sock
        offs: list[int] = []
        lens: list[int] = []
        index: list[int] = []
        ports: list[int] = []
        stamps: list[int] = []
        seen: dict[str, int] = {}
        pos = 0
        sock.settimeout(wait_s)
        limit = len(self.buf) - MAX_DATAGRAM
        recv_into = sock.recvfrom_into
        view = self.view
        try:
            n, addr = recv_into(view[pos:])
        except (TimeoutError, BlockingIOError, InterruptedError):
            return _empty()
        now = time.time_ns()
        end = time.monotonic() + linger_s
        sock.setblocking(False)
        while True:
            offs.append(pos)
            lens.append(n)
            index.append(seen.setdefault(addr[0], len(seen)))
            ports.append(addr[1])
            stamps.append(now)
            pos += n
            if len(offs) >= self.max or pos >= limit:
                break
            n = -1
            while n < 0:
                try:
                    n, addr = recv_into(view[pos:])
                except (BlockingIOError, InterruptedError):
                    left = end - time.monotonic()
                    if left <= 0:
                        break
                    time.sleep(min(left, LINGER_STEP))
                    now = time.time_ns()
            if n < 0:
                break
        return Datagrams(bytes(view[:pos]), np.array(offs, dtype=np.int64), np.array(lens, dtype=np.int64),
                         list(seen), np.array(index, dtype=np.int64), np.array(ports, dtype=np.int64),
                         np.array(stamps, dtype=np.uint64))


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [("msg_name", ctypes.c_void_p), ("msg_namelen", ctypes.c_uint32),
                ("msg_iov", ctypes.c_void_p), ("msg_iovlen", ctypes.c_size_t),
                ("msg_control", ctypes.c_void_p), ("msg_controllen", ctypes.c_size_t),
                ("msg_flags", ctypes.c_int)]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", _Msghdr), ("msg_len", ctypes.c_uint)]


NAME = 28  # sizeof(struct sockaddr_in6), which also holds a sockaddr_in
_NO_PORT = np.frombuffer(b"\xff\xff\0\0\xff\xff\xff\xff", dtype=np.uint64)[0]  # sockaddr_in: family, address


def _recvmmsg() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).recvmmsg
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]
    fn.restype = ctypes.c_int
    return fn


class MmsgReader:
    """``recvmmsg(2)``: one system call reads up to ``max_datagrams`` into fixed slots.

    Each message has two iovecs: a ``SLOT``-byte slot in the batch buffer (copied out in one
    piece) and an overflow area for the rest of a longer datagram, in an anonymous mapping the
    kernel commits only where a long datagram lands — so no datagram is ever truncated.
    """

    def __init__(self, sock: socket.socket, max_datagrams: int = 512) -> None:
        fn = _recvmmsg()
        if fn is None:
            raise OSError("recvmmsg is not available here")
        self._fn = fn
        self.sock = sock
        self.max = n = max_datagrams
        self.main = bytearray(n * SLOT)
        # address space only: no commit charge, pages exist only where a long datagram landed
        self.over = mmap.mmap(-1, n * OVER, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE)
        self.names = np.zeros((n, NAME), dtype=np.uint8)
        self.iov = (_Iovec * (2 * n))()
        self.msgs = (_Mmsghdr * n)()
        # held so the buffers stay exported (neither may move or close while the kernel has them)
        self._pins = (ctypes.c_char.from_buffer(self.main), ctypes.c_char.from_buffer(self.over))
        main_at, over_at = (ctypes.addressof(p) for p in self._pins)
        names_at = self.names.ctypes.data
        for i in range(n):
            self.iov[2 * i].iov_base, self.iov[2 * i].iov_len = main_at + i * SLOT, SLOT
            self.iov[2 * i + 1].iov_base, self.iov[2 * i + 1].iov_len = over_at + i * OVER, MAX_DATAGRAM - SLOT
            h = self.msgs[i].msg_hdr
            h.msg_name, h.msg_namelen = names_at + i * NAME, NAME
            h.msg_iov, h.msg_iovlen = ctypes.addressof(self.iov[2 * i]), 2
        words = np.frombuffer(memoryview(self.msgs).cast("B"), dtype=np.uint32)
        stride = ctypes.sizeof(_Mmsghdr) // 4
        self._lens = words[_Mmsghdr.msg_len.offset // 4::stride]
        self._namelen = words[(_Mmsghdr.msg_hdr.offset + _Msghdr.msg_namelen.offset) // 4::stride]
        self._fd = sock.fileno()
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLIN)
        self._text: dict[bytes, str] = {}  # sockaddr bytes (family + address) -> address text
        self._slots = np.frombuffer(self.main, dtype=np.uint8).reshape(n, SLOT)
        self._stamps = np.zeros(n, dtype=np.uint64)
        self._size = ctypes.sizeof(_Mmsghdr)

    def _call(self, start: int) -> int:
        """recvmmsg into slots ``start``.. without blocking; how many arrived."""
        self._namelen[start:] = NAME  # the kernel writes back each name's length
        got = self._fn(self._fd, ctypes.addressof(self.msgs) + start * self._size, self.max - start,
                       MSG_DONTWAIT, None)
        if got < 0:
            err = ctypes.get_errno()
            if err in EAGAIN_ERRNOS:
                return 0
            raise OSError(err, f"recvmmsg: {os.strerror(err)}")
        self._stamps[start:start + got] = time.time_ns()
        return int(got)

    def read(self, wait_s: float, linger_s: float = 0.0, into: mmap.mmap | None = None) -> Datagrams:
        """Take what is queued; if nothing is, wait up to ``wait_s`` for the first datagram. With
        ``linger_s``, keep taking that long after the first datagram while the batch is not full
        (fewer, fuller batches: the decoder's cost per batch is mostly fixed). With ``into`` (at
        least ``max_datagrams * SLOT`` bytes), the batch is copied there instead of into new
        memory: a fresh multi-megabyte object per batch costs more in page faults than the copy."""
        n = self._call(0)
        if not n:
            if not self._poll.poll(max(0, int(wait_s * 1000))):
                return _empty()
            n = self._call(0)
            if not n:
                return _empty()
        if linger_s > 0 and n < self.max:
            end = time.monotonic() + linger_s
            while n < self.max:
                left = end - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(left, LINGER_STEP))  # sleep, not poll: poll would wake per datagram
                n += self._call(n)
        lens = self._lens[:n].astype(np.int64)
        # copy out only each slot's first `width` bytes (the batch's longest datagram, capped at
        # SLOT): one contiguous copy, datagram i at i * width
        width = min(SLOT, int(lens.max()))
        offs = np.arange(n, dtype=np.int64) * width
        big = np.nonzero(lens > SLOT)[0]
        buf: bytes | mmap.mmap
        if into is not None and not len(big):
            np.copyto(np.frombuffer(into, dtype=np.uint8, count=n * width).reshape(n, width), self._slots[:n, :width])
            buf = into
        else:
            head = self._slots[:n, :width].tobytes()
            buf = head
            if len(big):  # rare: a datagram longer than its slot continues in its overflow area
                parts: list[bytes | memoryview] = [head]
                pos = len(head)
                slots = memoryview(self.main)
                for i in big.tolist():
                    size = int(lens[i])
                    parts += [slots[i * SLOT:(i + 1) * SLOT], self.over[i * OVER:i * OVER + size - SLOT]]
                    offs[i] = pos
                    pos += size
                    # give the pages back: resident memory stays bounded by the usual datagram size
                    self.over.madvise(mmap.MADV_DONTNEED, i * OVER, OVER)
                buf = b"".join(parts)
        names = self.names[:n]
        ports = (names[:, 2].astype(np.int64) << 8) | names[:, 3]
        # the address identity: family + address bytes (v4: 4 bytes at 4; v6: 16 bytes at 8, scope at 24)
        fam = names[:, :2].copy().view(np.uint16).ravel()  # sa_family, host byte order
        v4 = fam == socket.AF_INET
        if v4.all():  # the usual case: one integer per sender (sockaddr_in's first word, port masked)
            word = np.ascontiguousarray(names[:, :8]).view(np.uint64).ravel() & _NO_PORT
            _, index = np.unique(word, return_inverse=True)
            index = index.reshape(-1)
            first = np.zeros(int(index.max()) + 1, dtype=np.intp)
            first[index[::-1]] = np.arange(n - 1, -1, -1)  # a row of each sender
            uniq = [bytes(names[i, :2]) + bytes(names[i, 4:8]) + bytes(16) for i in first.tolist()]
        else:
            key = np.zeros((n, 22), dtype=np.uint8)
            key[:, :2] = names[:, :2]
            key[v4, 2:6] = names[v4, 4:8]
            key[~v4, 2:22] = names[~v4, 8:28]
            u_void, index = np.unique(key.view(np.dtype((np.void, 22))).ravel(), return_inverse=True)
            uniq = [bytes(u) for u in u_void]
        addrs = [self._address(u) for u in uniq]
        return Datagrams(buf, offs, lens, addrs, index.astype(np.int64).ravel(), ports, self._stamps[:n].copy())

    def _address(self, key: bytes) -> str:
        text = self._text.get(key)
        if text is None:
            if int.from_bytes(key[:2], sys.byteorder) == socket.AF_INET:
                text = socket.inet_ntop(socket.AF_INET, key[2:6])
            else:
                text = socket.inet_ntop(socket.AF_INET6, key[2:18])
                scope = int.from_bytes(key[18:22], sys.byteorder)
                if scope:  # as Python's recvfrom shows a link-local sender
                    text = f"{text}%{_if_name(scope)}"
            if len(self._text) > 65536:  # bounded: a flood of spoofed sources must not grow it
                self._text.clear()
            self._text[key] = text
        return text


def _if_name(index: int) -> str:
    try:
        return socket.if_indextoname(index)
    except OSError:
        return str(index)


def make_reader(sock: socket.socket, max_datagrams: int = 512) -> MmsgReader | BatchReader:
    """recvmmsg where the C library has it, else one recvfrom_into per datagram."""
    try:
        return MmsgReader(sock, max_datagrams)
    except OSError:
        return BatchReader(sock, max_datagrams)


class ReadAhead:
    """Reads on in its own thread while the caller decodes: the socket is drained while a batch
    is being decoded (``recvmmsg`` and the linger sleep release the GIL), up to ``depth`` batches
    ahead; past that the thread waits and the kernel buffer takes the excess (drops counted there).

    Batches are copied into a small pool of reused buffers (``spare``; new memory when none is
    free): a batch from ``get`` is valid until the next ``get``, which hands its buffer back.
    The pool is a stack, so a caller that keeps up touches only two or three of them."""

    def __init__(self, reader: MmsgReader | BatchReader, wait_s: float, linger_s: float, depth: int = 4,
                 spare: int = 3) -> None:
        self.reader, self.wait_s, self.linger_s = reader, wait_s, linger_s
        self.batches: queue.Queue[Datagrams] = queue.Queue(maxsize=depth)
        # anonymous mappings: address space only, pages committed where a batch is copied
        self.free: queue.LifoQueue[mmap.mmap] = queue.LifoQueue()
        if isinstance(reader, MmsgReader):
            for _ in range(spare):
                self.free.put(mmap.mmap(-1, reader.max * SLOT, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE))
        self.lent: mmap.mmap | None = None
        self.unqueued: list[Datagrams] = []
        self.error: BaseException | None = None
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, name="flow-read-ahead", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.closed.is_set():
                try:
                    into: mmap.mmap | None = self.free.get_nowait()
                except queue.Empty:
                    into = None
                got = self.reader.read(self.wait_s, self.linger_s, into)
                if into is not None and got.buf is not into:
                    self.free.put(into)  # not used (nothing read, or a long datagram in the batch)
                while len(got):
                    if self.closed.is_set():  # read before the stop: handed over by leftovers()
                        self.unqueued.append(got)
                        break
                    try:
                        self.batches.put(got, timeout=self.wait_s)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed to the caller's next get()
            self.error = exc

    def get(self) -> Datagrams:
        """The next batch, or an empty one after ``wait_s`` without data. The previous batch's
        buffer goes back to the pool: the caller is done with it."""
        if self.lent is not None:
            self.free.put(self.lent)
            self.lent = None
        try:
            got = self.batches.get(timeout=self.wait_s)
        except queue.Empty:
            if self.error is not None:
                raise self.error from None
            return _empty()
        if isinstance(got.buf, mmap.mmap):
            self.lent = got.buf
        return got

    def close(self) -> None:
        self.closed.set()
        self.thread.join(self.wait_s + self.linger_s + 5)

    def leftovers(self) -> list[Datagrams]:
        """Batches read but not taken before ``close``, in the order they were read."""
        out = []
        while True:
            try:
                out.append(self.batches.get_nowait())
            except queue.Empty:
                return out + self.unqueued


def _proc_udp_rows(port: int) -> list[list[str]]:
    rows = []
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        p = Path(name)
        if not p.exists():
            continue
        for line in p.read_text().splitlines()[1:]:
            f = line.split()
            if len(f) >= 13 and int(f[1].rsplit(":", 1)[1], 16) == port:
                rows.append(f)
    return rows


def udp_sockets(port: int) -> int:
    """How many UDP sockets (v4 and v6) are bound to ``port``."""
    return len(_proc_udp_rows(port))


def udp_drops_per_socket(port: int) -> list[int]:
    """Kernel drop counter of each socket bound to ``port`` (/proc/net/udp and udp6)."""
    return [int(f[-1]) for f in _proc_udp_rows(port)]


def udp_drops(port: int) -> int:
    """Kernel drop counter summed over sockets bound to ``port``."""
    return sum(udp_drops_per_socket(port))
