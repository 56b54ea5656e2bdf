"""Fuzz the NETCONF side: RFC 6242 framing (end-of-message and chunked) and the reply XML a device
sends, parsed and translated through the shipped rulebooks' XPath selectors; and, beside it, the
device API JSON replies through the JSON selectors.

Seeds are real replies from ../shared/corpus (Junos PyEZ and NAPALM recordings) plus a few small
built inputs. A reply that is not XML/JSON is the collector's counted error (ReplyError, or the
ValueError json raises); anything else escaping parse or translate is a crash."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from netrosetta.collectors.netconf import dataset as ncd
from netrosetta.collectors.netconf.framing import EOM, FrameReader, FramingError, encode
from netrosetta.collectors.recording import SourceDataset, engine_facts
from netrosetta.engine.rulebooks import RulebookSet
from netrosetta.engine.selectors.json import JsonDataset
from netrosetta.engine.translate import translate
from tests.conftest import need_shared
from tests.fuzz import harness

SMALL_XML = [b"<rpc-reply><data/></rpc-reply>", b"<a xmlns='urn:x'><b>1</b></a>",
             b"<rpc-reply><rpc-error><error-tag>x</error-tag></rpc-error></rpc-reply>", b"<", b""]
MAX_MESSAGES = 10_000
RECOVER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_blank_text=True)


@functools.lru_cache(maxsize=1)
def rulebooks() -> RulebookSet:
    return RulebookSet.from_paths()


def _files(root: Path, pattern: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob(pattern)) if p.name not in (
        "server_capabilities.xml", "expected_result.json")}


def _rpc(path: Path) -> str:
    # PyEZ captures are named <personality>_<rpc>.xml; NAPALM's are <rpc>.xml
    stem = path.stem
    return stem[stem.index("get-"):] if "get-" in stem else stem


# -- framing ------------------------------------------------------------------------------------

def read_all(data: bytes, *, chunked: bool) -> None:
    """Every message a peer sending `data` makes the reader return, fed in uneven pieces."""
    step = len(data) % 13 + 1
    pos = 0

    async def read(n: int) -> bytes:
        nonlocal pos
        piece = data[pos:pos + min(n, step)]
        pos += len(piece)
        return piece

    async def drain() -> None:
        reader = FrameReader(read)
        reader.chunked = chunked
        for _ in range(MAX_MESSAGES):
            try:
                msg = await reader.read_message()
            except EOFError:
                return
            assert isinstance(msg, bytes)
        raise AssertionError(f"more than {MAX_MESSAGES} messages from {len(data)} bytes")

    # `read` never suspends, so the coroutine runs to its end in one send (no event loop per input)
    coro = drain()
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise AssertionError("the frame reader waited on something other than its read()")


def test_fuzz_netconf_framing() -> None:
    # framing does not look inside a message: the start of each real reply is enough
    replies = [r[:1500] for r in _files(need_shared("corpus", "netconf"), "*.xml").values()] + SMALL_XML
    seeds = [encode(r, chunked=c) for r in replies for c in (True, False)]
    seeds += [b"\n#4\nabcd\n#2\nef\n##\n", b"\n#1\n", b"\n#99999999999\n", EOM * 3, b"\n##\n"]

    def target(data: bytes) -> None:
        for chunked in (True, False):
            with contextlib.suppress(FramingError):   # the client drops the session and counts it
                read_all(data, chunked=chunked)

    harness.assert_clean(harness.fuzz("netconf-framing", target, seeds))


# -- reply XML through the XPath selectors --------------------------------------------------------

def xml_target(platform: str, rpcs: list[str]) -> Callable[[bytes], None]:
    strip = platform == "juniper_junos"     # as the collector does for Junos
    rulebooks()         # seconds to load: once, outside the per-input limit

    def target(data: bytes) -> None:
        try:
            root = ncd.parse_reply(data, strip=strip)
        except ncd.ReplyError:
            # counted as this RPC's error by the collector. Most mutations break the XML, so the
            # selectors also get what lxml recovers from the bytes, re-serialized and parsed as the
            # collector parses: well-formed XML a device could send, with odd structure and values.
            try:
                recovered = etree.fromstring(data, RECOVER)
                if recovered is None:
                    return
                root = ncd.parse_reply(etree.tostring(recovered), strip=strip)
            except (etree.XMLSyntaxError, ncd.ReplyError):
                return      # nothing well-formed to recover (a recovered tree may hold invalid names)
        src = SourceDataset("netconf", "fuzz", platform)
        src.documents = dict.fromkeys(rpcs, root)     # every rule of the rulebook reads this reply
        t = translate(ncd.to_engine(src), engine_facts(src), rulebooks())
        for _point in t.iter_points():
            pass
    return target


def test_fuzz_netconf_reply_junos() -> None:
    files = _files(need_shared("corpus", "netconf", "junos-pyez"), "*.xml")
    files |= _files(need_shared("corpus", "napalm", "junos"), "*.xml")
    rpcs = sorted({_rpc(p) for p in files})
    rep = harness.fuzz("netconf-reply-junos", xml_target("juniper_junos", rpcs), [*files.values(), *SMALL_XML],
                       allowed=(ncd.ReplyError,))
    harness.assert_clean(rep)


def test_fuzz_netconf_reply_iosxr() -> None:
    files = _files(need_shared("corpus", "napalm", "iosxr_netconf"), "*.xml")
    rpcs = sorted({_rpc(p) for p in files})
    rep = harness.fuzz("netconf-reply-iosxr", xml_target("cisco_xr", rpcs), [*files.values(), *SMALL_XML],
                       allowed=(ncd.ReplyError,))
    harness.assert_clean(rep)


def test_fuzz_xml_agent_reply_iosxr() -> None:
    """IOS-XR XML-agent replies (NAPALM iosxr recordings): keyed by their containers (a reply that
    is no agent response is the file's counted ValueError), then read by the rulebook's rules."""
    from netrosetta.collectors.netconf import xml_agent

    seeds = _files(Path(__file__).parents[1] / "golden" / "napalm_fixtures" / "iosxr", "*.txt")
    rpcs = sorted({k for data in seeds.values() for k in xml_agent.reply_keys(ncd.parse_reply(data))})
    translate_reply = xml_target("cisco_xr", rpcs)

    def target(data: bytes) -> None:
        with contextlib.suppress(ValueError):       # ReplyError or not an agent response: counted
            xml_agent.reply_keys(ncd.parse_reply(data))
        translate_reply(data)
    rep = harness.fuzz("xml-agent-reply-iosxr", target, [*seeds.values(), *SMALL_XML], allowed=(ncd.ReplyError,))
    harness.assert_clean(rep)


# -- API JSON through the JSON selectors ---------------------------------------------------------

def test_fuzz_api_json_eos() -> None:
    files = _files(need_shared("corpus", "napalm", "eos"), "*.json")
    commands = sorted({p.stem.replace("_", " ") for p in files})
    rulebooks()

    def target(data: bytes) -> None:
        try:
            doc = json.loads(data.decode("utf-8", errors="replace"))
        except ValueError:
            return          # "bad-reply: not JSON", counted by the collector
        src = SourceDataset("api", "fuzz", "arista_eos")
        src.documents = dict.fromkeys(commands, doc)
        t = translate(JsonDataset(src.documents), engine_facts(src), rulebooks())
        for _point in t.iter_points():
            pass

    seeds = [*files.values(), b"{}", b"[]", b"null", b'{"interfaces": {"Ethernet1": {}}}']
    harness.assert_clean(harness.fuzz("api-json-eos", target, seeds))
