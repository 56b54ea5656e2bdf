"""The one varint codec against protobuf's own encoding of the same numbers."""

from __future__ import annotations

import pytest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from netrosetta import varint

VALUES = [0, 1, 127, 128, 300, 2**14 - 1, 2**14, 2**32 - 1, 2**35 + 7, 2**56, 2**63 - 1, 2**64 - 1]


def _protobuf(n: int) -> bytes:
    """int_value (field 3, varint) of an AnyValue: tag byte 0x18, then protobuf's varint."""
    raw = AnyValue(int_value=n if n < 2**63 else n - 2**64).SerializeToString()
    assert raw[0] == 0x18
    return raw[1:]


@pytest.mark.parametrize("n", VALUES)
def test_encode_and_decode_match_protobuf(n: int) -> None:
    assert varint.encode(n) == _protobuf(n)
    assert varint.decode(b"\xff" + _protobuf(n) + b"\x01", 1) == (n, 1 + len(_protobuf(n)))


def test_negative_int64_is_its_twos_complement() -> None:
    assert varint.encode(-1) == _protobuf(2**64 - 1)
    assert len(varint.encode(-1)) == 10


def test_overlong_tenth_byte_keeps_64_bits_as_protobuf_does() -> None:
    assert varint.decode(b"\xff" * 9 + b"\x7f") == (2**64 - 1, 10)


@pytest.mark.parametrize("data", [b"", b"\x80", b"\xff\xff", b"\x80" * 10 + b"\x01"])
def test_truncated_or_too_long_is_an_error(data: bytes) -> None:
    with pytest.raises(varint.VarintError):
        varint.decode(data)
