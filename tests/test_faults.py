"""The fake Bot API server answers with 429, 502 and timeouts at random, and one person has
blocked the bot (403): ``python -m bot run`` still finishes all the work, correctly.

The world and the burst are those of the crash test (:mod:`tests.support.burst_world`), with
5 people (50 updates: quiz answers, lesson taps, ``/checkin CODE`` and other commands), a
reminder due and an announcement waiting in the outbox, to the 5 and the trainer. The first
person blocks the bot right after their updates were sent. The server's seeded random faults
(:meth:`FakeBotApi.random_faults`) are on from the bot's start: 15 % of all calls, on every
method, fail with

- 429 "retry after 1" (not carried out): PTB's AIORateLimiter waits and tries again, the
  outbox pauses and puts the row back;
- 502 "Bad Gateway" (not carried out): retried with backoff by the bot's HTTP layer
  (``bot.runtime.request``); ``getUpdates`` by PTB's polling loop;
- from the first ``getUpdates`` on, also a timeout (carried out, but answered only after the
  bot stopped waiting; at most two, as each holds the bot for its 5 s read timeout): reads
  and settings are asked again; a message, an edit or a callback answer is not (it may have
  arrived, and a repeat would be doubled or refused), and the handler goes on as if it had;

never more than two in a row for the same method and chat, which is within every retry budget
of the bot; so nothing may be lost.

Afterwards every update is done, every quiz answer, lesson step and attendance is recorded
once, the person who blocked the bot is marked unreachable (and gets no reminder or
announcement), and everyone else got every reply, the reminder and the announcement, each
exactly once: a timeout that hid a message's arrival leaves its record as "not confirmed"
(the outbox's "unknown", the reminder's "sending") but never a second copy. The records of
the person who blocked the bot are not checked: a handler whose reply is refused with 403
stops there and its unit of work is rolled back (their update is still done).

The log may hold warnings (network trouble, the blocked person) but no ERROR: every fault here
is recoverable, so an error would be a real failure. (``tests/handlers/conftest.py`` makes the
same demand of the in-process tests; this process's log is read as JSON lines.)
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlmodel import col, select

from bot.content.catalogue import Catalogue, plain_text
from bot.db import Database
from bot.handlers.learning import quizzes
from bot.i18n.translator import Translators
from bot.models import (
    Attendance,
    AuditEntry,
    Delivery,
    InboundUpdate,
    Learner,
    OutboxMessage,
    QuizAnswer,
    QuizAttempt,
    QuizKind,
)
from bot.models import ModuleProgress as Progress
from bot.services import attendance
from bot.services.quiz import QuizState
from bot.services.reminders import reminder_kind
from bot.simulator.fake_bot_api import FakeBotApi, InjectedFault
from tests.support.burst_world import (
    ADMIN,
    ANNOUNCEMENT,
    CHECKIN_TITLE,
    REMINDER_TITLE,
    ROUNDS,
    TOKEN,
    TRAINER,
    ZONE,
    Pushed,
    World,
    bot_environment,
    checkin_code,
    log_records,
    prepare_world,
    push_burst,
    start_bot,
    updates_and_announcement_done,
)
from tests.support.driver import bot_texts
from tests.support.processes import kill_left, stop
from tests.support.waiting import wait_until

SEED = 20261202
PEOPLE = tuple(range(8201, 8206))
BLOCKED = PEOPLE[0]
"""The first learner: the reminders go out in learner order, so theirs is tried first."""
FAULT_RATE = 0.15
MAX_TIMEOUTS = 2


def timed_out(faults: list[InjectedFault], chat_id: int, marker: str) -> bool:
    """Whether a sendMessage to ``chat_id`` whose text holds ``marker`` timed out."""
    return any(
        fault.kind == "timeout"
        and fault.method == "sendMessage"
        and fault.params.get("chat_id") == chat_id
        and marker in str(fault.params.get("text"))
        for fault in faults
    )


async def test_random_429_502_timeouts_and_a_blocked_person_lose_no_work(
    database: Database, database_url: str, catalogue: Catalogue, tmp_path: Path
):
    tr = Translators(ZoneInfo(ZONE))("en")
    api = FakeBotApi(token=TOKEN)
    api.callback_query_timeout = 600.0  # see tests/test_crash_recovery.py
    await api.start()
    log = tmp_path / "bot.log"
    process: asyncio.subprocess.Process | None = None
    try:
        world = await prepare_world(database, catalogue, api, tr, PEOPLE)
        pushed = push_burst(api, world, await checkin_code(database, world))
        assert len(pushed) == len(PEOPLE) * ROUNDS
        api.block(BLOCKED)
        api.random_faults(seed=SEED, rate=FAULT_RATE, kinds=("429", "502"))
        process = await start_bot(bot_environment(api, database_url), tmp_path, log)

        async def polling() -> bool:
            return bool(api.calls_of("getUpdates"))

        # Faults from the start (getMe, setMyCommands ...); timeouts only once the bot polls,
        # so that they hit the work rather than the start.
        await wait_until(polling, 60, "the bot to poll", process)
        api.random_faults(
            seed=SEED + 1,
            rate=FAULT_RATE,
            kinds=("429", "502", "timeout"),
            limits={"timeout": MAX_TIMEOUTS},
        )
        ids = [p.update_id for p in pushed]
        others = [p for p in PEOPLE if p != BLOCKED]

        async def all_work_finished() -> bool:
            if not await updates_and_announcement_done(api, database, ids, world):
                return False
            async with database.session() as db:
                reminders = await db.exec(
                    select(Learner.telegram_id, Delivery.status)
                    .join(Learner, col(Learner.id) == col(Delivery.learner_id))
                    .where(
                        Delivery.session_id == world.reminder_session,
                        Delivery.kind == reminder_kind(60),
                    )
                )
                status = dict(reminders.all())
            # The blocked person's reminder too is done (refused, or skipped), unless a timeout
            # hid its answer: stopping the bot while it waits out a 429 would leave it "sending".
            blocked_done = status.get(BLOCKED) != "sending" or timed_out(
                api.injected_faults, BLOCKED, "Reminder"
            )
            return blocked_done and all(
                status.get(person) == "sent"
                or (
                    status.get(person) == "sending"
                    and timed_out(api.injected_faults, person, "Reminder")
                )
                for person in others
            )

        await wait_until(all_work_finished, 240, "all work to be finished", process)
        api.stop_random_faults()
        await stop(process, log)
    finally:
        await kill_left(process)
        await api.stop()

    faults = list(api.injected_faults)
    kinds = Counter(fault.kind for fault in faults)
    assert kinds["429"] and kinds["502"] and kinds["timeout"], kinds
    refused = [c for c in api.calls_of("sendMessage") if c.get("chat_id") == BLOCKED]
    assert refused, "nothing was sent to the person who blocked the bot"

    await assert_work_done(database, world, pushed, faults)
    assert_replies(api, world, pushed)

    records = log_records(log)
    assert records, log.read_text()[-3000:]
    errors = [r for r in records if r.get("level") in ("ERROR", "CRITICAL")]
    assert not errors, errors


async def assert_work_done(
    database: Database, world: World, pushed: list[Pushed], faults: list[InjectedFault]
) -> None:
    learners = {p.telegram_id: p for p in world.people.values() if p.telegram_id != BLOCKED}
    learner_ids = {p.learner_id for p in learners.values()}
    async with database.session() as db:
        rows = (await db.exec(select(InboundUpdate))).all()
        assert sorted(r.update_id for r in rows) == sorted(p.update_id for p in pushed)
        assert {r.status for r in rows} == {"done"}

        # Quiz answers: once per (attempt, question), as chosen, counted once.
        answers = (await db.exec(select(QuizAnswer))).all()
        assert max(Counter((a.attempt_id, a.question_id) for a in answers).values()) == 1
        stored = {(a.attempt_id, a.question_id): a for a in answers}
        for person in learners.values():
            taps = [p for p in pushed if p.person == person.telegram_id and p.kind == "answer"]
            attempt = await db.get(QuizAttempt, person.attempt_id)
            assert attempt is not None and attempt.current_index == 3
            right = 0
            for tap in taps:
                answer = stored[(person.attempt_id, person.question(tap.index).id)]
                assert answer.option == tap.option
                right += answer.correct
            assert attempt.correct_count == right

        # Lessons: at the last card tapped.
        cards = (await db.exec(select(Progress))).all()
        assert Counter((r.learner_id, r.module_id) for r in cards).most_common(1)[0][1] == 1
        reached = {r.learner_id: r.current_card for r in cards if r.learner_id in learner_ids}
        assert reached == dict.fromkeys(learner_ids, 3)

        # Attendance: present by code, once, audited once.
        marks = (
            await db.exec(select(Attendance).where(Attendance.session_id == world.checkin_session))
        ).all()
        present = sorted(m.learner_id for m in marks if m.learner_id in learner_ids)
        assert present == sorted(learner_ids)
        assert {(m.status, m.method) for m in marks} == {("late", "code")}
        audited = Counter(
            json.loads(a.details)["learner_id"]
            for a in (
                await db.exec(
                    select(AuditEntry).where(AuditEntry.action == attendance.AUDIT_ACTION)
                )
            ).all()
        )
        assert all(audited[learner_id] == 1 for learner_id in learner_ids), audited

        # Reachable: everyone but the person who blocked the bot.
        people = (
            await db.exec(select(Learner).where(col(Learner.telegram_id).in_(world.people)))
        ).all()
        assert {p.telegram_id: p.reachable for p in people} == {
            telegram_id: telegram_id != BLOCKED for telegram_id in world.people
        }

        # The reminder: sent to everyone else once; "sending" (not confirmed) only where a
        # timeout hid the answer. The blocked person: refused, or skipped as unreachable.
        reminders = dict(
            (
                await db.exec(
                    select(Learner.telegram_id, Delivery.status)
                    .join(Learner, col(Learner.id) == col(Delivery.learner_id))
                    .where(
                        Delivery.session_id == world.reminder_session,
                        Delivery.kind == reminder_kind(60),
                    )
                )
            ).all()
        )
        blocked = reminders.get(BLOCKED)
        assert blocked in (None, "unreachable") or (
            blocked == "sending" and timed_out(faults, BLOCKED, "Reminder")
        ), reminders
        for telegram_id in learners:
            hidden = timed_out(faults, telegram_id, "Reminder")
            assert reminders[telegram_id] == ("sending" if hidden else "sent"), telegram_id

        # The announcement: likewise ("unknown" where a timeout hid the answer).
        outbox = dict(
            (
                await db.exec(
                    select(Learner.telegram_id, OutboxMessage.status)
                    .join(Learner, col(Learner.id) == col(OutboxMessage.learner_id))
                    .where(OutboxMessage.announcement_id == world.announcement)
                )
            ).all()
        )
        assert sorted(outbox) == sorted([*world.people, TRAINER])
        assert outbox[BLOCKED] == "unreachable"
        for telegram_id in [*learners, TRAINER]:
            hidden = timed_out(faults, telegram_id, ANNOUNCEMENT[:20])
            assert outbox[telegram_id] == ("unknown" if hidden else "sent"), telegram_id


def assert_replies(api: FakeBotApi, world: World, pushed: list[Pushed]) -> None:
    from bot.handlers.account import help_text

    tr = Translators(ZoneInfo(ZONE))("en")
    # Late: the session began 10 minutes before the world was built.
    checked_in = plain_text(
        tr._("✅ You are checked in: {title}. Welcome! (Recorded as late.)", title=CHECKIN_TITLE)
    )
    replied = {
        "help": lambda text: text == plain_text(help_text(tr, set())),
        "checkin": lambda text: text == checked_in,
        "progress": lambda text: text.startswith(plain_text(tr._("<b>Your progress</b>"))),
        "mysessions": lambda text: text.startswith(plain_text(tr._("<b>My sessions</b>"))),
    }
    module = world.module

    def next_questions(telegram_id: int) -> list[str]:
        """Questions 2 to 4 of the person's quiz, as the bot shows them (their own form)."""
        form = world.people[telegram_id].form
        return [
            plain_text(
                quizzes.question_text(
                    tr, module, QuizState(module.id, QuizKind.POST, 0, index, 0, len(form), form)
                )
            )
            for index in (1, 2, 3)
        ]

    for update in pushed:
        if update.person == BLOCKED:
            continue
        if update.query_id is not None:
            assert update.query_id in api.callback_answers, update
        else:
            texts = bot_texts(api, update.person)
            assert any(replied[update.kind](text) for text in texts), (update, texts)

    for telegram_id in world.people:
        texts = bot_texts(api, telegram_id)
        assert max(Counter(texts).values()) == 1, Counter(texts).most_common(3)
        reminders = [t for t in texts if REMINDER_TITLE in t and "Reminder" in t]
        if telegram_id == BLOCKED:
            assert ANNOUNCEMENT not in texts and not reminders
            continue
        assert texts.count(ANNOUNCEMENT) == 1
        assert len(reminders) == 1
        # Each next question is shown once, under the feedback on the answer before it, by
        # an edit of the quiz's message (a later edit replaces it on screen).
        shown = carried_out_texts(api, telegram_id)
        for question in next_questions(telegram_id):
            assert sum(text.endswith(question) for text in shown) == 1, (telegram_id, question)
    assert bot_texts(api, TRAINER).count(ANNOUNCEMENT) == 1
    summaries = [t for t in bot_texts(api, ADMIN) if ANNOUNCEMENT[:20] in t]
    assert len(summaries) == 1


def carried_out_texts(api: FakeBotApi, chat_id: int) -> list[str]:
    """The texts of every message sent or edited to ``chat_id`` that the server carried out
    (a 429 or 502 is not; a timeout is), as the person saw them at the time."""

    def texts(calls: list[tuple[str, dict[str, object]]]) -> Counter[str]:
        return Counter(
            plain_text(str(params.get("text")))
            for method, params in calls
            if method in ("sendMessage", "editMessageText") and params.get("chat_id") == chat_id
        )

    refused = texts([(f.method, f.params) for f in api.injected_faults if f.kind in ("429", "502")])
    return list((texts(list(api.calls)) - refused).elements())


async def statuses(api: FakeBotApi, count: int, chat_id: int) -> list[int]:
    async with aiohttp.ClientSession() as http:
        found = []
        for number in range(count):
            url = f"{api.base_url}{api.token}/sendMessage"
            async with http.post(url, json={"chat_id": chat_id, "text": f"m{number}"}) as answer:
                body = await answer.json()
                found.append(answer.status)
                if answer.status == 429:
                    assert body["parameters"] == {"retry_after": 1}
                if answer.status == 502:
                    assert body["description"] == "Bad Gateway"
        return found


async def test_the_fault_mode_is_seeded_capped_and_a_timeout_is_carried_out():
    runs = []
    for _ in range(2):
        async with FakeBotApi(token=TOKEN) as api:
            api.add_user(1)
            api.random_faults(seed=7, rate=0.5, kinds=("429", "502"))
            runs.append(await statuses(api, 60, 1))
            delivered = [m.text for m in api.messages(1) if m.from_bot]
            # What was refused was not carried out.
            assert len(delivered) == runs[-1].count(200)
            assert Counter(f.kind for f in api.injected_faults) == {
                "429": runs[-1].count(429),
                "502": runs[-1].count(502),
            }
    assert runs[0] == runs[1]  # the same seed, the same faults
    assert {200, 429, 502} <= set(runs[0])
    # Never more than two in a row for one method and chat.
    assert "x" * 3 not in "".join("." if s == 200 else "x" for s in runs[0])

    async with FakeBotApi(token=TOKEN) as api:
        api.add_user(1)
        api.random_faults(seed=1, rate=1.0, kinds=("timeout",), timeout_seconds=1.0)
        url = f"{api.base_url}{api.token}"
        timeout = aiohttp.ClientTimeout(total=0.2)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            with pytest.raises(TimeoutError):
                async with http.post(f"{url}/sendMessage", json={"chat_id": 1, "text": "hi"}):
                    pass
            # A long poll never times out this way: getUpdates answers as usual.
            async with http.post(f"{url}/getUpdates", json={"timeout": 0}) as answer:
                assert answer.status == 200
        # The client gave up, but the message arrived.
        assert [m.text for m in api.messages(1) if m.from_bot] == ["hi"]
        assert [f.method for f in api.injected_faults] == ["sendMessage"]
        await asyncio.sleep(1.0)  # let the held answer go before the server stops
