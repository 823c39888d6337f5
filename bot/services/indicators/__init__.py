"""Donor indicators: how many people were trained, what they learned, what they thought of
it, within a coordinator's scope and a period; and people trained per month for the chart.
The export's Indicators sheet and ``/stats`` show them.
"""

from bot.services.indicators.disclosure import Disclosure
from bot.services.indicators.figures import (
    BreakdownRow,
    Dimension,
    Indicators,
    Measures,
    compute,
)
from bot.services.indicators.gain import KnowledgeGain, PairGain, knowledge_gain
from bot.services.indicators.monthly import Monthly, monthly
from bot.services.indicators.periods import (
    PERIOD_NAMES,
    PeriodName,
    period_between,
    period_named,
)
from bot.services.indicators.queries import UNKNOWN
from bot.services.scope import ALL_TIME, NO_FILTERS, Filters, Period

__all__ = [
    "ALL_TIME",
    "NO_FILTERS",
    "PERIOD_NAMES",
    "UNKNOWN",
    "BreakdownRow",
    "Dimension",
    "Disclosure",
    "Filters",
    "Indicators",
    "KnowledgeGain",
    "Measures",
    "Monthly",
    "PairGain",
    "Period",
    "PeriodName",
    "compute",
    "knowledge_gain",
    "monthly",
    "period_between",
    "period_named",
]
