"""The CSV file: the Attendance sheet, UTF-8 with a byte order mark, formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, time
from typing import IO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.translator import Translator
from bot.services.exports.columns import Cell, attendance_columns, attendance_values
from bot.services.exports.labels import Labels
from bot.services.exports.record import ExportSummary, Progress
from bot.services.exports.request import ExportFormat, ExportRequest, Sheet, check_allowed
from bot.services.exports.session_sheets import attendance_rows

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
