"""``python -m bot``: run the bot, apply migrations, check content, manage translations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import Settings, SettingsError, load_settings
from bot.content.catalogue import Catalogue, ContentError, load_catalogue
from bot.i18n.languages import LANGUAGE_CODES

log = logging.getLogger("bot")


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Telegram's URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


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
    _configure_logging(args.verbose)
    catalogue = _catalogue_or_exit()
    from bot.app import build_application, build_deps

    if settings.bot_token is None:
        from bot.simulator.web import run_simulator

        return run_simulator(settings, catalogue)
    deps = build_deps(settings, catalogue)
    asyncio.run(deps.database.migrate())
    log.info("Migrations applied; %d modules loaded; polling Telegram", len(catalogue))
    application = build_application(deps)
    application.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _configure_logging(args.verbose)
    catalogue = _catalogue_or_exit()
    if catalogue.get(args.module) is None:
        known = ", ".join(module.id for module in catalogue.modules)
        print(f"No module {args.module!r}; the modules are: {known}", file=sys.stderr)
        return 2
    from bot.simulator.web import Preview, run_simulator

    preview = Preview(args.module, args.language, open_browser=not args.no_browser)
    return run_simulator(settings, catalogue, preview)


def cmd_migrate(_args: argparse.Namespace) -> int:
    from bot.db import migrate_url

    settings = _settings_or_exit()
    migrate_url(settings.database_url)
    print("The database is up to date.")
    return 0


def cmd_content_check(_args: argparse.Namespace) -> int:
    try:
        catalogue = load_catalogue()
    except ContentError as error:
        for problem in error.problems:
            print(problem)
        print(f"{len(error.problems)} problem(s) found.", file=sys.stderr)
        return 1
    print(f"{len(catalogue)} modules, all complete and valid.")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    from bot.i18n import catalogs

    return catalogs.main(args.action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Kapacitet Telegram bot")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the bot (without BOT_TOKEN: the simulator, a local web chat page)"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")
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
    preview.set_defaults(handler=cmd_preview)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )
    content = commands.add_parser("content", help="lessons and quizzes")
    content_actions = content.add_subparsers(dest="action", required=True)
    content_actions.add_parser("check", help="validate every module").set_defaults(
        handler=cmd_content_check
    )
    i18n = commands.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=["extract", "update", "compile", "check"])
    i18n.set_defaults(handler=cmd_i18n)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code
