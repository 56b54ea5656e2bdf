"""The loaded rulebook set: the rulebooks of some folders plus what is compiled from them.

A ``RulebookSet`` is built once per load and never changes: it owns the translators compiled
from its rulebooks and the matches made against it, so both live exactly as long as the set. A
reload (SIGHUP, a changed file) builds a new set and swaps the reference; polls holding the old
one finish with it, and then the old set, its translators and their row plans are garbage. No
cache is keyed by ``id()`` of a set, so a new set at a reused address starts empty.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable

from .facts import DeviceFacts
from .matching import MatchResult, match_rulebook
from .resolve import (
    NOT_RULEBOOKS,
    LoadedRulebook,
    LoadedRulebooks,
    ResolvedRulebook,
    load_rulebook,
    rulebook_files,
)
from .selectors.base import BindContext
from .translator import Translator
from .yaml_source import Problem

__all__ = ["NOT_RULEBOOKS", "LoadedRulebook", "ResolvedRulebook", "RulebookSet", "load_rulebook",
           "rulebook_files"]

# distinct device identities remembered per set before the match cache starts over
MATCH_CACHE_MAX = 10_000


def match_key(facts: DeviceFacts, kind: str) -> Hashable:
    """Everything matching reads of a device: devices with equal keys get the same rulebook."""
    return (kind, facts.sys_object_id, facts.sys_descr, facts.present, facts.platform, tuple(facts.gnmi_models),
            tuple(facts.gnmi_organizations), tuple(facts.netconf_capabilities))


class RulebookSet(LoadedRulebooks):
    """Rulebooks by id, with the translators compiled from them and the matches made against them."""

    def __init__(self, loaded: Iterable[LoadedRulebook], problems: Iterable[Problem] = (),
                 ctx: BindContext | None = None) -> None:
        super().__init__(loaded, problems)
        self.ctx = ctx or BindContext()
        self._translators: dict[str, Translator] = {}
        self._matches: dict[Hashable, MatchResult] = {}
        self._compiling = threading.Lock()       # one compile per rulebook, also under threads
        self._matching = threading.Lock()

    def translator(self, rulebook: ResolvedRulebook | str) -> Translator:
        """The rulebook compiled, once per set: reuse it across polls of every device it matches."""
        rb = self.resolve(rulebook if isinstance(rulebook, str) else rulebook.id)
        if not isinstance(rulebook, str) and rulebook is not rb:
            # e.g. a match kept from before a reload: compiling it here would run stale rules
            raise ValueError(f"rulebook {rb.id!r} was resolved by another rulebook set")
        tr = self._translators.get(rb.id)
        if tr is None:
            with self._compiling:
                tr = self._translators.get(rb.id)
                if tr is None:
                    tr = self._translators[rb.id] = Translator(rb, ctx=self.ctx)
        return tr

    def match(self, facts: DeviceFacts, kind: str) -> MatchResult:
        """The rulebook for a device (``matching.match_rulebook``), remembered per device identity."""
        key = match_key(facts, kind)
        m = self._matches.get(key)
        if m is None:
            m = match_rulebook(self, facts, kind)
            with self._matching:
                if len(self._matches) >= MATCH_CACHE_MAX:
                    self._matches.clear()
                self._matches[key] = m
        return m
