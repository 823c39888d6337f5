"""An announcement to 2,000 learners through the fake Bot API server enforcing Telegram's limits.

    python -m bench.announce_rate [--learners 2000] [--database-url URL] [--no-write]

The fake server (:class:`bot.simulator.fake_bot_api.FakeBotApi`) runs in its own thread and
event loop, like a remote server, and answers 429 with ``retry_after`` to any sendMessage that
would make more than 30 in a sliding second overall, or more than 1 a second to one chat. The
bot side is the production one: ``bot.app.build_application`` (PTB's AIORateLimiter included)
and :func:`bot.runtime.outbox.drain`, on a fresh SQLite database in a temporary folder (or the given
one, which is emptied). It measures the achieved rate (sendMessage calls the server accepted,
first to last), counts 429 answers and duplicates, and writes the figures into its own section
of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from bench.report import write_section
from bot.app import build_application, build_deps
from bot.config import Settings
from bot.models import Consent, Learner
from bot.runtime import outbox
from bot.services import announcements
from bot.simulator.fake_bot_api import FakeBotApi

TOKEN = "123456:BENCHMARK-TOKEN-KAPACITET"
ADMIN_ID = 42
FIRST_CHAT = 10_000_000
SECTION = "announce_rate"
TEXT = "📣 The spring training calendar is out: /mysessions shows your sessions & places."

T = TypeVar("T")


class ServerThread:
    """The fake Bot API in its own thread and event loop."""

    def __init__(self, rate: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = FakeBotApi(token=TOKEN, rate_limit_per_second=rate, chat_rate_limit_per_second=1)
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-bot-api")

    def __enter__(self) -> ServerThread:
        self.thread.start()
        self.call(self.api.start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.call(self.api.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


@dataclass
class Figures:
    database: str
    learners: int
    limit: float
    accepted: int
    first_to_last: float
    rate: float
    busiest_second: int
    wall: float
    rate_limited: int
    duplicates: int
    missing: int
    report: outbox.DrainReport


async def _add_users(api: FakeBotApi, chats: list[int]) -> None:
    api.add_user(ADMIN_ID, first_name="Admin")
    for chat in chats:
        api.add_user(chat, first_name="Learner")


async def _stats(api: FakeBotApi, chats: list[int]) -> tuple[list[float], int, Counter[int]]:
    times = [at for method, at in api.sent_times if method == "sendMessage"]
    per_chat = Counter({chat: len(api.messages(chat)) for chat in chats})
    return times, api.rate_limited, per_chat


def busiest_second(times: list[float]) -> int:
    """The most calls the server accepted within any one second."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(learners: int, database_url: str) -> Figures:
    chats = [FIRST_CHAT + n for n in range(learners)]
    with ServerThread(rate=30) as server:
        server.call(_add_users(server.api, chats))
        settings = Settings(
            bot_token=TOKEN,
            database_url=database_url,
            telegram_api_base_url=server.api.base_url,
            telegram_api_base_file_url=server.api.base_file_url,
            admin_telegram_ids=(ADMIN_ID,),
            data_controller_name="Benchmark",
            data_controller_contact="bench@example.org",
        )
        deps = build_deps(settings)
        await deps.database.migrate()
        now = datetime.now(UTC)
        async with deps.database.session() as db:
            admin = Learner(telegram_id=ADMIN_ID, language="en", consent=Consent.GIVEN)
            db.add(admin)
            await db.exec(
                sa.insert(Learner),
                params=[
                    {
                        "telegram_id": chat,
                        "language": "en",
                        "language_chosen": True,
                        "consent": Consent.GIVEN,
                        "source": "telegram",
                        "reachable": True,
                        "created_at": now,
                    }
                    for chat in chats
                ],
            )
            await db.flush()
            draft = await announcements.create_draft(
                db, admin, TEXT, report_chat_id=ADMIN_ID, now=now, admin_ids=(ADMIN_ID,)
            )
            assert draft.id is not None
            confirmation = await announcements.confirm(
                db, admin, draft.id, now=now, admin_ids=(ADMIN_ID,), known_modules=()
            )
        assert confirmation.recipients == learners, confirmation.recipients
        application = build_application(deps)  # as in production, AIORateLimiter included
        await application.bot.initialize()
        try:
            started = time.perf_counter()
            report = await outbox.drain(deps, outbox.sending_bot(application))
            wall = time.perf_counter() - started
        finally:
            await application.bot.shutdown()
            await deps.database.dispose()
        times, rate_limited, per_chat = server.call(_stats(server.api, chats))
    learner_times = sorted(times)[:-1] if len(times) > learners else sorted(times)
    span = learner_times[-1] - learner_times[0] if len(learner_times) > 1 else 0.0
    return Figures(
        database="PostgreSQL" if database_url.startswith("postgres") else "SQLite",
        learners=learners,
        limit=30.0,
        accepted=len(times),
        first_to_last=span,
        rate=(len(learner_times) - 1) / span if span else 0.0,
        busiest_second=busiest_second(sorted(times)),
        wall=wall,
        rate_limited=rate_limited,
        duplicates=sum(count - 1 for count in per_chat.values() if count > 1),
        missing=sum(1 for count in per_chat.values() if count == 0),
        report=report,
    )


def section(figures: Figures) -> str:
    cpu = platform.processor() or platform.machine()
    share = 100 * figures.rate / figures.limit
    report = figures.report
    return "\n".join(
        [
            f"<!-- bench:{SECTION} -->",
            "## Announcement to 2,000 learners (`python -m bench.announce_rate`)",
            "",
            f"{figures.learners:,} learners, one announcement, delivered by the outbox "
            "(`bot.runtime.outbox.drain` with `bot.runtime.outbox.sending_bot` of the production "
            "application) "
            "through the fake Bot API server in its own thread, enforcing 30 sendMessage in "
            "any one second overall (a sliding window) and 1 a second per chat, with 429 and "
            f"`retry_after`. {figures.database}.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| achieved rate (server side, first to last message) | "
            f"**{figures.rate:.2f} messages/s** ({share:.1f} % of 30/s) |",
            f"| busiest second (most messages accepted within 1 s) | {figures.busiest_second} |",
            f"| 429 answers | **{figures.rate_limited}** |",
            f"| duplicates (a chat that got the message twice) | **{figures.duplicates}** |",
            f"| learners without the message | {figures.missing} |",
            f"| delivered / unreachable / failed / not confirmed | {report.sent} / "
            f"{report.unreachable} / {report.failed} / {report.unknown} |",
            f"| wall time of the drain (with database writes and the summary) | "
            f"{figures.wall:.1f} s |",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.system()} {platform.release()}, "
            f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}. The outbox "
            "paces evenly at 97 % of each limit (`bot.runtime.outbox.PACE`), and never sends two "
            "requests closer than 1/30 s: a little headroom, since requests sent evenly can "
            "still arrive bunched together.",
            f"<!-- /bench:{SECTION} -->",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument(
        "--database-url", help="an empty database to use (default: SQLite in a temporary folder)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        figures = asyncio.run(run(args.learners, url))
    text = section(figures)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
