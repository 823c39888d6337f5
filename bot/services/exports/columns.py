"""The columns of every sheet (header, kind, width) and the cells of a row, in the
coordinator's language; the Indicators sheet as a table of cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.i18n.languages import LANGUAGES
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


def session_columns(tr: Translator) -> list[Column]:
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
            (N_("Registered"), Kind.INT, None),
            (N_("Apologised"), Kind.INT, None),
            (N_("Attended"), Kind.INT, None),
            (N_("Ratings"), Kind.INT, None),
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


def session_values(row: SessionRow, labels: Labels) -> list[Cell]:
    """The row as it comes (for a limited scope, already rounded: ``shown_sessions``)."""
    info = row.training
    local = info.starts_at.astimezone(labels.tr.zone)
    average = row.average_rating
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
        labels.session_state(row.state),
        row.registered,
        row.apologised,
        row.attended,
        row.ratings,
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
