"""Announcement worlds for tests, built through the models and services the bot uses.

- :func:`build_world`: an admin, coordinators for Serbia and for the organisation CRTA, a
  trainer with a session in Serbia and one in Kosovo, and people of every kind an audience
  must take or leave out (other countries and languages, blocked, erased, walk-in, without
  consent, apologised, with module progress);
- :func:`announce`: an admin's confirmed announcement to new learners, waiting in the outbox;
- :func:`add_staff` and :func:`add_people`: a coordinator for Serbia, a trainer and a learner,
  and learners in given countries, with chats on the fake Bot API server.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import (
    Consent,
    Learner,
    ModuleProgress,
    QuizKind,
    RegistrationStatus,
    Role,
    TrainingSession,
)
from bot.runtime.context import BotApplication, Deps
from bot.runtime.outbox import worker as outbox_worker
from bot.services import announcements
from bot.simulator.fake_bot_api import FakeBotApi
from tests.factories import (
    grant,
    make_attempt,
    make_learner,
    make_trainer,
    make_training,
    make_walk_in,
    register,
)

ADMIN_TELEGRAM_ID = 5050
ADMINS = (ADMIN_TELEGRAM_ID,)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MODULES = {"passwords-2fa", "eu-accession"}
COORDINATOR, TRAINER, LEARNER = 910, 911, 912
"""The staff of :func:`add_staff`: a coordinator for Serbia, a trainer, and a learner."""


@dataclass
class World:
    admin: Learner
    serbia: Learner
    """A coordinator scoped to Serbia."""
    crta: Learner
    """A coordinator scoped to the organisation CRTA."""
    trainer: Learner
    people: dict[str, Learner]
    rs_session: int
    xk_session: int

    def ids(self, *names: str) -> set[int]:
        return {self.people[name].id or 0 for name in names}


async def _training_in(db: AsyncSession, trainer: Learner, country: str) -> TrainingSession:
    """A session in three days, in English."""
    return await make_training(
        db,
        trainer,
        NOW + timedelta(days=3),
        code=f"{country}1",
        title=f"Training in {country}",
        country=country,
        language="en",
    )


async def build_world(db: AsyncSession) -> World:
    admin = await make_learner(db, telegram_id=ADMIN_TELEGRAM_ID)
    serbia = await make_learner(db, country="RS")
    await grant(db, serbia, Role.COORDINATOR, countries=["RS"])
    crta = await make_learner(db, country="AL", organisation="CRTA")
    await grant(db, crta, Role.COORDINATOR, organisations=["CRTA"])
    trainer = await make_trainer(db, country="XK")
    people = {
        "ana": await make_learner(db, country="RS", language="sr-Latn", organisation="CRTA"),
        "boris": await make_learner(db, country="XK", language="sq", organisation="Forum"),
        "cvete": await make_learner(db, country="MK", language="mk"),
        "ema": await make_learner(db, country="RS", language="en"),
        "blocked": await make_learner(db, country="RS", reachable=False),
        "erased": await make_learner(
            db, country=None, telegram_id=None, erased_at=NOW, consent=Consent.DECLINED
        ),
        "walk_in": await make_walk_in(db, "Besa", country="RS"),
        "nora": await make_learner(db, consent=Consent.DECLINED, language="sr-Latn"),
        "pending": await make_learner(db, consent=Consent.PENDING, language="en"),
        "withdrawn": await make_learner(db, consent=Consent.DECLINED, language="mk"),
        "apologised": await make_learner(db, country="MK", language="en"),
    }
    in_serbia = await _training_in(db, trainer, "RS")
    in_kosovo = await _training_in(db, trainer, "XK")
    # Boris (from Kosovo) registered for the session in Serbia: in Serbia's scope through it.
    await register(db, in_serbia, people["boris"])
    await register(db, in_serbia, people["apologised"], RegistrationStatus.APOLOGISED)
    await register(db, in_kosovo, people["cvete"])
    # Module progress: Cvete started passwords-2fa, Ema passed eu-accession (quiz only),
    # and someone who withdrew consent has old progress rows.
    db.add(ModuleProgress(learner_id=people["cvete"].id or 0, module_id="passwords-2fa",
                          cards_total=5, current_card=2))  # fmt: skip
    await make_attempt(db, people["ema"], "eu-accession", QuizKind.POST, 4, started_at=NOW)
    db.add(ModuleProgress(learner_id=people["withdrawn"].id or 0, module_id="passwords-2fa",
                          cards_total=5))  # fmt: skip
    await db.flush()
    assert in_serbia.id is not None and in_kosovo.id is not None
    return World(admin, serbia, crta, trainer, people, in_serbia.id, in_kosovo.id)


async def announce(
    deps: Deps, api: FakeBotApi, languages: list[str], text: str = "Hello & welcome"
) -> tuple[int, list[int], int]:
    """An admin's announcement to ``len(languages)`` new learners (their chats exist on the
    fake server); returns (announcement id, the learners' chat ids, the admin's chat id)."""
    async with deps.database.session() as db:
        found = await db.exec(select(Learner).where(Learner.telegram_id == ADMIN_TELEGRAM_ID))
        admin = found.first() or await make_learner(db, telegram_id=ADMIN_TELEGRAM_ID)
        api.add_user(ADMIN_TELEGRAM_ID)
        chats = []
        for language in languages:
            learner = await make_learner(db, language=language)
            assert learner.telegram_id is not None
            api.add_user(learner.telegram_id, language_code="en")
            chats.append(learner.telegram_id)
        draft = await announcements.create_draft(
            db,
            admin,
            text,
            report_chat_id=ADMIN_TELEGRAM_ID,
            now=deps.clock.now(),
            admin_ids=ADMINS,
        )
        assert draft.id is not None
        confirmation = await announcements.confirm(
            db, admin, draft.id, now=deps.clock.now(), admin_ids=ADMINS, known_modules=MODULES
        )
        assert confirmation.created
        return draft.id, chats, ADMIN_TELEGRAM_ID


async def add_people(
    database: Database, api: FakeBotApi, countries: list[str], *, first_id: int
) -> list[int]:
    """Learners with consent in these countries, whose chats exist on the fake server."""
    chats = []
    async with database.session() as db:
        for number, country in enumerate(countries):
            learner = await make_learner(db, telegram_id=first_id + number, country=country)
            assert learner.telegram_id is not None
            api.add_user(learner.telegram_id)
            chats.append(learner.telegram_id)
    return chats


async def add_staff(database: Database, api: FakeBotApi) -> None:
    """A coordinator for Serbia, a trainer, and a learner."""
    async with database.session() as db:
        coordinator = await make_learner(db, telegram_id=COORDINATOR, country="RS")
        await grant(db, coordinator, Role.COORDINATOR, countries=["RS"])
        await make_trainer(db, telegram_id=TRAINER, country="RS")
        await make_learner(db, telegram_id=LEARNER, country="RS")
    for chat in (COORDINATOR, TRAINER, LEARNER):
        api.add_user(chat)


async def kill_outbox_worker(application: BotApplication) -> None:
    """The worker's process dies: the task is cancelled wherever it is, a message on its way
    included (what ``outbox.stop_worker`` avoids at a normal stop)."""
    found = application.bot_data.get(outbox_worker.WORKER_KEY)
    assert isinstance(found, outbox_worker.Worker) and found.task is not None
    found.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await found.task
