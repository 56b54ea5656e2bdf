"""RFC 6242 framing and reply parsing under arbitrary input: whole messages whatever the read
sizes, clear errors (never other exceptions) for malformed frames and replies."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netrosetta.collectors.netconf.dataset import ReplyError, parse_reply
from netrosetta.collectors.netconf.framing import EOM, FrameReader, FramingError, encode


def _reader(data: bytes, sizes: list[int]) -> FrameReader:
    chunks: list[bytes] = []
    pos = 0
    for n in sizes or [len(data) or 1]:
        if pos >= len(data):
            break
        chunks.append(data[pos:pos + n])
        pos += n
    if pos < len(data):
        chunks.append(data[pos:])

    async def read(_n: int) -> bytes:
        return chunks.pop(0) if chunks else b""
    return FrameReader(read)


messages = st.lists(st.binary(min_size=1, max_size=300).filter(lambda b: EOM not in b), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(msgs=messages, sizes=st.lists(st.integers(1, 50), max_size=40), chunked=st.booleans())
def test_messages_survive_any_split(msgs: list[bytes], sizes: list[int], chunked: bool) -> None:
    wire = b"".join(encode(m, chunked=chunked) for m in msgs)
    reader = _reader(wire, sizes)
    reader.chunked = chunked

    async def read_all() -> list[bytes]:
        return [await reader.read_message() for _ in msgs]
    assert asyncio.run(read_all()) == msgs


@settings(max_examples=80, deadline=None)
@given(junk=st.binary(max_size=200))
def test_malformed_chunks_are_framing_errors(junk: bytes) -> None:
    reader = _reader(junk, [])
    reader.chunked = True
    with contextlib.suppress(FramingError, EOFError):
        asyncio.run(reader.read_message())


@pytest.mark.parametrize("bad", [b"\n#0\nx\n##\n", b"\n#abc\n", b"\n#99999999999\n", b"#5\nhello\n##\n"])
def test_bad_chunk_headers(bad: bytes) -> None:
    reader = _reader(bad, [])
    reader.chunked = True
    with pytest.raises((FramingError, EOFError)):
        asyncio.run(reader.read_message())


@settings(max_examples=80, deadline=None)
@given(text=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_reply_parsing_raises_only_reply_errors(text: bytes) -> None:
    with contextlib.suppress(ReplyError):
        parse_reply(text, strip=True)
