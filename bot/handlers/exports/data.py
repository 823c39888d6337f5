"""The buttons of ``/export``: their data, with the fixed choices typed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.handlers.common.callback_data import CallbackData
from bot.services.exports import ExportFormat
from bot.services.exports.conversation import TYPED_DATES
from bot.services.indicators import PeriodName

ALL = "all"
"""A country or module button that clears the filter."""


class PeriodChoice(StrEnum):
    """A named period, or two dates to type."""

    THIS_MONTH = PeriodName.THIS_MONTH.value
    LAST_MONTH = PeriodName.LAST_MONTH.value
    THIS_QUARTER = PeriodName.THIS_QUARTER.value
    THIS_YEAR = PeriodName.THIS_YEAR.value
    ALL_TIME = PeriodName.ALL_TIME.value
    DATES = TYPED_DATES


class FilterField(StrEnum):
    COUNTRY = "country"
    ORGANISATION = "organisation"
    MODULE = "module"
    PROGRAMME = "programme"


class Action(StrEnum):
    MAKE = "make"
    """Make the file."""
    BACK = "back"
    """Back to the summary."""
    CLEAR = "clear"
    """No organisation filter."""
    CANCEL = "cancel"


@dataclass(frozen=True)
class ExportPeriod(CallbackData):
    prefix = "xp"
    period: PeriodChoice


@dataclass(frozen=True)
class ExportFormatPick(CallbackData):
    prefix = "xf"
    export_format: ExportFormat


@dataclass(frozen=True)
class ExportFilter(CallbackData):
    """Open a filter."""

    prefix = "xk"
    field: FilterField


@dataclass(frozen=True)
class ExportCountry(CallbackData):
    """A country code within the scope, or ``all`` (checked against the scope on use)."""

    prefix = "xc"
    country: str


@dataclass(frozen=True)
class ExportModule(CallbackData):
    """A module id, or ``all`` (checked against the catalogue on use)."""

    prefix = "xm"
    module: str


@dataclass(frozen=True)
class ExportAction(CallbackData):
    prefix = "xa"
    action: Action
