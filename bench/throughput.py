"""Update throughput: 200 learners in lessons and quizzes at once, beside a bare echo bot.

    python -m bench.throughput [--learners 200] [--updates 20] [--rounds 2]
                               [--database-url sqlite|URL ...] [--profile FILE] [--no-write]

One fake Bot API server (:class:`bot.simulator.fake_bot_api.FakeBotApi`) runs in this process,
with the simulated learners. Each bot runs in a process of its own (:mod:`bench.bots`) and
polls the server over HTTP, one after the other in the same run:

- **echo**: a bare python-telegram-bot ``Application`` (``ApplicationBuilder`` defaults, no rate
  limiter), a ``MessageHandler`` that echoes text and a ``CallbackQueryHandler`` that answers
  the tap;
- **cards**: as bare, but answering each tap as a lesson bot must (the callback answer, then
  the tapped message edited to a card with new buttons): the Bot API calls of ours with none
  of our code, the floor for what ours does;
- **ours**: ``bot.app.build_application`` as ``python -m bot run`` builds it (durable intake,
  flood control, background jobs, PTB's ``AIORateLimiter``), run by ``bot.runtime.serve.run``; once
  with the rate limiter, and once without it (the same code, minus the limiter), on each
  database given.

The learners are onboarded beforehand (rows written straight into a fresh database) and each
sends ``/lessons`` before the measured window (warm-up). In the window each learner sends its
next update as soon as the reply to the previous one has arrived (a closed loop): the module,
Start the lessons, Next through every card, Take the quiz, an answer to every question, « All
lessons, the next module, and so on. The echo and cards bots get the same number of button
taps from the same learners.

Measured on the server side (``FakeBotApi.on_change``), per update: from ``push_update`` to the
first answer for that chat (the callback answer or a message), and to the whole reply (the
message with the next buttons). Throughput is the updates of the window divided by the time
from the first push to the last whole reply. ``--database-url`` may be given several times;
``sqlite`` (the default) is a fresh SQLite file in a temporary folder; a PostgreSQL database is
emptied first (its public schema is dropped). ``--profile FILE`` adds a run of ours without
the limiter under cProfile (on the first database) and prints where its time went.

The learners and their measured window are in :mod:`bench.load`, the database and its
seeding in :mod:`bench.database` (``bench.memory`` reuses both), the figures in
:mod:`bench.throughput_report`.
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import sys
import tempfile
from pathlib import Path

from bench.bots import TOKEN, BotProcess
from bench.database import FIRST_CHAT, backend, intake_counts, seed
from bench.load import Learners, Result, measure
from bench.report import write_section
from bench.throughput_report import SECTION, section, summary_line
from bot.content.catalogue import Catalogue, load_catalogue
from bot.simulator.fake_bot_api import FakeBotApi


async def run_bot(
    api: FakeBotApi,
    catalogue: Catalogue,
    kind: str,
    chats: list[int],
    updates: int,
    folder: Path,
    *,
    database_url: str = "",
    rate_limit: bool = True,
    profile: Path | None = None,
    name: str = "",
) -> Result:
    if kind == "ours":
        await seed(database_url, chats, catalogue)
    log = folder / f"{name or kind}.log"
    bot = BotProcess(
        kind,
        api.base_url,
        api.base_file_url,
        log,
        database_url=database_url,
        rate_limit=rate_limit,
        profile=profile,
    )
    learners = Learners(api, catalogue, kind, chats)
    try:
        await learners.everyone(learners.warm_up)
        window = await measure(learners, bot, updates)
    finally:
        learners.close()
        report = await bot.stop()
    result = Result(
        name=name or kind,
        kind=kind,
        rate_limit=rate_limit,
        window=window,
        peak_kib=report.get("maxrss_kib", 0),
        flood_notices=learners.flood_notices,
        problems=bot.problems(),
    )
    if kind == "ours":
        result.intake = await intake_counts(database_url)
    return result


VARIANTS = (
    ("ours", True),
    ("ours-unlimited", False),
)
"""Our bot with python-telegram-bot's rate limiter (as in production) and without it."""


async def run(
    learners: int,
    updates: int,
    rounds: int,
    database_urls: list[str],
    folder: Path,
    profile: Path | None,
    only: tuple[str, ...] = (),
) -> tuple[list[Result], Catalogue]:
    """``rounds`` times: the echo bot, then ours on each database, with and without the rate
    limiter; then, with ``profile``, ours without the limiter under cProfile on the first."""
    catalogue = load_catalogue()
    chats = [FIRST_CHAT + n for n in range(learners)]
    results: list[Result] = []

    async def one(name: str, kind: str, url: str = "", rate_limit: bool = True) -> Result:
        variant = f"{name}@{backend(url)}" if kind == "ours" else name
        result = await run_bot(
            api,
            catalogue,
            kind,
            chats,
            updates,
            folder,
            database_url=url,
            rate_limit=rate_limit,
            name=f"{variant}-{len([r for r in results if r.variant == variant]) + 1}",
        )
        result.variant = variant
        print(summary_line(result), file=sys.stderr)
        return result

    async with FakeBotApi(token=TOKEN) as api:
        for chat in chats:
            api.add_user(chat, first_name="Learner", language_code="en")
        for _round in range(rounds):
            for reference in ("echo", "cards"):
                if not only or reference in only:
                    results.append(await one(reference, reference))
            for url in database_urls:
                for name, rate_limit in VARIANTS:
                    if not only or name in only:
                        results.append(await one(name, "ours", url, rate_limit))
        if profile is not None:
            result = await run_bot(
                api,
                catalogue,
                "ours",
                chats,
                updates,
                folder,
                database_url=database_urls[0],
                rate_limit=False,
                profile=profile,
                name="ours-profiled",
            )
            print(summary_line(result) + " (under cProfile)", file=sys.stderr)
    return results, catalogue


def print_profile(path: Path, top: int = 30) -> None:
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--updates", type=int, default=20, help="taps per learner, measured")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--database-url",
        action="append",
        help="a database for ours, emptied first (may be given again: one after the other; "
        "'sqlite', the default: a fresh SQLite file in a temporary folder)",
    )
    parser.add_argument(
        "--profile", type=Path, help="also run ours (no limiter) under cProfile, stats to FILE"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument(
        "--only",
        default="",
        help="run only these bots (comma-separated: echo, cards, ours, ours-unlimited); "
        "writes nothing",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        urls = [
            f"sqlite:///{folder / 'bench.sqlite3'}" if url == "sqlite" else url
            for url in (args.database_url or ["sqlite"])
        ]
        only = tuple(name for name in args.only.split(",") if name)
        results, catalogue = asyncio.run(
            run(args.learners, args.updates, args.rounds, urls, folder, args.profile, only)
        )
        problems = [line for result in results for line in result.problems]
        if problems:
            print("The bots logged:", *problems[:20], sep="\n  ", file=sys.stderr)
    if args.profile:
        print_profile(args.profile)
    if only:
        return
    databases = [backend(url) for url in urls]
    text = section(results, catalogue, args.learners, args.updates, args.rounds, databases)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
