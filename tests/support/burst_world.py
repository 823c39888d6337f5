"""The world and the burst of the whole-process tests (``tests/test_crash_recovery.py``,
``tests/test_faults.py``), prepared in the database through the services and factories.

:func:`prepare_world`: learners with consent, a module in progress (a lesson card shown, a
quiz attempt at its first question), a trainer (by an invite) with a session under way whose
check-in is open, a second session in 50 minutes that everyone is registered for (its
one-hour reminder is due), and an admin's announcement to everyone, confirmed and waiting in
the outbox. Each learner's chat on the fake Bot API server holds the card and the question
the bot showed before. :func:`push_burst`: 10 updates from each person, interleaved (quiz
answers, lesson taps, ``/checkin CODE`` and other commands). :func:`start_bot`: ``python -m
bot run`` as a real process, polling the fake server.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode

from bot.content.catalogue import Catalogue, Module, Question
from bot.db import Database
from bot.handlers.learning import data as cb
from bot.handlers.learning import keyboards, lessons, quizzes
from bot.i18n.translator import Translator
from bot.models import (
    Announcement,
    InboundUpdate,
    Learner,
    QuizKind,
    Role,
    TrainingSession,
)
from bot.services import announcements, attendance, progress, quiz, roles, sessions
from bot.services.quiz import Item
from bot.simulator.fake_bot_api import FakeBotApi
from tests.factories import make_learner, make_training
from tests.support.processes import bot_env

TOKEN = "123456789:AAHkapacitetCrashTestTokenSecretPart00"
ADMIN = 8000
TRAINER = 8001
PEOPLE = tuple(range(8101, 8151))
ROUNDS = 10
ANNOUNCEMENT = "To all CSOs: the reporting deadline is this Friday."
CHECKIN_TITLE = "Digital security for CSOs"
REMINDER_TITLE = "EU funds & CSOs"
ZONE = "Europe/Belgrade"


@dataclass
class Person:
    telegram_id: int
    learner_id: int
    attempt_id: int
    card_message: int
    question_message: int
    form: tuple[Item, ...] = ()
    """The person's quiz as asked: its questions in order, each with its options' order."""

    def question(self, index: int) -> Question:
        return self.form[index].question


@dataclass
class World:
    module: Module
    checkin_session: int
    reminder_session: int
    announcement: int
    trainer_id: int
    people: dict[int, Person] = field(default_factory=dict)


@dataclass(frozen=True)
class Pushed:
    """One update of the burst."""

    update_id: int
    person: int
    kind: str
    """help | checkin | progress | mysessions | card | answer"""
    query_id: str | None = None
    index: int | None = None
    option: str | None = None


async def session_under_way(db: AsyncSession, trainer: Learner, now: datetime) -> TrainingSession:
    """Begun 10 minutes ago in Serbia (``sessions.create_session`` takes only future ones)."""
    return await make_training(
        db,
        trainer,
        now - timedelta(minutes=10),
        code="crash1",
        title=CHECKIN_TITLE,
        country="RS",
        checkin_secret="secret-crash",
    )


def pick_module(catalogue: Catalogue) -> Module:
    for module in catalogue.modules:
        if module.quiz_length > 3 and module.card_count > 3:
            return module
    raise AssertionError("no module with more than 3 questions and 3 cards in the catalogue")


def chosen_option(question: Question, person_index: int, question_index: int) -> str:
    """Right for every other answer, wrong for the rest (so the score says what was counted)."""
    if (person_index + question_index) % 2 == 0:
        return question.correct
    return next(option for option in question.options if option != question.correct)


async def prepare_world(
    database: Database,
    catalogue: Catalogue,
    api: FakeBotApi,
    tr: Translator,
    people: Sequence[int] = PEOPLE,
) -> World:
    """Learners ``people`` (consent given, a module in progress: its first card shown and a
    quiz at its first question, in the database and in their chats), a trainer by invite, a
    session under way with check-in open, one in 50 minutes that everyone is registered for
    (its one-hour reminder is due), and an admin's announcement to everyone in the outbox."""
    now = datetime.now(UTC)
    module = pick_module(catalogue)
    admin_ids = (ADMIN,)
    async with database.session() as db:
        admin = await make_learner(db, telegram_id=ADMIN, country="RS")
        trainer = await make_learner(db, telegram_id=TRAINER, country="RS")
        invite = await roles.create_invite(db, admin, Role.TRAINER, now=now, admin_ids=admin_ids)
        await roles.redeem_invite(db, trainer, invite.code, now, admin_ids)
        under_way = await session_under_way(db, trainer, now)
        soon = await sessions.create_session(
            db,
            trainer,
            sessions.SessionValues(
                title=REMINDER_TITLE,
                module_id=module.id,
                starts_at=now + timedelta(minutes=50),
                duration_minutes=90,
                venue="Hotel Tirana, hall B",
                online_url=None,
                country="AL",
                language="en",
                capacity=100,
            ),
            now,
        )
        assert under_way.id is not None and soon.id is not None and trainer.id is not None
        await attendance.open_checkin(db, trainer, under_way.id, now)
        world = World(module, under_way.id, soon.id, 0, trainer.id)
        states = {}
        for telegram_id in people:
            learner = await make_learner(db, telegram_id=telegram_id, country="RS")
            assert learner.id is not None
            registered = await sessions.register(db, learner, soon.code, now)
            assert registered.outcome == sessions.RegistrationOutcome.REGISTERED, registered
            for index in reversed(range(module.card_count)):  # read, and back at the first
                await progress.show_card(db, learner, module, index)
            states[telegram_id] = await quiz.start(db, learner, module, QuizKind.POST)
            world.people[telegram_id] = Person(
                telegram_id,
                learner.id,
                states[telegram_id].attempt_id,
                0,
                0,
                states[telegram_id].form,
            )
        draft = await announcements.create_draft(
            db, admin, ANNOUNCEMENT, report_chat_id=ADMIN, now=now, admin_ids=admin_ids
        )
        assert draft.id is not None
        confirmation = await announcements.confirm(
            db,
            admin,
            draft.id,
            now=now,
            admin_ids=admin_ids,
            known_modules={m.id for m in catalogue.modules},
        )
        assert confirmation.created and confirmation.recipients == len(people) + 1
        world.announcement = draft.id

    # What the bot showed each person before: the first card and the first question.
    for telegram_id in (ADMIN, TRAINER, *people):
        api.add_user(telegram_id, first_name=f"P{telegram_id}", language_code="en")
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as earlier:
        for telegram_id, person in world.people.items():
            card = await earlier.send_message(
                telegram_id,
                lessons.card_text(tr, module, 0),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboards.card(tr, module, 0),
            )
            state = states[telegram_id]
            question = await earlier.send_message(
                telegram_id,
                quizzes.question_text(tr, module, state),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboards.question(tr, module, state),
            )
            person.card_message = card.message_id
            person.question_message = question.message_id
    return world


# -- the burst ---------------------------------------------------------------------------------


async def checkin_code(database: Database, world: World) -> str:
    """The check-in code of the session under way, valid this minute and the next: the
    check-ins of a burst are handled well within that."""
    async with database.session() as db:
        under_way = await sessions.get_session(db, world.checkin_session)
        assert under_way is not None
        return attendance.current_code(under_way, datetime.now(UTC))


def push_one(
    api: FakeBotApi, world: World, number: int, person: Person, round_: int, code: str
) -> Pushed:
    """Round ``round_`` of one person: three lesson taps, three quiz answers, four commands."""
    module = world.module
    who = person.telegram_id
    commands = {1: ("checkin", f"/checkin {code}"), 3: ("help", "/help")}
    commands |= {6: ("progress", "/progress"), 8: ("mysessions", "/mysessions")}
    cards = {0: 1, 5: 2, 9: 3}
    answers = {2: 0, 4: 1, 7: 2}
    if round_ in commands:
        kind, text = commands[round_]
        return Pushed(api.push_message(who, text), who, kind)
    if round_ in cards:
        data = cb.ShowCard(module.id, cards[round_]).encode()
        update_id, query_id = api.push_callback(who, person.card_message, data)
        return Pushed(update_id, who, "card", query_id, cards[round_])
    index = answers[round_]
    option = chosen_option(person.question(index), number, index)
    data = cb.AnswerQuestion(module.id, QuizKind.POST, person.attempt_id, index, 0, option)
    update_id, query_id = api.push_callback(who, person.question_message, data.encode())
    return Pushed(update_id, who, "answer", query_id, index, option)


def push_burst(api: FakeBotApi, world: World, code: str) -> list[Pushed]:
    """10 updates from each person, interleaved as they would arrive."""
    return [
        push_one(api, world, number, person, round_, code)
        for round_ in range(ROUNDS)
        for number, person in enumerate(world.people.values())
    ]


# -- the bot process ---------------------------------------------------------------------------


def bot_environment(api: FakeBotApi, database_url: str) -> dict[str, str]:
    """As ``compose.yaml`` runs the bot on PostgreSQL (several chats at once); on SQLite with
    the settings' default (one update at a time)."""
    return bot_env(
        CONCURRENT_CHATS="8" if database_url.startswith("postgresql") else "1",
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_API_BASE_FILE_URL=api.base_file_url,
        ADMIN_TELEGRAM_IDS=str(ADMIN),
        TIMEZONE=ZONE,
        OPS_PORT="0",
        LOG_FORMAT="json",
    )


async def start_bot(
    env: dict[str, str], folder: Path, log: Path, *options: str
) -> asyncio.subprocess.Process:
    """``python -m bot run`` (with ``options``, e.g. ``-v``); its stdout and stderr go to
    ``log``."""
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *options,
            cwd=folder,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )


def log_records(log: Path) -> list[dict[str, object]]:
    """The JSON log lines (a line cut short by SIGKILL is left out)."""
    records = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


async def updates_and_announcement_done(
    api: FakeBotApi, database: Database, ids: list[int], world: World
) -> bool:
    """Telegram holds no update for the bot, every pushed one is done, and so is the
    announcement."""
    if api.pending_updates:
        return False
    async with database.session() as db:
        done = await db.exec(
            select(func.count())
            .select_from(InboundUpdate)
            .where(col(InboundUpdate.update_id).in_(ids), InboundUpdate.status == "done")
        )
        if done.one() != len(ids):
            return False
        announcement = await db.get(Announcement, world.announcement)
        return announcement is not None and announcement.status == "done"
