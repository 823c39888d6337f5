"""``python -m bot content po export|import``, ``content coverage`` and ``content review``:
translators' PO files and the review status of translated texts (docs/content.md).

The module's texts come from its folder under ``--root`` (default: the bot's own content);
the review status lives in DATABASE_URL's database, migrated first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.texts import TRANSLATED_LANGUAGES, Files, load_files, write_files
from bot.paths import CONTENT_DIR

if TYPE_CHECKING:
    from bot.services.translation_review import Coverage

T = TypeVar("T")
STATE_WORDS = {"machine": "machine-drafted", "translated": "translated", "reviewed": "reviewed"}


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root) if getattr(args, "root", None) else CONTENT_DIR


def _files(root: Path, module_id: str) -> Files | None:
    folder = root / module_id
    if not (folder / "module.yaml").exists():
        known = ", ".join(sorted(p.name for p in root.iterdir() if (p / "module.yaml").exists()))
        print(f"No module {module_id!r}; the modules are: {known}", file=sys.stderr)
        return None
    return load_files(folder)


def _all_files(root: Path) -> list[Files]:
    return [
        load_files(folder) for folder in sorted(root.iterdir()) if (folder / "module.yaml").exists()
    ]


def with_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
    """``work`` in one unit of work on DATABASE_URL's database (migrated first); None, after
    saying why in one line, when the database cannot be used."""
    from bot.cli.main import _settings_or_exit
    from bot.cli.startup import explain
    from bot.db import Database

    settings = _settings_or_exit()

    async def run() -> T:
        database = Database(settings.database_url)
        try:
            await database.migrate()
            async with database.session() as db:
                return await work(db)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except Exception as error:  # the operator needs one line, not a traceback
        line = explain(error, settings.database_url)
        if line is None:
            raise
        print(f"Cannot read the review status: {line}", file=sys.stderr)
        return None


def _now() -> datetime:
    from bot.clock import SystemClock

    return SystemClock().now()


def cmd_po_export(args: argparse.Namespace) -> int:
    from bot.content.po import export_po
    from bot.services import translation_review

    files = _files(_root(args), args.module)
    if files is None:
        return 2

    async def statuses(db: AsyncSession) -> dict[str, translation_review.TextStatus]:
        return await translation_review.statuses(db, files, args.language)

    found = with_database(statuses)
    if found is None:
        return 2
    data = export_po(
        files,
        args.language,
        statuses={key: STATE_WORDS[s.state.value] for key, s in found.items()},
        needs_review=[key for key, s in found.items() if s.needs_review],
    )
    out = Path(args.out or f"{args.module}-{args.language}.po")
    out.write_bytes(data)
    to_review = sum(s.needs_review for s in found.values())
    print(f"Wrote {out} ({len(found)} texts, {to_review} to review)")
    return 0


async def _learner_id(db: AsyncSession, telegram_id: int | None) -> int | None:
    from bot.services import learners

    if telegram_id is None:
        return None
    learner = await learners.find(db, telegram_id)
    if learner is None or learner.id is None:
        raise LookupError(f"nobody with the Telegram id {telegram_id} has used the bot")
    return learner.id


def cmd_po_import(args: argparse.Namespace) -> int:
    from bot.content.po import PoError, header_of, read_import
    from bot.services import translation_review

    path = Path(args.file)
    po_bytes = path.read_bytes()
    root = _root(args)
    try:
        module_id, language = header_of(po_bytes)
    except PoError as error:
        print(f"{path}: {error.problem}", file=sys.stderr)
        return 1
    files = _files(root, module_id)
    if files is None:
        return 2
    try:
        result = read_import(files, po_bytes, args.language or language)
    except PoError as error:
        print(f"{path}: {error.problem}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(f"{path}: {problem}")
    if result.errors:
        print(f"{len(result.errors)} problem(s): nothing was changed.", file=sys.stderr)
        return 1

    async def record(db: AsyncSession) -> bool:
        editor = await _learner_id(db, args.by)
        await translation_review.record_import(db, result, editor, _now(), reviewed=args.reviewed)
        return True

    try:
        if with_database(record) is None:
            return 2
    except LookupError as error:
        print(f"Nothing was changed: --by: {error}", file=sys.stderr)
        return 2
    write_files(result.files, root / module_id, names=[result.language])
    print(
        f"{module_id} {result.language}: {len(result.changed)} text(s) changed,"
        f" {len(result.needs_review)} marked as needing review."
    )
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from bot.models import TranslationState
    from bot.services import translation_review

    files = _files(_root(args), args.module)
    if files is None:
        return 2

    async def mark(db: AsyncSession) -> int:
        by = await _learner_id(db, args.by)
        return await translation_review.set_state(
            db,
            files,
            args.language,
            TranslationState(args.state),
            by,
            _now(),
            args.key or None,
        )

    try:
        count = with_database(mark)
    except (LookupError, KeyError) as error:
        print(f"Nothing was changed: {error}", file=sys.stderr)
        return 2
    if count is None:
        return 2
    print(f"{args.module} {args.language}: {count} text(s) now {STATE_WORDS[args.state]}.")
    return 0


def coverage_lines(rows: Sequence[Coverage]) -> list[str]:
    return [
        f"{row.module_id:<24} {row.language:<8} {row.total:>4} texts:"
        f" {row.reviewed:>4} reviewed, {row.translated:>4} translated,"
        f" {row.machine:>4} machine-drafted; {row.needs_review:>4} need review"
        for row in rows
    ]


def cmd_coverage(args: argparse.Namespace) -> int:
    from bot.services import translation_review

    modules = _all_files(_root(args))

    async def count(db: AsyncSession) -> list[translation_review.Coverage]:
        return await translation_review.coverage(db, modules)

    rows = with_database(count)
    if rows is None:
        return 2
    for line in coverage_lines(rows):
        print(line)
    return 0


def review_findings(root: Path) -> list[tuple[str, str, str]] | None:
    """(module, language, key) of every text needing review, from DATABASE_URL's database."""
    from bot.services import translation_review

    modules = _all_files(root)

    async def find(db: AsyncSession) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        for files in modules:
            module_id = str(files["module"]["id"])
            for language, keys in (await translation_review.needing_review(db, files)).items():
                found.extend((module_id, language, key) for key in keys)
        return found

    return with_database(find)


def add_parsers(content_actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    po = content_actions.add_parser("po", help="a module's language as a PO file, and back")
    po_actions = po.add_subparsers(dest="po_action", required=True)
    export = po_actions.add_parser("export", help="write MODULE's texts in LANGUAGE as PO")
    export.add_argument("module")
    export.add_argument("language", choices=TRANSLATED_LANGUAGES)
    export.add_argument("--out", help="the file (default: MODULE-LANGUAGE.po)")
    export.add_argument("--root", help="the modules' folder (default: the bot's own content)")
    export.set_defaults(handler=cmd_po_export)
    take = po_actions.add_parser(
        "import", help="check a PO file and, when it has no errors, take its texts"
    )
    take.add_argument("file")
    take.add_argument("--language", choices=TRANSLATED_LANGUAGES, help="(default: the file's)")
    take.add_argument("--by", type=int, metavar="TELEGRAM_ID", help="who translated it")
    take.add_argument(
        "--reviewed",
        action="store_true",
        help="the texts are reviewed (by --by), not only translated",
    )
    take.add_argument("--root", help="the modules' folder (default: the bot's own content)")
    take.set_defaults(handler=cmd_po_import)
    coverage = content_actions.add_parser(
        "coverage", help="per module and language: texts machine-drafted, translated, reviewed"
    )
    coverage.add_argument("--root", help="the modules' folder (default: the bot's own content)")
    coverage.set_defaults(handler=cmd_coverage)
    review = content_actions.add_parser(
        "review", help="set the review status of a module's texts in a language"
    )
    review.add_argument("module")
    review.add_argument("language", choices=TRANSLATED_LANGUAGES)
    review.add_argument(
        "--state", choices=sorted(STATE_WORDS), default="reviewed", help="(default: reviewed)"
    )
    review.add_argument("--key", action="append", help="only this text (repeatable)")
    review.add_argument("--by", type=int, metavar="TELEGRAM_ID", help="the reviewer")
    review.add_argument("--root", help="the modules' folder (default: the bot's own content)")
    review.set_defaults(handler=cmd_review)
