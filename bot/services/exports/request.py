"""What a coordinator may ask for: the request (scope, period, filters), the formats and
sheets their scope allows, and the checks of typed dates and filters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.services.errors import ServiceError
from bot.services.learners import COUNTRIES, MAX_ORGANISATION, clean_text
from bot.services.roles import Scope
from bot.services.scope import NO_FILTERS, Filters, Period

MAX_PERIOD_YEAR = 2100
MIN_PERIOD_YEAR = 2000


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


class Sheet(StrEnum):
    ABOUT = "about"
    ATTENDANCE = "attendance"
    PARTICIPANTS = "participants"
    SESSIONS = "sessions"
    LEARNING = "learning"
    INDICATORS = "indicators"
    DEFINITIONS = "definitions"


RAW_SHEETS = (Sheet.ATTENDANCE, Sheet.PARTICIPANTS, Sheet.LEARNING)
"""Rows about single people: only for coordinators with full scope."""


def sheets_for(scope: Scope) -> tuple[Sheet, ...]:
    """The sheets of a workbook for ``scope``, in order (About first)."""
    if scope.is_full:
        return (
            Sheet.ABOUT,
            Sheet.ATTENDANCE,
            Sheet.PARTICIPANTS,
            Sheet.SESSIONS,
            Sheet.LEARNING,
            Sheet.INDICATORS,
            Sheet.DEFINITIONS,
        )
    return (Sheet.ABOUT, Sheet.SESSIONS, Sheet.INDICATORS, Sheet.DEFINITIONS)


def formats_for(scope: Scope) -> tuple[ExportFormat, ...]:
    """CSV is the Attendance sheet, rows about single people: full scope only."""
    return (ExportFormat.XLSX, ExportFormat.CSV) if scope.is_full else (ExportFormat.XLSX,)


class Reason(StrEnum):
    MALFORMED = "malformed"
    """Typed text that is not two dates."""
    IMPOSSIBLE = "impossible"
    """A day that does not exist (value: the day as typed)."""
    END_BEFORE_START = "end-before-start"
    OUT_OF_RANGE = "out-of-range"
    """A year outside MIN_PERIOD_YEAR..MAX_PERIOD_YEAR (value: the year)."""
    UNKNOWN_COUNTRY = "unknown-country"
    COUNTRY_OUTSIDE_SCOPE = "country-outside-scope"
    EMPTY_ORGANISATION = "empty-organisation"
    ORGANISATION_TOO_LONG = "organisation-too-long"
    ORGANISATION_OUTSIDE_SCOPE = "organisation-outside-scope"
    UNKNOWN_MODULE = "unknown-module"
    FORMAT_NOT_ALLOWED = "format-not-allowed"
    SHEET_NOT_ALLOWED = "sheet-not-allowed"


class ExportError(ServiceError):
    """A request that cannot be made: ``reason`` says why, ``value`` is the offending input."""

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)
        self.reason: Reason = reason


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the period, the filters and the scope of whoever asked."""

    scope: Scope
    period: Period = field(default_factory=Period)
    filters: Filters = NO_FILTERS

    def session_filters_only(self) -> bool:
        """No limit on people (an organisation): every session of the period is listed."""
        return self.scope.organisations is None and self.filters.organisation is None


_TWO_DATES = re.compile(
    r"^\s*(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*\.?"
    r"\s*(?:[-–—]|to|do|deri|до)?\s*"
    r"(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*\.?\s*$",
    re.IGNORECASE,
)


def parse_two_dates(text: str) -> tuple[date, date]:
    """``01.01.2026 31.12.2026`` (also with a dash between, or ``/``): the first and the last
    day, both included. Raises ExportError ``malformed``, ``impossible``, ``out-of-range``
    or ``end-before-start``."""
    found = _TWO_DATES.match(unicodedata.normalize("NFKC", text))
    if found is None:
        raise ExportError(Reason.MALFORMED)
    numbers = [int(part) for part in found.groups()]
    days: list[date] = []
    for day, month, year in (numbers[:3], numbers[3:]):
        try:
            days.append(date(year, month, day))
        except ValueError:
            raise ExportError(Reason.IMPOSSIBLE, f"{day:02d}.{month:02d}.{year}") from None
        if not MIN_PERIOD_YEAR <= year <= MAX_PERIOD_YEAR:
            raise ExportError(Reason.OUT_OF_RANGE, str(year))
    if days[1] < days[0]:
        raise ExportError(Reason.END_BEFORE_START)
    return days[0], days[1]


def clean_organisation(text: str) -> str:
    """An organisation typed as a filter: NFC, single spaces; raises ExportError."""
    name = clean_text(text)
    if not name:
        raise ExportError(Reason.EMPTY_ORGANISATION)
    if len(name) > MAX_ORGANISATION:
        raise ExportError(Reason.ORGANISATION_TOO_LONG)
    return name


def check_filters(scope: Scope, filters: Filters, known_modules: Iterable[str]) -> Filters:
    """The filters, checked against the scope and the catalogue; raises ExportError."""
    country = filters.country
    if country is not None:
        country = country.upper() if country.upper() in COUNTRIES else country
        if country not in (*COUNTRIES, "other"):
            raise ExportError(Reason.UNKNOWN_COUNTRY, country)
        if scope.countries is not None and country not in scope.countries:
            raise ExportError(Reason.COUNTRY_OUTSIDE_SCOPE, country)
    organisation = filters.organisation
    if organisation is not None:
        organisation = clean_organisation(organisation)
        if scope.organisations is not None and organisation not in scope.organisations:
            raise ExportError(Reason.ORGANISATION_OUTSIDE_SCOPE, organisation)
    if filters.module is not None and filters.module not in set(known_modules):
        raise ExportError(Reason.UNKNOWN_MODULE, filters.module)
    return Filters(country, organisation, filters.module)


def check_allowed(scope: Scope, export_format: ExportFormat) -> None:
    if export_format not in formats_for(scope):
        raise ExportError(Reason.FORMAT_NOT_ALLOWED, export_format)


def check_sheets(scope: Scope, sheets: Sequence[Sheet] | None) -> tuple[Sheet, ...]:
    """The sheets to write: ``sheets`` (default: :func:`sheets_for` the scope); a sheet the
    scope may not have raises ExportError ``sheet-not-allowed``."""
    allowed = sheets_for(scope)
    chosen = tuple(sheets) if sheets is not None else allowed
    for sheet in chosen:
        if sheet not in allowed:
            raise ExportError(Reason.SHEET_NOT_ALLOWED, sheet)
    return chosen
