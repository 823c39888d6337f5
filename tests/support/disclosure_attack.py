"""The small-numbers attack: what someone who reads the figures they were given can work out
by adding and subtracting them, and the readers that turn a ``/stats`` message and an XLSX
workbook into those figures.

The attacker knows the published rule, as docs/reporting.md states it, and reads each
figure as the interval of exact values it may stand for:

- *rounded* output (every number of people a multiple of the threshold): a figure on its
  own (a headline) within threshold/2 of the exact value, a figure of a table within
  threshold-1; a number of sessions exact unless people were limited to an organisation;
- *exact* output (anything else, as the code was): numbers exact, ``<5`` for 1 to 4, and in
  the chart a 0 for 0 to 4 (small groups were drawn as 0).

Then it takes every table to add up (true in the attack's world: nobody is in two cells),
a total being the sum of its rows and of whatever rows were left out, and narrows each
interval from the others until nothing changes. A figure is *recovered* when an interval
that was more than one value becomes one value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

INFINITY = 10**9
"""No upper bound (rows left out of a table may hold anyone)."""


@dataclass
class Attack:
    threshold: int
    rounded: bool
    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    """What each figure may be, from itself and what the reader knows."""
    relations: list[tuple[str, list[str]]] = field(default_factory=list)

    # -- what was shown ---------------------------------------------------------------------

    def _narrow(self, name: str, low: int, high: int) -> None:
        old_low, old_high = self.bounds.get(name, (0, INFINITY))
        self.bounds[name] = (max(low, old_low), min(high, old_high))

    def headline(self, name: str, shown: Any) -> None:
        """A figure on its own (seen twice, in /stats and in the workbook: both apply)."""
        self._narrow(name, *self._reading(shown, self.threshold // 2))

    def cell(self, name: str, shown: Any) -> None:
        """A figure of a table."""
        self._narrow(name, *self._reading(shown, self.threshold - 1))

    def bar(self, name: str, shown: Any) -> None:
        """A figure of the chart (as it was: 0 stood for 0 to 4)."""
        if not self.rounded and shown == 0:
            self._narrow(name, 0, self.threshold - 1)
        else:
            self.cell(name, shown)

    def sessions(self, name: str, shown: int, *, rounded: bool) -> None:
        """A number of sessions: exact unless the rule rounds it."""
        self._narrow(name, *self._reading(shown, self.threshold // 2 if rounded else 0))

    def unknown(self, name: str) -> None:
        """A figure not shown (a month's total, rows left out)."""
        self._narrow(name, 0, INFINITY)

    def none_left_out(self, name: str) -> None:
        self._narrow(name, 0, 0)

    def at_least(self, name: str, low: int) -> None:
        """Something the reader knows (a session shown as held had somebody)."""
        self._narrow(name, low, INFINITY)

    def adds_up(self, total: str, parts: Iterable[str]) -> None:
        """``total`` is the sum of ``parts`` (one of which may stand for rows left out)."""
        parts = list(parts)
        for name in (total, *parts):
            self.bounds.setdefault(name, (0, INFINITY))
        self.relations.append((total, parts))

    def _reading(self, shown: Any, error: int) -> tuple[int, int]:
        if isinstance(shown, str):
            assert shown == f"<{self.threshold}", shown
            return 1, self.threshold - 1
        assert isinstance(shown, int), shown
        if not self.rounded:
            return shown, shown
        return max(0, shown - error), shown + error

    # -- what can be worked out ---------------------------------------------------------------

    def solve(self) -> dict[str, tuple[int, int]]:
        bounds = dict(self.bounds)
        for _ in range(200):
            changed = False
            for total, parts in self.relations:
                lows = [bounds[part][0] for part in parts]
                highs = [bounds[part][1] for part in parts]
                low, high = bounds[total]
                new_total = (max(low, sum(lows)), min(high, sum(highs)))
                changed |= new_total != bounds[total]
                bounds[total] = new_total
                for index, part in enumerate(parts):
                    others_low = sum(lows) - lows[index]
                    others_high = sum(highs) - highs[index]
                    part_low, part_high = bounds[part]
                    narrowed = (
                        max(part_low, bounds[total][0] - others_high),
                        min(part_high, bounds[total][1] - others_low),
                    )
                    assert narrowed[0] <= narrowed[1], (part, narrowed, "the figures contradict")
                    changed |= narrowed != bounds[part]
                    bounds[part] = narrowed
            if not changed:
                return bounds
        raise AssertionError("the narrowing did not settle")

    def recovered(self) -> dict[str, int]:
        """The figures the reader could not know exactly from themselves but can work out."""
        solved = self.solve()
        return {
            name: low
            for name, (low, high) in solved.items()
            if low == high and self.bounds[name][0] < self.bounds[name][1]
        }


def is_rounded(counts: Iterable[Any], threshold: int) -> bool:
    """Does the output look rounded (every number of people a multiple of the threshold)?"""
    return all(isinstance(count, int) and count % threshold == 0 for count in counts)


# -- reading /stats -------------------------------------------------------------------------

_LINES = {
    "trained": r"👥 People trained: (\d+)",
    "attendances": r"🧾 Attendances: (\d+)",
    "sessions": r"🏫 Sessions held: (\d+)",
    "completed": r"🎓 People who completed a module: (\d+)",
}
_GAIN = re.compile(r"📈 Average knowledge gain: ([+-]?[\d.]+) percentage points \((\d+) pre/post")
_FEEDBACK = re.compile(r"⭐ Average feedback: ([\d.]+) of 5 \((\d+) rating")


@dataclass(frozen=True)
class StatsFigures:
    counts: dict[str, int]
    """trained, attendances, sessions, completed, and pairs and ratings when shown"""
    averages: dict[str, float]
    """gain and feedback, when shown"""
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)
    """"country", "gender", "age band" -> group name -> people trained"""


def read_stats(text: str) -> StatsFigures:
    """The figures of an English ``/stats`` message."""
    counts = {}
    for name, pattern in _LINES.items():
        found = re.search(pattern, text)
        assert found is not None, (name, text)
        counts[name] = int(found.group(1))
    averages = {}
    for name, count, pattern in (("gain", "pairs", _GAIN), ("feedback", "ratings", _FEEDBACK)):
        found = pattern.search(text)
        if found is not None:
            averages[name] = float(found.group(1))
            counts[count] = int(found.group(2))
    breakdowns: dict[str, dict[str, int]] = {}
    for found in re.finditer(r"^By (country|gender|age band): (.+)$", text, re.MULTILINE):
        groups = breakdowns.setdefault(found.group(1), {})
        for group in found.group(2).split(" · "):
            name, _, number = group.rpartition(" ")
            groups[name] = int(number)
    return StatsFigures(counts, averages, breakdowns)


# -- reading the workbook -------------------------------------------------------------------

MEASURE_CODES = {
    "People trained": "people-trained",
    "Attendances": "attendances",
    "Sessions held": "sessions-held",
    "People who completed a module": "completions",
    "People and modules with a pre-test and a post-test": "knowledge-gain-pairs",
    "Average knowledge gain (percentage points)": "knowledge-gain",
    "Ratings": "satisfaction-ratings",
    "Average feedback (1 to 5)": "satisfaction",
}
"""The English column headers of the Indicators sheet, by the registry's codes."""
AVERAGES = ("knowledge-gain", "satisfaction")
TOTAL = "total"


@dataclass
class IndicatorSheet:
    headline: dict[str, Any] = field(default_factory=dict)
    """indicator code -> value (None: empty)"""
    headline_suppressed: dict[str, int] = field(default_factory=dict)
    tables: dict[str, dict[tuple[str, ...], dict[str, Any]]] = field(default_factory=dict)
    """dimension -> the row's codes -> measure code -> value"""
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    """dimension -> measure code -> the total row's value"""
    suppressed: dict[tuple[str, tuple[str, ...]], list[str]] = field(default_factory=dict)
    """(dimension, codes) -> the measure codes flagged as suppressed"""
    notes: dict[str, str] = field(default_factory=dict)
    """dimension -> the note under its table"""


def read_indicators(rows: list[list[Any]]) -> IndicatorSheet:
    """The Indicators sheet (English), rows as openpyxl gives them: the headline (name, code,
    value, suppressed), then tables of (table, code, code 2, group, group 2, measures...,
    suppressed), each with a total row and a note."""
    sheet = IndicatorSheet()
    assert rows[0][:4] == ["Indicator", "Code", "Value", "Suppressed"], rows[0]
    index = 1
    while index < len(rows) and any(cell is not None for cell in rows[index]):
        _name, code, value, suppressed = rows[index][:4]
        sheet.headline[code] = value
        sheet.headline_suppressed[code] = suppressed
        index += 1
    measures: list[str] = []
    last: str | None = None
    for row in rows[index:]:
        first = row[0]
        if first is None:
            continue
        if first == "Table":
            width = row.index("Suppressed")
            measures = [MEASURE_CODES[name] for name in row[5:width]]
            continue
        if len(measures) and first not in MEASURE_CODES.values() and row[1] is not None:
            dimension = first
            codes = tuple(code for code in row[1:3] if code is not None)
            values = dict(zip(measures, row[5 : 5 + len(measures)], strict=True))
            flagged = row[5 + len(measures)]
            if codes == (TOTAL,):
                sheet.totals[dimension] = values
                last = dimension
            else:
                sheet.tables.setdefault(dimension, {})[codes] = values
                sheet.suppressed[(dimension, codes)] = flagged.split() if flagged else []
            continue
        if last is not None and row[1] is None:
            sheet.notes[last] = first  # the note right under a table's total
            last = None
    return sheet


def read_tidy(lines: list[dict[str, str]]) -> IndicatorSheet:
    """The tidy CSV as :func:`read_indicators` gives the sheet (values as numbers)."""
    sheet = IndicatorSheet()

    def number(text: str) -> Any:
        if text == "":
            return None
        return float(text) if "." in text else int(text)

    for line in lines:
        value = number(line["value"])
        if line["dimension"] == TOTAL:
            sheet.headline[line["indicator"]] = value
            sheet.headline_suppressed[line["indicator"]] = int(line["suppressed"])
            continue
        codes = tuple(line["dimension_code"].split("|"))
        table = sheet.tables.setdefault(line["dimension"], {})
        table.setdefault(codes, {})[line["indicator"]] = value
        flagged = sheet.suppressed.setdefault((line["dimension"], codes), [])
        if int(line["suppressed"]):
            flagged.append(line["indicator"])
    return sheet


@dataclass(frozen=True)
class SessionLine:
    title: str
    state: str
    registered: Any
    apologised: Any
    attended: Any
    ratings: Any
    average: Any


def read_sessions(rows: list[list[Any]]) -> list[SessionLine]:
    """The Sessions sheet (English): its title and the columns from State on."""
    state = rows[0].index("State")
    assert rows[0][-1] == "Average feedback", rows[0]
    return [SessionLine(row[0], *row[state:]) for row in rows[1:]]
