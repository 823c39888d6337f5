"""Making an export file: the one driver behind ``/export`` and ``python -m bot export``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.translator import Translator
from bot.services.exports.csv import write_csv
from bot.services.exports.labels import filename
from bot.services.exports.record import ExportSummary, Progress
from bot.services.exports.request import ExportFormat, ExportRequest, Sheet
from bot.services.exports.xlsx import write_xlsx
from bot.services.indicators import output, tables


@dataclass(frozen=True)
class ExportFile:
    """A file that was made: the name to give it, its size in bytes and what it holds."""

    name: str
    size: int
    summary: ExportSummary


async def make(
    db: AsyncSession,
    target: IO[bytes],
    request: ExportRequest,
    export_format: ExportFormat,
    *,
    tr: Translator,
    now: datetime,
    threshold: int,
    module_titles: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ExportFile:
    """Writes the file of ``request`` in ``export_format`` to ``target``: the workbook with
    every sheet the scope allows, or the Attendance sheet as CSV. Raises ExportError when
    the scope may not have that format. Recording it is the caller's part
    (:func:`~bot.services.exports.record.record_export`), once the file is delivered."""
    if export_format is ExportFormat.CSV:
        summary = await write_csv(
            db, target, request=request, tr=tr, module_titles=module_titles, progress=progress
        )
    else:
        summary = await write_xlsx(
            db,
            target,
            request=request,
            tr=tr,
            now=now,
            threshold=threshold,
            module_titles=module_titles,
            progress=progress,
        )
    return ExportFile(filename(request, export_format, now, tr), target.tell(), summary)


def indicators_filename(workbook_name: str) -> str:
    """The tidy CSV beside a workbook: ``kapacitet-2026-01-01-2026-12-31-indicators.csv``."""
    stem = workbook_name.rsplit(".", 1)[0]
    return f"{stem}-indicators.csv"


async def make_indicators_csv(
    db: AsyncSession,
    target: IO[bytes],
    request: ExportRequest,
    *,
    tr: Translator,
    now: datetime,
    threshold: int,
) -> ExportFile:
    """Writes the long ("tidy") CSV of the workbook's indicator values to ``target``: one
    line per indicator, period, dimension and group, with the small-number rule of the
    request's scope (bot/services/indicators/output.py)."""
    report = await tables.make_report(
        db,
        scope=request.scope,
        period=request.period,
        filters=request.filters,
        now=now,
        threshold=threshold,
    )
    lines = output.write_tidy(target, report, tables.period_code(request.period, tr.zone))
    summary = ExportSummary(ExportFormat.CSV)
    summary.rows[Sheet.INDICATORS] = lines
    name = indicators_filename(filename(request, ExportFormat.XLSX, now, tr))
    return ExportFile(name, target.tell(), summary)
