"""YAML documents that remember where every key and value came from.

Rulebooks and configs are validated by pydantic; its errors name a path (``rules.3.snmp.value``),
which we turn back into ``file:line:column`` through the positions recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from netrosetta.errors import NetrosettaError

Loc = tuple[int | str, ...]
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


def _plain(node: Any, loc: Loc, positions: dict[Loc, tuple[int, int]]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            try:
                kl, kc = node.lc.key(key)
                positions[(*loc, key)] = (kl + 1, kc + 1)
                vl, vc = node.lc.value(key)
                positions[(*loc, key, "__value__")] = (vl + 1, vc + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[key] = _plain(value, (*loc, key), positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            try:
                il, ic = node.lc.item(i)
                positions[(*loc, i)] = (il + 1, ic + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            items.append(_plain(value, (*loc, i), positions))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def load_yaml_text(text: str, path: str = "<string>") -> YamlDoc:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        msg = exc.problem or exc.context or "invalid YAML"
        raise NetrosettaError(f"invalid YAML: {msg}", file=path, line=line, column=col) from None
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. duplicate keys variants)
        raise NetrosettaError(f"invalid YAML: {exc}", file=path) from None
    positions: dict[Loc, tuple[int, int]] = {}
    data = _plain(node, (), positions)
    return YamlDoc(path, data, positions)


def load_yaml(path: str | Path) -> YamlDoc:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise NetrosettaError(f"cannot read: {exc.strerror}", file=str(p)) from None
    except UnicodeDecodeError:
        raise NetrosettaError("not UTF-8 text", file=str(p)) from None
    return load_yaml_text(text, str(p))


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


def validation_problems(doc: YamlDoc, exc: ValidationError) -> list[Problem]:
    problems = []
    seen = set()
    for err in exc.errors():
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


def validate(doc: YamlDoc, model: type[M]) -> M:
    """Validate a document against a pydantic model; raise InvalidDocument listing all problems."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidDocument(validation_problems(doc, exc)) from None
