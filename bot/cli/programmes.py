"""``python -m bot programmes …`` and ``python -m bot targets …``: the admins' commands for
programmes and their donors' targets.

    python -m bot programmes create --name "SMART Balkans" --donor "Norway MFA" \\
        --from 2026-01-01 --to 2027-06-30 [--countries AL,BA,XK] [--modules passwords-2fa]
    python -m bot programmes list
    python -m bot targets load targets.yaml        # or .csv; see docs/reporting.md
    python -m bot targets list [--programme NAME]

Each applies the migrations first (as ``run`` does). A bad value stops it with one line per
problem on stderr and exit status 2; nothing is written then.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import SettingsError, load_settings

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def add_parsers(commands: Any) -> None:
    """Registers ``programmes`` and ``targets`` on the subcommands of ``python -m bot``."""
    programmes = commands.add_parser("programmes", help="programmes (projects): create, list")
    actions = programmes.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="a new programme")
    create.add_argument("--name", required=True)
    create.add_argument("--donor")
    create.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    create.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    create.add_argument("--countries", default="", metavar="AL,BA,…", help="empty: any")
    create.add_argument("--modules", default="", metavar="ID,…", help="modules it teaches")
    create.set_defaults(handler=cmd_create)
    actions.add_parser("list", help="every programme").set_defaults(handler=cmd_list)

    targets = commands.add_parser("targets", help="donors' targets: load a file, list")
    target_actions = targets.add_subparsers(dest="action", required=True)
    load = target_actions.add_parser("load", help="load targets from a YAML or CSV file")
    load.add_argument("file", type=Path)
    load.set_defaults(handler=cmd_load)
    listing = target_actions.add_parser("list", help="the targets and the progress towards them")
    listing.add_argument("--programme", metavar="NAME")
    listing.set_defaults(handler=cmd_targets)


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{option}: expected a date like 2026-01-01, got {value!r}") from None


def _run(work: Callable[[Any, Any], Awaitable[int]]) -> int:
    """Runs ``work(db, deps-like settings)`` in one unit of work after the migrations."""
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    async def main() -> int:
        from bot.db import Database

        database = Database(settings.database_url)
        try:
            await database.migrate()
            async with database.session() as db:
                return await work(db, settings)
        finally:
            await database.dispose()

    return asyncio.run(main())


def cmd_create(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.content.catalogue import load_catalogue
    from bot.services import programmes

    try:
        values = programmes.ProgrammeValues(
            name=args.name,
            donor=args.donor,
            starts_on=_day("--from", args.first),
            ends_on=_day("--to", args.last),
            countries=tuple(code for code in args.countries.split(",") if code.strip()),
            modules=tuple(module.strip() for module in args.modules.split(",") if module.strip()),
        )
    except ValueError as error:
        print(f"Cannot create: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    known = [module.id for module in load_catalogue().modules]

    async def work(db: Any, _settings: Any) -> int:
        try:
            programme = await programmes.create(
                db, values, known_modules=known, now=SystemClock().now()
            )
        except programmes.ProgrammeError as error:
            print(f"Cannot create: {_problem(error, known)}", file=sys.stderr)
            await db.rollback()
            return EXIT_BAD_INPUT
        print(f"Created programme {programme.id}: {programme.name}")
        return 0

    return _run(work)


def _problem(error: Any, known: list[str]) -> str:
    from bot.services.learners import COUNTRIES
    from bot.services.programmes import MAX_DONOR, MAX_NAME, Reason

    messages = {
        Reason.EMPTY_NAME: "--name: a name is needed",
        Reason.NAME_TOO_LONG: f"--name: at most {MAX_NAME} characters",
        Reason.NAME_TAKEN: f"--name: a programme called {error.value!r} exists already",
        Reason.DONOR_TOO_LONG: f"--donor: at most {MAX_DONOR} characters",
        Reason.END_BEFORE_START: "--to: the end comes before --from",
        Reason.UNKNOWN_COUNTRY: (
            f"--countries: {error.value!r} is not one of {', '.join(COUNTRIES)}"
        ),
        Reason.UNKNOWN_MODULE: f"--modules: {error.value!r} is not one of {', '.join(known)}",
    }
    return str(messages.get(error.reason, error.reason.value))


def cmd_list(_args: argparse.Namespace) -> int:
    from bot.services import programmes

    async def work(db: Any, _settings: Any) -> int:
        for programme in await programmes.all_programmes(db):
            assert programme.id is not None
            countries = ",".join(programmes.countries_of(programme)) or "any country"
            modules = ",".join(await programmes.modules_of(db, programme.id)) or "-"
            mark = " (default)" if programme.is_default else ""
            print(
                f"{programme.id}\t{programme.name}{mark}\t{programme.donor or '-'}\t"
                f"{programme.starts_on} – {programme.ends_on}\t{countries}\tmodules: {modules}"
            )
        return 0

    return _run(work)


def cmd_load(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.services import targets

    async def work(db: Any, _settings: Any) -> int:
        try:
            loaded = await targets.load(db, args.file, now=SystemClock().now())
        except targets.TargetFileError as error:
            await db.rollback()
            print(f"Cannot load {args.file}: nothing was changed.", file=sys.stderr)
            for problem in error.problems:
                print(f"  {args.file}:{problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
        for name, (before, after) in loaded.counts.items():
            change = f"before: {before}" if name in loaded.changed else "unchanged"
            print(f"{name}: {after} target(s) ({change})")
        if not loaded.changed:
            print("Nothing changed: the targets were already as in the file.")
        return 0

    return _run(work)


def cmd_targets(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.services import programmes, targets
    from bot.services.roles import FULL_SCOPE
    from bot.services.scope import Filters

    async def work(db: Any, settings: Any) -> int:
        filters = Filters()
        if args.programme:
            programme = await programmes.by_name(db, args.programme)
            if programme is None:
                print(f"--programme: no programme is called {args.programme!r}", file=sys.stderr)
                return EXIT_BAD_INPUT
            filters = Filters(programme=programme.id)
        items = await targets.progress(
            db,
            scope=FULL_SCOPE,
            filters=filters,
            now=SystemClock().now(),
            zone=settings.zone,
            threshold=settings.indicator_threshold,
        )
        for item in items:
            print(
                f"{item.programme}\t{item.indicator.value}\t{item.country or 'all'}\t"
                f"{item.starts_on} – {item.due_on}\t{item.achieved}/{item.target} "
                f"({item.percent}%)\texpected {item.expected}\t{item.pace.value}"
            )
        if not items:
            print("No targets.")
        return 0

    return _run(work)
