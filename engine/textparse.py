"""Device text -> rows, with ntc-templates (TextFSM) or a TTP template kept under mappings/.

Protocol-free: the CLI collector parses command output with it, and the engine's JSON selector
parses text replies a rulebook names a template for (eAPI ``format=text``).

A parse failure is an error, never the raw string passed on: device error messages, output no
template row matches, or a missing template all raise ParseError.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any

from netrosetta.errors import NetrosettaError
from netrosetta.paths import MAPPINGS

# what devices print instead of output when a command is refused
DEVICE_ERROR = re.compile(
    r"^\s*(% ?(Invalid|Incomplete|Ambiguous|Unknown|Unrecognized) .*|syntax error.*|error: .*|"
    r"Error: (Unrecognized|Wrong|Incomplete) .*|Invalid command.*|\^)\s*$", re.I | re.M)


class ParseError(NetrosettaError):
    pass


@functools.lru_cache(maxsize=1)
def _clitable() -> Any:
    from ntc_templates.parse import _get_template_dir
    from textfsm import clitable
    return clitable.CliTable("index", _get_template_dir())


@functools.lru_cache(maxsize=64)
def _ttp_template(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def template_path(template: str) -> Path:
    path = (MAPPINGS / template).resolve()
    if MAPPINGS.resolve() not in path.parents or not path.is_file():
        raise ParseError(f"TTP template {template} not found under {MAPPINGS}")
    return path


def device_error(text: str) -> str | None:
    """The device's own error line when the output is a refusal, else None."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines or len(lines) > 4:        # a refusal is short; real output is not checked line by line
        return None
    for ln in lines:
        m = DEVICE_ERROR.match(ln)
        if m and m.group(0).strip() != "^":
            return ln.strip()
    return None


def parse(platform: str, command: str, text: str, template: str | None = None) -> list[dict[str, Any]]:
    """Rows parsed out of ``text``; ``template`` None/``ntc`` = ntc-templates, else a TTP file
    under mappings/ (e.g. ``templates/cisco_ios/show_interfaces.ttp``)."""
    if not text.strip():
        raise ParseError(f"{command!r}: empty output")
    err = device_error(text)
    if err:
        raise ParseError(f"{command!r}: device refused the command: {err}")
    if template in (None, "ntc") or (template or "").startswith("ntc:"):
        rows = _parse_ntc(platform, command, text)
        what = f"ntc-templates {platform} {command!r}"
    else:
        assert template is not None
        rows = _parse_ttp(template, text)
        what = f"TTP template {template}"
    if not rows:
        raise ParseError(f"{command!r}: output matched no row of {what}")
    return rows


def _parse_ntc(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    from textfsm import clitable
    table = _clitable()
    try:
        table.ParseCmd(text, attributes={"Command": command, "Platform": platform})
    except clitable.CliTableError as exc:
        raise ParseError(f"no ntc-template for {platform} {command!r}: {exc}") from None
    except Exception as exc:  # textfsm raises its own errors (e.g. Error state in a template)
        raise ParseError(f"{command!r}: ntc-templates could not parse the output: {exc}") from None
    header = [h.lower() for h in table.header]
    return [dict(zip(header, row, strict=True)) for row in table]


@functools.lru_cache(maxsize=64)
def _ttp_parser(path: str) -> tuple[threading.Lock, Any]:
    # compiling a TTP template costs ~10x parsing one output: compile once, reuse under a lock
    from ttp import ttp
    return threading.Lock(), ttp(template=_ttp_template(path), log_level="ERROR")


def _parse_ttp(template: str, text: str) -> list[dict[str, Any]]:
    lock, parser = _ttp_parser(str(template_path(template)))
    with lock:
        try:
            parser.add_input(text)
            parser.parse(one=True)
            result = parser.result(structure="flat_list")
        except Exception as exc:  # TTP reports template problems as arbitrary exceptions
            raise ParseError(f"TTP template {template} failed: {exc}") from None
        finally:
            parser.clear_result()
            parser.clear_input()
    rows: list[dict[str, Any]] = []
    _leaf_groups(result, rows)
    return rows


def _leaf_groups(node: Any, out: list[dict[str, Any]]) -> None:
    """TTP nests results by group name. A row is a dict holding plain values; its nested groups
    (e.g. ``rx``/``tx`` blocks of one interface) are merged in as ``<group>_<field>``."""
    if isinstance(node, list):
        for item in node:
            _leaf_groups(item, out)
    elif isinstance(node, dict):
        if any(not isinstance(v, list | dict) for v in node.values()):
            row: dict[str, Any] = {}
            _merge(node, "", row)
            out.append(row)
        else:
            for v in node.values():
                _leaf_groups(v, out)


def _merge(node: dict[str, Any], prefix: str, row: dict[str, Any]) -> None:
    for k, v in node.items():
        if isinstance(v, dict):
            _merge(v, f"{prefix}{k}_", row)
        elif isinstance(v, list):
            if v and all(isinstance(x, dict) for x in v):   # a repeated sub-block: first one counts
                _merge(v[0], f"{prefix}{k}_", row)
        else:
            row[prefix + k] = v
