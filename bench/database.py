"""The throughput and memory benchmarks' database: emptied (a fresh SQLite file, or the
benchmark's own PostgreSQL database with its public schema dropped), migrated, and seeded in
bulk with onboarded learners (and their progress); and what the intake stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.content.catalogue import Catalogue
from bot.db import Database, async_url
from bot.models import Consent, Learner, ModuleProgress

FIRST_CHAT = 20_000_000
"""The first learner's chat id; the others follow."""
COUNTRIES = ("AL", "BA", "XK", "ME", "MK", "RS")
GENDERS = ("female", "male", "female", "other")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64")
LANGUAGES = ("en", "sq", "bs", "sr-Latn", "mk", "hr", "cnr", "sr-Cyrl")


def backend(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def remove_sqlite_file(url: str) -> None:
    path = make_url(url).database
    if path:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(path + suffix).unlink(missing_ok=True)


async def empty_database(url: str) -> None:
    """SQLite: removes the file; PostgreSQL: drops the public schema (the benchmark's own
    database)."""
    if not url.startswith("postgres"):
        await asyncio.to_thread(remove_sqlite_file, url)
        return
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def learner_row(chat: int, now: datetime, *, english: bool) -> dict[str, Any]:
    """An onboarded learner: language chosen, consent given, profile answered."""
    n = chat - FIRST_CHAT
    return {
        "telegram_id": chat,
        "language": "en" if english else LANGUAGES[n % len(LANGUAGES)],
        "language_chosen": True,
        "consent": Consent.GIVEN,
        "consent_at": now,
        "organisation": f"Civic Lab {n % 700}",
        "country": COUNTRIES[n % len(COUNTRIES)],
        "gender": GENDERS[n % len(GENDERS)],
        "age_band": AGE_BANDS[n % len(AGE_BANDS)],
        "special_consent": False,
        "source": "telegram",
        "reachable": True,
        "created_at": now,
    }


async def seed(
    url: str,
    chats: list[int],
    catalogue: Catalogue,
    *,
    progress: bool = False,
    multilingual: bool = False,
) -> float:
    """Empties and migrates the database, then writes the learners (English, or eight languages
    with ``multilingual``; with ``progress``, a progress row for two thirds of the learner ×
    module pairs) in bulk. Returns the seconds the inserts took."""
    await empty_database(url)
    database = Database(url)
    try:
        await database.migrate()
        started = time.perf_counter()
        now = datetime.now(UTC)
        rows = [learner_row(chat, now, english=not multilingual) for chat in chats]
        async with database.engine.begin() as connection:
            for chunk in chunks(rows, 5000):
                await connection.execute(sa.insert(Learner), chunk)
        if progress:
            async with database.engine.connect() as connection:
                ids = (
                    await connection.execute(sa.text("SELECT id, telegram_id FROM learner"))
                ).all()
            progress_rows = []
            for learner_id, chat in ids:
                n = chat - FIRST_CHAT
                for m, module in enumerate(catalogue.modules):
                    if (n + m) % 3 == 2:
                        continue  # a third of the pairs not started
                    done = (n + m) % 3 == 1
                    progress_rows.append(
                        {
                            "learner_id": learner_id,
                            "module_id": module.id,
                            "current_card": module.card_count - 1
                            if done
                            else n % module.card_count,
                            "cards_total": module.card_count,
                            "started_at": now,
                            "updated_at": now,
                            "lessons_done_at": now if done else None,
                        }
                    )
            async with database.engine.begin() as connection:
                for chunk in chunks(progress_rows, 5000):
                    await connection.execute(sa.insert(ModuleProgress), chunk)
        return time.perf_counter() - started
    finally:
        await database.dispose()


async def intake_counts(url: str) -> dict[str, int]:
    """inbound_update rows by status, and the quiz answers stored."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.text("SELECT status, count(*) FROM inbound_update GROUP BY status")
                )
            ).all()
            answers = (
                await connection.execute(sa.text("SELECT count(*) FROM quiz_answer"))
            ).scalar_one()
    finally:
        await database.dispose()
    counts = {str(status): int(count) for status, count in rows}
    counts["quiz_answers"] = int(answers)
    return counts
