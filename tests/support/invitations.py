"""The invitation world: a trainer who agreed to be named, with a session held in another
language than theirs; and the calendar file a registered person gets, read back."""

from __future__ import annotations

from datetime import datetime

import icalendar
from sqlmodel import select

from bot.models import Learner, Role, TrainingSession
from bot.simulator.fake_bot_api import StoredFile
from tests.factories import grant, make_learner, make_training
from tests.support.harness import Harness

TRAINER = 880
TRAINER_NAME = "Teodora Trajanova"


async def named_person(
    bot: Harness, telegram_id: int, name: str, role: Role, *, countries: tuple[str, ...] = ()
) -> None:
    """Someone in Serbia holding ``role`` (for ``countries``, all if none) who agreed to be
    named ``name``."""
    async with bot.deps.database.session() as db:
        person = await make_learner(
            db, telegram_id=telegram_id, country="RS", display_name=name, name_consent=True
        )
        await grant(db, person, role, countries=countries)


async def a_session_in_macedonian(
    bot: Harness, starts_at: datetime, **fields: object
) -> TrainingSession:
    """A 90-minute session in Skopje held in Macedonian, of :data:`TRAINER` (English, named
    :data:`TRAINER_NAME`), for two people; at ``starts_at`` to the minute."""
    starts_at = starts_at.replace(second=0, microsecond=0)
    await named_person(bot, TRAINER, TRAINER_NAME, Role.TRAINER)
    async with bot.deps.database.session() as db:
        trainer = (await db.exec(select(Learner).where(Learner.telegram_id == TRAINER))).one()
        values: dict[str, object] = {
            "title": "Digital security for CSOs",
            "duration_minutes": 90,
            "venue": "Hotel Park, Skopje",
            "country": "MK",
            "language": "mk",
            "capacity": 2,
            **fields,
        }
        return await make_training(db, trainer, starts_at, **values)


def calendar_of(stored: StoredFile) -> icalendar.Calendar:
    """The ``.ics`` file the bot sent, parsed by icalendar."""
    assert stored.filename == "session.ics", stored.filename
    return icalendar.Calendar.from_ical(stored.content)


def event_of(stored: StoredFile) -> icalendar.Event:
    [event] = calendar_of(stored).events
    return event
