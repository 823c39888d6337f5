"""Where the wall time of one tap goes: timestamps inside ours, tap by tap.

    python -m bench.spans [--database-url sqlite|URL] [--learners 1] [--taps 60]
                          [--reading 0.3] [--concurrent-chats 1]

Ours runs in a process of its own (:mod:`bench.bots`, started with ``--spans FILE``), against
the fake Bot API server of this process. In the bot, :func:`install` records, for every update,
monotonic times (one clock for both processes on Linux): when getUpdates returned it, when it
was stored (the durable intake), when the application started and finished handling it, and
within that every SQL statement, commit, rollback and pool ping (the database's round trips),
every Bot API call (HTTP) and the rate limiter's wait. The learners here push taps (each
``--learners`` learner taps, waits for the reply, reads ``--reading`` seconds and taps again)
and record the push and the reply, by update id. Printed: the median and p90 of each part of
a tap's wall time, and the number of round trips a tap.

Nothing here changes the bot: the recording wraps functions from outside, and only with
``--spans``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

Record = dict[str, Any]

_current: contextvars.ContextVar[Record | None] = contextvars.ContextVar("span", default=None)
_records: dict[int, Record] = {}


def _record(update_id: int) -> Record:
    return _records.setdefault(update_id, {"id": update_id, "parts": defaultdict(float)})


def _add(part: str, seconds: float) -> None:
    record = _current.get()
    if record is not None:
        record["parts"][part] += seconds
        record["parts"][f"n:{part}"] += 1


def _statement_name(statement: str) -> str:
    """``select learner``: the verb and the first table."""
    words = statement.split()
    verb = words[0].lower() if words else "?"
    marker = {"select": "FROM", "insert": "INTO", "update": "UPDATE", "delete": "FROM"}.get(verb)
    if marker is not None and marker in words[:-1]:
        table = words[words.index(marker) + 1].strip('"')
        return f"{verb} {table}"
    return verb


def install(path: Path) -> None:
    """Wraps what a tap goes through (in the bot's process, before the application is built);
    the records are written to ``path`` at exit."""
    import atexit

    import sqlalchemy as sa
    from telegram.ext import Application

    import bot.db
    import bot.runtime.intake as intake
    import bot.runtime.ptb
    from bot.runtime.inbound import Inbound
    from bot.runtime.ratelimit import TelegramRateLimiter
    from bot.runtime.request import BotRequest

    real_raw_updates = bot.runtime.ptb.raw_updates

    async def raw_updates(*args: Any, **kwargs: Any) -> Any:
        result = await real_raw_updates(*args, **kwargs)
        now = time.monotonic()
        for raw in result if isinstance(result, list) else ():
            if isinstance(raw, dict) and isinstance(raw.get("update_id"), int):
                _record(raw["update_id"])["fetched"] = now
        return result

    intake.raw_updates = raw_updates  # type: ignore[attr-defined]  # what the intake calls

    real_store = Inbound.store

    async def store(self: Inbound, batch: Any) -> Any:
        started = time.monotonic()
        result = await real_store(self, batch)
        now = time.monotonic()
        for item in batch:
            record = _record(item.update_id)
            record["stored"] = now
            record["store_seconds"] = now - started
            record["batch"] = len(batch)
        return result

    Inbound.store = store  # type: ignore[method-assign]

    real_process = Application.process_update

    async def process_update(self: Any, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if not isinstance(update_id, int):
            await real_process(self, update)
            return
        record = _record(update_id)
        record["start"] = time.monotonic()
        token = _current.set(record)
        try:
            await real_process(self, update)
        finally:
            _current.reset(token)
            record["end"] = time.monotonic()

    Application.process_update = process_update  # type: ignore[method-assign]

    real_create_engine = bot.db.create_engine

    def create_engine(url: str, *args: Any) -> Any:
        engine = real_create_engine(url, *args)
        sync = engine.sync_engine

        @sa.event.listens_for(sync, "before_cursor_execute")
        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            record = _current.get()
            if record is not None:
                record.setdefault("sql_started", []).append(time.monotonic())

        @sa.event.listens_for(sync, "after_cursor_execute")
        def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            record = _current.get()
            if record is not None and record.get("sql_started"):
                seconds = time.monotonic() - record["sql_started"].pop()
                _add(f"sql {_statement_name(statement)}", seconds)

        dialect = engine.dialect
        for name in ("do_commit", "do_rollback", "do_ping", "do_begin"):
            real = getattr(dialect, name)

            def timed(*args: Any, _real: Any = real, _name: str = name) -> Any:
                started = time.monotonic()
                try:
                    return _real(*args)
                finally:
                    _add(_name.removeprefix("do_"), time.monotonic() - started)

            setattr(dialect, name, timed)
        return engine

    bot.db.create_engine = create_engine  # type: ignore[assignment]

    real_request = BotRequest.do_request

    async def do_request(self: Any, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return await real_request(self, url, method, *args, **kwargs)
        finally:
            api_method = url.rsplit("/", 1)[-1]
            seconds = time.monotonic() - started
            _add(f"http {api_method}", seconds)
            record = _current.get()
            if record is not None and api_method in ("editMessageText", "sendMessage"):
                record.setdefault("replied", time.monotonic())

    BotRequest.do_request = do_request  # type: ignore[method-assign]

    real_limit = TelegramRateLimiter.process_request

    async def process_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        record = _current.get()
        parts = record["parts"] if record is not None else {}
        before = sum(v for k, v in parts.items() if k.startswith("http "))
        started = time.monotonic()
        try:
            return await real_limit(self, *args, **kwargs)
        finally:
            if record is not None:
                inside = sum(v for k, v in record["parts"].items() if k.startswith("http "))
                _add("limiter wait", time.monotonic() - started - (inside - before))

    TelegramRateLimiter.process_request = process_request  # type: ignore[method-assign]

    def write() -> None:
        path.write_text(json.dumps(list(_records.values())), encoding="utf-8")

    atexit.register(write)


# -- the driver -----------------------------------------------------------------------------------


def _quantile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def drive(
    database_url: str,
    learners: int,
    taps: int,
    reading: float,
    folder: Path,
    concurrent_chats: int,
) -> tuple[list[Record], dict[int, tuple[float, float]]]:
    from bench.bots import TOKEN, BotProcess
    from bench.database import FIRST_CHAT, seed
    from bench.load import Learners, Seat
    from bench.memory import _polling
    from bot.content.catalogue import load_catalogue
    from bot.simulator.fake_bot_api import FakeBotApi

    catalogue = load_catalogue()
    chats = [FIRST_CHAT + n for n in range(learners)]
    await seed(database_url, chats, catalogue)
    spans = folder / "spans.json"
    pushes: dict[int, tuple[float, float]] = {}
    async with FakeBotApi(token=TOKEN) as api:
        for chat in chats:
            api.add_user(chat, first_name="Learner", language_code="en")
        process = BotProcess(
            "ours",
            api.base_url,
            api.base_file_url,
            folder / "ours.log",
            database_url=database_url,
            spans=spans,
            concurrent_chats=concurrent_chats,
        )
        try:
            await _polling(api, process)
            crowd = Learners(api, catalogue, "ours", chats)
            real_push = api.push_callback

            def push_callback(*args: Any, **kwargs: Any) -> tuple[int, str]:
                update_id, query = real_push(*args, **kwargs)
                pushes[update_id] = (time.monotonic(), 0.0)
                crowd_ids[args[0]] = update_id
                return update_id, query

            # Replies are timed as the learners see them (perf_counter, from the push).

            crowd_ids: dict[int, int] = {}
            api.push_callback = push_callback  # type: ignore[method-assign]
            await crowd.everyone(crowd.warm_up)

            async def one(seat: Seat) -> None:
                for _ in range(taps):
                    await crowd.tap(seat)
                    update_id = crowd_ids[seat.chat]
                    assert seat.whole is not None
                    pushes[update_id] = (pushes[update_id][0], seat.whole - seat.pushed)
                    await asyncio.sleep(reading)

            await crowd.everyone(one)
            crowd.close()
        finally:
            await process.stop()
            for line in process.problems()[:10]:
                print("ours logged:", line, file=sys.stderr)
    records = json.loads(spans.read_text(encoding="utf-8"))
    return records, pushes


def summary(records: list[Record], pushes: dict[int, tuple[float, float]]) -> str:
    taps = [r for r in records if r["id"] in pushes and "end" in r and "fetched" in r]
    rows: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, list[float]] = defaultdict(list)
    names = sorted({k for r in taps for k in r["parts"] if not k.startswith("n:")})
    for r in taps:
        pushed, reply = pushes[r["id"]]
        rows["push -> reply seen by the learner"].append(reply)
        rows["push -> getUpdates returned"].append(r["fetched"] - pushed)
        rows["getUpdates -> stored (intake)"].append(r["stored"] - r["fetched"])
        rows["stored -> handling starts (queue)"].append(r["start"] - r["stored"])
        rows["handling (start -> end)"].append(r["end"] - r["start"])
        if "replied" in r:
            rows["handling start -> reply sent"].append(r["replied"] - r["start"])
            rows["reply sent -> end (commit, done mark)"].append(r["end"] - r["replied"])
        inside = 0.0
        for name in names:
            seconds = r["parts"].get(name, 0.0)
            rows[f"  in handling: {name}"].append(seconds)
            counts[name].append(r["parts"].get(f"n:{name}", 0))
            inside += seconds
        rows["  in handling: the rest (Python, event loop)"].append(r["end"] - r["start"] - inside)
    lines = [
        f"{len(taps)} taps",
        f"{'part':<48} {'median':>9} {'p90':>9}  {'a tap':>6}",
    ]
    for name, values in rows.items():
        key = name.removeprefix("  in handling: ")
        per_tap = f"{statistics.mean(counts[key]):6.2f}" if key in counts else ""
        lines.append(
            f"{name:<48} {1000 * statistics.median(values):7.1f}ms "
            f"{1000 * _quantile(values, 0.9):7.1f}ms  {per_tap}"
        )
    trips = [
        sum(v for k, v in r["parts"].items() if k.startswith("n:") and not k.startswith("n:http"))
        for r in taps
    ]
    if trips:
        lines.append(
            f"database round trips in handling a tap: {statistics.mean(trips):.2f} "
            "(statements, commits, rollbacks, pings), plus the intake's store"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--learners", type=int, default=1)
    parser.add_argument("--taps", type=int, default=60)
    parser.add_argument("--reading", type=float, default=0.3, help="seconds between taps")
    parser.add_argument("--concurrent-chats", type=int, default=0, help="0: the bot's default")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = (
            f"sqlite:///{folder / 'bench.sqlite3'}"
            if args.database_url == "sqlite"
            else args.database_url
        )
        records, pushes = asyncio.run(
            drive(url, args.learners, args.taps, args.reading, folder, args.concurrent_chats)
        )
    print(summary(records, pushes))


if __name__ == "__main__":
    main()
