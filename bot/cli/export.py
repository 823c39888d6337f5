"""``python -m bot export``: the coordinators' export from the command line, with full scope.

    python -m bot export --from 2026-01-01 --to 2026-12-31 --format xlsx --out report.xlsx \\
        [--country XK] [--organisation "Civic Lab"] [--module passwords-2fa] [--language sq]

The same file as ``/export`` makes for an admin (all sheets; CSV is the Attendance sheet),
from the database in DATABASE_URL (migrations are applied first, as ``run`` does). A bad
value stops it with one line on stderr and exit status 2; a progress bar (tqdm, on stderr)
shows on long exports. The file appears at ``--out`` only once it is complete, and after the
export was written to the audit log (like the bot's). Until then it is a hidden ``.part``
file beside it, removed on any exit the process sees: an error, Ctrl+C, SIGTERM or SIGHUP
(only a SIGKILL, which no process sees, can leave it behind).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys
import tempfile
import warnings
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bot.config import Settings, SettingsError, load_settings
from bot.i18n.languages import LANGUAGE_CODES

if TYPE_CHECKING:
    from bot.services.exports import ExportError, ExportSummary

PROGRESS_FROM_ROWS = 5_000
"""Exports with fewer rows finish too fast for a progress bar to help."""
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class BadInput(Exception):
    """One line for the operator: which option, and what was expected."""


def add_parser(commands: Any) -> None:
    """Registers ``export`` on the subcommands of ``python -m bot``."""
    export = commands.add_parser(
        "export",
        help="export attendance, participants, sessions, learning and indicators (full scope)",
        description=(
            "Writes the coordinators' export with full scope: XLSX (all sheets) or CSV "
            "(the Attendance sheet, UTF-8 with a byte order mark)."
        ),
    )
    export.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first day (local)")
    export.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last day (included)")
    export.add_argument(
        "--format", dest="export_format", metavar="xlsx|csv", help="default: from --out's suffix"
    )
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--country", metavar="CODE", help="e.g. XK: sessions in that country")
    export.add_argument("--organisation", metavar="NAME", help="only people of that organisation")
    export.add_argument("--module", metavar="ID", help="e.g. passwords-2fa")
    export.add_argument("--programme", metavar="NAME", help="only that programme's sessions")
    export.add_argument(
        "--language",
        default="en",
        metavar="CODE",
        help=f"of the headers: {', '.join(LANGUAGE_CODES)}",
    )
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=main)


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{option}: expected a date like 2026-01-01, got {value!r}") from None


def _checked(args: argparse.Namespace, known_modules: list[str]) -> tuple[Any, ...]:
    from bot.services import exports
    from bot.services.exports import ExportError, ExportFormat
    from bot.services.indicators import Filters
    from bot.services.roles import FULL_SCOPE

    first, last = _day("--from", args.first), _day("--to", args.last)
    if first is not None and last is not None and last < first:
        raise BadInput(f"--to: {last} is before --from {first}")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise BadInput(f"--out: the folder {str(out.parent)!r} does not exist")
    if out.is_dir():
        raise BadInput(f"--out: {args.out!r} is a folder; give a file name")
    name = (args.export_format or out.suffix.lstrip(".") or "xlsx").lower()
    try:
        export_format = ExportFormat(name)
    except ValueError:
        raise BadInput(f"--format: expected xlsx or csv, got {name!r}") from None
    if args.language not in LANGUAGE_CODES:
        raise BadInput(
            f"--language: expected one of {', '.join(LANGUAGE_CODES)}, got {args.language!r}"
        )
    try:
        filters = exports.check_filters(
            FULL_SCOPE, Filters(args.country, args.organisation, args.module), known_modules
        )
    except ExportError as error:
        raise BadInput(_filter_problem(error, known_modules)) from None
    return first, last, out, export_format, filters


def _filter_problem(error: ExportError, known_modules: list[str]) -> str:
    """One line for a filter that ``check_filters`` refused, naming the option."""
    from bot.services.exports import Reason

    option = {
        Reason.UNKNOWN_COUNTRY: "--country",
        Reason.UNKNOWN_MODULE: "--module",
    }.get(error.reason, "--organisation")
    expected = {
        Reason.UNKNOWN_COUNTRY: "a country code: AL, BA, XK, ME, MK, RS or other",
        Reason.UNKNOWN_MODULE: f"one of {', '.join(known_modules)}",
        Reason.EMPTY_ORGANISATION: "a name",
        Reason.ORGANISATION_TOO_LONG: "at most 120 characters",
    }.get(error.reason, error.reason.value)
    return f"{option}: expected {expected}, got {error.value or ''!r}"


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _interrupt(_number: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Cannot export: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from bot.content.catalogue import ContentError, load_catalogue

    try:
        catalogue = load_catalogue()
    except ContentError as error:
        print(f"Cannot export: the content has {len(error.problems)} problem(s)", file=sys.stderr)
        return EXIT_FAILED
    known = [module.id for module in catalogue.modules]
    try:
        first, last, out, export_format, filters = _checked(args, known)
    except BadInput as error:
        print(f"Cannot export: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from bot.services.exports import module_titles

    titles = module_titles(catalogue, args.language)
    part: Path | None = None
    tidy_part: Path | None = None
    tidy_out = out.with_name(f"{out.stem}-indicators.csv")
    # SIGTERM (docker stop, kill) and SIGHUP (a closed terminal) end the export as Ctrl+C
    # does, through the clean-up below: the half-written file of names does not stay.
    previous = {number: signal.signal(number, _interrupt) for number in _STOP_SIGNALS}
    try:
        # Written beside the target and renamed when complete: never a half-written report.
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
            dir=out.parent, prefix=f".{out.name}.", suffix=".part", delete=False
        )
        part = Path(handle.name)
        # Beside a workbook, its indicators as a long ("tidy") CSV for BI tools.
        tidy = None
        if export_format.value == "xlsx":
            tidy = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
                dir=out.parent, prefix=f".{tidy_out.name}.", suffix=".part", delete=False
            )
            tidy_part = Path(tidy.name)
        with handle, tidy or contextlib.nullcontext():
            # The audit entry is committed in there, before the file is renamed into place.
            summary = asyncio.run(
                _export(settings, first, last, handle, tidy, export_format, filters, args, titles)
            )
        if summary is None:
            return EXIT_FAILED
        part.replace(out)
        if tidy_part is not None:
            tidy_part.replace(tidy_out)
    except KeyboardInterrupt:
        # The interrupt can land between making a coroutine and awaiting it; collected
        # later, it would print a RuntimeWarning after (and instead of) the last line below.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
            gc.collect()
        print("Export interrupted; nothing was written.", file=sys.stderr)
        return EXIT_FAILED
    finally:
        for left in (part, tidy_part):
            if left is not None:
                left.unlink(missing_ok=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
    rows = ", ".join(f"{sheet.value} {count}" for sheet, count in summary.rows.items())
    print(f"Wrote {out} ({export_format.value}; rows: {rows})")
    if tidy_part is not None:
        print(f"Wrote {tidy_out} (the indicators, one value a line)")
    return 0


async def _export(
    settings: Settings,
    first: date | None,
    last: date | None,
    handle: IO[bytes],
    tidy: IO[bytes] | None,
    export_format: Any,
    filters: Any,
    args: argparse.Namespace,
    titles: dict[str, str],
) -> ExportSummary | None:
    """Writes the export into ``handle``; None (after saying why) when it cannot."""
    from bot.db import Database
    from bot.i18n.translator import Translators
    from bot.services import exports
    from bot.services.exports import ExportFormat, ExportRequest, Sheet
    from bot.services.indicators import period_between
    from bot.services.roles import FULL_SCOPE

    tr = Translators(settings.zone)(args.language)
    request = ExportRequest(FULL_SCOPE, period_between(first, last, settings.zone), filters)
    database = Database(settings.database_url)
    try:
        try:
            await database.migrate()
        except Exception as error:  # the operator needs one line, not a traceback
            from bot.cli.startup import explain

            line = explain(error, settings.database_url)
            print(
                f"Cannot export: {line or f'the database is not usable ({type(error).__name__})'}",
                file=sys.stderr,
            )
            return None
        from bot.clock import SystemClock

        now = SystemClock().now()
        async with database.session() as db:
            if args.programme:
                from dataclasses import replace

                from bot.services import programmes

                programme = await programmes.by_name(db, args.programme)
                if programme is None:
                    print(
                        f"Cannot export: --programme: no programme is called {args.programme!r}",
                        file=sys.stderr,
                    )
                    return None
                request = replace(request, filters=replace(request.filters, programme=programme.id))
            counts = await exports.count_rows(db, request)
            total = counts[Sheet.ATTENDANCE]
            if export_format is ExportFormat.XLSX:
                total = sum(counts.values())
            from tqdm import tqdm  # on first use: not in the bot's own memory

            with tqdm(
                total=total,
                unit=" rows",
                file=sys.stderr,
                disable=args.quiet or total < PROGRESS_FROM_ROWS,
                desc="Export",
            ) as bar:

                def progress(rows: int) -> None:
                    bar.update(rows)

                made = await exports.make(
                    db,
                    handle,
                    request,
                    export_format,
                    tr=tr,
                    now=now,
                    threshold=settings.indicator_threshold,
                    module_titles=titles,
                    progress=progress,
                )
            if tidy is not None:
                await exports.make_indicators_csv(
                    db, tidy, request, tr=tr, now=now, threshold=settings.indicator_threshold
                )
            await exports.record_export(
                db, actor_id=None, request=request, summary=made.summary, now=now
            )
            return made.summary
    finally:
        await database.dispose()
