"""NETCONF replies and recordings -> SourceDataset (parsed XML per RPC)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from netrosetta.collectors.netconf import xml_agent
from netrosetta.collectors.platforms import platforms
from netrosetta.collectors.recording import DeviceFacts, Recording, SourceDataset

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)


def strip_namespaces(root: etree._Element) -> etree._Element:
    """Drop namespaces in place (Junos replies carry release-specific ones rulebooks must not need)."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag[0] == "{":
            el.tag = el.tag.split("}", 1)[1]
        if el.attrib:
            for k in [k for k in el.attrib if k[0] == "{"]:
                el.attrib[k.split("}", 1)[1]] = el.attrib.pop(k)
    etree.cleanup_namespaces(root)
    return root


class ReplyError(ValueError):
    pass


def parse_reply(text: str | bytes, *, strip: bool = False) -> etree._Element:
    """Parse a reply (or a recorded reply body); raise ValueError on malformed XML or rpc-error.

    The result is the reply's content root: <data> for get, the vendor element for an RPC.
    """
    raw = text.encode() if isinstance(text, str) else text
    if not raw.strip():
        raise ReplyError("empty reply")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ReplyError(f"malformed XML ({exc.msg}, line {exc.lineno})") from None
    if strip and b"xmlns" in raw:
        root = strip_namespaces(root)
    if etree.QName(root).localname == "rpc-reply":
        errors = [e for e in root if isinstance(e.tag, str) and etree.QName(e).localname == "rpc-error"]
        if errors:
            msg = errors[0].findtext("{*}error-message") or errors[0].findtext("error-message") or ""
            tag = errors[0].findtext("{*}error-tag") or errors[0].findtext("error-tag") or ""
            raise ReplyError(f"rpc-error {tag}: {msg.strip()}")
        content = [e for e in root if isinstance(e.tag, str)]
        if len(content) == 1:
            return content[0]
    return root


def facts_from_capabilities(caps: list[str], platform: str | None) -> DeviceFacts:
    """Vendor (and platform, when none was given) from the NETCONF hello, per the platform definitions."""
    defs = platforms()
    d = defs.get(platform) or defs.from_capabilities(caps)
    facts = DeviceFacts(platform=platform or (d.platform if d else None), capabilities=list(caps))
    facts.vendor = d.vendor if d else None
    return facts


def platform_from_capabilities(caps: list[str]) -> str | None:
    """Match a rulebook platform from the NETCONF hello when none was configured."""
    d = platforms().from_capabilities(caps)
    return d.platform if d else None


def strips_namespaces(platform: str | None) -> bool:
    d = platforms().get(platform)
    return bool(d and d.netconf.strip_namespaces)


def from_recording(rec: Recording, platform: str | None = None) -> SourceDataset:
    """Every .xml file of a recording, parsed; unreadable ones are counted in ``errors``."""
    ds = SourceDataset("netconf", rec.path.name, platform or rec.platform)
    strip = strips_namespaces(ds.platform)
    for path in rec.files():
        if xml_agent.is_request_file(path.name):      # IOS-XR XML agent (NAPALM's iosxr driver)
            try:
                root = parse_reply(path.read_bytes())
                keys = xml_agent.reply_keys(root)
            except ValueError as exc:
                ds.errors[path.stem] = str(exc)
                continue
            for key in keys:
                xml_agent.file_under(ds.documents, key, root)
            continue
        if path.suffix != ".xml" or path.name == "server_capabilities.xml":
            continue
        try:
            ds.documents[path.stem] = parse_reply(path.read_bytes(), strip=strip)
        except ValueError as exc:
            ds.errors[path.stem] = str(exc)
    caps_file = rec.path / "server_capabilities.xml"
    if caps_file.is_file():
        caps = [c.text or "" for c in etree.fromstring(caps_file.read_bytes(), _PARSER).iter("{*}capability")]
        ds.facts = facts_from_capabilities(caps, ds.platform)
        ds.platform = ds.platform or platform_from_capabilities(caps)
    return ds


def to_engine(src: SourceDataset) -> Any:
    """SourceDataset -> the engine's XpathDataset."""
    from netrosetta.engine.selectors.xpath import XpathDataset
    return XpathDataset(src.documents)
