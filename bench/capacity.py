"""Capacity where Telegram sets the limit: learners who read between taps, ours beside `cards`.

    python -m bench.capacity [--database-url sqlite|URL] [--window 60] [--walkers 60]
                             [--rounds 2] [--no-write]

One fake Bot API server (:class:`bot.simulator.fake_bot_api.FakeBotApi`) runs in this process
and enforces Telegram's limits: 30 messages a second for the whole bot and one a second per
chat, edits counted as messages, a call over a limit answered 429 with ``retry_after``. Two
bots poll it, each in a process of its own (:mod:`bench.bots`), started once and measured
turn by turn in the same run:

- **cards** (``cards-limited``): a bare python-telegram-bot bot answering each tap as a lesson
  must (the callback answer, the card edited in place), with the same rate limiter as ours
  (:class:`bot.runtime.ratelimit.TelegramRateLimiter`);
- **ours**: as ``python -m bot run`` builds it (durable intake, flood control, background jobs,
  the rate limiter).

Three measurements, each bot's turns interleaved:

1. **Walk** (closed loop, ``--walkers`` learners at once, ``--rounds`` times): each learner goes
   through one whole module and its quiz (the module, Start, Next through every card, Take the
   quiz, every answer, « All lessons). Counts the Bot API calls Telegram limits (sending or
   editing a message) per tap, and the bot's CPU time per tap.
2. **Open-loop capacity**, a search over the number of learners. At one step, N learners
   arrive over ``RAMP`` seconds (each sends ``/lessons``), then each taps its next button,
   reads for a time drawn from a seeded uniform distribution between 10 and 30 seconds, taps
   again, and so on. The taps pushed within the measured window (``SETTLE`` seconds after the
   last arrival, lasting ``--window`` seconds) count: tap-to-reply is the time from the tap
   (``push_update``) to the reply on the server (the message edited or sent with the next
   buttons). A step passes when the p95 of tap-to-reply is under 1 s, the server answered no
   429 and every tap was replied to within ``REPLY_TIMEOUT``. The search doubles N from
   ``START`` until a step fails, then halves the gap until it is within ``RESOLUTION`` of the
   largest N that passed; each bot's next step runs right after the other bot's.
3. **Memory**: each bot's resident size once polling (before any update), and its highest
   (``VmHWM``) at the end of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bots import TOKEN, BotProcess
from bench.database import FIRST_CHAT, backend, seed
from bench.load import Learners, Seat, percentile
from bench.memory import _polling
from bench.report import machine, write_section
from bot.content.catalogue import Catalogue, load_catalogue
from bot.runtime.ratelimit import LIMITED
from bot.runtime.ratelimit import OVERALL_PER_SECOND as OVERALL_PER_SECOND_SENT
from bot.simulator.fake_bot_api import FakeBotApi

SECTION = "capacity"
READING = (10.0, 30.0)
"""Seconds a learner reads before the next tap: uniform, seeded per learner and step."""
RAMP = 25.0
"""Seconds over which the learners of a step arrive."""
SETTLE = 10.0
"""Seconds after the last arrival before the measured window opens."""
REPLY_TIMEOUT = 20.0
"""A tap not replied to within this is lost."""
WINDOW = 60.0
"""Seconds of a step's measured window (``--window``)."""
P95_AIM = 1.0
START = 200
CAP = 2400
RESOLUTION = 0.08
OVERALL_PER_SECOND = 30
CHAT_PER_SECOND = 1
SEED = 20261207
BOTS = ("cards", "ours")
COMPOSE_CHATS = 8
"""``CONCURRENT_CHATS`` as ``compose.yaml`` runs ours on PostgreSQL."""


class Lost(Exception):
    """A tap that got no reply in time (or a flood notice)."""


class Readers(Learners):
    """Learners who read between taps; taps pushed within ``window`` are recorded."""

    def __init__(self, api: FakeBotApi, catalogue: Catalogue, kind: str, chats: list[int]):
        super().__init__(api, catalogue, kind, chats)
        self.window = (float("inf"), float("inf"))
        self.taps = 0
        self.lost = 0
        self.stop = asyncio.Event()

    def _replied(self, seat: Seat, now: float) -> None:
        seat.whole = now
        if self.window[0] <= seat.pushed < self.window[1] and seat.first is not None:
            self.first.append(seat.first - seat.pushed)
            self.whole.append(now - seat.pushed)
        assert seat.waiting is not None
        seat.waiting.set_result(None)

    async def _exchange(self, seat: Seat, push: Any) -> None:
        seat.waiting = asyncio.get_running_loop().create_future()
        seat.first = seat.whole = None
        seat.pushed = time.perf_counter()
        counted = self.window[0] <= seat.pushed < self.window[1]
        self.taps += counted
        push()
        try:
            await asyncio.wait_for(seat.waiting, REPLY_TIMEOUT)
        except (TimeoutError, AssertionError):
            self.lost += counted
            raise Lost from None

    async def _read(self, rng: random.Random, low: float, high: float) -> bool:
        """Reads (sleeps) for a while; False when the step is over meanwhile."""
        try:
            await asyncio.wait_for(self.stop.wait(), rng.uniform(low, high))
        except TimeoutError:
            return True
        return False

    async def reader(self, seat: Seat, rng: random.Random) -> None:
        if not await self._read(rng, 0.0, RAMP):
            return
        try:
            await self.warm_up(seat)
            while await self._read(rng, *READING):
                await self.tap(seat)
        except Lost:
            return


@dataclass
class Step:
    kind: str
    learners: int
    taps: int
    whole: list[float]
    rate_limited: int
    lost: int
    limited_calls: int
    cpu: float
    seconds: float
    load: float = 0.0
    """The machine's load average (1 minute) at the end of the window."""

    @property
    def p95(self) -> float:
        return percentile(self.whole, 0.95) if self.whole else float("inf")

    @property
    def median(self) -> float:
        return statistics.median(self.whole) if self.whole else float("inf")

    @property
    def passed(self) -> bool:
        return bool(self.whole) and self.p95 < P95_AIM and self.rate_limited == 0 and self.lost == 0

    def line(self) -> str:
        return (
            f"{self.kind} N={self.learners}: {self.taps} taps ({self.taps / self.seconds:.1f}/s), "
            f"p95 {1000 * self.p95:.0f} ms, median {1000 * self.median:.0f} ms, "
            f"429: {self.rate_limited}, lost {self.lost}, limited calls/tap "
            f"{self.limited_calls / max(self.taps, 1):.2f}, bot CPU {self.cpu / self.seconds:.0%}"
            f", load {self.load:.1f} -> {'pass' if self.passed else 'FAIL'}"
        )


@dataclass
class Walk:
    kind: str
    taps: int
    cpu: float
    methods: Counter[str]

    @property
    def limited(self) -> int:
        return sum(count for method, count in self.methods.items() if method in LIMITED)


@dataclass
class Search:
    """The largest N that passes: doubling from START, then halving the gap."""

    passed: int = 0
    failed: int | None = None
    steps: list[Step] = field(default_factory=list)

    def next(self) -> int | None:
        if self.failed is None:
            following = START if self.passed == 0 else self.passed * 2
            return following if following <= CAP else None
        if self.failed - self.passed <= max(10, RESOLUTION * max(self.passed, 1)):
            return None
        return round((self.passed + self.failed) / 2 / 10) * 10

    def record(self, step: Step) -> None:
        self.steps.append(step)
        if step.passed:
            self.passed = max(self.passed, step.learners)
        else:
            self.failed = step.learners if self.failed is None else min(self.failed, step.learners)


@dataclass
class Bot:
    kind: str
    api: FakeBotApi
    """A server of its own: both bots poll at once, each must get its own updates."""
    process: BotProcess
    idle_kib: int = 0
    peak_kib: int = 0
    search: Search = field(default_factory=Search)
    walks: list[Walk] = field(default_factory=list)


def _learner_kind(kind: str) -> str:
    return "ours" if kind == "ours" else "cards"


def _sent_between(api: FakeBotApi, start: float, end: float) -> int:
    """Calls that passed the server's limits (sends and edits) between two monotonic times."""
    return sum(1 for _method, at in api.sent_times if start <= at < end)


async def walk(catalogue: Catalogue, bot: Bot, chats: list[int]) -> Walk:
    """Each learner through one module and its quiz, in a closed loop."""
    api = bot.api
    learners = Learners(api, catalogue, _learner_kind(bot.kind), chats)
    try:
        await learners.everyone(learners.warm_up)
        calls = len(api.calls)
        cpu = bot.process.cpu_seconds()

        async def through_module(seat: Seat) -> None:
            module = catalogue.modules[seat.module]
            await learners.run(seat, module.card_count + len(module.questions) + 3)

        await learners.everyone(through_module)
        cpu = bot.process.cpu_seconds() - cpu
        methods = Counter(name for name, _params in api.calls[calls:] if name != "getUpdates")
    finally:
        learners.close()
    taps = sum(
        catalogue.modules[seat.module].card_count + len(catalogue.modules[seat.module].questions)
        for seat in learners.seats.values()
    )
    taps += 3 * len(learners.seats)
    if bot.kind != "ours":
        taps = methods["answerCallbackQuery"]
    return Walk(bot.kind, taps, cpu, methods)


async def step(catalogue: Catalogue, bot: Bot, chats: list[int]) -> Step:
    api = bot.api
    readers = Readers(api, catalogue, _learner_kind(bot.kind), chats)
    rejected = api.rate_limited
    started = time.perf_counter()
    opens = started + RAMP + SETTLE
    window = (opens, opens + WINDOW)
    readers.window = window
    cpu: list[float] = []

    async def clock() -> None:
        await asyncio.sleep(opens - time.perf_counter())
        cpu.append(bot.process.cpu_seconds())
        await asyncio.sleep(window[1] - time.perf_counter())
        cpu.append(bot.process.cpu_seconds())
        readers.stop.set()

    try:
        tasks = [
            readers.reader(seat, random.Random(f"{SEED}:{len(chats)}:{seat.chat}"))
            for seat in readers.seats.values()
        ]
        await asyncio.gather(clock(), *tasks)
    finally:
        readers.close()
    # Monotonic and perf_counter share no origin: the server's times are compared by offset.
    offset = time.monotonic() - time.perf_counter()
    limited = _sent_between(api, window[0] + offset, window[1] + offset)
    return Step(
        kind=bot.kind,
        learners=len(chats),
        taps=readers.taps,
        whole=readers.whole,
        rate_limited=api.rate_limited - rejected,
        lost=readers.lost,
        limited_calls=limited,
        cpu=cpu[1] - cpu[0],
        seconds=WINDOW,
        load=os.getloadavg()[0],
    )


async def run(
    database_url: str,
    walkers: int,
    rounds: int,
    folder: Path,
    search: bool = True,
    concurrent_chats: int = 1,
) -> list[Bot]:
    catalogue = load_catalogue()
    chats = [FIRST_CHAT + n for n in range(CAP)]
    await seed(database_url, chats, catalogue)
    bots: list[Bot] = []
    async with AsyncExitStack() as stack:
        try:
            for kind in BOTS:
                api = await stack.enter_async_context(FakeBotApi(token=TOKEN))
                for chat in chats:
                    api.add_user(chat, first_name="Learner", language_code="en")
                process = BotProcess(
                    "cards-limited" if kind == "cards" else kind,
                    api.base_url,
                    api.base_file_url,
                    folder / f"{kind}.log",
                    database_url=database_url,
                    concurrent_chats=concurrent_chats if kind == "ours" else 0,
                )
                bots.append(Bot(kind, api, process))
                await _polling(api, process)
                bots[-1].idle_kib = process.rss_kib()
            # The walks: without the server's limits (the bots' own limiter paces them).
            for number in range(rounds):
                for bot in bots:
                    start = FIRST_CHAT + CAP - walkers * (number + 1)
                    result = await walk(catalogue, bot, list(range(start, start + walkers)))
                    bot.walks.append(result)
                    print(
                        f"walk {bot.kind}: {result.taps} taps, {result.limited / result.taps:.2f} "
                        f"limited calls/tap, {1000 * result.cpu / result.taps:.1f} ms CPU/tap, "
                        f"{dict(result.methods)}",
                        file=sys.stderr,
                    )
            for bot in bots:
                bot.api.set_rate_limits(OVERALL_PER_SECOND, CHAT_PER_SECOND, edits=True)
            while search:
                pending = [(bot, bot.search.next()) for bot in bots]
                chosen = [(bot, n) for bot, n in pending if n is not None]
                if not chosen:
                    break
                for bot, n in chosen:
                    measured = await step(catalogue, bot, chats[:n])
                    bot.search.record(measured)
                    print(measured.line(), file=sys.stderr)
            for bot in bots:
                bot.peak_kib = bot.process.peak_kib()
        finally:
            for bot in bots:
                await bot.process.stop()
                problems = bot.process.problems()
                if problems:
                    print(f"{bot.kind} logged:", *problems[:10], sep="\n  ", file=sys.stderr)
    return bots


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def _best(bot: Bot) -> Step | None:
    passing = [s for s in bot.search.steps if s.passed and s.learners == bot.search.passed]
    return passing[0] if passing else None


def section(
    bots: list[Bot], database: str, walkers: int, rounds: int, concurrent_chats: int = 1
) -> str:
    cards, ours = bots
    rows = []
    for label, bot in (("`cards`, same limiter", cards), ("**ours**", ours)):
        best = _best(bot)
        tried = ", ".join(
            f"{s.learners}: {1000 * s.p95:,.0f} ms, CPU {s.cpu / s.seconds:.0%}, "
            f"load {s.load:.0f}{'' if s.passed else ' ✗'}"
            + (f" ({s.rate_limited}×429)" if s.rate_limited else "")
            + (f" ({s.lost} lost)" if s.lost else "")
            for s in sorted(bot.search.steps, key=lambda s: s.learners)
        )
        if best is None:
            rows.append(f"| {label} | **0** | - | - | - | - | - | - | {tried} |")
            continue
        rows.append(
            f"| {label} | **{best.learners:,}** | {best.taps / best.seconds:.1f} | "
            f"{1000 * best.median:,.0f} ms | {1000 * best.p95:,.0f} ms | {best.rate_limited} | "
            f"{best.lost} | {best.limited_calls / max(best.taps, 1):.2f} | {tried} |"
        )
    ratio = ours.search.passed / cards.search.passed if cards.search.passed else 0.0

    def per_tap(bot: Bot) -> tuple[float, list[float]]:
        limited = sum(w.limited for w in bot.walks) / sum(w.taps for w in bot.walks)
        return limited, [1000 * w.cpu / w.taps for w in bot.walks]

    cards_calls, cards_cpu = per_tap(cards)
    ours_calls, ours_cpu = per_tap(ours)
    cpu_ratios = [o / c for o, c in zip(ours_cpu, cards_cpu, strict=True)]
    methods: Counter[str] = Counter()
    for w in ours.walks:
        methods.update(w.methods)
    taps = sum(w.taps for w in ours.walks)
    breakdown = ", ".join(
        f"`{method}` {count / taps:.2f}"
        for method, count in methods.most_common()
        if count / taps >= 0.005
    )
    module_taps = "the module, Start, Next through every card, Take the quiz, every answer, « All"
    verdict = "met" if ratio >= 0.9 else "**not met**"
    calls_verdict = "met" if ours_calls <= 1.1 else "**not met**"
    cpu_verdict = "met" if max(cpu_ratios) <= 2.0 else "**not met**"
    memory_verdict = "met" if ours.idle_kib <= 100 * 1024 else "**not met**"
    return "\n".join(
        [
            f"<!-- bench:{SECTION} -->",
            "## Capacity where Telegram sets the limit (`python -m bench.capacity`)",
            "",
            "The fake Bot API server enforces Telegram's limits: 30 messages a second for the "
            "whole bot and one a second per chat, **edits counted as messages**, a call over a "
            "limit answered 429 with `retry_after`. Two bots poll it, each in its own process, "
            "started once and measured turn by turn in the same run: **`cards`**, a bare "
            "python-telegram-bot bot answering each tap as a lesson must (the callback answer, "
            "the card edited in place) with the same rate limiter as ours "
            "(`bot.runtime.ratelimit.TelegramRateLimiter`); **ours** as `python -m bot run` "
            "builds it (durable intake, flood control, background jobs), on "
            f"{database}, handling {concurrent_chats} chat{'s' if concurrent_chats > 1 else ''} "
            f"at once (`CONCURRENT_CHATS={concurrent_chats}`"
            + (", as `compose.yaml` runs it" if concurrent_chats == COMPOSE_CHATS else "")
            + "; `cards` one update at a time, python-telegram-bot's default). The "
            "machine has 2 cores shared with other work (up to 8 sessions today): every figure "
            "is a measurement of one run, ours and the reference interleaved, so compare "
            "the ratios rather than the absolute values; repeat runs differ by some 10 %.",
            "",
            "### Open-loop capacity (aim: ours ≥ 0.9× `cards`, p95 < 1 s, 0 × 429, nothing lost)",
            "",
            f"At one step N learners arrive over {RAMP:.0f} s (each sends `/lessons`), then each "
            "taps its next button, reads for a time drawn from a seeded uniform distribution "
            f"between {READING[0]:.0f} and {READING[1]:.0f} s, taps again, and so on (ours: "
            f"{module_taps} lessons, the next module; `cards`: Next). The taps pushed in a "
            f"window of {WINDOW:.0f} s, opened {SETTLE:.0f} s after the last arrival, are "
            "measured from the tap (`push_update`) to the reply on the server (the message "
            "with the next buttons). A step passes when that p95 is under 1 s, the server "
            f"answered no 429 and every tap got its reply within {REPLY_TIMEOUT:.0f} s. The "
            f"search doubles N from {START} until a step fails, then halves the gap down to "
            f"{RESOLUTION:.0%} (or 10 learners); each bot's steps alternate with the other's. "
            "At 20 s of reading on average, N learners tap about N/20 times a second; the "
            f"rate limiter sends at most {OVERALL_PER_SECOND_SENT} limited calls in any second "
            "(under Telegram's 30, with room for calls that arrive bunched), so a bot "
            "answering each tap with one limited call reaches its ceiling near "
            f"{20 * OVERALL_PER_SECOND_SENT} learners.",
            "",
            "| bot | learners (largest passing) | taps/s | tap-to-reply median | p95 | 429 "
            "| lost | limited calls/tap | steps: N: p95 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
            f"Ours serves **{ratio:.2f}×** the learners `cards` serves ({verdict}).",
            "",
            "### Telegram calls and CPU per tap (aims: ≤ 1.1 limited calls a tap, CPU ≤ 2× "
            "`cards`)",
            "",
            f"{walkers} learners at once in a closed loop, each through one whole module and its "
            f"quiz ({module_taps} lessons), {rounds} rounds, each bot's rounds alternating with "
            "the other's; without the server's limits (the bots' own rate limiter paces them). "
            "Limited calls are those Telegram counts (sending or editing a message, "
            "`bot.runtime.ratelimit.LIMITED`); CPU is the bot process's user + system time "
            "over the taps.",
            "",
            "| bot | limited calls per tap | CPU per tap, each round |",
            "|---|---:|---|",
            f"| `cards`, same limiter | {cards_calls:.2f} | "
            + ", ".join(f"{c:.1f} ms" for c in cards_cpu)
            + " |",
            f"| **ours** | **{ours_calls:.2f}** | "
            + ", ".join(f"{c:.1f} ms" for c in ours_cpu)
            + " |",
            "",
            f"Ours makes **{ours_calls:.2f}** limited calls a tap ({calls_verdict}; all calls "
            f"a tap: {breakdown}) and spends **"
            + ", ".join(f"{r:.1f}×" for r in cpu_ratios)
            + f"** the CPU of `cards` per tap in the rounds ({cpu_verdict}).",
            "",
            "Where ours spends the rest (cProfile of `bench.throughput --profile`, "
            "2026-12-07): python-telegram-bot and its HTTP stack (httpx, httpcore, h11, anyio) "
            "take as much as in `cards`; the difference is the database. Each tap is stored "
            "(the durable intake) and handled in a unit of work: on SQLite about 2.6 ms of CPU "
            "a tap, on PostgreSQL about 5 ms (asyncpg and its sockets), measured in a loop of "
            "the same statements. Two statements of every tap were the costliest: the "
            "intake's `INSERT … ON CONFLICT … RETURNING` went through the ORM's bulk path and "
            "was compiled afresh for every batch (a multi-row `VALUES`), and the done mark "
            "went through the ORM's bulk `UPDATE` with its in-Python synchronisation of the "
            "session. Both are now SQLAlchemy Core statements built once "
            "(`bot/runtime/inbound.py`), as are the look-ups of the person and of their "
            "progress (`learners.find`, `progress._progress_row`); SQLAlchemy's share of the "
            "profile fell from 14.6 s to 5.7 s for some 1,050 updates, and the walk's CPU a "
            "tap from 16.1 ms to about 10 ms on SQLite. On PostgreSQL a lesson tap now makes "
            "seven round trips: the intake's INSERT (autocommit), then BEGIN, find the person, "
            "read and write the progress, mark done, COMMIT; the pool's ping (three round "
            "trips, at each of the two checkouts) only after 5 s idle. Where the wall time of "
            "a tap goes: `python -m bench.spans`.",
            "",
            "### Memory (aim: ours ≤ 100 MiB once polling)",
            "",
            "| bot | RSS once polling | highest RSS of the run (`VmHWM`) |",
            "|---|---:|---:|",
            f"| `cards`, same limiter | {_mib(cards.idle_kib)} | {_mib(cards.peak_kib)} |",
            f"| **ours** | **{_mib(ours.idle_kib)}** | {_mib(ours.peak_kib)} |",
            "",
            f"Ours once polling: {memory_verdict} (the benchmark runs ours without the ops "
            "server; with it, `python -m bot run` also loads aiohttp, about 9 MiB).",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}.",
            f"<!-- /bench:{SECTION} -->",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    global WINDOW
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", default="sqlite", help="ours' database, emptied first ('sqlite')"
    )
    parser.add_argument("--window", type=float, default=WINDOW, help="seconds measured a step")
    parser.add_argument("--walkers", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument(
        "--walks-only",
        action="store_true",
        help="only the walks (calls and CPU a tap); writes nothing",
    )
    parser.add_argument(
        "--concurrent-chats",
        type=int,
        default=0,
        help=f"ours' CONCURRENT_CHATS (default: {COMPOSE_CHATS} on PostgreSQL, as compose.yaml "
        "sets it; 1 on SQLite, the setting's default)",
    )
    args = parser.parse_args(argv)
    WINDOW = args.window
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = (
            f"sqlite:///{folder / 'bench.sqlite3'}"
            if args.database_url == "sqlite"
            else args.database_url
        )
        started = time.perf_counter()
        concurrent = args.concurrent_chats or (1 if url.startswith("sqlite") else COMPOSE_CHATS)
        print(f"ours: CONCURRENT_CHATS={concurrent}", file=sys.stderr)
        bots = asyncio.run(
            run(url, args.walkers, args.rounds, folder, not args.walks_only, concurrent)
        )
        print(f"wall time {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.walks_only:
        return
    text = section(bots, backend(url), args.walkers, args.rounds, concurrent)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
