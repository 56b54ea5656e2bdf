"""IOS-XR XML agent replies, as NAPALM's ``iosxr`` driver records them.

The XML agent (``xml`` over SSH, behind pyIOSXR) answers ``<Get><Operational><Interfaces/>...``
requests with ``<Response><Get><Operational><Interfaces>...`` documents. NAPALM names each file
after its request with every character outside ``[A-Za-z0-9]`` made ``_``, and the request text
carries whatever whitespace the driver's source has, so the file name cannot identify the question
reliably. The reply can: each document is keyed by the containers it answers
(``Operational/Interfaces``, ``AdminOperational/MemorySummary``), which a rule names as its
``rpc``; the same XPath selector as NETCONF reads it. Replies answering the same container (one
EnvironmentalMonitoring request per slot) are gathered under one ``<Responses>`` element.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml import etree

# a recorded XML-agent request file: the stem of "<Get>..." (leading blanks of the request too)
REQUEST_FILE = re.compile(r"^_+Get_.*\.txt$")


def is_request_file(name: str) -> bool:
    return bool(REQUEST_FILE.match(name))


def reply_keys(root: etree._Element) -> list[str]:
    """The ``<Operational|AdminOperational|...>/<Container>`` keys a parsed reply answers;
    ValueError when it is not an XML-agent response or reports an error."""
    if etree.QName(root).localname != "Response":
        raise ValueError(f"not an XML agent response (root <{etree.QName(root).localname}>)")
    failed = next((el for el in root.iter() if isinstance(el.tag, str) and el.get("ErrorCode")), None)
    if failed is not None:
        raise ValueError(f"XML agent error {failed.get('ErrorCode')}: {failed.get('ErrorMsg') or ''}".strip())
    keys = [f"{etree.QName(space).localname}/{etree.QName(container).localname}"
            for get in root if isinstance(get.tag, str)
            for space in get if isinstance(space.tag, str)
            for container in space if isinstance(container.tag, str)]
    if not keys:
        raise ValueError("XML agent response without data")
    return keys


def file_under(documents: dict[str, Any], key: str, root: etree._Element) -> None:
    """Add a reply to the document of ``key``: every reply of a key sits under one <Responses>."""
    doc = documents.get(key)
    if doc is None:
        doc = documents[key] = etree.Element("Responses")
    doc.append(copy.deepcopy(root) if root.getparent() is not None else root)
