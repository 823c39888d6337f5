"""The columns of every sheet (header, kind, width) and the cells of a row, in the
coordinator's language; the Indicators sheet as a table of cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.i18n.translator import N_, Translator
from bot.services.exports.labels import Labels, plain
from bot.services.exports.rows import AttendanceRow, LearningRow, ParticipantRow, SessionRow


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    TIME = "time"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    width: float


Cell = str | int | float | date | time | None

_WIDTHS = {
    Kind.TEXT: 18.0,
    Kind.INT: 10.0,
    Kind.DECIMAL: 10.0,
    Kind.DATE: 12.0,
    Kind.TIME: 8.0,
}

CODE = "code"
"""A column of codes, ids or 0/1 flags: its header is the code itself (``session_id``),
the same in every language, like its values, so that a pivot table or a BI model made on
one language's file works on every other's (docs/reporting.md, "The export's columns")."""

Spec = tuple[str, Kind, float | None] | tuple[str, Kind, float | None, str]


def _columns(tr: Translator, spec: Sequence[Spec]) -> list[Column]:
    columns = []
    for header, kind, width, *code in spec:
        text = header if code else plain(tr._(header))
        columns.append(Column(text, kind, max(width or _WIDTHS[kind], min(len(text) + 2, 40))))
    return columns


def attendance_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            ("session_id", Kind.INT, None, CODE),
            (N_("Session"), Kind.TEXT, 36),
            (N_("Date"), Kind.DATE, None),
            ("session_country", Kind.TEXT, None, CODE),
            (N_("Session country"), Kind.TEXT, None),
            ("module_id", Kind.TEXT, 16, CODE),
            (N_("Module"), Kind.TEXT, 30),
            ("session_language", Kind.TEXT, None, CODE),
            (N_("Session language"), Kind.TEXT, None),
            ("trainer_id", Kind.TEXT, 14, CODE),
            (N_("Trainer"), Kind.TEXT, 20),
            ("person_id", Kind.TEXT, 14, CODE),
            (N_("Name"), Kind.TEXT, 24),
            (N_("Organisation"), Kind.TEXT, 28),
            ("person_country", Kind.TEXT, None, CODE),
            (N_("Person's country"), Kind.TEXT, None),
            ("gender", Kind.TEXT, None, CODE),
            (N_("Gender"), Kind.TEXT, None),
            ("age_band", Kind.TEXT, None, CODE),
            (N_("Age band"), Kind.TEXT, None),
            ("status", Kind.TEXT, None, CODE),
            (N_("Status"), Kind.TEXT, 14),
            ("attended", Kind.INT, None, CODE),
            ("erased", Kind.INT, None, CODE),
        ],
    )


def participant_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            ("person_id", Kind.TEXT, 14, CODE),
            (N_("Name"), Kind.TEXT, 24),
            ("source", Kind.TEXT, None, CODE),
            (N_("Source"), Kind.TEXT, 12),
            (N_("Organisation"), Kind.TEXT, 28),
            ("person_country", Kind.TEXT, None, CODE),
            (N_("Person's country"), Kind.TEXT, None),
            ("gender", Kind.TEXT, None, CODE),
            (N_("Gender"), Kind.TEXT, None),
            ("age_band", Kind.TEXT, None, CODE),
            (N_("Age band"), Kind.TEXT, None),
            ("vulnerable_group", Kind.TEXT, None, CODE),
            (N_("Vulnerable group"), Kind.TEXT, 24),
            ("language", Kind.TEXT, None, CODE),
            (N_("Language"), Kind.TEXT, 12),
            (N_("First seen"), Kind.DATE, None),
            ("erased", Kind.INT, None, CODE),
            (N_("Sessions attended"), Kind.INT, None),
            (N_("Modules completed"), Kind.INT, None),
        ],
    )


def session_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            ("session_id", Kind.INT, None, CODE),
            (N_("Session"), Kind.TEXT, 36),
            (N_("Date"), Kind.DATE, None),
            (N_("Start"), Kind.TIME, None),
            (N_("Minutes"), Kind.INT, None),
            ("session_country", Kind.TEXT, None, CODE),
            (N_("Session country"), Kind.TEXT, None),
            ("module_id", Kind.TEXT, 16, CODE),
            (N_("Module"), Kind.TEXT, 30),
            ("trainer_id", Kind.TEXT, 14, CODE),
            (N_("Trainer"), Kind.TEXT, 20),
            ("session_language", Kind.TEXT, None, CODE),
            (N_("Session language"), Kind.TEXT, 10),
            (N_("Places"), Kind.INT, None),
            ("state", Kind.TEXT, None, CODE),
            (N_("State"), Kind.TEXT, 16),
            (N_("Registered"), Kind.INT, None),
            (N_("Apologised"), Kind.INT, None),
            (N_("Attended"), Kind.INT, None),
            (N_("Ratings"), Kind.INT, None),
            (N_("Average feedback"), Kind.DECIMAL, None),
            ("counts_rounded", Kind.INT, None, CODE),
            ("average_suppressed", Kind.INT, None, CODE),
        ],
    )


def learning_columns(tr: Translator) -> list[Column]:
    return _columns(
        tr,
        [
            ("person_id", Kind.TEXT, 14, CODE),
            ("module_id", Kind.TEXT, 16, CODE),
            (N_("Module"), Kind.TEXT, 30),
            (N_("Started"), Kind.DATE, None),
            (N_("Completed"), Kind.DATE, None),
            (N_("Pre-test %"), Kind.INT, None),
            (N_("Best post-test %"), Kind.INT, None),
            (N_("Post-tests"), Kind.INT, None),
            (N_("Gain (points)"), Kind.DECIMAL, None),
            (N_("Matched items"), Kind.INT, None),
        ],
    )


def _local_date(moment: datetime | None, tr: Translator) -> date | None:
    return moment.astimezone(tr.zone).date() if moment is not None else None


def _flag(value: bool) -> int:
    return 1 if value else 0


def attendance_values(row: AttendanceRow, labels: Labels) -> list[Cell]:
    info = row.training
    return [
        info.id,
        info.title,
        _local_date(info.starts_at, labels.tr),
        info.country,
        labels.country(info.country),
        info.module_id,
        labels.module(info.module_id),
        info.language,
        labels.language(info.language),
        info.trainer_pseudonym,
        info.trainer,
        row.person_id,
        row.name,
        labels.organisation(row.organisation),
        row.country,
        labels.country(row.country),
        row.gender,
        labels.gender(row.gender),
        row.age_band,
        labels.age_band(row.age_band),
        row.status,
        labels.status(row.status),
        row.attended,
        _flag(row.erased),
    ]


def participant_values(row: ParticipantRow, labels: Labels) -> list[Cell]:
    return [
        row.person_id,
        row.name,
        row.source,
        labels.source(row.source),
        labels.organisation(row.organisation),
        row.country,
        labels.country(row.country),
        row.gender,
        labels.gender(row.gender),
        row.age_band,
        labels.age_band(row.age_band),
        row.vulnerable_group,
        labels.vulnerable_group(row.vulnerable_group),
        row.language,
        labels.language(row.language),
        _local_date(row.first_seen, labels.tr),
        _flag(row.erased),
        row.sessions_attended,
        row.modules_completed,
    ]


def session_values(row: SessionRow, labels: Labels) -> list[Cell]:
    """The row as it comes (for a limited scope, already rounded: ``shown_sessions``)."""
    info = row.training
    local = info.starts_at.astimezone(labels.tr.zone)
    average = row.average_rating
    return [
        info.id,
        info.title,
        local.date(),
        local.time().replace(second=0, microsecond=0, tzinfo=None),
        info.duration_minutes,
        info.country,
        labels.country(info.country),
        info.module_id,
        labels.module(info.module_id),
        info.trainer_pseudonym,
        info.trainer,
        info.language,
        labels.language(info.language),
        info.capacity,
        row.state,
        labels.session_state(row.state),
        row.registered,
        row.apologised,
        row.attended,
        row.ratings,
        round(average, 2) if average is not None else None,
        _flag(row.rounded),
        _flag(row.average_suppressed),
    ]


def learning_values(row: LearningRow, labels: Labels) -> list[Cell]:
    return [
        row.person_id,
        row.module_id,
        labels.module(row.module_id),
        _local_date(row.started_at, labels.tr),
        _local_date(row.completed_at, labels.tr),
        row.pre_percent,
        row.best_post_percent,
        row.post_attempts,
        round(row.gain, 1) if row.gain is not None else None,
        row.gain_items,
    ]
