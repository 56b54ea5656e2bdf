"""gNMI path grammar: the text form rulebooks and configs write, and the normalisation rule
matching relies on. Protocol-free (no protobuf): the engine's gNMI selector and the gNMI
collector both read paths with it; collectors/gnmi/paths.py turns them into gnmi.Path messages.

A normalised leaf path is ``/a/b/c`` with module prefixes stripped from every element and the
keys carried separately as ``((elem, key, value), ...)`` in path order. The origin is canonical:
empty, ``openconfig``, any ``openconfig-*`` module and ``oc-*`` prefixes all mean OpenConfig
(gNMI spec: an empty origin is OpenConfig); a module-qualified first element
(``/openconfig-platform:components``) or an ``origin:/path`` text form supplies the origin when
the Path has none.
"""

from __future__ import annotations

from netrosetta.errors import NetrosettaError

OPENCONFIG = "openconfig"
Keys = tuple[tuple[str, str, str], ...]


def canonical_origin(origin: str) -> str:
    if not origin or origin == OPENCONFIG or origin.startswith(("openconfig-", "oc-")):
        return OPENCONFIG
    return origin


def split_module(name: str) -> tuple[str, str]:
    """``'oc-if:interface'`` -> ``('oc-if', 'interface')``; no prefix -> ``('', name)``."""
    i = name.find(":")
    if i <= 0:
        return "", name
    return name[:i], name[i + 1:]


def parse_path(text: str) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    """Parse ``[origin:]/a/b[k=v][k2=v2]/c`` into (origin, [(name, keys)]).

    Key values may hold ``/`` and ``]`` escaped as ``\\]``; ``*`` is a wildcard left as is.
    """
    origin = ""
    s = text.strip()
    # "origin:/path" (origin before the first slash) vs "/mod:elem" (module-qualified element)
    colon, slash = s.find(":"), s.find("/")
    if colon > 0 and (slash == -1 or colon < slash) and "[" not in s[:colon]:
        origin, s = s[:colon], s[colon + 1:]
    elems: list[tuple[str, dict[str, str]]] = []
    i, n = 0, len(s)
    while i < n:
        if s[i] == "/":
            i += 1
            continue
        j = i
        while j < n and s[j] not in "/[":
            j += 1
        name = s[i:j]
        keys: dict[str, str] = {}
        while j < n and s[j] == "[":
            eq = s.find("=", j)
            if eq == -1:
                raise NetrosettaError(f"gNMI path {text!r}: key without '=' at column {j + 1}")
            k = s[j + 1:eq]
            v, j = _read_key_value(s, eq + 1, text)
            keys[k] = v
        if not name:
            raise NetrosettaError(f"gNMI path {text!r}: empty element at column {i + 1}")
        elems.append((name, keys))
        i = j
    return origin, elems


def _read_key_value(s: str, i: int, text: str) -> tuple[str, int]:
    out = []
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        if c == "]":
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise NetrosettaError(f"gNMI path {text!r}: unterminated key '['")


def format_path(origin: str, path: str, keys: Keys) -> str:
    """Text form of a normalised leaf: keys re-attached to their elements."""
    if not keys:
        out = path
    else:
        by_elem: dict[int, list[str]] = {}
        parts = path.split("/")
        pos = 0
        for elem, k, v in keys:
            # keys are in path order, so scan forward for the element they belong to
            while pos < len(parts) and parts[pos] != elem:
                pos += 1
            if pos < len(parts):
                by_elem.setdefault(pos, []).append(f"[{k}={v.replace(']', chr(92) + ']')}]")
        out = "/".join(p + "".join(by_elem.get(i, ())) for i, p in enumerate(parts))
    return f"{origin}:{out}" if origin and origin != OPENCONFIG else out
