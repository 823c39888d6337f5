"""How figures about people leave the database: exact for someone with full scope, rounded
for someone with a limited scope, so that nobody in a small group can be singled out, not
even by subtracting the figures shown from the totals shown beside them.

The rule (docs/reporting.md, "Small numbers"), for a coordinator limited to countries or
organisations; the threshold (``INDICATOR_THRESHOLD``, 5) is also the rounding base:

- every number of people (and of sessions held, which counts the sessions their people
  attended) is a multiple of 5. A figure on its own, such as a headline total, is rounded
  to the nearest multiple (:meth:`Disclosure.figure`);
- the figures of a table that add up to a total (the rows of a breakdown, the sessions of
  the Sessions sheet, the bars of one month of a chart) are rounded together, each down
  or up to a neighbouring multiple, so that they add up to their total rounded
  (*controlled rounding*, :meth:`Disclosure.table`). Subtracting shown figures from a
  shown total then tells nothing beyond each figure's own rounding, which independent
  rounding with ``<5`` cells does not guarantee: 12 people as 6, 5 and two of 1 were
  shown as 10 = 5 + 5 + <5 + <5, and since 5 means 5 to 7 and ``<5`` at least 1, the
  total can only be 12 and the two hidden cells 1 each;
- an average is shown only over at least 5 values (:meth:`Disclosure.average`), and in a
  table only while the values behind the averages *not* shown number none or at least 5:
  otherwise the total's average and the averages shown give away the average of the rest,
  a single rating when the rest is one. The shown average with the fewest values is then
  hidden too (*complementary suppression*, :meth:`Disclosure.averages`).

Full scope (admins, coordinators without a limit, ``python -m bot export``) sees exact
figures: they can read the rows about single people anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.roles import Scope


@dataclass(frozen=True)
class Disclosure:
    """What a figure about people looks like to one reader."""

    threshold: int
    """Averages need this many values; figures are rounded to multiples of it."""
    exact: bool = False

    @classmethod
    def for_scope(cls, scope: Scope, threshold: int) -> Disclosure:
        """Exact figures for full scope, rounded ones for a limited scope."""
        return cls(threshold, exact=scope.is_full)

    @property
    def base(self) -> int:
        """Figures are multiples of this (1: exact)."""
        return 1 if self.exact else max(1, self.threshold)

    @property
    def largest_error(self) -> int:
        """How far a shown figure may be from the exact one."""
        return self.base - 1

    def figure(self, value: int) -> int:
        """A figure on its own: the nearest multiple of the base (halves up)."""
        base = self.base
        return base * ((value + base // 2) // base)

    def table(self, values: Sequence[int]) -> list[int]:
        """Figures that add up: each rounded down or up to a neighbouring multiple of the
        base so that they add up to :meth:`figure` of their sum. Those with the largest
        remainders go up (on a tie, the earlier one), as few as the total needs.

        When a figure counts a person twice (someone trained in two countries) the sum is
        more than the headline; it is still the sum that is rounded, and the headline
        rounded on its own is never more than it."""
        base = self.base
        if base == 1:
            return list(values)
        shown = [value - value % base for value in values]
        going_up = (self.figure(sum(values)) - sum(shown)) // base
        remainders = sorted(
            (index for index, value in enumerate(values) if value % base),
            key=lambda index: (-(values[index] % base), index),
        )
        for index in remainders[:going_up]:
            shown[index] += base
        return shown

    def average(self, count: int) -> bool:
        """May an average over ``count`` values be shown on its own?"""
        return count > 0 if self.exact else count >= self.threshold

    def averages(self, counts: Sequence[int], total: int | None = None) -> list[bool]:
        """Which of the averages of a table, over ``counts`` values each, may be shown
        beside the average of the ``total`` values (their sum by default; more when the
        table leaves some out, like the vulnerable groups, which only cover people who
        consented): each needs the threshold, and the values behind the averages not shown
        must be none or at least the threshold, else the one with the fewest values is
        hidden as well (until they are)."""
        shown = [self.average(count) for count in counts]
        if self.exact:
            return shown
        whole = sum(counts) if total is None else total
        while True:
            rest = whole - sum(count for count, kept in zip(counts, shown, strict=True) if kept)
            candidates = [index for index, kept in enumerate(shown) if kept]
            if not 0 < rest < self.threshold or not candidates:
                return shown
            shown[min(candidates, key=lambda index: (counts[index], index))] = False
