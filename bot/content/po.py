"""One language of a module as a PO file, for Poedit, Weblate or OmegaT, and back.

One entry per text: ``msgctxt`` is the text's key (``cards.what-is-accession``,
``questions.q-chapters.options.b``; see :mod:`bot.content.texts`), ``msgid`` the English
source, ``msgstr`` the language's text. Comments for the translator (``#.``) give the limit
and what must be kept (placeholders, links); ``fuzzy`` marks a text that needs review.
The header ``Project-Id-Version: Kapacitet <module>/<language>`` says what the file is.

Reading a file back checks what the bot would refuse: unknown keys, an English source that
moved on since the file was made (the translation is taken, but marked as needing review),
and then the whole module as ``content check`` would (limits, scripts, placeholders, links,
the quiz lint), each problem named by its key and the line of its entry. Written with
Babel's ``pofile``, already used for the bot's own catalogs.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.content.texts import (
    MODULE_FILE,
    TRANSLATED_LANGUAGES,
    Files,
    check_files,
    entries,
    language_data,
    markup,
    placeholders,
    with_text,
)
from bot.i18n.languages import SOURCE_LANGUAGE

PROJECT = "Kapacitet"
FUZZY = "fuzzy"


class Level(StrEnum):
    ERROR = "error"
    """Nothing of the file is taken."""
    WARNING = "warning"
    """Taken, but worth a look."""


@dataclass(frozen=True)
class PoProblem:
    level: Level
    key: str
    """The text's key (``msgctxt``), or ``-`` for the file as a whole."""
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.level}: {where}{self.key}: {self.message}"


@dataclass
class PoImport:
    """What a PO file would change: ``files`` with the language's new texts."""

    module_id: str
    language: str
    files: Files
    problems: list[PoProblem] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Keys whose text the file changes."""
    needs_review: list[str] = field(default_factory=list)
    """Keys the file marks fuzzy, or whose English moved on since it was made."""
    confirmed: list[str] = field(default_factory=list)
    """Keys the file leaves as they were, not fuzzy: the translator saw and kept them."""

    @property
    def errors(self) -> list[PoProblem]:
        return [problem for problem in self.problems if problem.level is Level.ERROR]


class PoError(Exception):
    """The file cannot be read as a PO file of a module (the problem says why)."""

    def __init__(self, problem: PoProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def _comments(key: str, english: str, limit: int, status: str | None) -> list[str]:
    notes = [f"At most {limit} characters as the reader sees them (tags do not count)."]
    kept = placeholders(english)
    if kept:
        notes.append(f"Keep these placeholders as they are: {', '.join(kept)}")
    links = markup(english)
    if links:
        notes.append(f"Keep the links (only the link text is translated): {' '.join(links)}")
    if status:
        notes.append(f"Status: {status}")
    return notes


def export_po(
    files: Files,
    language: str,
    *,
    statuses: dict[str, str] | None = None,
    needs_review: Iterable[str] = (),
    now: datetime | None = None,
) -> bytes:
    """The PO file of one language of a module; ``needs_review`` keys are marked fuzzy and
    ``statuses`` (key → a word such as "machine-drafted") go into the comments."""
    if language not in TRANSLATED_LANGUAGES:
        raise ValueError(f"{language!r} is not a language translated from English")
    module_id = str(files[MODULE_FILE]["id"])
    review = set(needs_review)
    catalog = Catalog(
        locale=_locale(language),
        project=PROJECT,
        version=f"{module_id}/{language}",
        header_comment=(
            f"# Kapacitet: the module {module_id}, {language}.\n"
            "# Translate msgstr; keep tags, links and {placeholders}. 'fuzzy': needs review.\n"
            "# Send the file back to the bot, or: python -m bot content po import FILE"
        ),
        creation_date=now or datetime.now(UTC),
        fuzzy=False,
    )
    translated = {entry.key: entry.text for entry in entries(files, language)}
    for entry in entries(files, SOURCE_LANGUAGE):
        if not entry.text:
            continue  # an optional text English has not (a msgid cannot be empty)
        catalog.add(
            entry.text,
            translated.get(entry.key, ""),
            auto_comments=_comments(
                entry.key, entry.text, entry.limit, (statuses or {}).get(entry.key)
            ),
            flags=(FUZZY,) if entry.key in review else (),
            context=entry.key,
        )
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    return out.getvalue()


def _what(catalog: Catalog) -> tuple[str, str] | None:
    """The module and language the header names."""
    if catalog.project != PROJECT or not catalog.version or "/" not in catalog.version:
        return None
    module_id, _, language = str(catalog.version).partition("/")
    return module_id, language


def header_of(po_bytes: bytes) -> tuple[str, str]:
    """The module and language a PO file is for (:class:`PoError` if it does not say)."""
    catalog = _read(po_bytes)
    found = _what(catalog)
    if found is None:
        raise PoError(
            PoProblem(
                Level.ERROR,
                "-",
                f"the header does not name the module (Project-Id-Version: {PROJECT}"
                " <module>/<language>); was the file made by the bot?",
            )
        )
    return found


def _read(po_bytes: bytes) -> Catalog:
    try:
        return read_po(io.BytesIO(po_bytes), abort_invalid=True)
    except PoFileError as error:
        raise PoError(
            PoProblem(Level.ERROR, "-", f"not a valid PO file ({error})", error.lineno + 1)
        ) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise PoError(PoProblem(Level.ERROR, "-", f"not a valid PO file ({error})")) from None


def read_import(
    files: Files, po_bytes: bytes, language: str | None = None, today: date | None = None
) -> PoImport:
    """What ``po_bytes`` would make of ``files``: the new files and every problem. Nothing
    should be saved when :attr:`PoImport.errors` is not empty."""
    module_id = str(files[MODULE_FILE]["id"])
    catalog = _read(po_bytes)
    named = _what(catalog)
    if named is not None and named[0] != module_id:
        raise PoError(
            PoProblem(Level.ERROR, "-", f"the file is for the module {named[0]}, not {module_id}")
        )
    if named is not None and language is not None and named[1] != language:
        raise PoError(PoProblem(Level.ERROR, "-", f"the file is for {named[1]}, not {language}"))
    language = language or (named[1] if named else None)
    if language not in TRANSLATED_LANGUAGES:
        raise PoError(PoProblem(Level.ERROR, "-", f"no language to import into ({language})"))
    result = PoImport(module_id, language, files)
    english = {entry.key: entry.text for entry in entries(files, SOURCE_LANGUAGE)}
    current = {entry.key: entry.text for entry in entries(files, language)}
    data: dict[str, Any] = dict(language_data(files, language) or {})
    lines: dict[str, int | None] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        key = str(message.context or "")
        line = message.lineno
        if key not in english:
            result.problems.append(
                PoProblem(Level.ERROR, key or "-", "no such text in the module", line)
            )
            continue
        if key in lines:
            result.problems.append(PoProblem(Level.ERROR, key, "the text appears twice", line))
            continue
        lines[key] = line
        text = str(message.string or "").strip()
        if not text:
            result.problems.append(
                PoProblem(Level.WARNING, key, "not translated: the current text stays", line)
            )
            continue
        stale = str(message.id).strip() != english[key]
        if stale:
            result.problems.append(
                PoProblem(
                    Level.WARNING,
                    key,
                    "the English text changed since the file was made: the translation is"
                    " taken and marked as needing review",
                    line,
                )
            )
        if stale or message.fuzzy:
            result.needs_review.append(key)
        if text != current.get(key):
            result.changed.append(key)
            data = with_text(data, key, text)
        elif not stale and not message.fuzzy:
            result.confirmed.append(key)
    result.files = {**files, language: data}
    if result.errors:
        return result
    result.problems.extend(_checked(result, lines, today or datetime.now(UTC).date()))
    return result


def _checked(result: PoImport, lines: dict[str, int | None], today: date) -> list[PoProblem]:
    """The module's check after the import, for the imported language's texts."""
    problems, findings = check_files(result.files, today)
    found: list[PoProblem] = []
    for problem in problems:
        if Path(problem.file).name != f"{result.language}.yaml":
            continue
        line = lines.get(problem.field)
        found.append(PoProblem(Level.ERROR, problem.field, problem.message, line))
    prefix = f"{result.module_id}/{result.language}"
    for finding in findings:
        if finding.where == prefix or finding.where.startswith(prefix + "/"):
            question = finding.where[len(prefix) + 1 :]
            key = f"questions.{question}.text" if question else "-"
            found.append(PoProblem(Level.ERROR, key, finding.message, lines.get(key)))
    return found


def import_po(files: Files, language: str, po_bytes: bytes) -> tuple[Files, list[PoProblem]]:
    """The files with the PO file's texts of ``language``, and the problems found; when any
    problem is an error, ``files`` come back unchanged."""
    try:
        result = read_import(files, po_bytes, language)
    except PoError as error:
        return files, [error.problem]
    if result.errors:
        return files, result.problems
    return result.files, result.problems
