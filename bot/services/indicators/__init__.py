"""Donor indicators: how many people were trained, what they learned, what they thought of
it, within a coordinator's scope and a period. One registry defines them
(``registry``); ``compute`` counts them, ``Indicators.shown`` applies the small-number rule,
``tables.report`` lays them out for the Indicators sheet, the tidy CSV and ``/stats``.
"""

from bot.services.indicators.disclosure import Disclosure
from bot.services.indicators.figures import (
    BreakdownRow,
    Indicators,
    Measures,
    compute,
    knowledge_gains,
)
from bot.services.indicators.periods import (
    PERIOD_NAMES,
    PeriodName,
    period_between,
    period_named,
)
from bot.services.indicators.queries import NOT_ASKED, UNKNOWN
from bot.services.indicators.registry import DEFINITIONS, SESSION_COUNTRY, Dimension
from bot.services.indicators.tables import Report, Row, Table, Value, make_report, report
from bot.services.scope import ALL_TIME, NO_FILTERS, Filters, Period

__all__ = [
    "ALL_TIME",
    "DEFINITIONS",
    "NOT_ASKED",
    "NO_FILTERS",
    "PERIOD_NAMES",
    "SESSION_COUNTRY",
    "UNKNOWN",
    "BreakdownRow",
    "Dimension",
    "Disclosure",
    "Filters",
    "Indicators",
    "Measures",
    "Period",
    "PeriodName",
    "Report",
    "Row",
    "Table",
    "Value",
    "compute",
    "knowledge_gains",
    "make_report",
    "period_between",
    "period_named",
    "report",
]
