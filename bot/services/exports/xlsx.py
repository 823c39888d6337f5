"""The XLSX workbook: About first, then the sheets the scope allows, each with a bold header
row frozen in place, column widths and typed cells.

Written through XlsxWriter's ``constant_memory`` mode as the rows come, a chunk at a time,
so memory does not grow with the number of rows.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.translator import Translator
from bot.services.exports import items_sheet
from bot.services.exports.columns import (
    Cell,
    Column,
    Kind,
    attendance_columns,
    attendance_values,
    learning_columns,
    learning_values,
    participant_columns,
    participant_values,
    session_columns,
    session_values,
)
from bot.services.exports.labels import (
    SHEET_NAMES,
    Labels,
    describe_filters,
    describe_period,
    describe_scope,
    plain,
)
from bot.services.exports.people_sheets import learning_rows, participant_rows
from bot.services.exports.record import ExportSummary, Progress
from bot.services.exports.request import ExportFormat, ExportRequest, Sheet, check_sheets

if TYPE_CHECKING:
    import xlsxwriter  # type: ignore[import-untyped]
    from xlsxwriter.format import Format  # type: ignore[import-untyped]
    from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

# XlsxWriter is imported on the first export, not when the bot starts
# (tests/test_startup_imports.py).
from bot.services.exports.session_sheets import attendance_rows, shown_session_rows
from bot.services.exports.targets_sheet import write_targets
from bot.services.indicators import Disclosure, output, registry, tables

_EXCEL_EPOCH = date(1899, 12, 30)
_INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


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


def _small_numbers(tr: Translator, disclosure: Disclosure) -> str:
    if disclosure.exact:
        return tr._(
            "The figures are exact (full scope). Before you share a table about people "
            "beyond the team, round it as the bot does for coordinators with a limited "
            "scope: no group of fewer than {threshold} people may be told apart.",
            threshold=disclosure.threshold,
        )
    return tr._(
        "Your scope is limited, so every number of people is rounded to a multiple of "
        "{base}: a total to the nearest one, and the figures of a table each down or up so "
        "that they add up to the table's rounded total. A figure may be up to {error} away "
        "from the exact one, and nothing can be worked out by subtracting. Averages over "
        "fewer than {threshold} answers are left empty, and so is one more where the "
        "answers left out would otherwise be fewer than {threshold}. Rows that would show "
        "only zeros are left out.",
        base=disclosure.base,
        error=disclosure.largest_error,
        threshold=disclosure.threshold,
    )


def _about_rows(
    tr: Translator,
    request: ExportRequest,
    labels: Labels,
    now: datetime,
    sheets: Sequence[Sheet],
    disclosure: Disclosure,
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
        (tr._("Small numbers"), _small_numbers(tr, disclosure)),
        (
            tr._("Codes and ids"),
            tr._(
                "Columns whose header is in lowercase with underscores (session_id, "
                "person_id, session_country, gender, status, attended…) hold codes, ids and "
                "0/1 flags: the same in a file made in any language, so build pivot tables "
                "on them. person_id is a random id, the same in every export, that says "
                "nothing about the person; a name appears only where the person agreed to "
                "be named. An empty number with a flag beside it was left out by the "
                "small-number rule."
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
    chosen = check_sheets(request.scope, sheets)
    disclosure = Disclosure.for_scope(request.scope, threshold)
    labels = Labels(tr, module_titles or {})
    summary = ExportSummary(ExportFormat.XLSX)
    output: Any = str(target) if isinstance(target, Path) else target
    import xlsxwriter

    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    try:
        taken: set[str] = set()
        for sheet in chosen:
            name = sheet_title(tr, sheet, taken)
            if sheet is Sheet.ABOUT:
                about = _about_rows(tr, request, labels, now, chosen, disclosure)
                _write_about(workbook, name, about, plain(tr._("Kapacitet export")))
                continue
            count = 0
            if sheet is Sheet.INDICATORS:
                report = await _report(db, request, now, threshold)
                count = _write_indicators(workbook, name, report, tr)
            elif sheet is Sheet.DEFINITIONS:
                count = _write_definitions(workbook, name, disclosure, tr)
            elif sheet is Sheet.TARGETS:
                count = await write_targets(db, workbook, name, request, tr, now, threshold)
            else:
                count = await _write_rows(
                    workbook,
                    name,
                    *_sheet_source(db, sheet, request, labels, now, disclosure),
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
    disclosure: Disclosure,
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
    if sheet is Sheet.ITEMS:
        return items_sheet.source(db, request, labels, disclosure)
    if sheet is Sheet.SESSIONS:
        return (
            session_columns(tr),
            shown_session_rows(db, request, now=now, disclosure=disclosure),
            lambda row: session_values(row, labels),
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


async def _report(
    db: AsyncSession, request: ExportRequest, now: datetime, threshold: int
) -> tables.Report:
    return await tables.make_report(
        db,
        scope=request.scope,
        period=request.period,
        filters=request.filters,
        now=now,
        threshold=threshold,
    )


def _write_indicators(
    workbook: xlsxwriter.Workbook, name: str, report: tables.Report, tr: Translator
) -> int:
    """The Indicators sheet (bot/services/indicators/output.py): numbers as numbers, an
    empty cell where a value is not shown, the codes beside the labels."""
    formats = _Formats.of(workbook)
    styles = {"header": formats.header, "title": formats.title, "note": None, "": None}
    sheet = workbook.add_worksheet(name)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 2, 14)
    sheet.set_column(3, 4, 24)
    sheet.set_column(5, 12, 16)
    rows = output.indicator_rows(tr, report)
    for index, (style, row) in enumerate(rows):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(index, column, plain(value), styles[style])
            elif isinstance(value, float):
                sheet.write_number(index, column, value, formats.decimal)
            else:
                sheet.write_number(index, column, value)
    sheet.freeze_panes(1, 0)
    return len(rows)


def _write_definitions(
    workbook: xlsxwriter.Workbook, name: str, disclosure: Disclosure, tr: Translator
) -> int:
    """The Definitions sheet: each indicator's definition, source view and suppression
    rule, from the registry (bot/services/indicators/registry.py)."""
    formats = _Formats.of(workbook)
    sheet = workbook.add_worksheet(name)
    for column, width in enumerate((22, 30, 70, 22, 22, 70, 50)):
        sheet.set_column(column, column, width, formats.wrap)
    for index, row in enumerate(output.definition_rows(tr, disclosure)):
        style = formats.header if index == 0 else formats.wrap
        for column, value in enumerate(row):
            sheet.write_string(index, column, plain(value), style)
    sheet.freeze_panes(1, 0)
    return len(registry.DEFINITIONS)
