"""``python -m bot content sync|export|import|publish|retire|new``: the stored versions of
the curriculum, for whoever runs the bot (editors use ``/content`` in the chat)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.content.rules import MODULE_ID
from bot.i18n.languages import LANGUAGE_CODES
from bot.paths import CONTENT_DIR

T = TypeVar("T")


def _settings() -> Settings:
    from bot.cli.main import _settings_or_exit

    return _settings_or_exit()


def _in_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs ``work`` in one unit of work on DATABASE_URL's database (migrated first)."""
    from bot.db import Database

    async def run() -> T:
        database = Database(_settings().database_url)
        try:
            await database.migrate()
            async with database.session() as db:
                return await work(db)
        finally:
            await database.dispose()

    return asyncio.run(run())


def _problems(error: Exception) -> int:
    from bot.services.content_versions import ContentVersionError

    if isinstance(error, ContentVersionError):
        print(f"Refused: {error.reason.value} {error.value or ''}".rstrip(), file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    raise error


def cmd_sync(_args: argparse.Namespace) -> int:
    from bot.services import content_sync

    synced = _in_database(content_sync.sync_shipped)
    for module_id in synced.added:
        print(f"{module_id}: added from the files")
    for module_id in synced.updated:
        print(f"{module_id}: updated from the files (a new published version)")
    for module_id in synced.kept:
        print(
            f"{module_id}: the files changed, but the programme edited it in the bot: not applied"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.services import content_versions, content_workbook

    async def work(db: AsyncSession) -> bytes:
        files = await content_versions.latest_draft_or_published(db, args.module)
        rows = await content_versions.versions_of(db, args.module)
        review = await content_workbook.review_of(db, files)
        return content_workbook.export(files, args.module, rows[-1].number, review)

    try:
        data = _in_database(work)
    except Exception as error:
        return _problems(error)
    out = Path(args.out or f"{args.module}.xlsx")
    out.write_bytes(data)
    print(f"Wrote {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.services import content_workbook

    data = Path(args.file).read_bytes()

    async def work(db: AsyncSession) -> Any:
        return await content_workbook.import_workbook(db, data, args.editor, args.today)

    try:
        draft = _in_database(work)
    except Exception as error:
        return _problems(error)
    print(f"Draft ready: {draft.module_id}, version {draft.number}. Publish it with")
    print(f"  python -m bot content publish {draft.module_id}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from bot.services import content_versions

    async def work(db: AsyncSession) -> Any:
        return await content_versions.publish(db, args.module, None)

    try:
        row = _in_database(work)
    except Exception as error:
        return _problems(error)
    print(f"Published {row.module_id}, version {row.number}: new starts get it within a minute")
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    from bot.services import content_versions

    async def work(db: AsyncSession) -> Any:
        return await content_versions.retire(db, args.module, None)

    try:
        row = _in_database(work)
    except Exception as error:
        return _problems(error)
    print(f"Retired {row.module_id}: hidden from the catalogue, kept for reports")
    return 0


def skeleton(module_id: str, topic: str, today: date) -> dict[str, dict[str, Any]]:
    """A module to fill in: its structure (12 questions, 2 per objective) and every text
    marked TODO; ``content check`` says what is still to write."""
    cards = [f"card-{n}" for n in range(1, 7)]
    questions = [
        {
            "id": f"q-{objective}-{form}",
            "objective": f"objective-{objective}",
            "options": ["a", "b", "c"],
            "correct": "abc"[(objective + form) % 3],
        }
        for objective in range(1, 7)
        for form in (1, 2)
    ]
    files: dict[str, dict[str, Any]] = {
        "module": {
            "id": module_id,
            "topic": topic,
            "order": 100,
            "minutes": 15,
            "pass_mark": 70,
            "pretest": True,
            "as_of": today,
            "cards": cards,
            "questions": questions,
            "sources": [],
        }
    }
    for code in LANGUAGE_CODES:
        if code == "sr-Cyrl":
            continue  # made from sr-Latn
        files[code] = {
            "title": "TODO",
            "summary": "TODO",
            "cards": {card: "TODO" for card in cards},
            "questions": {
                question["id"]: {
                    "text": "TODO",
                    "options": {option: f"TODO {option}" for option in question["options"]},
                    "explanation": "TODO",
                }
                for question in questions
            },
        }
    return files


def cmd_new(args: argparse.Namespace) -> int:
    if not MODULE_ID.match(args.module):
        print("A module id is lower-case letters, digits and '-', at most 24", file=sys.stderr)
        return 2
    files = skeleton(args.module, args.topic, date.today())
    if args.db:
        from bot.services import content_versions

        async def work(db: AsyncSession) -> Any:
            return await content_versions.add_module(db, args.module, files, None)

        try:
            _in_database(work)
        except Exception as error:
            return _problems(error)
        print(f"Draft {args.module} created: export its workbook, fill it in, import it back")
        return 0
    folder = Path(args.root or CONTENT_DIR) / args.module
    if folder.exists():
        print(f"{folder} exists already", file=sys.stderr)
        return 1
    folder.mkdir(parents=True)
    for key, data in files.items():
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        (folder / f"{key}.yaml").write_text(text, encoding="utf-8")
    print(f"Wrote {folder}: replace every TODO, then run python -m bot content check")
    return 0


def add_parsers(actions: Any) -> None:
    """The stored versions' commands, under ``python -m bot content``."""
    actions.add_parser(
        "sync", help="store the shipped modules' files as versions (done at every start)"
    ).set_defaults(handler=cmd_sync)
    export = actions.add_parser("export", help="a module's workbook (XLSX) to change or translate")
    export.add_argument("module")
    export.add_argument("--out", help="the file (default: MODULE.xlsx)")
    export.set_defaults(handler=cmd_export)
    imported = actions.add_parser("import", help="a workbook sent back, as the module's draft")
    imported.add_argument("file")
    imported.add_argument(
        "--editor", type=int, required=True, help="the editor's person number (learner id)"
    )
    imported.add_argument("--today", type=date.fromisoformat, help="for the facts-checked rule")
    imported.set_defaults(handler=cmd_import)
    for name, handler, what in (
        ("publish", cmd_publish, "publish a module's draft"),
        ("retire", cmd_retire, "hide a module from the catalogue (kept for reports)"),
    ):
        parser = actions.add_parser(name, help=what)
        parser.add_argument("module")
        parser.set_defaults(handler=handler)
    new = actions.add_parser("new", help="a new module's skeleton, to fill in")
    new.add_argument("module")
    new.add_argument(
        "--topic",
        default="digital_literacy",
        choices=["eu_integration", "security", "digital_literacy"],
    )
    new.add_argument("--root", help="the modules' folder (default: the bot's own content)")
    new.add_argument("--db", action="store_true", help="a draft in the database instead of files")
    new.set_defaults(handler=cmd_new)
