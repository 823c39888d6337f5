"""One worker or two on one PostgreSQL database: what a second process gains on this machine.

    python -m bench.workers --database-url postgresql://... [--learners 100] [--updates 20]
                            [--rounds 2] [--no-write]

Ours as in :mod:`bench.throughput` (each bot a process of its own polling the fake Bot API
server in this process; learners in a closed loop through lessons and quizzes), **without the
rate limiter**, so that what is measured is how fast the bot handles updates, not Telegram's
limit: once with one worker (``WORKERS=1``), once with two (``WORKERS=2``: worker 0 polls and
stores each update for the worker of its chat, worker 1 follows its share of the stored
updates; :mod:`bot.runtime.inbound`), on a fresh database each time, one after the other in
each round.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.bots import TOKEN, BotProcess
from bench.database import FIRST_CHAT, intake_counts, seed
from bench.load import Learners, percentile
from bench.report import machine, write_section
from bot.content.catalogue import load_catalogue
from bot.simulator.fake_bot_api import FakeBotApi

SECTION = "workers"


@dataclass
class Run:
    workers: int
    updates: int
    seconds: float
    cpu: float
    whole: list[float]
    intake: dict[str, int]

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def line(self) -> str:
        return (
            f"{self.workers} worker(s): {self.updates} updates in {self.seconds:.1f} s = "
            f"{self.rate:.1f}/s, CPU {1000 * self.cpu / self.updates:.1f} ms/update, "
            f"p95 {1000 * percentile(self.whole, 0.95):.0f} ms, intake {self.intake}"
        )


async def one(
    api: FakeBotApi, url: str, workers: int, chats: list[int], updates: int, folder: Path
) -> Run:
    catalogue = load_catalogue()
    await seed(url, chats, catalogue)
    processes = [
        BotProcess(
            "ours",
            api.base_url,
            api.base_file_url,
            folder / f"workers-{workers}-{worker}.log",
            database_url=url,
            rate_limit=False,
            workers=workers,
            worker=worker,
        )
        for worker in range(workers)
    ]
    learners = Learners(api, catalogue, "ours", chats)
    try:
        await learners.everyone(learners.warm_up)
        cpu = sum(p.cpu_seconds() for p in processes)
        learners.recording = True
        started = time.perf_counter()
        await learners.everyone(learners.run, updates)
        seconds = max(seat.whole or 0.0 for seat in learners.seats.values()) - started
        cpu = sum(p.cpu_seconds() for p in processes) - cpu
    finally:
        learners.close()
        for process in processes:
            await process.stop()
            for line in process.problems()[:5]:
                print(f"worker logged: {line}", file=sys.stderr)
    return Run(
        workers, updates * len(chats), seconds, cpu, list(learners.whole), await intake_counts(url)
    )


async def run(url: str, learners: int, updates: int, rounds: int, folder: Path) -> list[Run]:
    chats = [FIRST_CHAT + n for n in range(learners)]
    runs: list[Run] = []
    async with FakeBotApi(token=TOKEN) as api:
        for chat in chats:
            api.add_user(chat, first_name="Learner", language_code="en")
        for _ in range(rounds):
            for workers in (1, 2):
                result = await one(api, url, workers, chats, updates, folder)
                runs.append(result)
                print(result.line(), file=sys.stderr)
    return runs


def section(runs: list[Run], learners: int, updates: int) -> str:
    def of(workers: int) -> list[Run]:
        return [r for r in runs if r.workers == workers]

    one, two = of(1), of(2)
    gains = [b.rate / a.rate for a, b in zip(one, two, strict=True)]
    rows = [
        f"| {label} | "
        + ", ".join(f"{r.rate:.1f}" for r in group)
        + " | "
        + ", ".join(f"{1000 * r.cpu / r.updates:.1f} ms" for r in group)
        + " | "
        + ", ".join(f"{1000 * statistics.median(r.whole):,.0f} ms" for r in group)
        + " |"
        for label, group in (("one worker", one), ("two workers", two))
    ]
    return "\n".join(
        [
            f"<!-- bench:{SECTION} -->",
            "## Two workers (`python -m bench.workers`)",
            "",
            f"Ours on PostgreSQL without the rate limiter, {learners} learners in a closed loop "
            f"through lessons and quizzes, {updates} taps each, as in `bench.throughput`: once "
            "with one worker, once with two (`WORKERS=2`: worker 0 polls Telegram and stores "
            "each update claimed by the worker of its chat, worker 1 handles its share from "
            "the table; `tests/test_two_workers.py` proves each update is handled once and "
            "each person's in order), on a fresh database each time, alternating. Each round's "
            "figure is shown (the machine is shared: compare within a round).",
            "",
            "| | updates/s, each round | bot CPU per update (all workers) | reply median |",
            "|---|---|---|---|",
            *rows,
            "",
            "Two workers handle **"
            + ", ".join(f"{g:.2f}×" for g in gains)
            + "** the updates a second of one on this machine "
            f"({os.cpu_count()} cores, shared with the fake server, the learners, PostgreSQL "
            "and other work).",
            "",
            "**When a programme needs it.** Telegram lets a bot send about 30 messages a second, "
            "and ours answers a tap with one call Telegram counts (section *Capacity*), so one "
            "bot can serve about 28 taps a second however many processes it has; the rate "
            "limiter gives each worker its part of that. One worker spends the CPU per tap "
            "shown in *Capacity* (on the order of 10–15 ms here), so at 28 taps a second it "
            "keeps a third to a half of one core busy: a second worker is not needed for "
            "throughput on a machine like this one. It is worth it where one core is slower "
            "than about 35 ms of CPU a tap (at 28 taps a second a single process would then be "
            "saturated), or to keep answering while one process restarts. Beyond about 550 "
            "learners tapping at once (20 s of reading between taps), the limit is Telegram's, "
            "and more processes do not raise it.",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}.",
            f"<!-- /bench:{SECTION} -->",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL, emptied first")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("several workers need PostgreSQL")
    with tempfile.TemporaryDirectory() as name:
        runs = asyncio.run(
            run(args.database_url, args.learners, args.updates, args.rounds, Path(name))
        )
    text = section(runs, args.learners, args.updates)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
