"""The compiled YANG path catalog: schema path -> type, units, instrument (counter/gauge).

Compiled with pyang from YANG sources (tests use ../shared/yang; users point at their own) into
yang/gnmi-catalog.json, which is committed so that running needs neither pyang nor the models.
Paths carry no module prefixes and no keys (``/interfaces/interface/state/counters/in-octets``),
the same normalised form the gNMI collector produces.

Instrument rule: a type chain that reaches counter32/counter64 (yang-types, oc-yang-types) ->
``counter``; any other numeric base type (int*, uint*, decimal64, ieeefloat32, gauge*) ->
``gauge``; anything else -> none (not a metric by default).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError
from netrosetta.paths import YANG

log = logging.getLogger(__name__)

DEFAULT_CATALOG = YANG / "gnmi-catalog.json"
FORMAT = 1
_COUNTER_TYPES = frozenset({"counter32", "counter64", "zero-based-counter32", "zero-based-counter64"})
_NUMERIC_BASES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                            "decimal64"})
_FLOAT_TYPES = frozenset({"ieeefloat32"})   # binary on the wire, a number in meaning


@dataclass(frozen=True, slots=True)
class LeafInfo:
    path: str
    type: str            # the type as named in the model after prefix removal ("counter64")
    base: str            # the built-in type at the end of the typedef chain ("uint64")
    instrument: str | None   # "counter" | "gauge" | None
    units: str | None
    config: bool
    module: str


class YangCatalog:
    def __init__(self, data: dict[str, Any], source: str = "") -> None:
        if data.get("format") != FORMAT:
            raise NetrosettaError(f"unsupported catalog format {data.get('format')!r}", file=source)
        self.source = source
        self.modules: dict[str, str] = data.get("modules", {})
        self._leaves: dict[str, list[Any]] = data["leaves"]
        self._lists: dict[str, list[str]] = data["lists"]

    @classmethod
    def load(cls, path: str | Path | None = None) -> YangCatalog:
        p = Path(path) if path else DEFAULT_CATALOG
        try:
            return cls(json.loads(p.read_text(encoding="utf-8")), str(p))
        except OSError as exc:
            raise NetrosettaError(f"cannot read YANG catalog: {exc.strerror}", file=str(p)) from None
        except (ValueError, KeyError) as exc:
            raise NetrosettaError(f"not a YANG catalog: {exc}", file=str(p)) from None

    def leaf(self, path: str) -> LeafInfo | None:
        row = self._leaves.get(path)
        if row is None:
            return None
        typ, base, instrument, units, config, module = row
        return LeafInfo(path, typ, base, instrument, units, bool(config), module)

    def leaf_base(self, path: str) -> str | None:
        row = self._leaves.get(path)
        if row is None:
            return None
        return "ieeefloat32" if row[0] == "ieeefloat32" else row[1]

    def list_keys(self, path: str) -> tuple[str, ...] | None:
        keys = self._lists.get(path)
        return tuple(keys) if keys is not None else None

    def is_list(self, path: str) -> bool:
        return path in self._lists

    def has_node(self, path: str) -> bool:
        """A leaf, a list, or a container on the way to one."""
        if path in self._leaves or path in self._lists:
            return True
        prefix = path.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in self._leaves)

    def leaves_under(self, prefix: str) -> Iterator[str]:
        pre = prefix.rstrip("/") + "/"
        return (p for p in self._leaves if p.startswith(pre) or p == prefix)

    def __len__(self) -> int:
        return len(self._leaves)


@lru_cache(maxsize=4)
def default_catalog(path: str | None = None) -> YangCatalog | None:
    """The catalog in use: ``path``, else $NETROSETTA_YANG_CATALOG (one compiled from your own
    models with ``netrosetta gnmi catalog``), else the committed one; None (with a warning) when
    it cannot be read."""
    try:
        return YangCatalog.load(path or os.environ.get("NETROSETTA_YANG_CATALOG") or None)
    except NetrosettaError as exc:
        log.warning("YANG catalog unavailable, types fall back to rulebook/values: %s", exc)
        return None


# ---- compiling (needs pyang) -------------------------------------------------------------


def compile_catalog(sources: Iterable[str | Path], modules: Iterable[str] | None = None) -> dict[str, Any]:
    """Compile YANG files under ``sources`` (dirs or files) into catalog data.

    ``modules`` restricts the walk to those top-level modules (imports still load); default all.
    """
    from pyang import context, repository  # only the compile step needs pyang

    files: list[Path] = []
    dirs: list[str] = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            dirs.append(str(p))
            files.extend(sorted(p.glob("*.yang")))
        elif p.is_file():
            dirs.append(str(p.parent))
            files.append(p)
        else:
            raise NetrosettaError(f"no such YANG source: {p}")
    if not files:
        raise NetrosettaError("no .yang files in the given sources")
    repo = repository.FileRepository(":".join(dict.fromkeys(dirs)), use_env=False)
    ctx = context.Context(repo)
    loaded = []
    for f in files:
        m = ctx.add_module(str(f), f.read_text(encoding="utf-8"))
        if m is not None and m.keyword == "module":
            loaded.append(m)
    ctx.validate()
    fatal = [e for e in ctx.errors if _is_error(e)]
    for pos, tag, _args in fatal[:20]:
        log.warning("pyang: %s: %s", pos, tag)
    wanted = set(modules) if modules else None
    leaves: dict[str, list[Any]] = {}
    lists: dict[str, list[str]] = {}
    mods: dict[str, str] = {}
    for m in loaded:
        if wanted is not None and m.arg not in wanted:
            continue
        rev = m.search_one("revision")
        mods[m.arg] = rev.arg if rev is not None else ""
        _walk(m, "", leaves, lists)
    return {"format": FORMAT, "modules": dict(sorted(mods.items())),
            "leaves": dict(sorted(leaves.items())), "lists": dict(sorted(lists.items()))}


def _is_error(err: tuple[Any, str, Any]) -> bool:
    from pyang import error

    try:
        return bool(error.is_error(error.err_level(err[1])))
    except Exception:   # unknown tags: not ours to judge
        return False


def _walk(node: Any, path: str, leaves: dict[str, list[Any]], lists: dict[str, list[str]]) -> None:
    for child in getattr(node, "i_children", ()):
        kw = child.keyword
        if kw in ("choice", "case"):
            _walk(child, path, leaves, lists)
            continue
        if kw in ("rpc", "action", "notification", "input", "output"):
            continue
        p = f"{path}/{child.arg}"
        if kw in ("leaf", "leaf-list"):
            if p not in leaves:
                leaves[p] = _leaf_row(child)
        elif kw in ("container", "list"):
            if kw == "list":
                key = child.search_one("key")
                lists.setdefault(p, key.arg.split() if key is not None else [])
            _walk(child, p, leaves, lists)


def _leaf_row(leaf: Any) -> list[Any]:
    t = leaf.search_one("type")
    units = leaf.search_one("units")
    chain: list[str] = []
    unit = units.arg if units is not None else None
    while t is not None:
        chain.append(t.arg.split(":")[-1])
        td = getattr(t, "i_typedef", None)
        if td is None:
            break
        if unit is None:
            u = td.search_one("units")
            unit = u.arg if u is not None else None
        t = td.search_one("type")
    base = chain[-1] if chain else "unknown"
    names = set(chain)
    if names & _COUNTER_TYPES:
        instrument: str | None = "counter"
    elif (base in _NUMERIC_BASES or names & _FLOAT_TYPES or names & {"gauge32", "gauge64"}
          or (base == "union" and t is not None and _union_numeric(t))):
        instrument = "gauge"
    else:
        instrument = None
    config = getattr(leaf, "i_config", True)
    module = leaf.i_module.arg if getattr(leaf, "i_module", None) is not None else ""
    return [chain[0] if chain else "unknown", base, instrument, unit, bool(config), module]


def _union_numeric(t: Any) -> bool:
    for member in t.search("type"):
        m = member
        while getattr(m, "i_typedef", None) is not None:
            m = m.i_typedef.search_one("type")
        if m.arg.split(":")[-1] in _NUMERIC_BASES:
            return True
    return False


def write_catalog(data: dict[str, Any], out: str | Path) -> Path:
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    # one leaf per line: reviewable diffs, still compact
    lines = [f'{{"format": {data["format"]},', '"modules": ' + json.dumps(data["modules"]) + ",",
             '"lists": {']
    items = list(data["lists"].items())
    lines += [f"{json.dumps(k)}: {json.dumps(v)}" + ("," if i < len(items) - 1 else "")
              for i, (k, v) in enumerate(items)]
    lines.append('},\n"leaves": {')
    items2 = list(data["leaves"].items())
    lines += [f"{json.dumps(k)}: {json.dumps(v)}" + ("," if i < len(items2) - 1 else "")
              for i, (k, v) in enumerate(items2)]
    lines.append("}}")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p
