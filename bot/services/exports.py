"""Exports for coordinators: the rows of every sheet, and the XLSX and CSV files made of them.

Sheets (see docs/reporting.md for the BI views that hold the same data):

- **Attendance**: one row per person per session (registered, walk-in or marked), sessions
  not cancelled that start in the period. The country is the session's.
- **Participants**: the unique people of the Attendance and Learning sheets, with their
  profile; the vulnerable group only with the separate special consent.
- **Sessions**: every session that starts in the period (cancelled ones too), with the
  registered, apologised and attended counts and the average feedback.
- **Learning**: per person and module with learning in the period (started it, completed
  it, or finished a scored quiz in it): started, completed, the first pre-test score, the
  best post-test score finished in the period and the gain (as in
  :mod:`bot.services.indicators`).
- **Indicators**: :func:`bot.services.indicators.compute`, counts below the threshold
  shown as ``<5`` and averages over fewer people left empty.

Who gets what: the raw sheets (Attendance, Participants, Learning) and the CSV file (the
Attendance sheet) only go to coordinators with full scope (admins, and coordinators
without a country or organisation limit). A scoped coordinator gets About, Sessions and
Indicators, where the Sessions counts are suppressed like indicator cells. The scope is
applied to every row anyway: countries by the session's country (the person's country for
learning), organisations by the person's organisation.

Privacy: a name and a profile are only shown for people who gave consent and have not
erased their data; erased people stay in the rows (so the counts stay right) with their
number only. Typed text that a spreadsheet would read as a formula is neutralised in CSV.

Memory: rows are read in chunks (sessions by keyset, people by id) and written as they
come; XLSX goes through XlsxWriter's ``constant_memory`` mode, so memory does not grow
with the number of rows.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from bot.i18n.labels import (
    AGE_BAND_NAMES,
    COUNTRY_NAMES,
    GENDER_NAMES,
    PREFER_NOT_TO_SAY,
    TRANSLATED_AGE_BANDS,
    VULNERABLE_GROUP_NAMES,
)
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import N_, Translator
from bot.models import (
    Attendance,
    Consent,
    Feedback,
    Learner,
    ModuleProgress,
    QuizAttempt,
    QuizKind,
    Registration,
    TrainingSession,
)
from bot.services import audit, indicators
from bot.services.attendance import ATTENDED
from bot.services.indicators import NO_FILTERS, Dimension, Filters, Period
from bot.services.learners import COUNTRIES, MAX_ORGANISATION, UNDISCLOSED, clean_text
from bot.services.roles import Scope


def _select(*columns: Any) -> Any:
    """``select`` of more columns than sqlmodel's type hints spell out (four)."""
    return select(*columns)


SESSION_BATCH = 50
"""Sessions read at a time; their rows (at most 50 x capacity) are the largest chunk."""
PEOPLE_BATCH = 500
"""People read at a time (participants, learning)."""
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


RAW_SHEETS = (Sheet.ATTENDANCE, Sheet.PARTICIPANTS, Sheet.LEARNING)
"""Rows about single people: only for coordinators with full scope."""
SHEET_NAMES = {
    Sheet.ABOUT: N_("About"),
    Sheet.ATTENDANCE: N_("Attendance"),
    Sheet.PARTICIPANTS: N_("Participants"),
    Sheet.SESSIONS: N_("Sessions"),
    Sheet.LEARNING: N_("Learning"),
    Sheet.INDICATORS: N_("Indicators"),
}

STATUS_NAMES = {
    "present": N_("Present"),
    "late": N_("Late"),
    "excused": N_("Excused"),
    "absent": N_("Absent"),
    "registered": N_("Not marked"),
    "apologised": N_("Apologised"),
}
SOURCE_NAMES = {"telegram": N_("Telegram"), "walk_in": N_("Walk-in")}
SESSION_STATES = {
    "cancelled": N_("Cancelled"),
    "upcoming": N_("Upcoming"),
    "held": N_("Held"),
    "not-held": N_("Nobody attended"),
}
UNKNOWN_NAME = N_("Unknown")


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
        )
    return (Sheet.ABOUT, Sheet.SESSIONS, Sheet.INDICATORS)


def formats_for(scope: Scope) -> tuple[ExportFormat, ...]:
    """CSV is the Attendance sheet, rows about single people: full scope only."""
    return (ExportFormat.XLSX, ExportFormat.CSV) if scope.is_full else (ExportFormat.XLSX,)


# -- requests and checks -------------------------------------------------------------------------


class ExportError(Exception):
    """A request that cannot be made, in a word the caller can translate (``reason``).

    Reasons: ``malformed`` / ``impossible`` / ``end-before-start`` / ``out-of-range`` (typed
    dates), ``unknown-country``, ``country-outside-scope``, ``empty-organisation``,
    ``organisation-too-long``, ``organisation-outside-scope``, ``unknown-module``,
    ``format-not-allowed``, ``sheet-not-allowed``. ``value`` is the offending input.
    """

    def __init__(self, reason: str, value: str | None = None) -> None:
        super().__init__(reason if value is None else f"{reason}: {value}")
        self.reason = reason
        self.value = value


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
        raise ExportError("malformed")
    numbers = [int(part) for part in found.groups()]
    days: list[date] = []
    for day, month, year in (numbers[:3], numbers[3:]):
        try:
            days.append(date(year, month, day))
        except ValueError:
            raise ExportError("impossible", f"{day:02d}.{month:02d}.{year}") from None
        if not MIN_PERIOD_YEAR <= year <= MAX_PERIOD_YEAR:
            raise ExportError("out-of-range", str(year))
    if days[1] < days[0]:
        raise ExportError("end-before-start")
    return days[0], days[1]


def clean_organisation(text: str) -> str:
    """An organisation typed as a filter: NFC, single spaces; raises ExportError."""
    name = clean_text(text)
    if not name:
        raise ExportError("empty-organisation")
    if len(name) > MAX_ORGANISATION:
        raise ExportError("organisation-too-long")
    return name


def check_filters(scope: Scope, filters: Filters, known_modules: Iterable[str]) -> Filters:
    """The filters, checked against the scope and the catalogue; raises ExportError."""
    country = filters.country
    if country is not None:
        country = country.upper() if country.upper() in COUNTRIES else country
        if country not in (*COUNTRIES, "other"):
            raise ExportError("unknown-country", country)
        if scope.countries is not None and country not in scope.countries:
            raise ExportError("country-outside-scope", country)
    organisation = filters.organisation
    if organisation is not None:
        organisation = clean_organisation(organisation)
        if scope.organisations is not None and organisation not in scope.organisations:
            raise ExportError("organisation-outside-scope", organisation)
    if filters.module is not None and filters.module not in set(known_modules):
        raise ExportError("unknown-module", filters.module)
    return Filters(country, organisation, filters.module)


def check_allowed(scope: Scope, export_format: ExportFormat) -> None:
    if export_format not in formats_for(scope):
        raise ExportError("format-not-allowed", export_format)


# -- conditions ----------------------------------------------------------------------------------


def _in_period(column: Any, period: Period) -> list[Any]:
    conditions: list[Any] = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column < period.end)
    return conditions


def _session_conditions(request: ExportRequest, *, cancelled: bool) -> list[Any]:
    """Sessions of the request: period, country (scope and filter), module."""
    scope, filters = request.scope, request.filters
    conditions = _in_period(col(TrainingSession.starts_at), request.period)
    if not cancelled:
        conditions.append(col(TrainingSession.cancelled_at).is_(None))
    if scope.countries is not None:
        conditions.append(col(TrainingSession.country).in_(sorted(scope.countries)))
    if filters.country is not None:
        conditions.append(col(TrainingSession.country) == filters.country)
    if filters.module is not None:
        conditions.append(col(TrainingSession.module_id) == filters.module)
    return conditions


def _person_conditions(request: ExportRequest, *, learning: bool = False) -> list[Any]:
    """People of the request: the organisation (scope and filter) and, for learning, the
    person's country (scope and filter)."""
    scope, filters = request.scope, request.filters
    conditions: list[Any] = []
    if scope.organisations is not None:
        conditions.append(col(Learner.organisation).in_(sorted(scope.organisations)))
    if filters.organisation is not None:
        conditions.append(col(Learner.organisation) == filters.organisation)
    if learning:
        if scope.countries is not None:
            conditions.append(col(Learner.country).in_(sorted(scope.countries)))
        if filters.country is not None:
            conditions.append(col(Learner.country) == filters.country)
    return conditions


def _progress_activity(request: ExportRequest) -> list[Any]:
    """A module_progress row with learning in the period: started or completed in it."""
    period, module = request.period, request.filters.module
    terms: list[Any] = []
    started = _in_period(col(ModuleProgress.started_at), period)
    if started:
        passed = [col(ModuleProgress.passed_at).is_not(None)]
        passed += _in_period(col(ModuleProgress.passed_at), period)
        terms.append(sa.or_(sa.and_(*started), sa.and_(*passed)))
    if module is not None:
        terms.append(col(ModuleProgress.module_id) == module)
    return terms


def _attempt_activity(request: ExportRequest) -> list[Any]:
    """A quiz attempt that counts as learning in the period: scored and finished in it."""
    terms: list[Any] = [
        col(QuizAttempt.passed).is_not(None),
        col(QuizAttempt.finished_at).is_not(None),
    ]
    terms += _in_period(col(QuizAttempt.finished_at), request.period)
    if request.filters.module is not None:
        terms.append(col(QuizAttempt.module_id) == request.filters.module)
    return terms


def _learning_activity(request: ExportRequest, learner_id: Any) -> Any:
    """Learning of the person ``learner_id`` in the period: a module started or completed
    in it, or a scored quiz finished in it (in the filtered module)."""
    progress = (
        _select(col(ModuleProgress.id))
        .where(col(ModuleProgress.learner_id) == learner_id, *_progress_activity(request))
        .exists()
    )
    attempts = (
        _select(col(QuizAttempt.id))
        .where(col(QuizAttempt.learner_id) == learner_id, *_attempt_activity(request))
        .exists()
    )
    return sa.or_(progress, attempts)


# -- labels --------------------------------------------------------------------------------------


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
        if value == indicators.UNKNOWN:
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

    def yes(self, value: bool) -> str | None:
        return self.tr._("Yes") if value else None

    def breakdown_value(self, dimension_index: int, value: str) -> str | None:
        """Country, gender, age band (by position) of a breakdown row."""
        if value == indicators.UNKNOWN:
            return self.tr._(UNKNOWN_NAME)
        return (self.country, self.gender, self.age_band)[dimension_index](value)


# -- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    country: str
    module_id: str | None
    language: str
    capacity: int
    cancelled_at: datetime | None
    trainer_id: int
    trainer_name: str | None

    @property
    def trainer(self) -> str:
        """The trainer's name when they gave one, else their number."""
        return self.trainer_name or f"#{self.trainer_id}"


@dataclass(frozen=True)
class AttendanceRow:
    training: SessionInfo
    learner_id: int
    name: str | None
    organisation: str | None
    gender: str | None
    age_band: str | None
    status: str
    """present | late | excused | absent | registered (not marked) | apologised"""
    erased: bool


@dataclass(frozen=True)
class ParticipantRow:
    learner_id: int
    name: str | None
    source: str
    organisation: str | None
    country: str | None
    gender: str | None
    age_band: str | None
    vulnerable_group: str | None
    first_seen: datetime
    erased: bool
    sessions_attended: int
    modules_completed: int


@dataclass(frozen=True)
class SessionRow:
    training: SessionInfo
    state: str
    """cancelled | upcoming | held | not-held"""
    registered: int
    apologised: int
    attended: int
    ratings: int
    average_rating: float | None


@dataclass(frozen=True)
class LearningRow:
    learner_id: int
    module_id: str
    started_at: datetime | None
    completed_at: datetime | None
    pre_percent: int | None
    best_post_percent: int | None
    post_attempts: int

    @property
    def gain(self) -> int | None:
        if self.pre_percent is None or self.best_post_percent is None:
            return None
        return self.best_post_percent - self.pre_percent


def _percent(correct: int, total: int) -> int:
    return round(100 * correct / total) if total else 0


def _personal(consent: str, erased: bool) -> bool:
    return consent == Consent.GIVEN and not erased


async def _session_batches(
    db: AsyncSession, request: ExportRequest, *, cancelled: bool
) -> AsyncIterator[list[SessionInfo]]:
    """The sessions of the request by start (then id), a batch at a time (keyset)."""
    trainer = aliased(Learner)
    after: tuple[datetime, int] | None = None
    while True:
        query = (
            _select(
                col(TrainingSession.id),
                col(TrainingSession.title),
                col(TrainingSession.starts_at),
                col(TrainingSession.duration_minutes),
                col(TrainingSession.country),
                col(TrainingSession.module_id),
                col(TrainingSession.language),
                col(TrainingSession.capacity),
                col(TrainingSession.cancelled_at),
                col(TrainingSession.trainer_id),
                sa.case((col(trainer.erased_at).is_(None), col(trainer.display_name))),
            )
            .join(trainer, col(trainer.id) == col(TrainingSession.trainer_id))
            .where(*_session_conditions(request, cancelled=cancelled))
            .order_by(col(TrainingSession.starts_at), col(TrainingSession.id))
            .limit(SESSION_BATCH)
        )
        if after is not None:
            query = query.where(
                sa.or_(
                    col(TrainingSession.starts_at) > after[0],
                    sa.and_(
                        col(TrainingSession.starts_at) == after[0],
                        col(TrainingSession.id) > after[1],
                    ),
                )
            )
        batch = [SessionInfo(*row) for row in (await db.exec(query)).all()]
        if not batch:
            return
        yield batch
        if len(batch) < SESSION_BATCH:
            return
        after = (batch[-1].starts_at, batch[-1].id)


def _roster_union(session_ids: Any) -> Any:
    """(session, learner, registration status, attendance status) of the sessions: every
    registration with its mark, and marks without a registration."""
    registered = (
        _select(
            col(Registration.session_id).label("session_id"),
            col(Registration.learner_id).label("learner_id"),
            col(Registration.status).label("registration"),
            col(Attendance.status).label("attendance"),
        )
        .select_from(Registration)
        .outerjoin(
            Attendance,
            sa.and_(
                col(Attendance.session_id) == col(Registration.session_id),
                col(Attendance.learner_id) == col(Registration.learner_id),
            ),
        )
        .where(col(Registration.session_id).in_(session_ids))
    )
    unregistered = _select(
        col(Attendance.session_id),
        col(Attendance.learner_id),
        sa.null().label("registration"),
        col(Attendance.status),
    ).where(
        col(Attendance.session_id).in_(session_ids),
        ~_select(col(Registration.id))
        .where(
            col(Registration.session_id) == col(Attendance.session_id),
            col(Registration.learner_id) == col(Attendance.learner_id),
        )
        .exists(),
    )
    return sa.union_all(registered, unregistered).subquery("roster")


async def attendance_rows(
    db: AsyncSession, request: ExportRequest
) -> AsyncIterator[list[AttendanceRow]]:
    """The Attendance sheet, a chunk at a time: sessions by start, people by number."""
    async for sessions in _session_batches(db, request, cancelled=False):
        by_id = {info.id: info for info in sessions}
        roster = _roster_union(list(by_id))
        query = (
            _select(
                roster.c.session_id,
                roster.c.learner_id,
                roster.c.registration,
                roster.c.attendance,
                col(Learner.display_name),
                col(Learner.consent),
                col(Learner.erased_at).is_not(None),
                col(Learner.organisation),
                col(Learner.gender),
                col(Learner.age_band),
            )
            .join(Learner, col(Learner.id) == roster.c.learner_id)
            .where(*_person_conditions(request))
            .order_by(roster.c.learner_id)
        )
        grouped: dict[int, list[AttendanceRow]] = defaultdict(list)
        for row in (await db.exec(query)).all():
            (
                session_id,
                learner_id,
                registration,
                mark,
                name,
                consent,
                erased,
                org,
                gender,
                age,
            ) = row
            personal = _personal(consent, erased)
            grouped[session_id].append(
                AttendanceRow(
                    training=by_id[session_id],
                    learner_id=learner_id,
                    name=name if personal else None,
                    organisation=org if personal else None,
                    gender=gender if personal else None,
                    age_band=age if personal else None,
                    status=mark or registration or "registered",
                    erased=bool(erased),
                )
            )
        chunk = [row for info in sessions for row in grouped.get(info.id, [])]
        if chunk:
            yield chunk


def _state(info: SessionInfo, attended: int, now: datetime) -> str:
    if info.cancelled_at is not None:
        return "cancelled"
    if info.starts_at > now:
        return "upcoming"
    return "held" if attended else "not-held"


async def session_rows(
    db: AsyncSession, request: ExportRequest, *, now: datetime
) -> AsyncIterator[list[SessionRow]]:
    """The Sessions sheet: every session of the period (cancelled ones too) with counts of
    the people within the scope and filters. With an organisation limit, only sessions
    that some of those people registered for or attended are listed."""
    people = _person_conditions(request)
    async for sessions in _session_batches(db, request, cancelled=True):
        ids = [info.id for info in sessions]
        registrations = await db.exec(
            _select(col(Registration.session_id), col(Registration.status), sa.func.count())
            .join(Learner, col(Learner.id) == col(Registration.learner_id))
            .where(col(Registration.session_id).in_(ids), *people)
            .group_by(col(Registration.session_id), col(Registration.status))
        )
        by_status: dict[tuple[int, str], int] = {
            (session_id, status): count for session_id, status, count in registrations.all()
        }
        marks = await db.exec(
            _select(col(Attendance.session_id), col(Attendance.status), sa.func.count())
            .join(Learner, col(Learner.id) == col(Attendance.learner_id))
            .where(col(Attendance.session_id).in_(ids), *people)
            .group_by(col(Attendance.session_id), col(Attendance.status))
        )
        attended: dict[int, int] = defaultdict(int)
        marked: set[int] = set()
        for session_id, status, count in marks.all():
            marked.add(session_id)
            if status in ATTENDED:
                attended[session_id] += count
        ratings = await db.exec(
            _select(
                col(Feedback.session_id),
                sa.func.count(),
                sa.func.sum(col(Feedback.rating)),
            )
            .join(Learner, col(Learner.id) == col(Feedback.learner_id))
            .where(col(Feedback.session_id).in_(ids), *people)
            .group_by(col(Feedback.session_id))
        )
        feedback = {session_id: (count, total) for session_id, count, total in ratings.all()}
        chunk: list[SessionRow] = []
        for info in sessions:
            registered = by_status.get((info.id, "registered"), 0)
            apologised = by_status.get((info.id, "apologised"), 0)
            if not request.session_filters_only() and not (
                registered or apologised or info.id in marked
            ):
                continue
            count, total = feedback.get(info.id, (0, 0))
            chunk.append(
                SessionRow(
                    training=info,
                    state=_state(info, attended[info.id], now),
                    registered=registered,
                    apologised=apologised,
                    attended=attended[info.id],
                    ratings=count,
                    average_rating=float(total) / count if count else None,
                )
            )
        if chunk:
            yield chunk


def _participant_condition(request: ExportRequest) -> Any:
    """Someone in the Attendance sheet or in the Learning sheet of the request.

    Set-based (``id IN (... UNION ...)``) rather than a correlated EXISTS per person:
    registration and attendance have no index on the person, so the database reads each
    table once instead of once per person."""
    in_sessions = _session_conditions(request, cancelled=False)
    at_sessions = sa.union(
        _select(col(Registration.learner_id))
        .join(TrainingSession, col(TrainingSession.id) == col(Registration.session_id))
        .where(*in_sessions),
        _select(col(Attendance.learner_id))
        .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
        .where(*in_sessions),
    )
    learned = sa.union(
        _select(col(ModuleProgress.learner_id)).where(*_progress_activity(request)),
        _select(col(QuizAttempt.learner_id)).where(*_attempt_activity(request)),
    )
    learning = sa.and_(col(Learner.id).in_(learned), *_person_conditions(request, learning=True))
    return sa.and_(sa.or_(col(Learner.id).in_(at_sessions), learning), *_person_conditions(request))


async def _people_batches(db: AsyncSession, condition: Any) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Learners matching ``condition``, by number, a batch at a time (keyset)."""
    after = 0
    while True:
        rows = (
            await db.exec(
                _select(
                    col(Learner.id),
                    col(Learner.display_name),
                    col(Learner.source),
                    col(Learner.consent),
                    col(Learner.erased_at).is_not(None),
                    col(Learner.organisation),
                    col(Learner.country),
                    col(Learner.gender),
                    col(Learner.age_band),
                    col(Learner.special_consent),
                    col(Learner.vulnerable_group),
                    col(Learner.created_at),
                )
                .where(condition, col(Learner.id) > after)
                .order_by(col(Learner.id))
                .limit(PEOPLE_BATCH)
            )
        ).all()
        if not rows:
            return
        yield [tuple(row) for row in rows]
        if len(rows) < PEOPLE_BATCH:
            return
        after = rows[-1][0]


async def participant_rows(
    db: AsyncSession, request: ExportRequest
) -> AsyncIterator[list[ParticipantRow]]:
    """The Participants sheet: the unique people of the Attendance and Learning sheets."""
    async for batch in _people_batches(db, _participant_condition(request)):
        ids = [row[0] for row in batch]
        attended = dict(
            (
                await db.exec(
                    _select(col(Attendance.learner_id), sa.func.count())
                    .join(TrainingSession, col(TrainingSession.id) == col(Attendance.session_id))
                    .where(
                        col(Attendance.learner_id).in_(ids),
                        col(Attendance.status).in_(ATTENDED),
                        *_session_conditions(request, cancelled=False),
                    )
                    .group_by(col(Attendance.learner_id))
                )
            ).all()
        )
        completed_terms: list[Any] = [col(ModuleProgress.passed_at).is_not(None)]
        completed_terms += _in_period(col(ModuleProgress.passed_at), request.period)
        if request.filters.module is not None:
            completed_terms.append(col(ModuleProgress.module_id) == request.filters.module)
        completed = dict(
            (
                await db.exec(
                    _select(col(ModuleProgress.learner_id), sa.func.count())
                    .where(col(ModuleProgress.learner_id).in_(ids), *completed_terms)
                    .group_by(col(ModuleProgress.learner_id))
                )
            ).all()
        )
        chunk = []
        for row in batch:
            (learner_id, name, source, consent, erased, org, country, gender, age) = row[:9]
            special, group, created_at = row[9:]
            personal = _personal(consent, erased)
            chunk.append(
                ParticipantRow(
                    learner_id=learner_id,
                    name=name if personal else None,
                    source=source,
                    organisation=org if personal else None,
                    country=country if personal else None,
                    gender=gender if personal else None,
                    age_band=age if personal else None,
                    vulnerable_group=group if personal and special is True else None,
                    first_seen=created_at,
                    erased=bool(erased),
                    sessions_attended=attended.get(learner_id, 0),
                    modules_completed=completed.get(learner_id, 0),
                )
            )
        yield chunk


def _learning_row(
    request: ExportRequest,
    learner_id: int,
    module_id: str,
    progress: tuple[datetime, datetime | None] | None,
    attempts: list[tuple[str, int, int, datetime, datetime | None, int]],
) -> LearningRow | None:
    """One person and module, or None without learning in the period."""
    period = request.period
    started_at, passed_at = progress if progress else (None, None)
    active = (started_at is not None and period.contains(started_at)) or (
        passed_at is not None and period.contains(passed_at)
    )
    pre: tuple[datetime, int, int] | None = None
    best: int | None = None
    posts = 0
    first_attempt: datetime | None = None
    for kind, correct, total, started, finished, attempt_id in attempts:
        if first_attempt is None or started < first_attempt:
            first_attempt = started
        in_period = finished is not None and period.contains(finished)
        active = active or in_period
        if kind == QuizKind.PRE:
            if pre is None or (started, attempt_id) < pre[:2]:
                pre = (started, attempt_id, _percent(correct, total))
        elif kind == QuizKind.POST and in_period:
            posts += 1
            best = max(best or 0, _percent(correct, total))
    if not active:
        return None
    if first_attempt is not None and (started_at is None or first_attempt < started_at):
        started_at = first_attempt
    return LearningRow(
        learner_id=learner_id,
        module_id=module_id,
        started_at=started_at,
        completed_at=passed_at,
        pre_percent=pre[2] if pre else None,
        best_post_percent=best,
        post_attempts=posts,
    )


async def learning_rows(
    db: AsyncSession, request: ExportRequest
) -> AsyncIterator[list[LearningRow]]:
    """The Learning sheet, by person and module. Knowledge gain as in the indicators: the
    best scored post-test finished in the period minus the first scored pre-test."""
    condition = sa.and_(
        _learning_activity(request, col(Learner.id)), *_person_conditions(request, learning=True)
    )
    module = request.filters.module
    async for batch in _people_batches(db, condition):
        ids = [row[0] for row in batch]
        progress_query = _select(
            col(ModuleProgress.learner_id),
            col(ModuleProgress.module_id),
            col(ModuleProgress.started_at),
            col(ModuleProgress.passed_at),
        ).where(col(ModuleProgress.learner_id).in_(ids))
        attempt_query = _select(
            col(QuizAttempt.learner_id),
            col(QuizAttempt.module_id),
            col(QuizAttempt.kind),
            col(QuizAttempt.correct_count),
            col(QuizAttempt.question_count),
            col(QuizAttempt.started_at),
            col(QuizAttempt.finished_at),
            col(QuizAttempt.id),
        ).where(
            col(QuizAttempt.learner_id).in_(ids),
            col(QuizAttempt.passed).is_not(None),
            col(QuizAttempt.finished_at).is_not(None),
        )
        if module is not None:
            progress_query = progress_query.where(col(ModuleProgress.module_id) == module)
            attempt_query = attempt_query.where(col(QuizAttempt.module_id) == module)
        progress = {
            (learner_id, module_id): (started, passed)
            for learner_id, module_id, started, passed in (await db.exec(progress_query)).all()
        }
        attempts: dict[tuple[int, str], list[tuple[str, int, int, datetime, datetime | None, int]]]
        attempts = defaultdict(list)
        for learner_id, module_id, *rest in (await db.exec(attempt_query)).all():
            attempts[(learner_id, module_id)].append(tuple(rest))
        chunk = []
        for key in sorted(set(progress) | set(attempts)):
            learner_id, module_id = key
            row = _learning_row(
                request, learner_id, module_id, progress.get(key), attempts.get(key, [])
            )
            if row is not None:
                chunk.append(row)
        if chunk:
            yield chunk


async def count_rows(db: AsyncSession, request: ExportRequest) -> dict[Sheet, int]:
    """About how many rows each sheet of ``request`` has (for a progress bar)."""
    sessions = (
        await db.exec(
            _select(sa.func.count())
            .select_from(TrainingSession)
            .where(*_session_conditions(request, cancelled=True))
        )
    ).one()
    session_ids = (
        _select(col(TrainingSession.id))
        .where(*_session_conditions(request, cancelled=False))
        .scalar_subquery()
    )
    roster = _roster_union(session_ids)
    attendance = (
        await db.exec(
            _select(sa.func.count())
            .select_from(roster)
            .join(Learner, col(Learner.id) == roster.c.learner_id)
            .where(*_person_conditions(request))
        )
    ).one()
    participants = (
        await db.exec(
            _select(sa.func.count()).select_from(Learner).where(_participant_condition(request))
        )
    ).one()
    people = _person_conditions(request, learning=True)
    pairs = sa.union(
        _select(col(ModuleProgress.learner_id), col(ModuleProgress.module_id))
        .join(Learner, col(Learner.id) == col(ModuleProgress.learner_id))
        .where(*_progress_activity(request), *people),
        _select(col(QuizAttempt.learner_id), col(QuizAttempt.module_id))
        .join(Learner, col(Learner.id) == col(QuizAttempt.learner_id))
        .where(*_attempt_activity(request), *people),
    ).subquery("pairs")
    learning = (await db.exec(_select(sa.func.count()).select_from(pairs))).one()
    return {
        Sheet.ATTENDANCE: attendance,
        Sheet.PARTICIPANTS: participants,
        Sheet.SESSIONS: sessions,
        Sheet.LEARNING: learning,
    }


# -- the file's texts ----------------------------------------------------------------------------


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


def plain(text: str) -> str:
    """A translated text for a file: the HTML escaping of placeholders undone."""
    return html.unescape(text)


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


# -- spreadsheets --------------------------------------------------------------------------------


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    COUNT = "count"
    """A number of people: an int, or a suppressed "<5"."""
    DECIMAL = "decimal"
    DATE = "date"
    TIME = "time"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    width: float


_WIDTHS = {
    Kind.TEXT: 18.0,
    Kind.INT: 10.0,
    Kind.COUNT: 10.0,
    Kind.DECIMAL: 10.0,
    Kind.DATE: 12.0,
    Kind.TIME: 8.0,
}


def _columns(tr: Translator, spec: Sequence[tuple[str, Kind, float | None]]) -> list[Column]:
    columns = []
    for header, kind, width in spec:
        text = plain(tr._(header))
        columns.append(Column(text, kind, max(width or _WIDTHS[kind], min(len(text) + 2, 40))))
    return columns


def attendance_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            (N_("Session"), Kind.TEXT, 36),
            (N_("Date"), Kind.DATE, None),
            (N_("Country"), Kind.TEXT, None),
            (N_("Module"), Kind.TEXT, 30),
            (N_("Trainer"), Kind.TEXT, 20),
            (N_("Person"), Kind.INT, None),
            (N_("Name"), Kind.TEXT, 24),
            (N_("Organisation"), Kind.TEXT, 28),
            (N_("Gender"), Kind.TEXT, None),
            (N_("Age band"), Kind.TEXT, None),
            (N_("Status"), Kind.TEXT, 14),
        ],
    )


def participant_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            (N_("Person"), Kind.INT, None),
            (N_("Name"), Kind.TEXT, 24),
            (N_("Source"), Kind.TEXT, 12),
            (N_("Organisation"), Kind.TEXT, 28),
            (N_("Country"), Kind.TEXT, None),
            (N_("Gender"), Kind.TEXT, None),
            (N_("Age band"), Kind.TEXT, None),
            (N_("Vulnerable group"), Kind.TEXT, 24),
            (N_("First seen"), Kind.DATE, None),
            (N_("Erased"), Kind.TEXT, 8),
            (N_("Sessions attended"), Kind.INT, None),
            (N_("Modules completed"), Kind.INT, None),
        ],
    )


def session_columns(tr: Translator, *, suppressed: bool) -> list[Column]:
    count = Kind.COUNT if suppressed else Kind.INT
    return _columns(
        tr,
        [
            (N_("Session"), Kind.TEXT, 36),
            (N_("Date"), Kind.DATE, None),
            (N_("Start"), Kind.TIME, None),
            (N_("Minutes"), Kind.INT, None),
            (N_("Country"), Kind.TEXT, None),
            (N_("Module"), Kind.TEXT, 30),
            (N_("Trainer"), Kind.TEXT, 20),
            (N_("Language"), Kind.TEXT, 10),
            (N_("Places"), Kind.INT, None),
            (N_("State"), Kind.TEXT, 16),
            (N_("Registered"), count, None),
            (N_("Apologised"), count, None),
            (N_("Attended"), count, None),
            (N_("Ratings"), count, None),
            (N_("Average feedback"), Kind.DECIMAL, None),
        ],
    )


def learning_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            (N_("Person"), Kind.INT, None),
            (N_("Module"), Kind.TEXT, 30),
            (N_("Started"), Kind.DATE, None),
            (N_("Completed"), Kind.DATE, None),
            (N_("Pre-test %"), Kind.INT, None),
            (N_("Best post-test %"), Kind.INT, None),
            (N_("Post-tests"), Kind.INT, None),
            (N_("Gain (points)"), Kind.INT, None),
        ],
    )


Cell = str | int | float | date | time | None


def _local_date(moment: datetime | None, tr: Translator) -> date | None:
    return moment.astimezone(tr.zone).date() if moment is not None else None


def attendance_values(row: AttendanceRow, labels: Labels) -> list[Cell]:
    info = row.training
    return [
        info.title,
        _local_date(info.starts_at, labels.tr),
        labels.country(info.country),
        labels.module(info.module_id),
        info.trainer,
        row.learner_id,
        row.name,
        labels.organisation(row.organisation),
        labels.gender(row.gender),
        labels.age_band(row.age_band),
        labels.status(row.status),
    ]


def participant_values(row: ParticipantRow, labels: Labels) -> list[Cell]:
    return [
        row.learner_id,
        row.name,
        labels.source(row.source),
        labels.organisation(row.organisation),
        labels.country(row.country),
        labels.gender(row.gender),
        labels.age_band(row.age_band),
        labels.vulnerable_group(row.vulnerable_group),
        _local_date(row.first_seen, labels.tr),
        labels.yes(row.erased),
        row.sessions_attended,
        row.modules_completed,
    ]


def session_values(row: SessionRow, labels: Labels, threshold: int | None) -> list[Cell]:
    """``threshold`` suppresses small counts and averages (scoped coordinators)."""
    info = row.training
    local = info.starts_at.astimezone(labels.tr.zone)

    def count(value: int) -> Cell:
        if threshold is None:
            return value
        shown = indicators.suppress(value, threshold)
        return int(shown) if shown.isdigit() else shown

    average = row.average_rating
    if threshold is not None:
        average = indicators.shown_average(average, row.ratings, threshold)
    return [
        info.title,
        local.date(),
        local.time().replace(second=0, microsecond=0, tzinfo=None),
        info.duration_minutes,
        labels.country(info.country),
        labels.module(info.module_id),
        info.trainer,
        LANGUAGES[info.language].native_name if info.language in LANGUAGES else info.language,
        info.capacity,
        labels.tr._(SESSION_STATES[row.state]),
        count(row.registered),
        count(row.apologised),
        count(row.attended),
        count(row.ratings),
        round(average, 2) if average is not None else None,
    ]


def learning_values(row: LearningRow, labels: Labels) -> list[Cell]:
    return [
        row.learner_id,
        labels.module(row.module_id),
        _local_date(row.started_at, labels.tr),
        _local_date(row.completed_at, labels.tr),
        row.pre_percent,
        row.best_post_percent,
        row.post_attempts,
        row.gain,
    ]


def indicator_tables(
    tr: Translator, result: indicators.Indicators, labels: Labels, threshold: int
) -> list[list[Cell]]:
    """The Indicators sheet as rows: the headline, then the breakdowns. Counts of people
    below ``threshold`` are "<5"; averages over fewer than ``threshold`` are left empty."""

    def people(value: int) -> Cell:
        shown = indicators.suppress(value, threshold)
        return int(shown) if shown.isdigit() else shown

    def average(value: float | None, count: int) -> Cell:
        shown = indicators.shown_average(value, count, threshold)
        return round(shown, 1) if shown is not None else None

    rows: list[list[Cell]] = [
        [plain(tr._("Indicator")), plain(tr._("Value"))],
        [tr._("People trained"), people(result.people_trained)],
        [tr._("Attendances"), people(result.attendances)],
        [tr._("Sessions held"), result.sessions_held],
        [tr._("People who completed a module"), people(result.people_completed)],
        [
            tr._("Average knowledge gain (percentage points)"),
            average(result.average_gain, result.gain_pairs),
        ],
        [tr._("People and modules with a pre-test and a post-test"), people(result.gain_pairs)],
        [
            tr._("Average feedback (1 to 5)"),
            average(result.average_feedback, result.feedback_count),
        ],
        [tr._("Ratings"), people(result.feedback_count)],
        [],
    ]
    measures = [
        tr._("People trained"),
        tr._("Attendances"),
        tr._("People who completed a module"),
        tr._("Average knowledge gain (percentage points)"),
        tr._("Average feedback (1 to 5)"),
    ]

    def cells(measure: indicators.Measures) -> list[Cell]:
        return [
            people(measure.people_trained),
            people(measure.attendances),
            people(measure.people_completed),
            average(measure.average_gain, measure.gain_pairs),
            average(measure.average_feedback, measure.feedback_count),
        ]

    rows.append([tr._("By country, gender and age band")])
    rows.append([tr._("Country"), tr._("Gender"), tr._("Age band"), *measures])
    for item in result.rows(Dimension.COUNTRY_GENDER_AGE):
        names = [labels.breakdown_value(index, value) for index, value in enumerate(item.values)]
        rows.append([*names, *cells(item.measures)])
    rows.append([])
    rows.append([tr._("By vulnerable group (only people who consented to be asked)")])
    rows.append([tr._("Vulnerable group"), *measures])
    for item in result.rows(Dimension.VULNERABLE_GROUP):
        rows.append([labels.vulnerable_group(item.values[0]), *cells(item.measures)])
    rows.append([])
    rows.append([tr._("Sessions held by country")])
    rows.append([tr._("Country"), tr._("Sessions held")])
    for country, count in result.sessions_by_country.items():
        rows.append([labels.breakdown_value(0, country), count])
    return [[plain(value) if isinstance(value, str) else value for value in row] for row in rows]


_EXCEL_EPOCH = date(1899, 12, 30)
_INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
_ONE_SECOND = timedelta(microseconds=1)


def sheet_title(tr: Translator, sheet: Sheet, taken: set[str]) -> str:
    """The sheet's name in the coordinator's language, as Excel allows it (31 characters,
    none of []:*?/\\, unique regardless of case)."""
    base = _INVALID_SHEET_CHARACTERS.sub(" ", plain(tr._(SHEET_NAMES[sheet]))).strip("' ")[:31]
    name = base or sheet.value
    number = 2
    while name.lower() in taken:
        suffix = f" {number}"
        name = f"{base[: 31 - len(suffix)]}{suffix}"
        number += 1
    taken.add(name.lower())
    return name


class _XlsxSheet:
    """One worksheet: a bold header row frozen in place, column widths, typed cells."""

    def __init__(self, workbook: xlsxwriter.Workbook, name: str, columns: Sequence[Column]):
        self.sheet: Worksheet = workbook.add_worksheet(name)
        self.formats = _Formats.of(workbook)
        self.kinds = [column.kind for column in columns]
        self.row = 0
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, column.width)
            self.sheet.write_string(0, index, column.header, self.formats.header)
        self.sheet.freeze_panes(1, 0)
        self.row = 1
        self._writers = [self._writer(kind) for kind in self.kinds]

    def _writer(self, kind: Kind) -> Callable[[int, int, Any], None]:
        sheet, formats = self.sheet, self.formats
        if kind is Kind.DATE:

            def write_date(row: int, column: int, value: Any) -> None:
                sheet.write_number(row, column, (value - _EXCEL_EPOCH).days, formats.date)

            return write_date
        if kind is Kind.TIME:

            def write_time(row: int, column: int, value: Any) -> None:
                seconds = value.hour * 3600 + value.minute * 60 + value.second
                sheet.write_number(row, column, seconds / 86400, formats.time)

            return write_time

        def write_any(row: int, column: int, value: Any) -> None:
            if isinstance(value, str):
                sheet.write_string(row, column, value)
            elif kind is Kind.DECIMAL:
                sheet.write_number(row, column, value, formats.decimal)
            else:
                sheet.write_number(row, column, value)

        return write_any

    def write(self, values: Sequence[Cell]) -> None:
        row = self.row
        for column, (writer, value) in enumerate(zip(self._writers, values, strict=True)):
            if value is not None:
                writer(row, column, value)
        self.row = row + 1


@dataclass(frozen=True)
class _Formats:
    header: Format
    title: Format
    date: Format
    time: Format
    decimal: Format
    wrap: Format

    @classmethod
    def of(cls, workbook: xlsxwriter.Workbook) -> _Formats:
        cached: _Formats | None = getattr(workbook, "_kapacitet_formats", None)
        if cached is None:
            cached = cls(
                header=workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF7"}),
                title=workbook.add_format({"bold": True, "font_size": 14}),
                date=workbook.add_format({"num_format": "yyyy-mm-dd"}),
                time=workbook.add_format({"num_format": "hh:mm"}),
                decimal=workbook.add_format({"num_format": "0.0#"}),
                wrap=workbook.add_format({"text_wrap": True, "valign": "top"}),
            )
            workbook._kapacitet_formats = cached
        return cached


Progress = Callable[[int], None]
"""Told how many more rows were written."""


@dataclass
class ExportSummary:
    """What a file holds: its sheets and their row counts (headers not counted)."""

    export_format: ExportFormat
    rows: dict[Sheet, int] = field(default_factory=dict)


def _about_rows(
    tr: Translator,
    request: ExportRequest,
    labels: Labels,
    now: datetime,
    sheets: Sequence[Sheet],
    threshold: int,
) -> list[tuple[str, str]]:
    names = ", ".join(plain(tr._(SHEET_NAMES[sheet])) for sheet in sheets if sheet != Sheet.ABOUT)
    rows = [
        (tr._("Made on"), f"{tr.date_time(now)} ({tr.zone.key})"),
        (tr._("Period"), describe_period(tr, request.period)),
        (tr._("Filters"), describe_filters(tr, request.filters, labels)),
        (tr._("Scope"), describe_scope(tr, request.scope, labels)),
        (tr._("Sheets"), names),
        (
            tr._("Dates"),
            tr._("Local dates and times in {zone}.", zone=tr.zone.key),
        ),
        (
            tr._("Privacy"),
            tr._(
                "Names and profiles appear only for people who gave their consent; people "
                "who erased their data appear with their number only. The vulnerable group "
                "appears only with the separate consent for it."
            ),
        ),
        (
            tr._("Small numbers"),
            tr._(
                "In the indicator tables, numbers of people below {threshold} are shown as "
                "<{threshold}, and averages over fewer than {threshold} people are left empty, "
                "so that nobody can be singled out.",
                threshold=threshold,
            ),
        ),
    ]
    if not request.scope.is_full:
        rows.append(
            (
                tr._("Rows about single people"),
                tr._(
                    "Attendance, Participants and Learning are only exported for coordinators "
                    "without a country or organisation limit."
                ),
            )
        )
    return [(plain(label), plain(value)) for label, value in rows]


def _write_about(
    workbook: xlsxwriter.Workbook, name: str, rows: Sequence[tuple[str, str]], title: str
) -> None:
    formats = _Formats.of(workbook)
    sheet = workbook.add_worksheet(name)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 90, formats.wrap)
    sheet.write_string(0, 0, title, formats.title)
    for index, (label, value) in enumerate(rows, start=2):
        sheet.write_string(index, 0, label, formats.header)
        sheet.write_string(index, 1, value, formats.wrap)


async def write_xlsx(
    db: AsyncSession,
    target: str | Path | IO[bytes],
    *,
    request: ExportRequest,
    tr: Translator,
    now: datetime,
    threshold: int,
    module_titles: Mapping[str, str] | None = None,
    sheets: Sequence[Sheet] | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """Writes the workbook for ``request`` to ``target`` (a path or a binary file).

    ``sheets`` defaults to :func:`sheets_for` the request's scope; asking for a sheet the
    scope may not have raises ExportError ``sheet-not-allowed``. Headers, labels and dates
    follow ``tr`` (its language and time zone).
    """
    allowed = sheets_for(request.scope)
    chosen = tuple(sheets) if sheets is not None else allowed
    for sheet in chosen:
        if sheet not in allowed:
            raise ExportError("sheet-not-allowed", sheet)
    labels = Labels(tr, module_titles or {})
    summary = ExportSummary(ExportFormat.XLSX)
    output: Any = str(target) if isinstance(target, Path) else target
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    try:
        taken: set[str] = set()
        for sheet in chosen:
            name = sheet_title(tr, sheet, taken)
            if sheet is Sheet.ABOUT:
                about = _about_rows(tr, request, labels, now, chosen, threshold)
                _write_about(workbook, name, about, plain(tr._("Kapacitet export")))
                continue
            count = 0
            if sheet is Sheet.INDICATORS:
                count = await _write_indicators(db, workbook, name, request, tr, now, threshold)
            else:
                count = await _write_rows(
                    workbook,
                    name,
                    *_sheet_source(db, sheet, request, labels, now, threshold),
                    progress,
                )
            summary.rows[sheet] = count
        # Assembling the zip file is the long, blocking part: off the event loop.
        await asyncio.to_thread(workbook.close)
    except BaseException:
        _discard(workbook)
        raise
    return summary


def _discard(workbook: xlsxwriter.Workbook) -> None:
    """Removes the temporary files of a workbook that will not be closed."""
    for worksheet in workbook.worksheets():
        handle = getattr(worksheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()
        filename = getattr(worksheet, "row_data_filename", None)
        if filename:
            Path(filename).unlink(missing_ok=True)


def _sheet_source(
    db: AsyncSession,
    sheet: Sheet,
    request: ExportRequest,
    labels: Labels,
    now: datetime,
    threshold: int,
) -> tuple[list[Column], AsyncIterator[list[Any]], Callable[[Any], list[Cell]]]:
    tr = labels.tr
    if sheet is Sheet.ATTENDANCE:
        return (
            attendance_columns(tr),
            attendance_rows(db, request),
            lambda row: attendance_values(row, labels),
        )
    if sheet is Sheet.PARTICIPANTS:
        return (
            participant_columns(tr),
            participant_rows(db, request),
            lambda row: participant_values(row, labels),
        )
    if sheet is Sheet.LEARNING:
        return (
            learning_columns(tr),
            learning_rows(db, request),
            lambda row: learning_values(row, labels),
        )
    if sheet is Sheet.SESSIONS:
        suppressed = not request.scope.is_full
        limit = threshold if suppressed else None
        return (
            session_columns(tr, suppressed=suppressed),
            session_rows(db, request, now=now),
            lambda row: session_values(row, labels, limit),
        )
    raise ValueError(sheet)


async def _write_rows(
    workbook: xlsxwriter.Workbook,
    name: str,
    columns: list[Column],
    chunks: AsyncIterator[list[Any]],
    values: Callable[[Any], list[Cell]],
    progress: Progress | None,
) -> int:
    target = _XlsxSheet(workbook, name, columns)
    count = 0
    async for chunk in chunks:
        for row in chunk:
            target.write(values(row))
        count += len(chunk)
        if progress is not None:
            progress(len(chunk))
    if count:
        target.sheet.autofilter(0, 0, count, len(columns) - 1)
    return count


async def _write_indicators(
    db: AsyncSession,
    workbook: xlsxwriter.Workbook,
    name: str,
    request: ExportRequest,
    tr: Translator,
    now: datetime,
    threshold: int,
) -> int:
    result = await indicators.compute(
        db, scope=request.scope, period=request.period, filters=request.filters, now=now
    )
    formats = _Formats.of(workbook)
    sheet = workbook.add_worksheet(name)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 7, 16)
    rows = indicator_tables(tr, result, Labels(tr), threshold)
    headings = {0}
    for index, row in enumerate(rows):
        if index and len(row) == 1:
            headings.add(index)
            headings.add(index + 1)
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                style = formats.header if index in headings else None
                sheet.write_string(index, column, value, style)
            elif isinstance(value, float):
                sheet.write_number(index, column, value, formats.decimal)
            else:
                sheet.write_number(index, column, value)
    sheet.freeze_panes(1, 0)
    return len(rows)


# -- CSV -----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Cell) -> str:
    """A cell for CSV: dates as ISO, and text that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``) prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


async def write_csv(
    db: AsyncSession,
    target: IO[bytes],
    *,
    request: ExportRequest,
    tr: Translator,
    module_titles: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """The Attendance sheet as CSV, UTF-8 with a byte order mark (Excel then reads
    Cyrillic and ë right), comma-separated, dates as YYYY-MM-DD. Full scope only."""
    check_allowed(request.scope, ExportFormat.CSV)
    labels = Labels(tr, module_titles or {})
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    count = 0
    try:
        writer = csv.writer(text)
        writer.writerow([column.header for column in attendance_columns(tr)])
        async for chunk in attendance_rows(db, request):
            writer.writerows(
                [csv_safe(value) for value in attendance_values(row, labels)] for row in chunk
            )
            count += len(chunk)
            if progress is not None:
                progress(len(chunk))
        text.flush()
    finally:
        text.detach()
    return ExportSummary(ExportFormat.CSV, {Sheet.ATTENDANCE: count})


# -- the record ----------------------------------------------------------------------------------


async def record_export(
    db: AsyncSession,
    *,
    actor_id: int | None,
    request: ExportRequest,
    summary: ExportSummary,
    now: datetime,
) -> None:
    """The audit log's entry for an export: who, when, what (no personal data)."""
    period = request.period
    await audit.record(
        db,
        actor_id=actor_id,
        action="export.create",
        subject_type="export",
        subject_id=actor_id or 0,
        details={
            "format": summary.export_format.value,
            "period": [
                period.start.isoformat() if period.start else None,
                period.end.isoformat() if period.end else None,
            ],
            "filters": {
                "country": request.filters.country,
                "organisation": request.filters.organisation,
                "module": request.filters.module,
            },
            "scope": {
                "countries": sorted(request.scope.countries or ()),
                "organisations": sorted(request.scope.organisations or ()),
                "full": request.scope.is_full,
            },
            "rows": {sheet.value: count for sheet, count in summary.rows.items()},
        },
        now=now,
    )
