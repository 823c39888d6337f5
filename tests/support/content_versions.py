"""Builders for the stored versions of the curriculum and the editors' workbooks."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Learner
from bot.services import content_sync, content_versions


async def make_content_draft(db: AsyncSession, editor: Learner, module_id: str) -> int:
    """The shipped modules stored, and a draft of ``module_id`` whose English title the
    ``editor`` changed; returns the draft's number."""
    assert editor.id is not None
    await content_sync.sync_shipped(db)
    files = await content_versions.latest_draft_or_published(db, module_id)
    files["en"]["title"] = files["en"]["title"] + " (2027)"
    row = await content_versions.save_draft(db, module_id, files, editor.id, {"en"})
    return row.number


def workbook_rows(data: bytes, sheet: str) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def edit_workbook(data: bytes, cells: dict[str, str]) -> bytes:
    """The workbook with ``cells`` (``"sq!C7"``: text) changed, as an editor saves it."""
    book = load_workbook(io.BytesIO(data))
    for reference, text in cells.items():
        sheet, cell = reference.split("!")
        book[sheet][cell] = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(data: bytes, sheet: str, field: str) -> int:
    """The row number of a text (``cards.card-3``) in a language's sheet."""
    for number, row in enumerate(workbook_rows(data, sheet), start=1):
        if row[0] == field:
            return number
    raise AssertionError(f"no row {field} in {sheet}")
