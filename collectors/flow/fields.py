"""Information elements (NetFlow v9 / IANA IPFIX ids) and where each lands in the normalized record.

Only the element ids and encodings are facts taken from the registries; the mapping onto our
columns (goflow2 FlowMessage names) is ours. Elements without a column are still decoded by the
generic path (``extra`` fields) so nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

# Encodings: u = unsigned big-endian integer (reduced-size allowed), ip4, ip6, mac, str, raw bytes,
# ntp64 = NTP-format timestamp (dateTimeMicro/Nanoseconds), section = packet bytes parsed by
# sections.py (the same header parser as sFlow's sampled headers).
U, IP4, IP6, MAC, STR, RAW, NTP64, SECTION = "u", "ip4", "ip6", "mac", "str", "raw", "ntp64", "section"
KINDS = frozenset({U, IP4, IP6, MAC, STR, RAW})  # what the enterprise table may use


@dataclass(frozen=True)
class Element:
    id: int
    name: str          # registry name (used for extras and for the explain/table output)
    kind: str
    column: str | None  # normalized column it fills, or None


_E = [
    (1, "octetDeltaCount", U, "bytes"),
    (2, "packetDeltaCount", U, "packets"),
    (3, "deltaFlowCount", U, "flows"),
    (4, "protocolIdentifier", U, "proto"),
    (5, "ipClassOfService", U, "ip_tos"),
    (6, "tcpControlBits", U, "tcp_flags"),
    (7, "sourceTransportPort", U, "src_port"),
    (8, "sourceIPv4Address", IP4, "src_addr"),
    (9, "sourceIPv4PrefixLength", U, "src_net"),
    (10, "ingressInterface", U, "in_if"),
    (11, "destinationTransportPort", U, "dst_port"),
    (12, "destinationIPv4Address", IP4, "dst_addr"),
    (13, "destinationIPv4PrefixLength", U, "dst_net"),
    (14, "egressInterface", U, "out_if"),
    (15, "ipNextHopIPv4Address", IP4, "next_hop"),
    (16, "bgpSourceAsNumber", U, "src_as"),
    (17, "bgpDestinationAsNumber", U, "dst_as"),
    (18, "bgpNextHopIPv4Address", IP4, "bgp_next_hop"),
    (19, "postMCastPacketDeltaCount", U, None),
    (20, "postMCastOctetDeltaCount", U, None),
    (21, "flowEndSysUpTime", U, "_end_uptime_ms"),
    (22, "flowStartSysUpTime", U, "_start_uptime_ms"),
    (23, "postOctetDeltaCount", U, "out_bytes"),
    (24, "postPacketDeltaCount", U, "out_packets"),
    (25, "minimumIpTotalLength", U, None),
    (26, "maximumIpTotalLength", U, None),
    (27, "sourceIPv6Address", IP6, "src_addr"),
    (28, "destinationIPv6Address", IP6, "dst_addr"),
    (29, "sourceIPv6PrefixLength", U, "src_net"),
    (30, "destinationIPv6PrefixLength", U, "dst_net"),
    (31, "flowLabelIPv6", U, "ipv6_flow_label"),
    (32, "icmpTypeCodeIPv4", U, "_icmp_type_code"),
    (33, "igmpType", U, None),
    (34, "samplingInterval", U, None),
    (35, "samplingAlgorithm", U, None),
    (36, "flowActiveTimeout", U, None),
    (37, "flowIdleTimeout", U, None),
    (38, "engineType", U, None),
    (39, "engineId", U, None),
    (40, "exportedOctetTotalCount", U, None),
    (41, "exportedMessageTotalCount", U, None),
    (42, "exportedFlowRecordTotalCount", U, None),
    (44, "sourceIPv4Prefix", IP4, None),
    (45, "destinationIPv4Prefix", IP4, None),
    (46, "mplsTopLabelType", U, None),
    (47, "mplsTopLabelIPv4Address", IP4, None),
    (48, "samplerId", U, "sampler_id"),
    (49, "samplerMode", U, None),
    (50, "samplerRandomInterval", U, None),
    (52, "minimumTTL", U, None),
    (53, "maximumTTL", U, None),
    (54, "fragmentIdentification", U, "fragment_id"),
    (55, "postIpClassOfService", U, None),
    (56, "sourceMacAddress", MAC, "src_mac"),
    (57, "postDestinationMacAddress", MAC, None),
    (58, "vlanId", U, "vlan_id"),
    (59, "postVlanId", U, "dst_vlan"),
    (60, "ipVersion", U, "_ip_version"),
    (61, "flowDirection", U, "flow_direction"),
    (62, "ipNextHopIPv6Address", IP6, "next_hop"),
    (63, "bgpNextHopIPv6Address", IP6, "bgp_next_hop"),
    (64, "ipv6ExtensionHeaders", U, None),
    (70, "mplsTopLabelStackSection", U, "_mpls1"),
    (71, "mplsLabelStackSection2", U, "_mpls2"),
    (72, "mplsLabelStackSection3", U, "_mpls3"),
    (73, "mplsLabelStackSection4", U, "_mpls4"),
    (74, "mplsLabelStackSection5", U, "_mpls5"),
    (75, "mplsLabelStackSection6", U, "_mpls6"),
    (80, "destinationMacAddress", MAC, "dst_mac"),
    (81, "postSourceMacAddress", MAC, None),
    (82, "interfaceName", STR, None),
    (83, "interfaceDescription", STR, None),
    (84, "samplerName", STR, None),
    (85, "octetTotalCount", U, "_total_bytes"),
    (86, "packetTotalCount", U, "_total_packets"),
    (88, "fragmentOffset", U, "fragment_offset"),
    (89, "forwardingStatus", U, "forwarding_status"),
    (90, "mplsVpnRouteDistinguisher", RAW, None),
    (94, "applicationDescription", STR, None),
    (95, "applicationId", RAW, None),
    (96, "applicationName", STR, None),
    (98, "postIpDiffServCodePoint", U, None),
    (102, "layer2packetSectionOffset", U, None),
    (130, "exporterIPv4Address", IP4, None),
    (131, "exporterIPv6Address", IP6, None),
    (136, "flowEndReason", U, "flow_end_reason"),
    (137, "commonPropertiesId", U, None),
    (138, "observationPointId", U, "observation_point_id"),
    (139, "icmpTypeCodeIPv6", U, "_icmp_type_code"),
    (144, "exportingProcessId", U, None),
    (148, "flowId", U, None),
    (149, "observationDomainId", U, None),
    (150, "flowStartSeconds", U, "_start_s"),
    (151, "flowEndSeconds", U, "_end_s"),
    (152, "flowStartMilliseconds", U, "_start_ms"),
    (153, "flowEndMilliseconds", U, "_end_ms"),
    (154, "flowStartMicroseconds", NTP64, "_start_ntp"),
    (155, "flowEndMicroseconds", NTP64, "_end_ntp"),
    (156, "flowStartNanoseconds", NTP64, "_start_ntp"),
    (157, "flowEndNanoseconds", NTP64, "_end_ntp"),
    (158, "flowStartDeltaMicroseconds", U, "_start_delta_us"),
    (159, "flowEndDeltaMicroseconds", U, "_end_delta_us"),
    (160, "systemInitTimeMilliseconds", U, None),
    (161, "flowDurationMilliseconds", U, None),
    (176, "icmpTypeIPv4", U, "icmp_type"),
    (177, "icmpCodeIPv4", U, "icmp_code"),
    (178, "icmpTypeIPv6", U, "icmp_type"),
    (179, "icmpCodeIPv6", U, "icmp_code"),
    (192, "ipTTL", U, "ip_ttl"),
    (195, "ipDiffServCodePoint", U, None),
    (197, "fragmentFlags", U, None),
    (210, "paddingOctets", RAW, None),
    (225, "postNATSourceIPv4Address", IP4, None),
    (226, "postNATDestinationIPv4Address", IP4, None),
    (227, "postNAPTSourceTransportPort", U, None),
    (228, "postNAPTDestinationTransportPort", U, None),
    (230, "natEvent", U, None),
    (234, "ingressVRFID", U, "in_vrf"),
    (235, "egressVRFID", U, "out_vrf"),
    (236, "VRFname", STR, None),
    (239, "biflowDirection", U, None),
    (243, "dot1qVlanId", U, "vlan_id"),
    (244, "dot1qPriority", U, None),
    (252, "ingressPhysicalInterface", U, None),
    (253, "egressPhysicalInterface", U, None),
    (254, "postdot1qVlanId", U, None),
    (256, "ethernetType", U, "etype"),
    (302, "selectorId", U, "sampler_id"),
    (312, "dataLinkFrameSize", U, None),
    (313, "ipHeaderPacketSection", SECTION, None),
    (314, "ipPayloadPacketSection", SECTION, None),
    (315, "dataLinkFrameSection", SECTION, None),
    (304, "selectorAlgorithm", U, None),
    (305, "samplingPacketInterval", U, None),
    (306, "samplingPacketSpace", U, None),
    (309, "samplingSize", U, None),
    (310, "samplingPopulation", U, None),
    (335, "selectorName", STR, None),
    (346, "privateEnterpriseNumber", U, None),
    (352, "layer2OctetDeltaCount", U, None),
    (361, "portRangeStart", U, None),
    (362, "portRangeEnd", U, None),
    (363, "portRangeStepSize", U, None),
    (364, "portRangeNumPorts", U, None),
    (409, "sectionOffset", U, None),
    (410, "sectionExportedOctets", U, None),
    # SRv6 segment routing header (RFC 9487)
    (492, "srhFlagsIPv6", U, "srv6_flags"),
    (493, "srhTagIPv6", U, None),
    (494, "srhSegmentIPv6", IP6, None),
    (495, "srhActiveSegmentIPv6", IP6, "srv6_active_segment"),
    (496, "srhSegmentIPv6BasicList", RAW, None),
    (497, "srhSegmentIPv6ListSection", RAW, None),
    (498, "srhSegmentsIPv6Left", U, "srv6_segments_left"),
    (499, "srhIPv6Section", RAW, None),
    (500, "srhIPv6ActiveSegmentType", U, None),
    (501, "srhSegmentIPv6LocatorLength", U, None),
    (502, "srhSegmentIPv6EndpointBehavior", U, "srv6_endpoint_behavior"),
]

ELEMENTS: dict[int, Element] = {i: Element(i, n, k, c) for i, n, k, c in _E}

# Options-record elements that carry a sampling rate (v9 34/35/48-50, IPFIX 305/306).
SAMPLING_ELEMENTS = frozenset({34, 35, 48, 49, 50, 302, 305, 306, 309, 310})

# Variable-length marker (RFC 7011 section 7).
VARLEN = 65535


ENTERPRISE_FILE = Path(__file__).with_name("enterprise_elements.yaml")


def load_enterprise(path: Path = ENTERPRISE_FILE) -> dict[tuple[int, int], Element]:
    """(PEN, id) -> Element from the documented vendor table; a bad entry is an error naming it."""
    doc = yaml.safe_load(path.read_text())
    out: dict[tuple[int, int], Element] = {}
    for pen, fam in (doc.get("enterprises") or {}).items():
        for ie, spec in (fam.get("elements") or {}).items():
            if not (isinstance(spec, list) and len(spec) == 2 and spec[1] in KINDS and str(spec[0]).isidentifier()):
                raise ValueError(f"{path}: enterprise {pen} element {ie}: expected [name, kind], got {spec!r}")
            out[(int(pen), int(ie))] = Element(int(ie), str(spec[0]), str(spec[1]), None)
    return out


ENTERPRISE: dict[tuple[int, int], Element] = load_enterprise()


REVERSE_PEN = 29305  # RFC 5103 bidirectional flows: reverse-direction elements


def is_known(ie: int, pen: int = 0) -> bool:
    if pen == 0 or pen == REVERSE_PEN:
        return ie in ELEMENTS
    return (pen, ie) in ENTERPRISE


def element(ie: int, pen: int = 0) -> Element:
    """The element for an id; unknown ids are kept as raw extras named by id (Telegraf's naming)."""
    if pen == 0:
        known = ELEMENTS.get(ie)
        if known is not None:
            return known
        return Element(ie, f"type_{ie}", RAW, None)
    known = ENTERPRISE.get((pen, ie))
    if known is not None:
        return known
    fwd = ELEMENTS.get(ie) if pen == REVERSE_PEN else None
    if fwd is not None:  # RFC 5103: the reverse direction's value of IANA element ie, same type
        return Element(ie, "reverse" + fwd.name[0].upper() + fwd.name[1:], fwd.kind if fwd.kind in KINDS else RAW,
                       None)
    return Element(ie, f"type_{pen}_{ie}", RAW, None)
