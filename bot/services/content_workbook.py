"""A module as a workbook for editors and translators, and back.

One sheet per language, one row per text (title, summary, each card, each question, each
option, each explanation): its id, the English source beside it, the text, and its status.
The first sheet, ``module``, names the module and the version the workbook was made from.
A workbook sent back becomes the module's draft (``content_versions.save_draft``) after the
checks of ``content check``; each problem is named by its cell (``sq!C7``).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zipfile import BadZipFile

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import MODULE_KEY, Files, Problem
from bot.content.rules import GENERATED_LANGUAGES
from bot.content.texts import TRANSLATED_LANGUAGES
from bot.i18n.languages import LANGUAGE_CODES, SOURCE_LANGUAGE
from bot.models import ModuleVersion
from bot.services import content_versions, translation_review
from bot.services.content_versions import ContentVersionError, Reason
from bot.services.translation_review import TextStatus

ABOUT_SHEET = "module"
HEADER = ("id", "English", "Text", "Status")
TEXT_COLUMN = "C"
MAX_BYTES = 5 * 1024 * 1024
"""A module's workbook is some 100 kB; anything much bigger is not one."""


def text_fields(meta: dict[str, Any]) -> list[str]:
    """Every text of a module, in the order a learner meets them."""
    fields = ["title", "short_title", "summary"]
    fields += [f"cards.{card}" for card in meta.get("cards") or []]
    for question in meta.get("questions") or []:
        where = f"questions.{question['id']}"
        fields.append(f"{where}.text")
        fields += [f"{where}.options.{option}" for option in question.get("options") or []]
        fields.append(f"{where}.explanation")
    return fields


def _get(data: dict[str, Any] | None, path: str) -> str:
    value: Any = data or {}
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def _set(data: dict[str, Any], path: str, text: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    data[parts[-1]] = text


def _clean(value: object) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value)).strip()


def sheet_languages(files: Files) -> list[str]:
    return [code for code in LANGUAGE_CODES if code in files or code not in GENERATED_LANGUAGES]


STATUS_WORDS: dict[str, str] = {
    "source": "source",
    "missing": "missing",
    "machine": "machine-drafted",
    "translated": "translated",
    "reviewed": "reviewed",
    "needs_review": "needs review",
}
"""The words of the Status column, by what they say (the bot gives them in the editor's
language)."""


def status(
    code: str, text: str, review: TextStatus | None, words: dict[str, str] | None = None
) -> str:
    """The Status cell: the review state of the text (``review``; none: as shipped)."""
    words = words or STATUS_WORDS
    if code == SOURCE_LANGUAGE:
        return words["source"]
    if not text:
        return words["missing"]
    if review is None:
        return words["machine"]
    if review.needs_review:
        return words["needs_review"]
    return words[str(review.state)]


def export(
    files: Files,
    module_id: str,
    version: int,
    review: dict[str, dict[str, TextStatus]] | None = None,
    *,
    header: tuple[str, str, str, str] = HEADER,
    words: dict[str, str] | None = None,
) -> bytes:
    """The workbook of a module's files (``version``: the number they are, for the record;
    ``review``: each language's statuses by key; ``header`` and ``words``: the column names
    and status words, in the editor's language). Only the position of a column counts when
    the workbook comes back."""
    # openpyxl (with numpy and PIL, some 18 MiB) is imported on first use: an idle bot need
    # not hold it (tests/test_startup_imports.py).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = ABOUT_SHEET
    about.append(["module", module_id])
    about.append(["version", version])
    about.append(["how", "Change column C of a language's sheet, then send the file back."])
    fields = text_fields(files[MODULE_KEY])
    english = files.get(SOURCE_LANGUAGE)
    for code in sheet_languages(files):
        sheet = book.create_sheet(code)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for name in fields:
            source = _clean(_get(english, name))
            text = _clean(_get(files.get(code), name))
            found = (review or {}).get(code, {}).get(name)
            sheet.append([name, source, text, status(code, text, found, words)])
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["A"].width = 34
        for column in ("B", "C"):
            sheet.column_dimensions[column].width = 70
            for cell in sheet[column]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions["D"].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Parsed:
    module_id: str
    files: Files
    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    """(language, field) → the cell of its text, ``sq!C7``."""
    changed: dict[str, str] = field(default_factory=dict)
    """language → the first cell that changed."""


def parse(data: bytes, base_of: dict[str, Files]) -> Parsed:
    """The workbook's texts laid over the files it was made from (``base_of``: the module's
    current files by module id); raises ContentVersionError(INVALID) naming cells."""
    if len(data) > MAX_BYTES:
        raise ContentVersionError(Reason.BAD_FILE)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ContentVersionError(Reason.BAD_FILE) from None
    if ABOUT_SHEET not in book.sheetnames:
        raise ContentVersionError(Reason.BAD_FILE)
    about = {str(row[0]): row[1] for row in book[ABOUT_SHEET].iter_rows(values_only=True) if row}
    module_id = str(about.get("module") or "")
    if module_id not in base_of:
        raise ContentVersionError(Reason.NOT_FOUND, module_id[:24])
    base = base_of[module_id]
    files: Files = {key: _copy(value) for key, value in base.items()}
    fields = set(text_fields(base[MODULE_KEY]))
    parsed = Parsed(module_id, files)
    problems: list[Problem] = []
    for name in book.sheetnames:
        if name == ABOUT_SHEET:
            continue
        if name not in LANGUAGE_CODES:
            problems.append(Problem(f"{name}!A1", "-", "unknown language sheet"))
            continue
        language = files.setdefault(name, {})
        for number, row in enumerate(book[name].iter_rows(values_only=True), start=1):
            if number == 1 or not row or row[0] is None:
                continue
            key = str(row[0]).strip()
            cell = f"{name}!{TEXT_COLUMN}{number}"
            if key not in fields:
                problems.append(Problem(f"{name}!A{number}", key, "no such text in the module"))
                continue
            parsed.cells[(name, key)] = cell
            text = _clean(row[2] if len(row) > 2 else None)
            if text != _clean(_get(base.get(name), key)):
                _set(language, key, text)
                parsed.changed.setdefault(name, cell)
    if problems:
        raise ContentVersionError(Reason.INVALID, problems=tuple(problems))
    return parsed


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def located(problems: tuple[Problem, ...], parsed: Parsed) -> tuple[Problem, ...]:
    """Problems of the files named by the cell they come from (``sq!C7``), where one does."""
    found: list[Problem] = []
    for problem in problems:
        cell = parsed.cells.get((problem.file, problem.field)) or parsed.cells.get(
            (problem.file, f"{problem.field}.text")
        )
        found.append(Problem(cell or problem.file, problem.field, problem.message))
    return tuple(found)


async def review_of(db: AsyncSession, files: Files) -> dict[str, dict[str, TextStatus]]:
    """Each translated language's statuses by key, for the Status column."""
    return {
        language: await translation_review.statuses(db, files, language)
        for language in TRANSLATED_LANGUAGES
        if language in sheet_languages(files)
    }


async def import_workbook(
    db: AsyncSession, data: bytes, editor_id: int, today: date | None = None
) -> ModuleVersion:
    """A workbook sent back, as the module's draft; raises ContentVersionError whose
    problems name cells (``INVALID``), or the first cell of a language the editor may not
    change (``LANGUAGE_NOT_ALLOWED``, value ``mk!C5``)."""
    bases: dict[str, Files] = {}
    for module_id in await content_versions.module_ids(db):
        bases[module_id] = await content_versions.latest_draft_or_published(db, module_id)
    parsed = parse(data, bases)
    try:
        return await content_versions.save_draft(
            db, parsed.module_id, parsed.files, editor_id, set(parsed.changed), today=today
        )
    except ContentVersionError as error:
        if error.reason == Reason.INVALID:
            raise ContentVersionError(
                Reason.INVALID, parsed.module_id, located(error.problems, parsed)
            ) from None
        if error.reason == Reason.LANGUAGE_NOT_ALLOWED and error.value in parsed.changed:
            raise ContentVersionError(
                Reason.LANGUAGE_NOT_ALLOWED, parsed.changed[error.value]
            ) from None
        raise
