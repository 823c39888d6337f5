"""Exports for coordinators: the rows of every sheet (Attendance, Participants, Sessions,
Learning, Indicators), and the XLSX and CSV files made of them, within the scope of whoever
asked. The raw sheets and CSV (rows about single people) are for full scope only; names
and profiles only appear with consent. docs/reporting.md describes the sheets."""

from bot.services.exports import conversation
from bot.services.exports.columns import Cell, Column, Kind
from bot.services.exports.counts import count_rows
from bot.services.exports.csv import csv_safe, write_csv
from bot.services.exports.file import ExportFile, indicators_filename, make, make_indicators_csv
from bot.services.exports.labels import (
    Labels,
    describe_filters,
    describe_period,
    describe_scope,
    filename,
    module_titles,
    plain,
)
from bot.services.exports.people_sheets import learning_rows, participant_rows
from bot.services.exports.record import ExportSummary, Progress, record_export
from bot.services.exports.request import (
    MAX_PERIOD_YEAR,
    MIN_PERIOD_YEAR,
    RAW_SHEETS,
    ExportError,
    ExportFormat,
    ExportRequest,
    Reason,
    Sheet,
    check_allowed,
    check_filters,
    check_sheets,
    clean_organisation,
    formats_for,
    parse_two_dates,
    sheets_for,
)
from bot.services.exports.rows import (
    AttendanceRow,
    LearningRow,
    ParticipantRow,
    SessionInfo,
    SessionRow,
)
from bot.services.exports.session_sheets import attendance_rows, session_rows
from bot.services.exports.xlsx import sheet_title, write_xlsx

__all__ = [
    "MAX_PERIOD_YEAR",
    "MIN_PERIOD_YEAR",
    "RAW_SHEETS",
    "AttendanceRow",
    "Cell",
    "Column",
    "ExportError",
    "ExportFile",
    "ExportFormat",
    "ExportRequest",
    "ExportSummary",
    "Kind",
    "Labels",
    "LearningRow",
    "ParticipantRow",
    "Progress",
    "Reason",
    "SessionInfo",
    "SessionRow",
    "Sheet",
    "attendance_rows",
    "check_allowed",
    "check_filters",
    "check_sheets",
    "clean_organisation",
    "conversation",
    "count_rows",
    "csv_safe",
    "describe_filters",
    "describe_period",
    "describe_scope",
    "filename",
    "formats_for",
    "indicators_filename",
    "learning_rows",
    "make",
    "make_indicators_csv",
    "module_titles",
    "parse_two_dates",
    "participant_rows",
    "plain",
    "record_export",
    "session_rows",
    "sheet_title",
    "sheets_for",
    "write_csv",
    "write_xlsx",
]
