"""RFC 6242 message framing: end-of-message (base:1.0) and chunked (base:1.1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

EOM = b"]]>]]>"
MAX_CHUNK = 4294967295
MAX_MESSAGE = 64 * 1024 * 1024   # cap what a peer can make us buffer


class FramingError(ValueError):
    pass


def encode(message: bytes, *, chunked: bool) -> bytes:
    if not chunked:
        return message + EOM
    return b"\n#%d\n" % len(message) + message + b"\n##\n"


class FrameReader:
    """Reads whole NETCONF messages from an async byte source (``read(n) -> bytes``; b'' = EOF)."""

    def __init__(self, read: Callable[[int], Awaitable[bytes]]) -> None:
        self._read = read
        self._buf = b""
        self.chunked = False

    async def _fill(self) -> None:
        data = await self._read(65536)
        if not data:
            raise EOFError("peer closed the session")
        self._buf += data
        if len(self._buf) > MAX_MESSAGE:
            raise FramingError("message too large")

    async def read_message(self) -> bytes:
        if not self.chunked:
            while (i := self._buf.find(EOM)) < 0:
                await self._fill()
            msg, self._buf = self._buf[:i], self._buf[i + len(EOM):]
            return msg
        parts: list[bytes] = []
        total = 0
        while True:
            while len(self._buf) < 4:
                await self._fill()
            if self._buf.startswith(b"\n##\n"):
                self._buf = self._buf[4:]
                return b"".join(parts)
            if not self._buf.startswith(b"\n#"):
                raise FramingError("bad chunk header")
            nl = self._buf.find(b"\n", 2)
            if nl < 0:
                if len(self._buf) > 13:
                    raise FramingError("bad chunk header")
                await self._fill()
                continue
            digits = self._buf[2:nl]
            if not digits.isdigit() or digits.startswith(b"0") or int(digits) > MAX_CHUNK:
                raise FramingError("bad chunk size")
            size = int(digits)
            total += size
            if total > MAX_MESSAGE:
                raise FramingError("message too large")
            while len(self._buf) < nl + 1 + size:
                await self._fill()
            parts.append(self._buf[nl + 1:nl + 1 + size])
            self._buf = self._buf[nl + 1 + size:]
