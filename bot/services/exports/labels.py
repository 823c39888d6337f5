"""Stored codes as the coordinator reads them in a file (countries, statuses, modules...),
and the file's own texts (period, scope, filters, name), in their language."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.content.catalogue import Catalogue
from bot.i18n.labels import (
    AGE_BAND_NAMES,
    APOLOGISED,
    ATTENDANCE_STATUS_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    NOT_MARKED,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
    VULNERABLE_GROUP_NAMES,
)
from bot.i18n.translator import N_, Translator
from bot.models import RegistrationStatus
from bot.services.exports.request import ExportFormat, ExportRequest, Sheet
from bot.services.indicators import UNKNOWN
from bot.services.learners import UNDISCLOSED
from bot.services.roles import Scope
from bot.services.scope import Filters, Period

SHEET_NAMES = {
    Sheet.ABOUT: N_("About"),
    Sheet.ATTENDANCE: N_("Attendance"),
    Sheet.PARTICIPANTS: N_("Participants"),
    Sheet.SESSIONS: N_("Sessions"),
    Sheet.LEARNING: N_("Learning"),
    Sheet.INDICATORS: N_("Indicators"),
    Sheet.DEFINITIONS: N_("Definitions"),
}
STATUS_NAMES = {
    **ATTENDANCE_STATUS_NAMES,
    RegistrationStatus.REGISTERED.value: NOT_MARKED,
    RegistrationStatus.APOLOGISED.value: APOLOGISED,
}
"""An Attendance row's status: the mark, or else the registration's state."""
SOURCE_NAMES = {"telegram": N_("Telegram"), "walk_in": N_("Walk-in")}
SESSION_STATES = {
    "cancelled": N_("Cancelled"),
    "upcoming": N_("Upcoming"),
    "held": N_("Held"),
    "not-held": N_("Nobody attended"),
}
UNKNOWN_NAME = N_("Unknown")
_ONE_SECOND = timedelta(microseconds=1)


def module_titles(catalogue: Catalogue, language_code: str) -> dict[str, str]:
    """Every module's title in ``language_code``, by id."""
    return {module.id: module.text(language_code).title for module in catalogue.modules}


@dataclass(frozen=True)
class Labels:
    """Stored codes as the coordinator reads them, in their language."""

    tr: Translator
    module_titles: Mapping[str, str] = field(default_factory=dict)

    def country(self, code: str | None) -> str | None:
        if code is None:
            return None
        if code == UNDISCLOSED:
            return self.tr._(PREFER_NOT_TO_SAY)
        return self.tr._(COUNTRY_NAMES[code]) if code in COUNTRY_NAMES else code

    def _choice(self, value: str | None, names: Mapping[str, str]) -> str | None:
        if value is None:
            return None
        if value == UNDISCLOSED:
            return self.tr._(PREFER_NOT_TO_SAY)
        if value == UNKNOWN:
            return self.tr._(UNKNOWN_NAME)
        return self.tr._(names[value]) if value in names else value

    def gender(self, value: str | None) -> str | None:
        return self._choice(value, GENDER_NAMES)

    def age_band(self, value: str | None) -> str | None:
        if value in AGE_BAND_NAMES and value not in TRANSLATED_AGE_BANDS:
            return AGE_BAND_NAMES[value]
        return self._choice(value, AGE_BAND_NAMES)

    def vulnerable_group(self, value: str | None) -> str | None:
        return self._choice(value, VULNERABLE_GROUP_NAMES)

    def organisation(self, value: str | None) -> str | None:
        return self.tr._(PREFER_NOT_TO_SAY) if value == UNDISCLOSED else value

    def module(self, module_id: str | None) -> str | None:
        if module_id is None:
            return None
        return self.module_titles.get(module_id, module_id)

    def status(self, value: str) -> str:
        return self.tr._(STATUS_NAMES[value]) if value in STATUS_NAMES else value

    def source(self, value: str) -> str:
        return self.tr._(SOURCE_NAMES[value]) if value in SOURCE_NAMES else value

    def session_state(self, value: str) -> str:
        return self.tr._(SESSION_STATES[value])

    def yes(self, value: bool) -> str | None:
        return self.tr._("Yes") if value else None

    def breakdown_value(self, dimension_index: int, value: str) -> str | None:
        """Country, gender, age band (by position) of a breakdown row."""
        if value == UNKNOWN:
            return self.tr._(UNKNOWN_NAME)
        return (self.country, self.gender, self.age_band)[dimension_index](value)


def plain(text: str) -> str:
    """A translated text for a file: the HTML escaping of placeholders undone."""
    return html.unescape(text)


def describe_period(tr: Translator, period: Period) -> str:
    """ "1 Jan 2026 – 31 Dec 2026", "from ...", "until ...", or "All time"."""
    last = (period.end - _ONE_SECOND).astimezone(tr.zone) if period.end else None
    if period.start is None and last is None:
        return tr._("All time")
    if period.start is None:
        return tr._("until {end}", end=tr.date(last))  # type: ignore[arg-type]
    if last is None:
        return tr._("from {start}", start=tr.date(period.start))
    return tr._("{start} – {end}", start=tr.date(period.start), end=tr.date(last))


def describe_scope(tr: Translator, scope: Scope, labels: Labels) -> str:
    if scope.is_full:
        return tr._("All countries and organisations")
    parts = []
    if scope.countries is not None:
        names = ", ".join(sorted(labels.country(code) or code for code in scope.countries))
        parts.append(tr._("Countries: {names}", names=names or "–"))
    if scope.organisations is not None:
        parts.append(
            tr._("Organisations: {names}", names=", ".join(sorted(scope.organisations)) or "–")
        )
    return "; ".join(parts)


def describe_filters(tr: Translator, filters: Filters, labels: Labels) -> str:
    parts = []
    if filters.country is not None:
        parts.append(tr._("Country: {country}", country=labels.country(filters.country)))
    if filters.organisation is not None:
        parts.append(tr._("Organisation: {organisation}", organisation=filters.organisation))
    if filters.module is not None:
        parts.append(tr._("Module: {module}", module=labels.module(filters.module)))
    return "; ".join(parts) if parts else tr._("None")


def filename(
    request: ExportRequest, export_format: ExportFormat, now: datetime, tr: Translator
) -> str:
    """``kapacitet-2026-01-01-2026-12-31.xlsx``: the period's local days (or "all")."""
    period = request.period
    first = period.start.astimezone(tr.zone).date().isoformat() if period.start else "start"
    last = (
        (period.end - _ONE_SECOND).astimezone(tr.zone).date().isoformat()
        if period.end
        else now.astimezone(tr.zone).date().isoformat()
    )
    name = "all" if period.start is None and period.end is None else f"{first}-{last}"
    return f"kapacitet-{name}.{export_format.value}"
