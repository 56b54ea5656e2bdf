"""Choosing the rulebook for a device.

SNMP: every ``match.snmp`` entry is a sysObjectID pattern, a sysDescr regex and/or a ``present``
OID the device must serve (AND within an entry, OR across entries). The most specific matching
entry wins: an entry checking the system group (sysObjectID/sysDescr) over one that only checks
``present`` (agents whose system group says nothing: the fallback before generic), then more fixed
OID components, an exact OID over a wildcard, an entry that also checks sysDescr, and one that
also checks ``present`` (a longer probe OID first). Two rulebooks
tied at the top is an ambiguity — ``rulebook lint`` reports it, and at run time the tie is broken
by id with a warning. Other sources match by platform (netmiko device_type), gNMI models or
NETCONF capabilities. When nothing matches, the ``generic`` rulebooks for that source apply.
"""

from __future__ import annotations

import logging
import operator
import re
from dataclasses import dataclass, field, replace

from .facts import DeviceFacts
from .model import SnmpMatch, parse_model_spec
from .resolve import LoadedRulebooks, ResolvedRulebook
from .selectors.base import Dataset

log = logging.getLogger(__name__)

# (checks the system group, fixed sysObjectID components, exact OID, checks sysDescr, present OID length)
Score = tuple[int, ...]


@dataclass
class Candidate:
    rulebook: ResolvedRulebook
    score: Score
    why: str


@dataclass
class MatchResult:
    chosen: ResolvedRulebook | None
    candidates: list[Candidate] = field(default_factory=list)
    fell_back: bool = False
    ambiguous: list[str] = field(default_factory=list)
    reason: str = ""


def oid_pattern_matches(pattern: str, oid: str) -> bool:
    pat = pattern.lstrip(".").split(".")
    parts = oid.lstrip(".").split(".")
    if pat and pat[-1] == "*":
        # trailing * : this OID or anything below it
        head = pat[:-1]
        if len(parts) < len(head):
            return False
        return all(p == "*" or p == q for p, q in zip(head, parts, strict=False))
    if len(pat) != len(parts):
        return False
    return all(p == "*" or p == q for p, q in zip(pat, parts, strict=True))


def identifies(entry: SnmpMatch) -> bool:
    """The entry reads the system group (not only a `present` probe)."""
    return entry.sys_object_id is not None or entry.sys_descr is not None


def snmp_entry_score(entry: SnmpMatch, facts: DeviceFacts) -> Score | None:
    fixed, exact, probe = 0, 0, 0
    if entry.present is not None:
        if facts.present is None or entry.present not in facts.present:
            return None
        probe = entry.present.count(".") + 1
    if entry.sys_object_id is not None:
        if not facts.sys_object_id or not oid_pattern_matches(entry.sys_object_id, facts.sys_object_id):
            return None
        comps = entry.sys_object_id.lstrip(".").split(".")
        fixed = sum(1 for c in comps if c != "*")
        exact = 0 if "*" in comps else 1
    descr = facts.sys_descr or ""
    if entry.sys_descr is not None and not re.search(entry.sys_descr, descr):
        return None
    if entry.sys_descr_not is not None and re.search(entry.sys_descr_not, descr):
        return None
    return (int(identifies(entry)), fixed, exact, 1 if entry.sys_descr is not None else 0, probe)


def snmp_probes(rulebooks: LoadedRulebooks, facts: DeviceFacts) -> list[str]:
    """The `present` OIDs worth probing on this device: those of entries whose sysObjectID/sysDescr
    parts match; entries with only `present` only when no system-group entry matches (they would
    lose to it). Empty for most devices, so they cost no extra request."""
    probes: set[str] = set()
    fallback: set[str] = set()
    identified = False
    for rb in rulebooks.concrete():
        if rb.book.match.generic:
            continue
        for e in rb.book.match.snmp:
            served = DeviceFacts(sys_object_id=facts.sys_object_id, sys_descr=facts.sys_descr,
                                 present=frozenset([e.present] if e.present else []))
            if snmp_entry_score(e, served) is None:
                continue
            if e.present is None:
                identified = True
            else:
                (probes if identifies(e) else fallback).add(e.present)
    return sorted(probes if identified else probes | fallback)


def with_served(rulebooks: LoadedRulebooks, facts: DeviceFacts, dataset: Dataset) -> DeviceFacts:
    """The facts of a recorded SNMP walk with the `present` probes answered from the walk itself
    (a live poll asks the agent instead: collectors/snmp/source.py)."""
    if dataset.kind != "snmp" or facts.present is not None:
        return facts
    return replace(facts, present=frozenset(o for o in snmp_probes(rulebooks, facts) if dataset.column(o)))


def why_not(entry: SnmpMatch, facts: DeviceFacts) -> str | None:
    """Why an SNMP match entry does not match this device, or None when it does."""
    if entry.sys_object_id is not None and (
            not facts.sys_object_id or not oid_pattern_matches(entry.sys_object_id, facts.sys_object_id)):
        return f"sysObjectID {facts.sys_object_id or '(none)'} is not {entry.sys_object_id}"
    descr = facts.sys_descr or ""
    if entry.sys_descr is not None and not re.search(entry.sys_descr, descr):
        return f"sysDescr does not match /{entry.sys_descr}/"
    if entry.sys_descr_not is not None and re.search(entry.sys_descr_not, descr):
        return f"sysDescr matches the exclusion /{entry.sys_descr_not}/"
    if entry.present is not None and (facts.present is None or entry.present not in facts.present):
        return f"the device does not serve {entry.present}" if facts.present is not None else \
            f"{entry.present} not probed (not needed: a better entry matched, or a live GET only)"
    return None


def near_misses(rulebooks: LoadedRulebooks, facts: DeviceFacts) -> list[tuple[str, str, str]]:
    """(rulebook, entry, why not) for entries of the device's own enterprise subtree, or whose
    sysObjectID pattern matched but another test failed: what an author wants to see."""
    oid = (facts.sys_object_id or "").split(".")
    enterprise = ".".join(oid[:7]) + "." if len(oid) >= 7 else None
    out = []
    for rid in rulebooks.ids():
        book = rulebooks.loaded[rid].book
        if book.abstract:
            continue
        for e in book.match.snmp:
            reason = why_not(e, facts)
            if reason is None:
                continue
            pat = (e.sys_object_id or "").lstrip(".")
            related = (enterprise is not None and (pat + ".").startswith(enterprise)) or \
                (e.sys_object_id is not None and not reason.startswith("sysObjectID")) or e.sys_object_id is None
            if related:
                what = " and ".join(x for x in (f"sys_object_id {e.sys_object_id}" if e.sys_object_id else "",
                                                f"sys_descr /{e.sys_descr}/" if e.sys_descr else "",
                                                f"present {e.present}" if e.present else "") if x)
                out.append((rid, what, reason))
    return out


def _uses(rb: ResolvedRulebook, kinds: set[str]) -> bool:
    return any(r.kind in kinds for r in rb.rules)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


_VERSION_OPS = {"==": operator.eq, ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def gnmi_model_hits(specs: list[str], models: list[str]) -> list[str]:
    """The `match.gnmi.models` entries a target's Capabilities models ("name" or "name@version")
    satisfy. A versioned entry needs the target to report that model's version."""
    have: dict[str, str | None] = {}
    for entry in models:
        name, _, version = entry.partition("@")
        have[name] = version or None
    hits = []
    for spec in specs:
        name, op, want = parse_model_spec(spec)
        if name not in have:
            continue
        got = have[name]
        if op is not None:
            if got is None or want is None:
                continue
            if op == "@":
                ok = got == want or _version_key(got) == _version_key(want)
            else:
                ok = _VERSION_OPS[op](_version_key(got), _version_key(want))
            if not ok:
                continue
        hits.append(spec)
    return hits


def _source_candidates(rb: ResolvedRulebook, facts: DeviceFacts, source: str) -> list[Candidate]:
    m = rb.book.match
    out: list[Candidate] = []
    if source == "snmp":
        for entry in m.snmp:
            score = snmp_entry_score(entry, facts)
            if score is not None:
                what = " and ".join(x for x in (
                    f"sysObjectID {facts.sys_object_id} ~ {entry.sys_object_id}" if entry.sys_object_id else "",
                    f"sysDescr ~ /{entry.sys_descr}/" if entry.sys_descr else "",
                    f"serves {entry.present}" if entry.present else "") if x)
                out.append(Candidate(rb, score, what))
        return out
    if facts.platform and facts.platform in m.platform:
        out.append(Candidate(rb, (10, 1, 0), f"platform {facts.platform}"))
    if source == "gnmi" and m.gnmi and m.gnmi.models:
        hits = gnmi_model_hits(m.gnmi.models, facts.gnmi_models)
        org_ok = m.gnmi.organization is None or m.gnmi.organization in facts.gnmi_organizations
        if hits and org_ok:
            # more models, then more version-constrained ones, then an organisation: more specific
            versioned = sum(1 for h in hits if parse_model_spec(h)[1] is not None)
            out.append(Candidate(rb, (len(hits), versioned, 1 if m.gnmi.organization else 0),
                                 f"gNMI models {', '.join(hits)}"))
    if source == "xpath" and m.netconf and m.netconf.capabilities:
        hits = [c for c in m.netconf.capabilities if any(c in cap for cap in facts.netconf_capabilities)]
        if hits:
            out.append(Candidate(rb, (len(hits), 0, 0), f"NETCONF capabilities {', '.join(hits)}"))
    return out


def match_rulebook(rulebooks: LoadedRulebooks, facts: DeviceFacts, source: str = "snmp") -> MatchResult:
    concrete = [rb for rb in rulebooks.concrete() if _uses(rb, {source})]
    cands: list[Candidate] = []
    for rb in concrete:
        if rb.book.match.generic:
            continue
        cands.extend(_source_candidates(rb, facts, source))
    cands.sort(key=lambda c: (c.score, c.rulebook.id), reverse=True)
    if cands:
        best = cands[0]
        tied = sorted({c.rulebook.id for c in cands if c.score == best.score})
        chosen = best.rulebook
        ambiguous: list[str] = []
        if len(tied) > 1:
            chosen = next(c.rulebook for c in cands if c.rulebook.id == tied[0])
            ambiguous = tied
            log.warning("device %s: rulebooks %s match equally well; using %s (fix with `rulebook lint`)",
                        facts.name or facts.address or "?", ", ".join(tied), chosen.id)
        why = next(c.why for c in cands if c.rulebook is chosen)
        return MatchResult(chosen, cands, False, ambiguous, f"{chosen.id}: {why}")
    generic = sorted((rb for rb in concrete if rb.book.match.generic), key=lambda rb: rb.id)
    if generic:
        chosen = generic[0]
        log.info("device %s: no vendor rulebook matches (sysObjectID %s); using generic %s",
                 facts.name or facts.address or "?", facts.sys_object_id, chosen.id)
        return MatchResult(chosen, [Candidate(rb, (0, 0, 0), "generic fallback") for rb in generic], True, [],
                           f"{chosen.id}: generic fallback, no vendor rulebook matched")
    return MatchResult(None, [], False, [], f"no {source} rulebook matches and none is generic")


def entry_key(e: SnmpMatch) -> tuple[str, str, str, str]:
    return ((e.sys_object_id or "").lstrip("."), e.sys_descr or "", e.sys_descr_not or "", e.present or "")


def snmp_conflicts(rulebooks: LoadedRulebooks) -> list[tuple[str, str, tuple[str, str, str, str]]]:
    """Pairs of concrete rulebooks with an identical match entry (an unresolvable tie)."""
    seen: dict[tuple[str, str, str, str], str] = {}
    out = []
    for rid in rulebooks.ids():
        book = rulebooks.loaded[rid].book
        if book.abstract:
            continue
        for e in book.match.snmp:
            key = entry_key(e)
            if key in seen and seen[key] != rid:
                out.append((seen[key], rid, key))
            else:
                seen[key] = rid
    return out
