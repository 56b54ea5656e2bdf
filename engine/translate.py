"""Translation entry points: match a device's rulebook in a RulebookSet and translate its dataset.

The work is done by small modules, one job each: compile.py (rule -> program over the column
view), planner.py and plans.py (which rows make points, kept between polls), emit.py (values ->
points), series.py (series identity), resource.py (the Resource) and translator.py (a compiled
rulebook running them). Compiled translators and matches are owned by the RulebookSet
(rulebooks.py), so they live exactly as long as the rulebooks they came from.
"""

from __future__ import annotations

import time

from .facts import DeviceFacts
from .matching import MatchResult, with_served
from .planner import device_key
from .points import DeviceTranslation
from .resolve import ResolvedRulebook
from .rulebooks import RulebookSet
from .selectors.base import Dataset
from .series import DUPLICATE, IF_INDEX_ATTR
from .translator import Translator

__all__ = ["DUPLICATE", "IF_INDEX_ATTR", "Translator", "cached_match", "device_key", "translate",
           "translator_for"]


def translator_for(rulebooks: RulebookSet, rb: ResolvedRulebook | str) -> Translator:
    """``rulebooks.translator(rb)``: the set's compiled translator of one of its rulebooks."""
    return rulebooks.translator(rb)


def cached_match(rulebooks: RulebookSet, facts: DeviceFacts, kind: str) -> MatchResult:
    """``rulebooks.match(facts, kind)``: the set's remembered match for a device identity."""
    return rulebooks.match(facts, kind)


def translate(dataset: Dataset, facts: DeviceFacts, rulebooks: RulebookSet, *,
              time_ns: int | None = None) -> DeviceTranslation:
    """Match a rulebook for the device and translate its dataset. A whole walk answers the rulebooks'
    `present` probes itself (a live poll probes the agent: collectors/snmp/source.py)."""
    facts = with_served(rulebooks, facts, dataset)
    m = rulebooks.match(facts, dataset.kind)
    if m.chosen is None:
        now = time_ns or time.time_ns()
        return DeviceTranslation({}, [], now, None, {}, m)
    return rulebooks.translator(m.chosen).translate(dataset, facts, time_ns=time_ns, match=m)
