"""Fleet figures: the share of devices with a vendor rulebook and with each class fully right
against LibreNMS (issue 10's table), from per-device verdicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# issue 10's goals (share of devices, %)
GOALS = {"rulebook": 80, "cpu": 85, "memory": 80, "temperature": 75, "octets": 100}
LABELS = {"rulebook": "vendor rulebook (not generic)", "cpu": "CPU fully right",
          "memory": "memory fully right", "temperature": "temperature fully right",
          "octets": "interface octets exact"}

# (device, class -> right (None: not counted), class -> LibreNMS has some)
Verdicts = tuple[str, Mapping[str, bool | None], Mapping[str, bool]]


def tally(rows: Iterable[Verdicts], classes: Iterable[str], accepted: Mapping[str, Iterable[str]] | None = None,
          only_present: bool = False) -> dict[str, tuple[int, int]]:
    """class -> (right, counted).

    accepted: device -> classes where a disagreement was checked and the walk backs us (counted as
    right). only_present: count only devices where LibreNMS has the class (the harder view; by
    default a device where neither side has any counts as right).
    """
    acc = {d: set(cs) for d, cs in (accepted or {}).items()}
    rs = list(rows)
    out: dict[str, tuple[int, int]] = {}
    for c in classes:
        counted = [(d, v) for d, v, has in rs if v.get(c) is not None and (not only_present or has.get(c, True))]
        out[c] = (sum(1 for d, v in counted if v[c] or c in acc.get(d, set())), len(counted))
    return out


def lines(figs: Mapping[str, tuple[int, int]], present: Mapping[str, tuple[int, int]]) -> list[str]:
    """The figures as text, one measure a line, with the share where LibreNMS has it and the goal."""
    out = [f"{'measure':30s} {'right':>5s} {'of':>5s} {'share':>7s}   {'where LibreNMS has it':>24s}   goal"]
    for c, (right, n) in figs.items():
        where = ""
        if c in present and c not in ("rulebook", "octets"):
            pr, pn = present[c]
            where = f"{pr:5d} of {pn:4d} {100 * pr / max(pn, 1):6.1f} %"
        out.append(f"{LABELS.get(c, c):30s} {right:5d} {n:5d} {100 * right / max(n, 1):6.1f} %   {where:>24s}"
                   f"   {GOALS.get(c, '-')} %")
    return out
