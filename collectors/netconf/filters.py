"""NETCONF <get> filtering over a recorded datastore (RFC 6241 6 subtree, and XPath), plus naming.

Used by the simulator to answer filtered gets from NAPALM-style recordings, and by the client to
name a request's recording file the way NAPALM does.
"""

from __future__ import annotations

import copy
from typing import TypeAlias

from lxml import etree

from netrosetta.collectors.recording import module_key

NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
Element: TypeAlias = etree._Element


def _qname(el: Element) -> tuple[str | None, str]:
    q = etree.QName(el)
    return q.namespace, q.localname


def _matches(data: Element, filt: Element) -> bool:
    fns, fname = _qname(filt)
    dns, dname = _qname(data)
    # a filter node without a namespace matches any namespace (RFC 6241 6.2.1)
    return fname == dname and (fns is None or fns == dns)


def _is_leaf(el: Element) -> bool:
    return len(el) == 0


def _subtree(data: Element, filt: Element) -> Element | None:
    children = [c for c in filt if isinstance(c.tag, str)]
    if not children:
        return copy.deepcopy(data)           # selection node: the whole subtree
    content = [c for c in children if _is_leaf(c) and (c.text or "").strip()]
    for c in content:                          # content match nodes must all match
        if not any(_matches(d, c) and (d.text or "").strip() == c.text.strip() for d in data):
            return None
    out = etree.Element(data.tag, attrib=dict(data.attrib), nsmap=data.nsmap)
    others = [c for c in children if c not in content]
    if not others:                             # only content matches: return everything
        for d in data:
            out.append(copy.deepcopy(d))
        return out
    for d in data:
        if not isinstance(d.tag, str):
            continue
        if any(_matches(d, c) for c in content):
            out.append(copy.deepcopy(d))
            continue
        for c in others:
            if not _matches(d, c):
                continue
            part = copy.deepcopy(d) if _is_leaf(c) else _subtree(d, c)
            if part is not None:
                out.append(part)
            break
    return out


def subtree_filter(tops: list[Element], filt: Element) -> list[Element]:
    """Apply a subtree <filter> to the datastore's top-level containers."""
    result: list[Element] = []
    for f in filt:
        if not isinstance(f.tag, str):
            continue
        for top in tops:
            if _matches(top, f):
                part = _subtree(top, f)
                if part is not None:
                    result.append(part)
    return result


def xpath_filter(tops: list[Element], select: str, namespaces: dict[str, str]) -> list[Element]:
    """Apply an XPath <filter>: matched nodes with their ancestors, merged."""
    root = etree.Element(f"{{{NC_NS}}}data")
    for top in tops:
        root.append(copy.deepcopy(top))
    nsmap = {k: v for k, v in namespaces.items() if k}
    found = root.xpath(select, namespaces=nsmap)
    if not isinstance(found, list):
        raise ValueError("the XPath selects no nodes")
    out = etree.Element(f"{{{NC_NS}}}data")
    copies: dict[int, Element] = {id(root): out}
    for node in found:
        if not isinstance(node, etree._Element):
            continue
        chain = [a for a in node.iterancestors()][::-1]
        parent = out
        for anc in chain:
            if anc is root:
                continue
            key = id(anc)
            if key not in copies:
                copies[key] = etree.SubElement(parent, anc.tag, attrib=dict(anc.attrib), nsmap=anc.nsmap)
                # keep list keys so the copy stays identifiable
                for leaf in anc:
                    if isinstance(leaf.tag, str) and _is_leaf(leaf) and leaf is not node and \
                            etree.QName(leaf).localname.endswith("name"):
                        copies[key].append(copy.deepcopy(leaf))
            parent = copies[key]
        parent.append(copy.deepcopy(node))
    return list(out)


def filter_key(filt: Element) -> str:
    """NAPALM's file stem for a subtree filter: ``<module>_<container>`` joined by ``__``."""
    keys = [module_key(*_qname(f)) for f in filt if isinstance(f.tag, str)]
    return "__".join(keys) or "get"
