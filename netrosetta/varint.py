"""Protobuf base-128 varints, the one codec for every hand-written wire reader and writer.

Used by the OTLP encoder (exporter/otlp_wire.py), the gNMI response reader
(collectors/gnmi/wire.py) and Juniper's gNMI header (collectors/gnmi/juniper.py). Decoding keeps
the low 64 bits of a 10-byte varint, as protobuf does; anything longer or cut short is a
VarintError, never a wrong number.
"""

from __future__ import annotations

U64 = (1 << 64) - 1
MAX_BYTES = 10


class VarintError(ValueError):
    """A varint cut short by the end of the data, or longer than 10 bytes."""


def encode(n: int) -> bytes:
    """An unsigned varint (a negative int64 is written as its 64-bit two's complement)."""
    if n < 0:
        n &= U64
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def decode(b: bytes, i: int = 0) -> tuple[int, int]:
    """(value, offset after it) of the varint at ``b[i]``."""
    try:
        x = b[i]
        if x < 0x80:
            return x, i + 1
        result, shift = x & 0x7F, 7
        while True:
            i += 1
            x = b[i]
            result |= (x & 0x7F) << shift
            if x < 0x80:
                return result & U64, i + 1     # a 10th byte above 1 overflows: keep 64 bits
            shift += 7
            if shift > 63:
                raise VarintError(f"varint longer than {MAX_BYTES} bytes at offset {i}")
    except IndexError:
        raise VarintError(f"truncated varint at offset {i}") from None
