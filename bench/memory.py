"""Memory with 10,000 learners in the database and 500 of them active: peak resident size.

    python -m bench.memory [--learners 10000] [--active 500] [--updates 10]
                           [--database-url sqlite|URL ...] [--no-write]

The database gets 10,000 onboarded learners (eight languages, profiles answered) with a
progress row for two thirds of the learner × module pairs, written in bulk. The bot runs as
``python -m bot run`` runs it (:mod:`bench.bots`: ``build_application`` with the durable
intake, flood control, rate limiter and background jobs, polled by ``bot.runtime.serve.run``) in a
process of its own, against the fake Bot API server in this process; on each database given
(``sqlite``, the default, is a fresh file in a temporary folder; PostgreSQL is emptied first).
500 of the learners send ``/lessons`` and then tap through modules and quizzes in a closed
loop, ``--updates`` taps each; the bare echo bot gets the same taps, as a reference for what
python-telegram-bot alone takes.

Reported for the bot's process: the resident size once it polls (before any update), sampled
every half second during the load, and the peak: ``ru_maxrss`` from ``resource.getrusage`` in
the bot's own process at its exit (the high-water mark of its whole life, start-up included),
checked against ``VmHWM`` of ``/proc/<pid>/status`` just before the stop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.bots import TOKEN, BotProcess
from bench.database import FIRST_CHAT, backend, seed
from bench.load import Learners
from bench.report import machine, write_section
from bot.content.catalogue import Catalogue, load_catalogue
from bot.simulator.fake_bot_api import FakeBotApi

SECTION = "memory"
SAMPLE_SECONDS = 0.5


@dataclass
class Figures:
    kind: str
    idle_kib: int
    peak_kib: int
    hwm_kib: int
    samples: list[int] = field(default_factory=list)
    updates: int = 0
    seconds: float = 0.0
    seed_seconds: float = 0.0
    database: str = ""


START_SECONDS = 120.0


async def _polling(api: FakeBotApi, bot: BotProcess) -> None:
    """Waits until the bot has asked for updates (it is started and polling)."""
    deadline = time.monotonic() + START_SECONDS
    while not any(name == "getUpdates" for name, _ in api.calls[-50:]):
        if bot.process.poll() is not None:
            raise RuntimeError(f"the {bot.kind} bot stopped; see {bot.log}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the {bot.kind} bot did not poll within {START_SECONDS} s")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # the application's start (post_init, first jobs) settles


async def _sample(bot: BotProcess, into: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            into.append(bot.rss_kib())
        except OSError:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)


async def measure(
    api: FakeBotApi,
    catalogue: Catalogue,
    kind: str,
    active: list[int],
    updates: int,
    folder: Path,
    database_url: str,
) -> Figures:
    log = folder / f"memory-{kind}.log"
    bot = BotProcess(kind, api.base_url, api.base_file_url, log, database_url=database_url)
    api.calls.clear()
    learners = Learners(api, catalogue, kind, active)
    samples: list[int] = []
    stop = asyncio.Event()
    try:
        await _polling(api, bot)
        idle = bot.rss_kib()
        sampler = asyncio.create_task(_sample(bot, samples, stop))
        started = time.perf_counter()
        await learners.everyone(learners.warm_up)
        await learners.everyone(learners.run, updates)
        seconds = time.perf_counter() - started
        stop.set()
        await sampler
        hwm = bot.peak_kib()
    finally:
        stop.set()
        learners.close()
        report = await bot.stop()
    problems = bot.problems()
    if problems:
        print(f"The {kind} bot logged:", *problems[:20], sep="\n  ", file=sys.stderr)
    return Figures(
        kind=kind,
        idle_kib=idle,
        peak_kib=int(report.get("maxrss_kib", 0)),
        hwm_kib=hwm,
        samples=samples,
        updates=len(active) * (updates + 1),
        seconds=seconds,
    )


async def run(
    learners: int, active: int, updates: int, database_urls: list[str], folder: Path
) -> tuple[list[Figures], Figures]:
    """Ours on each database (seeded afresh), then the echo bot."""
    catalogue = load_catalogue()
    chats = [FIRST_CHAT + n for n in range(learners)]
    # The active ones spread over the whole table, not only its first rows.
    step = max(1, learners // active)
    talking = chats[::step][:active]
    ours: list[Figures] = []
    async with FakeBotApi(token=TOKEN) as api:
        for chat in talking:
            api.add_user(chat, first_name="Learner", language_code="en")
        for url in database_urls:
            seconds = await seed(url, chats, catalogue, progress=True, multilingual=True)
            figures = await measure(api, catalogue, "ours", talking, updates, folder, url)
            figures.database, figures.seed_seconds = backend(url), seconds
            ours.append(figures)
            print(f"ours on {figures.database}: peak {_mib(figures.peak_kib)}", file=sys.stderr)
        echo = await measure(api, catalogue, "echo", talking, updates, folder, "")
    return ours, echo


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def section(ours: list[Figures], echo: Figures, learners: int, active: int, updates: int) -> str:
    def at(samples: list[int], share: float) -> str:
        return _mib(samples[min(len(samples) - 1, int(share * len(samples)))]) if samples else "-"

    rows = []
    for label, figures in [
        *((f"**ours**, {f.database}", f) for f in ours),
        ("bare PTB echo bot", echo),
    ]:
        s = figures.samples
        rows.append(
            f"| {label} | {_mib(figures.idle_kib)} | {at(s, 0.25)} | {at(s, 0.5)} | "
            f"{at(s, 0.75)} | {_mib(s[-1]) if s else '-'} | **{_mib(figures.peak_kib)}** | "
            f"{_mib(figures.hwm_kib)} |"
        )
    peaks = ", ".join(
        f"**{_mib(f.peak_kib)}** on {f.database} ({_mib(f.peak_kib - f.idle_kib)} above its "
        "size once polling)"
        for f in ours
    )
    runs = "; ".join(
        f"{f.database}: seeded in {f.seed_seconds:.1f} s, {f.updates:,} updates in "
        f"{f.seconds:.0f} s"
        for f in ours
    )
    return "\n".join(
        [
            f"<!-- bench:{SECTION} -->",
            f"## Memory, {learners:,} learners and {active} active (`python -m bench.memory`)",
            "",
            f"{learners:,} onboarded learners in the database (eight languages, profiles "
            "answered), with a progress row for two thirds of the learner × module pairs, "
            "written in bulk. The bot runs in a process of its own as `python -m bot run` runs "
            "it (durable intake, flood control, `AIORateLimiter`, background jobs) against the "
            f"fake Bot API server; {active} of the learners, spread over the table, send "
            f"`/lessons` and then tap through modules and quizzes, {updates} taps each, each as "
            f"soon as the last reply arrived ({runs}). The bare echo bot gets the same taps "
            "from the same people, as the floor that python-telegram-bot itself takes. "
            "Resident size (RSS) of the bot's process: once it polls, then sampled every half "
            "second under load (at a quarter, half, three quarters and the end of the load); "
            "**peak** is `ru_maxrss` from `resource.getrusage` in the bot's own process at its "
            "exit (its whole life; it is started through a small launcher, since Linux counts "
            "the memory of the process that forked it into `ru_maxrss`), VmHWM is "
            "`/proc/<pid>/status` just before the stop.",
            "",
            "| bot | RSS polling, idle | under load: ¼ | ½ | ¾ | end | peak (`ru_maxrss`) "
            "| VmHWM |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Ours peaks at {peaks}; the echo bot at {_mib(echo.peak_kib)}.",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}.",
            f"<!-- /bench:{SECTION} -->",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=500)
    parser.add_argument("--updates", type=int, default=10, help="taps per active learner")
    parser.add_argument(
        "--database-url",
        action="append",
        help="a database for ours, emptied first (may be given again: one after the other; "
        "'sqlite', the default: a fresh SQLite file in a temporary folder)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.active > args.learners:
        parser.error("--active cannot be more than --learners")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        urls = [
            f"sqlite:///{folder / 'bench.sqlite3'}" if url == "sqlite" else url
            for url in (args.database_url or ["sqlite"])
        ]
        ours, echo = asyncio.run(run(args.learners, args.active, args.updates, urls, folder))
    text = section(ours, echo, args.learners, args.active, args.updates)
    print(text)
    print(f"(load average now: {os.getloadavg()[0]:.1f})", file=sys.stderr)
    if not args.no_write:
        write_section(text, SECTION)
        print("written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
