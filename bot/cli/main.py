"""``python -m bot``: run the bot, apply migrations, check content, manage translations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings
from bot.content.catalogue import Catalogue, ContentError, load_catalogue
from bot.i18n.languages import LANGUAGE_CODES
from bot.paths import CONTENT_DIR

log = logging.getLogger("bot")


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _configure_logging(verbose: bool, settings: Settings | None = None) -> None:
    """Text or JSON (LOG_FORMAT) on stderr; the token and webhook secret are redacted."""
    from sqlalchemy.engine import make_url

    from bot.runtime.logs import configure_logging, secret_forms

    secrets = (
        secret_forms(
            settings.bot_token,
            settings.webhook_secret,
            make_url(settings.database_url).password,
        )
        if settings
        else []
    )
    configure_logging(
        verbose=verbose,
        log_format=settings.log_format if settings else "text",
        secrets=secrets,
    )


def _catalogue_or_exit() -> Catalogue:
    try:
        return load_catalogue()
    except ContentError as error:
        print("Cannot start, the content has problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(1) from None


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _configure_logging(args.verbose, settings)
    catalogue = _catalogue_or_exit()
    if settings.bot_token is None:
        from bot.simulator.run import run_simulator

        return run_simulator(settings, catalogue, allow_real_data=args.allow_real_data)
    from bot.cli.startup import EXIT_CANNOT_START, explain

    try:
        return _run_bot(settings, catalogue)
    except Exception as error:
        line = explain(error, settings.database_url)
        if line is None:
            raise  # a fault of the bot: its traceback helps
        print(f"Cannot start: {line}", file=sys.stderr)
        return EXIT_CANNOT_START


def _run_bot(settings: Settings, catalogue: Catalogue) -> int:
    """The single-instance lock, migrations and a first write, then the bot until SIGTERM;
    all in one event loop, which keeps the lock's connection for the life of the process."""
    from bot.app import build_application, build_deps
    from bot.handlers.content import refresh as content_refresh
    from bot.runtime import marks, serve
    from bot.runtime.instance import InstanceLock

    deps = build_deps(settings, catalogue)

    async def prepare() -> None:
        await deps.database.migrate()
        # A write before anything else: a database that takes none stops the start here.
        async with deps.database.session() as db:
            await marks.note(db, marks.BOT_STARTED, deps.clock.now())
        # The stored content, as learners see it under the review settings (UNREVIEWED_TEXT,
        # SHOW_UNREVIEWED_LANGUAGES), read once the database is migrated.
        await content_refresh.prepare(deps)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    lock: InstanceLock | None = None
    try:
        lock = loop.run_until_complete(InstanceLock.acquire(settings.database_url, settings.worker))
        loop.run_until_complete(prepare())
        log.info("Migrations applied; %d modules loaded", len(catalogue))
        application = build_application(deps, ops_server=True)
        serve.run(application, settings, lock)
        return 1 if lock.lost else 0
    finally:
        try:
            if lock is not None:
                loop.run_until_complete(lock.release())
            loop.run_until_complete(deps.database.dispose())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def cmd_preview(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _configure_logging(args.verbose, settings)
    catalogue = _catalogue_or_exit()
    if catalogue.get(args.module) is None:
        known = ", ".join(module.id for module in catalogue.modules)
        print(f"No module {args.module!r}; the modules are: {known}", file=sys.stderr)
        return 2
    from bot.simulator.run import Preview, run_simulator

    preview = Preview(args.module, args.language, open_browser=not args.no_browser)
    return run_simulator(settings, catalogue, preview, allow_real_data=args.allow_real_data)


def cmd_migrate(_args: argparse.Namespace) -> int:
    from bot.cli.startup import EXIT_CANNOT_START, explain
    from bot.db import migrate_url

    settings = _settings_or_exit()
    try:
        migrate_url(settings.database_url)
    except Exception as error:
        line = explain(error, settings.database_url)
        if line is None:
            raise
        print(f"Cannot migrate: {line}", file=sys.stderr)
        return EXIT_CANNOT_START
    print("The database is up to date.")
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    """The loader's problems, then the quiz lint and the staleness of every module: one line
    each. Exits 1 on any problem or lint error; warnings alone (facts due for a check) pass."""
    from bot.content.lint import Level, lint

    root = Path(args.root) if args.root else CONTENT_DIR
    today = args.today or datetime.now(UTC).date()
    problems: list[str] = []
    catalogue: Catalogue | None = None
    try:
        catalogue = load_catalogue(root)
    except ContentError as error:
        problems = [str(problem) for problem in error.problems]
    findings = lint(root, today)
    for line in problems:
        print(line)
    for finding in findings:
        print(finding)
    errors = len(problems) + sum(1 for f in findings if f.level is Level.ERROR)
    warnings = sum(1 for f in findings if f.level is Level.WARNING)
    if args.db:
        from bot.cli.content_po import review_findings

        to_review = review_findings(root)
        if to_review is None:
            return 2
        level = "error" if args.strict_review else "warning"
        for module_id, language, key in to_review:
            print(f"{level}: {module_id}/{language}: {key}: the English changed: needs review")
        if args.strict_review:
            errors += len(to_review)
        else:
            warnings += len(to_review)
    if errors:
        print(f"{errors} problem(s) and {warnings} warning(s) found.", file=sys.stderr)
        return 1
    assert catalogue is not None
    if warnings:
        print(f"{len(catalogue)} modules, all complete and valid; {warnings} warning(s).")
    else:
        print(f"{len(catalogue)} modules, all complete and valid.")
    if args.db:
        return print_open_reports(_settings_or_exit().database_url)
    return 0


async def _open_reports(database_url: str) -> dict[str, int]:
    from bot.db import Database
    from bot.services import problems

    database = Database(database_url)
    try:
        async with database.session() as db:
            return await problems.open_counts(db)
    finally:
        await database.dispose()


def print_open_reports(database_url: str) -> int:
    """The open problem reports per module, read from a running instance's database."""
    from bot.cli.startup import explain

    try:
        counts = asyncio.run(_open_reports(database_url))
    except Exception as error:  # the operator needs one line, not a traceback
        line = (
            explain(error, database_url) or f"the database is not usable ({type(error).__name__})"
        )
        print(f"Cannot read the reports: {line}", file=sys.stderr)
        return 2
    for module_id, count in counts.items():
        print(f"{module_id}: {count} open problem report(s)")
    if not counts:
        print("No open problem reports.")
    return 0


def cmd_content_problems(_args: argparse.Namespace) -> int:
    return print_open_reports(_settings_or_exit().database_url)


def cmd_i18n(args: argparse.Namespace) -> int:
    from bot.i18n import catalogs

    return catalogs.main(args.action)


def cmd_copy_db(args: argparse.Namespace) -> int:
    from bot.cli.copy_db import CopyError, copy_database
    from bot.db import shown

    target = args.target or _settings_or_exit().database_url
    print(f"Copying {shown(args.source)} -> {shown(target)} (stop the bot first)")
    try:
        asyncio.run(
            copy_database(args.source, target, force=args.force, batch_size=args.batch_size)
        )
    except CopyError as error:
        print(f"Nothing copied: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_reporting_role(args: argparse.Namespace) -> int:
    """Creates or updates the read-only role for BI tools (docs/reporting.md)."""
    from bot.db import Database
    from bot.services import reporting_role
    from bot.services.reporting_role import Reason, ReportingRoleError

    settings = _settings_or_exit()
    if args.drop:
        password = ""
    elif settings.reporting_password is None:
        print("Cannot make the reporting role: set REPORTING_PASSWORD first.", file=sys.stderr)
        return 2
    else:
        password = settings.reporting_password.get_secret_value()
    role = settings.reporting_role

    async def run() -> list[str]:
        database = Database(settings.database_url)
        try:
            if args.drop:
                await reporting_role.drop_reporting_role(database.engine, role)
                return []
            await database.migrate()
            return await reporting_role.grant_reporting_role(database.engine, role, password)
        finally:
            await database.dispose()

    problems = {
        Reason.NOT_POSTGRESQL: "SQLite has no users; see docs/reporting.md for a read-only copy",
        Reason.BAD_NAME: f"REPORTING_ROLE {role!r} is not a plain lower-case name",
        Reason.WEAK_PASSWORD: (
            f"REPORTING_PASSWORD is shorter than {reporting_role.MIN_PASSWORD} characters"
        ),
    }
    try:
        views = asyncio.run(run())
    except ReportingRoleError as error:
        print(f"Cannot make the reporting role: {problems[error.reason]}.", file=sys.stderr)
        return 2
    if args.drop:
        print(f"Dropped the role {role} (if it existed).")
    else:
        print(f"The role {role} may log in and read only: {', '.join(views)}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Kapacitet Telegram bot")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the bot (without BOT_TOKEN: the simulator, a local web chat page)"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    run.add_argument(
        "--allow-real-data",
        action="store_true",
        help="let the simulator run on a database that holds real people",
    )
    run.set_defaults(handler=cmd_run)
    preview = commands.add_parser(
        "preview", help="open a module in the simulator, as a learner in a language sees it"
    )
    preview.add_argument("--module", required=True, help="the module's id, e.g. passwords-2fa")
    preview.add_argument("--language", default="en", choices=LANGUAGE_CODES)
    preview.add_argument(
        "--no-browser", action="store_true", help="only print the address, open no browser"
    )
    preview.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    preview.add_argument(
        "--allow-real-data",
        action="store_true",
        help="let the simulator run on a database that holds real people",
    )
    preview.set_defaults(handler=cmd_preview)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )
    content = commands.add_parser("content", help="lessons and quizzes")
    content_actions = content.add_subparsers(dest="action", required=True)
    check = content_actions.add_parser(
        "check", help="validate every module: structure, quiz lint, facts checked"
    )
    check.add_argument("--root", help="the modules' folder (default: the bot's own content)")
    check.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the date the 'facts checked' dates are measured from (default: today, UTC)",
    )
    check.add_argument(
        "--db",
        action="store_true",
        help="also the texts needing review and the open problem reports per module, from"
        " DATABASE_URL's database",
    )
    check.add_argument(
        "--strict-review",
        action="store_true",
        help="with --db: a text needing review is an error, not a warning",
    )
    check.set_defaults(handler=cmd_content_check)
    from bot.cli import content_po

    content_po.add_parsers(content_actions)
    content_actions.add_parser(
        "problems", help="open problem reports per module, from DATABASE_URL's database"
    ).set_defaults(handler=cmd_content_problems)
    from bot.cli import content as content_commands

    content_commands.add_parsers(content_actions)
    i18n = commands.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=["extract", "update", "compile", "check"])
    i18n.set_defaults(handler=cmd_i18n)
    copy_db = commands.add_parser(
        "copy-db",
        help="copy all data into another database (e.g. from SQLite to PostgreSQL)",
    )
    copy_db.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="e.g. sqlite:///data/x.sqlite3"
    )
    copy_db.add_argument(
        "--to",
        dest="target",
        metavar="URL",
        help="e.g. postgresql://user:password@host/name (default: DATABASE_URL)",
    )
    copy_db.add_argument(
        "--force", action="store_true", help="delete what the target holds before copying"
    )
    copy_db.add_argument("--batch-size", type=int, default=1000, help="rows per insert")
    copy_db.set_defaults(handler=cmd_copy_db)
    from bot.cli import export as export_command

    reporting = commands.add_parser(
        "reporting-role",
        help="create or update the read-only PostgreSQL role for BI tools "
        "(REPORTING_ROLE, REPORTING_PASSWORD)",
    )
    reporting.add_argument("--drop", action="store_true", help="drop the role instead")
    reporting.set_defaults(handler=cmd_reporting_role)
    export_command.add_parser(commands)
    from bot.cli import programmes as programme_commands

    programme_commands.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code
