"""The Items sheet: the item analysis (``services/items.py``) of the request's scope and
period, one row per question and language. Written through the driver like any row sheet
(``xlsx._sheet_source``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import N_
from bot.services import items
from bot.services.exports.columns import Cell, Column, Kind, _columns
from bot.services.exports.labels import Labels
from bot.services.exports.request import ExportRequest
from bot.services.indicators import Disclosure


def item_columns(labels: Labels) -> list[Column]:
    return _columns(
        labels.tr,
        [
            (N_("Module"), Kind.TEXT, 30),
            (N_("Question"), Kind.TEXT, 24),
            (N_("Language"), Kind.TEXT, 14),
            (N_("Answers"), Kind.INT, None),
            (N_("Share correct %"), Kind.DECIMAL, None),
            (N_("Discrimination"), Kind.DECIMAL, None),
            (N_("Other languages: share correct %"), Kind.DECIMAL, None),
            (N_("Flagged: check the translation"), Kind.TEXT, 16),
        ],
    )


def item_values(row: items.ItemStats, labels: Labels) -> list[Cell]:
    def share(value: float | None) -> Cell:
        return round(100 * value, 1) if value is not None else None

    language = LANGUAGES.get(row.language)
    return [
        labels.module(row.module_id),
        row.question_id,
        language.native_name if language is not None else row.language,
        row.answers,
        share(row.share_correct),
        round(row.discrimination, 2) if row.discrimination is not None else None,
        share(row.others_share),
        labels.yes(row.flagged),
    ]


async def item_rows(
    db: AsyncSession, request: ExportRequest, disclosure: Disclosure
) -> AsyncIterator[list[items.ItemStats]]:
    found = await items.analyse(db, request.scope, request.period, request.filters, disclosure)
    if found:
        yield found


def source(
    db: AsyncSession, request: ExportRequest, labels: Labels, disclosure: Disclosure
) -> tuple[list[Column], AsyncIterator[list[Any]], Callable[[Any], list[Cell]]]:
    """The sheet for the workbook driver: columns, rows, values."""
    return (
        item_columns(labels),
        item_rows(db, request, disclosure),
        lambda row: item_values(row, labels),
    )
