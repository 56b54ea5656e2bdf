"""Read net-snmp's ``snmpwalk -On`` text output (``.1.3.6.1.2.1.1.3.0 = Timeticks: (42) 0:00:00.42``)
into the same VarBinds an snmprec walk gives, so users can bring the walks they already have.

Only numeric OIDs are understood (walk with ``-On``; ``iso.3.6...`` is accepted too): a line with
a symbolic OID cannot be placed without the MIB and is a counted skip, like any malformed line.
A quoted string may run over several lines (net-snmp prints embedded newlines as they are).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from netrosetta.collectors.snmp.varbind import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_END_OF_MIB,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_IPADDRESS,
    TAG_NO_SUCH_INSTANCE,
    TAG_NO_SUCH_OBJECT,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_OPAQUE,
    TAG_TIMETICKS,
    Value,
    VarBind,
    WalkFile,
    in_smi_range,
)
from netrosetta.errors import NetrosettaError

log = logging.getLogger(__name__)

_LINE = re.compile(r"^\s*(?P<oid>\.?(?:iso|\d+)(?:\.\d+)*)\s*=\s*(?P<rest>.*)$", re.DOTALL)
_SYMBOLIC = re.compile(r"^\s*[A-Za-z][\w-]*::\S+\s*=")
_INT = re.compile(r"-?\d+")

_NUMERIC_TYPES = {"INTEGER": TAG_INTEGER, "Counter32": TAG_COUNTER32, "Counter64": TAG_COUNTER64,
                  "Gauge32": TAG_GAUGE32, "Unsigned32": TAG_GAUGE32, "UInteger32": TAG_GAUGE32}
_ABSENT = {"No Such Object": TAG_NO_SUCH_OBJECT, "No Such Instance": TAG_NO_SUCH_INSTANCE,
           "No more variables": TAG_END_OF_MIB}


def looks_like_snmpwalk(first_line: str) -> bool:
    """True for a line of snmpwalk output, False for snmprec (``OID|TYPE|VALUE``)."""
    return " = " in first_line and "|" not in first_line.split(" = ", 1)[0]


def _number(tag: int, text: str) -> int:
    # INTEGER: up(1) (enum labels), Gauge32: 35 degrees C (UNITS), Timeticks: (42) 0:00:00.42
    m = re.search(r"\((-?\d+)\)", text) if tag in (TAG_INTEGER, TAG_TIMETICKS) else None
    m = m or _INT.search(text)
    if m is None:
        raise ValueError(f"no number in {text[:40]!r}")
    n = int(m.group(1) if m.groups() else m.group(0))
    if not in_smi_range(tag, n):
        raise ValueError(f"{n} is outside the type's range")
    return n


def _unquote(text: str) -> bytes:
    s = text.strip()
    if len(s) >= 2 and s[0] == s[-1] == '"':
        s = s[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return s.encode("utf-8", "surrogateescape")


def parse_value(rest: str) -> tuple[int, Value]:
    """The tag and value of the text after ``=``; raises ValueError with a plain reason."""
    rest = rest.strip()
    for prefix, tag in _ABSENT.items():
        if rest.startswith(prefix):
            return tag, None
    if rest == '""' or not rest:
        return TAG_OCTET_STRING, b""
    type_s, sep, text = rest.partition(":")
    if not sep:
        raise ValueError(f"no type in {rest[:40]!r}")
    type_s, text = type_s.strip(), text.strip()
    if type_s in _NUMERIC_TYPES:
        tag = _NUMERIC_TYPES[type_s]
        return tag, _number(tag, text)
    if type_s == "Timeticks":
        return TAG_TIMETICKS, _number(TAG_TIMETICKS, text)
    if type_s in ("Hex-STRING", "BITS"):
        return TAG_OCTET_STRING, bytes.fromhex("".join(re.findall(r"\b[0-9A-Fa-f]{2}\b", text.split("  ")[0])))
    if type_s == "STRING":
        return TAG_OCTET_STRING, _unquote(text)
    if type_s == "OID":
        oid = text.lstrip(".")
        if oid.startswith("iso"):
            oid = "1" + oid[3:]
        if not re.fullmatch(r"\d+(\.\d+)*", oid):
            raise ValueError(f"OID value {text[:40]!r} is not numeric (walk with -On)")
        return TAG_OID, oid
    if type_s in ("IpAddress", "Network Address"):
        addr = text.strip()
        if ":" in addr:   # Network Address: 0A:00:00:01
            addr = ".".join(str(int(h, 16)) for h in addr.split(":"))
        return TAG_IPADDRESS, addr
    if type_s.upper() == "OPAQUE":
        # raw bytes as hex (OPAQUE: 46 6C ...), or net-snmp's decode of them (Opaque: Float: 0.5)
        hexed = re.fullmatch(r"(?:[0-9A-Fa-f]{2}\s*)+", text)
        return TAG_OPAQUE, bytes.fromhex(text) if hexed else text.encode()
    raise ValueError(f"unsupported type {type_s!r}")


def _logical_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Join a quoted string's continuation lines onto the line that opened it."""
    out: list[tuple[int, str]] = []
    for lineno, line in enumerate(lines, 1):
        # a CR stays: inside a multi-line string it is the device's; after a value strip() drops it
        if out and not _LINE.match(line) and not _SYMBOLIC.match(line) and _open_quote(out[-1][1]):
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line)
            continue
        out.append((lineno, line))
    return out


def _open_quote(line: str) -> bool:
    _oid, _sep, rest = line.partition(" = ")
    body = rest.partition(": ")[2] if rest.startswith("STRING") else ""
    return body.startswith('"') and (len(body) == 1 or not body.rstrip().endswith('"')
                                     or body.rstrip().endswith('\\"'))


def iter_snmpwalk(lines: list[str], source: str, skipped: list[tuple[int, str]]) -> list[VarBind]:
    out: list[VarBind] = []
    for lineno, line in _logical_lines(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            why = "OID is not numeric (walk with -On)" if _SYMBOLIC.match(line) else "expected OID = TYPE: VALUE"
            skipped.append((lineno, why))
            log.debug("%s:%d: skipped walk line: %s", source, lineno, why)
            continue
        oid = m.group("oid").lstrip(".")
        if oid.startswith("iso"):
            oid = "1" + oid[3:]
        try:
            tag, value = parse_value(m.group("rest"))
        except ValueError as exc:
            skipped.append((lineno, str(exc)))
            log.debug("%s:%d: skipped walk line: %s", source, lineno, exc)
            continue
        if tag == TAG_END_OF_MIB:   # snmpwalk's closing line for the view: the walk's end, not a value
            continue
        out.append((oid, tag, value))
    return out


def read_snmpwalk(path: str | Path) -> WalkFile:
    """Read an snmpwalk text file; malformed lines are counted in ``skipped``, never fatal."""
    p = Path(path)
    try:
        # bytes, not read_text: universal newlines would turn a string's CR LF into LF
        text = p.read_bytes().decode("utf-8", errors="surrogateescape")
    except OSError as exc:
        raise NetrosettaError(f"cannot read walk: {exc.strerror}", file=str(p)) from None
    skipped: list[tuple[int, str]] = []
    varbinds = iter_snmpwalk(text.split("\n"), str(p), skipped)   # not splitlines: a CR may be data
    if not varbinds:
        raise NetrosettaError("no valid `OID = TYPE: VALUE` lines (snmpwalk -On output)", file=str(p))
    return WalkFile(str(p), varbinds, skipped)
