"""YAML documents that remember where every key and value came from.

Rulebooks and configs are validated by pydantic; its errors name a path (``rules.3.snmp.value``),
which we turn back into ``file:line:column`` through the positions recorded here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from netrosetta.errors import NetrosettaError

Loc = tuple[int | str, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml with YAML 1.2 core scalars: only true/false are booleans (not yes/no/on/off, which
    are enum values in vendor MIBs), no sexagesimal ints (``1:20``), no implicit octal."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                                                    "tag:yaml.org,2002:float")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_LOADER = _Loader
M = TypeVar("M", bound=BaseModel)


@dataclass
class Problem:
    """One finding with a location (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


@dataclass
class YamlDoc:
    """Plain python data plus a map from key path to (line, column), 1-based."""

    path: str
    data: Any
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc) -> tuple[int, int]:
        """Position of the deepest known prefix of ``loc`` (falls back to the top of the file)."""
        for n in range(len(loc), -1, -1):
            pos = self.positions.get(tuple(loc[:n]))
            if pos:
                return pos
        return (1, 1)

    def problem(self, loc: Loc, message: str, severity: str = "error") -> Problem:
        line, col = self.where(loc)
        return Problem(self.path, line, col, message, severity)


class _Scalars(yaml.constructor.SafeConstructor):
    """YAML 1.2 integers: a leading zero is still decimal (0755 is 755, not octal)."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:  # type: ignore[override]
        text = str(self.construct_scalar(node)).replace("_", "")
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)


_Scalars.add_constructor("tag:yaml.org,2002:int", _Scalars.construct_yaml_int)  # type: ignore[type-var]


# An alias is one node in the composed tree but a full copy in the built data (each copy has its
# own key path and positions), so nested aliases grow exponentially: nine lines of anchors make
# 9**9 nodes. Copies beyond the composed tree are counted and capped; the largest shipped rulebook
# expands fewer than 2,000. Files are capped in size first, so the composed tree is bounded too.
MAX_ALIAS_NODES = 50_000
MAX_BYTES = 8 << 20
MAX_DEPTH = 200


class _Builder:
    """Plain data from a composed YAML node tree, recording where every key and value starts.

    libyaml (PyYAML's C parser) composes the tree: loading the rulebooks is start-up time for
    every command, and the pure-Python round-trip loaders are ~10x slower.
    """

    def __init__(self, path: str, null_key: str | None = None) -> None:
        self.path = path
        self.null_key = null_key          # what a `null:` key stands for, where a format allows one
        self.positions: dict[Loc, tuple[int, int]] = {}
        self.scalars = _Scalars()
        self._seen: set[int] = set()      # ids of composed nodes built at least once
        self._copies = 0                  # nodes built again through an alias
        self._alias: yaml.Node | None = None   # the outermost aliased node being copied
        self._open: set[int] = set()      # ids of the nodes being built (the path from the root)

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if id(node) in self._open:  # `&x [*x]`, `&x {<<: *x}`: a copy would never end
            raise self._error(node, "an alias inside the node it refers to (a recursive alias)")
        if len(loc) > MAX_DEPTH:
            raise self._error(node, f"nested deeper than {MAX_DEPTH} levels")
        outer = self._alias
        if self._alias is not None or id(node) in self._seen:
            if self._alias is None:
                self._alias = node
            self._copies += 1
            if self._copies > MAX_ALIAS_NODES:
                raise self._error(self._alias, f"aliases of this node expand the document past "
                                               f"{MAX_ALIAS_NODES} copied nodes (an alias bomb?)")
        else:
            self._seen.add(id(node))
        self._open.add(id(node))
        try:
            return self._build(node, loc)
        finally:
            self._open.discard(id(node))
            self._alias = outer

    def _build(self, node: yaml.Node, loc: Loc) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.positions[(*loc, i)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                out.append(self.build(item, (*loc, i)))
            return out
        return self.scalars.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                # `<<: *anchor` (or a list of them): keys not given explicitly come from there
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        raise self._error(value_node, "a merge key (<<) takes a mapping or a list of mappings")
                    for k, v in self.build(src, loc).items():
                        merged.setdefault(k, v)
                continue
            key = self.scalars.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None and self.null_key is not None and isinstance(key_node, yaml.ScalarNode):
                key = self.null_key
            if key is None or isinstance(key, list | dict):
                raise self._error(key_node, "keys must be plain scalars")
            if key in out:
                raise self._error(key_node, f"duplicate key {key!r}")
            self.positions[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            self.positions[(*loc, key, "__value__")] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            out[key] = self.build(value_node, (*loc, key))
        for k, v in merged.items():
            out.setdefault(k, v)
        return out

    def _error(self, node: yaml.Node, message: str) -> NetrosettaError:
        return NetrosettaError(f"invalid YAML: {message}", file=self.path, line=node.start_mark.line + 1,
                               column=node.start_mark.column + 1)


def load_yaml_text(text: str, path: str = "<string>", *, null_key: str | None = None) -> YamlDoc:
    """``null_key``: read a ``null:`` mapping key as this text (other formats' files, e.g. SNMP
    profiles' enums, use it as a name) instead of rejecting it."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        msg = exc.problem or exc.context or "invalid YAML"
        raise NetrosettaError(f"invalid YAML: {msg}", file=path, line=line, column=col) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids: located by its offset
        line, col = _line_col(text, exc.position)
        what = f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "character"
        raise NetrosettaError(f"invalid YAML: unacceptable {what} ({exc.reason})", file=path, line=line,
                              column=col) from None
    except yaml.YAMLError as exc:
        raise NetrosettaError(f"invalid YAML: {exc}", file=path) from None
    if node is None:
        return YamlDoc(path, None, {})
    builder = _Builder(path, null_key)
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise NetrosettaError(f"invalid YAML: {exc.problem}", file=path, line=mark.line + 1 if mark else None,
                              column=mark.column + 1 if mark else None) from None
    return YamlDoc(path, data, builder.positions)


def load_yaml(path: str | Path) -> YamlDoc:
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise NetrosettaError(f"larger than the {MAX_BYTES >> 20} MiB a YAML document may be", file=str(p))
        text = raw.decode("utf-8")
    except OSError as exc:
        raise NetrosettaError(f"cannot read: {exc.strerror}", file=str(p)) from None
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw[:exc.start].decode("utf-8", errors="replace"), exc.start)
        raise NetrosettaError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", file=str(p), line=line,
                              column=col) from None
    return load_yaml_text(text, str(p))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (clamped to the text)."""
    before = text[:max(0, offset)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _message(err: Any) -> str:
    kind = err.get("type", "")
    loc = err.get("loc", ())
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return f"unknown key {name!r}"
    if kind == "missing":
        return f"missing required key {name!r}"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    keys = [str(x) for x in loc if isinstance(x, str) and not x.startswith("function-")]
    return f"{keys[-1]}: {msg}" if keys and kind not in ("value_error", "assertion_error") else msg


def _clean_loc(loc: tuple[Any, ...]) -> Loc:
    # pydantic inserts union-member / tagged-union names into loc; keep only keys present in data
    return tuple(x for x in loc if isinstance(x, int | str) and not str(x).startswith("function-"))


def validation_problems(doc: YamlDoc, exc: ValidationError | list[Any]) -> list[Problem]:
    """pydantic's errors (a ValidationError, or errors gathered from several) located in ``doc``."""
    problems = []
    seen = set()
    for err in exc.errors() if isinstance(exc, ValidationError) else exc:
        loc = _clean_loc(tuple(err.get("loc", ())))
        # drop loc elements that are not keys of the document (pydantic's union tags)
        real: list[int | str] = []
        node: Any = doc.data
        for part in loc:
            if (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
                real.append(part)
                node = node[part]  # type: ignore[index]
            elif err.get("type") in ("extra_forbidden", "missing") and part == loc[-1]:
                real.append(part)
        message = _message(err)
        if err.get("type") == "missing":
            p = doc.problem(tuple(real[:-1]), message)
        elif err.get("type") == "extra_forbidden":
            p = doc.problem(tuple(real), message)
        else:
            # point at the offending value when we know where it is
            p = doc.problem((*real, "__value__") if (*real, "__value__") in doc.positions else tuple(real), message)
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            problems.append(p)
    return problems


class InvalidDocument(NetrosettaError):
    """A document that does not fit its model; ``problems`` has every finding, located."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        rest = "".join(f"\n  {p}" for p in problems[1:])
        super().__init__(first.message + rest, file=first.file, line=first.line, column=first.column)
        self.problems = problems


def validate(doc: YamlDoc, model: type[M], positions: Callable[[], dict[Loc, tuple[int, int]]] | None = None) -> M:
    """Validate a document against a pydantic model; raise InvalidDocument listing all problems.
    ``positions``: the document's key positions, fetched only when there is a problem to locate
    (a document parsed elsewhere carries them as a blob that is costly to unpack)."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        if positions is not None:
            doc.positions = positions()
        raise InvalidDocument(validation_problems(doc, exc)) from None
