"""Platform definitions: what the NETCONF / API / CLI collectors know about a device OS that is not a
metric mapping, kept as data in ``mappings/platforms/<platform>.yaml`` beside the rulebooks.

A definition says how the platform spells and abbreviates commands, which alternatives answer the
same *question* across OS versions (tried in order; the first that works is remembered per
device), which transports return structured data (``| json``, NX-API, eAPI, NETCONF), the ncclient
device handler and default requests, and how a device reveals its platform (NETCONF hello,
``show version`` through an API). Rules name the question — the canonical spelling in their
``command`` — and never one OS version's spelling.
"""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from netrosetta.collectors.api.config import ApiCommand
from netrosetta.collectors.cli.config import CliCommand
from netrosetta.collectors.netconf.config import NetconfRequest
from netrosetta.errors import NetrosettaError
from netrosetta.paths import MAPPINGS

PLATFORMS_DIR = MAPPINGS / "platforms"
# words of a command recordings may abbreviate, each spelling at most this many ways
MAX_SPELLINGS = 64


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Strict):
    """One spelling that answers a question; ``template`` when its output needs its own parser
    (giving the same field names as the question's template)."""

    command: str
    template: str | None = None
    note: str | None = None


class CliPart(_Strict):
    commands: list[CliCommand] = Field(default_factory=list,
                                       description="default commands when no rulebook says what to read")
    abbreviations: dict[str, list[str]] = Field(
        default_factory=dict, description="word -> the shorter spellings the device accepts (show -> [sh])")
    questions: dict[str, list[Variant | str]] = Field(
        default_factory=dict, description="question (a rule's command) -> spellings tried in order")
    structured: str | None = Field(None, description="suffix that makes the CLI print the API's JSON/XML "
                                                     "document (' | json', ' | display xml')")

    @field_validator("questions")
    @classmethod
    def _non_empty(cls, v: dict[str, list[Variant | str]]) -> dict[str, list[Variant | str]]:
        for q, variants in v.items():
            if not variants:
                raise ValueError(f"question {q!r} lists no spelling")
        return v


class ShowVersionFacts(_Strict):
    """Which keys of ``show version`` (JSON, through the API) identify this platform and hold facts."""

    detect: list[str] = Field(description="any of these keys present -> this platform")
    model: list[str] = Field(default_factory=list)
    os_version: list[str] = Field(default_factory=list)
    serial: list[str] = Field(default_factory=list)
    hostname: list[str] = Field(default_factory=list)


class ApiPart(_Strict):
    apis: list[str] = Field(default_factory=list, description="APIs that imply this platform (eapi, nxapi)")
    commands: list[ApiCommand] = Field(default_factory=list)
    show_version: ShowVersionFacts | None = None


class NetconfPart(_Strict):
    device_handler: str = "default"             # ncclient device handler name
    strip_namespaces: bool = False              # release-specific namespaces rules must not need
    detect: list[str] = Field(default_factory=list, description="regexes on the NETCONF hello's capabilities")
    requests: list[NetconfRequest] = Field(default_factory=list)


class Platform(_Strict):
    platform: str = Field(description="netmiko device_type; the file is named after it")
    aliases: list[str] = Field(default_factory=list, description="other device_types that mean this platform")
    vendor: str
    napalm: list[str] = Field(default_factory=list, description="NAPALM drivers whose recordings this reads")
    cli: CliPart = Field(default_factory=CliPart)
    api: ApiPart = Field(default_factory=ApiPart)
    netconf: NetconfPart = Field(default_factory=NetconfPart)
    interface_names: dict[str, list[str]] = Field(
        default_factory=dict, description="interface type -> the short forms the device and tools print "
        "(GigabitEthernet: [Gi]); `netrosetta reconcile` pairs Gi0/1 with GigabitEthernet0/1 by it")

    def variants(self, question: str, template: str | None = None) -> list[Variant]:
        """The spellings to try for ``question``, in order (the question itself when none listed)."""
        listed = self.cli.questions.get(question)
        if not listed:
            return [Variant(command=question, template=template)]
        return [Variant(command=v, template=template) if isinstance(v, str)
                else Variant(command=v.command, template=v.template or template, note=v.note)
                for v in listed]

    def spelled(self, command: str) -> list[str]:
        """``command`` and its abbreviated spellings (how recordings made by other tools name it)."""
        return _abbreviated(command, self.cli.abbreviations)

    def spellings(self, question: str) -> list[str]:
        """Every way a recording may name ``question``: its variants, each with the platform's
        abbreviations, and the structured-output suffix. Used to find files, never to guess values."""
        out: list[str] = []
        for v in self.variants(question):
            for s in self.spelled(v.command):
                if s not in out:
                    out.append(s)
        if self.cli.structured:
            out += [s + self.cli.structured for s in list(out)]
        return out


def _abbreviated(command: str, abbreviations: dict[str, list[str]]) -> list[str]:
    words = command.split()
    choices = [[w, *abbreviations.get(w, [])] for w in words]
    return [" ".join(c) for c in itertools.islice(itertools.product(*choices), MAX_SPELLINGS)]


def load_platform(path: Path) -> Platform:
    from netrosetta.engine.yaml_source import load_yaml, validate

    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise NetrosettaError("a platform definition is a mapping (platform, vendor, cli, api, netconf)",
                              file=str(path), line=1, column=1)
    plat = validate(doc, Platform)
    if plat.platform != path.stem:
        line, col = doc.where(("platform", "__value__"))
        raise NetrosettaError(f"platform {plat.platform!r} in a file named {path.name} (name it "
                              f"{plat.platform}.yaml)", file=str(path), line=line, column=col)
    for q, variants in plat.cli.questions.items():
        for i, v in enumerate(variants):
            template = v.template if isinstance(v, Variant) else None
            if template is not None and not (MAPPINGS / template).is_file():
                line, col = doc.where(("cli", "questions", q, i, "template", "__value__"))
                raise NetrosettaError(f"template {template} not found under mappings/", file=str(path),
                                      line=line, column=col)
    return plat


class Platforms:
    """Every platform definition of a folder, by device_type and alias."""

    def __init__(self, defs: list[Platform]) -> None:
        self.defs = defs
        self._by_name: dict[str, Platform] = {}
        for d in defs:
            for name in (d.platform, *d.aliases):
                self._by_name.setdefault(name, d)

    def interface_names(self, names: list[str] | None = None) -> dict[str, list[str]]:
        """The interface abbreviation tables of ``names`` (every platform's when None), merged;
        a short form two platforms give different meanings is left out (it pairs nothing)."""
        chosen = [p for p in (self.get(n) for n in names) if p] if names else self.defs
        full_of: dict[str, set[str]] = {}
        for d in chosen:
            for full, shorts in d.interface_names.items():
                for s in shorts:
                    full_of.setdefault(s.lower(), set()).add(full.lower())
        out: dict[str, list[str]] = {}
        for d in chosen:
            for full, shorts in d.interface_names.items():
                kept = [s for s in shorts if len(full_of[s.lower()]) == 1]
                out.setdefault(full, [])
                out[full] += [s for s in kept if s not in out[full]]
        return out

    def get(self, platform: str | None) -> Platform | None:
        return self._by_name.get(platform or "")

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def vendor(self, platform: str | None) -> str | None:
        d = self.get(platform)
        return d.vendor if d else None

    def for_api(self, api: str) -> str | None:
        """The platform an API implies (eAPI -> arista_eos), for default commands."""
        return next((d.platform for d in self.defs if api in d.api.apis), None)

    def from_capabilities(self, caps: list[str]) -> Platform | None:
        """The platform a NETCONF hello reveals, when none was configured."""
        joined = " ".join(caps)
        return next((d for d in self.defs for rx in d.netconf.detect if re.search(rx, joined, re.I)), None)

    def from_show_version(self, doc: Any) -> Platform | None:
        if not isinstance(doc, dict):
            return None
        return next((d for d in self.defs if d.api.show_version
                     and any(k in doc for k in d.api.show_version.detect)), None)


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> Platforms:
    root = Path(folder)
    if not root.is_dir():
        raise NetrosettaError("platform definitions folder does not exist", file=folder)
    return Platforms([load_platform(p) for p in sorted(root.glob("*.yaml"))])


def platforms(folder: Path | None = None) -> Platforms:
    """The platform definitions (``mappings/platforms`` by default), loaded once."""
    return _load(str(folder or PLATFORMS_DIR))


def platform(name: str | None) -> Platform | None:
    return platforms().get(name)


def lint_platforms(folder: Path | None = None) -> list[Any]:
    """Every problem of the platform definitions, each a located ``Problem`` (file:line:column)."""
    from netrosetta.engine.yaml_source import InvalidDocument, Problem

    problems: list[Any] = []
    root = folder or PLATFORMS_DIR
    seen: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")):
        try:
            plat = load_platform(path)
        except InvalidDocument as exc:
            problems += exc.problems
            continue
        except NetrosettaError as exc:
            problems.append(Problem(exc.file or str(path), exc.line or 1, exc.column or 1, exc.message))
            continue
        for name in (plat.platform, *plat.aliases):
            if name in seen:
                problems.append(Problem(str(path), 1, 1, f"platform {name!r} is also defined by {seen[name]}"))
            seen.setdefault(name, path.name)
    return problems
