"""SIGKILL in the middle of a burst: nothing lost, nothing doubled.

The world (:mod:`tests.support.burst_world`), prepared in the database through the services
and factories: 50 learners with consent, a module in progress (a lesson card shown, a quiz
attempt at its first question), a trainer (by an invite) with a session under way whose
check-in is open, a second session in 50 minutes that everyone is registered for (its
one-hour reminder is due), and an admin's announcement to everyone, confirmed and waiting in
the outbox. Each learner's chat on the fake Bot API server holds the card and the question
the bot showed before.

Then 500 updates arrive at once, 10 from each of the 50 people, interleaved: quiz answers,
lesson taps, ``/checkin CODE`` and other commands. ``python -m bot run`` (a real process,
polling the fake server) starts on them and is killed with SIGKILL once some of them are done
and some are not; a second process is started and runs until all the work is finished, then is
stopped with SIGTERM.

What the database must hold afterwards: one ``inbound_update`` row per update id, done; one
answer per (attempt, question), with the options chosen, and the attempt's score counted once;
one attendance per (session, person), audited once; one reminder delivery and one outbox row
per person.

What people must have seen:

- Replies: every update got at least one (every tap answered, every command replied to), and
  nobody got any reply more than twice. The database writes are exactly-once: the durable
  intake stores each update before it is acknowledged, and a handler's unit of work marks its
  update done in the same transaction as its writes (unique constraints back this up). But
  the reply goes out inside the handler, before that transaction commits: an update that was
  being handled when the process died is handled again by the next process, with nothing of
  it written, so a reply sent just before the kill comes a second time; with one kill, never
  a third. Telegram gives no way to ask whether a message arrived, so replies are
  at-least-once in that window.
- Reminders and announcements: never twice. These are written as "sending" before the message
  goes and never sent again after a crash (at most once: a lost reminder is preferred to a
  doubled one). So every row is sent, except at most those on their way at the moment of the
  kill (one reminder at a time, at most ``outbox.SENDERS`` announcements), which stay
  "sending" / become "unknown", and each of those people got the message at most once.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.i18n.translator import Translator, Translators
from bot.models import (
    Announcement,
    Attendance,
    AuditEntry,
    Delivery,
    InboundUpdate,
    OutboxMessage,
    QuizAnswer,
    QuizAttempt,
    Registration,
)
from bot.models import ModuleProgress as Progress
from bot.runtime import outbox
from bot.services import attendance
from bot.services.reminders import reminder_kind
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.burst_world import (
    ADMIN,
    ANNOUNCEMENT,
    CHECKIN_TITLE,
    PEOPLE,
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

KILL_AFTER_DONE = 150
"""Kill the first process once this many of the 500 updates are done (and some are not)."""


async def intake_status(database: Database) -> Counter[str]:
    async with database.session() as db:
        rows = await db.exec(
            select(InboundUpdate.status, func.count()).group_by(InboundUpdate.status)
        )
        return Counter({status: count for status, count in rows.all()})


async def sending_rows(database: Database) -> tuple[set[int], set[int]]:
    """Reminder deliveries and outbox rows that are "sending" (on their way)."""
    async with database.session() as db:
        reminders = await db.exec(select(Delivery.id).where(Delivery.status == "sending"))
        rows = await db.exec(select(OutboxMessage.id).where(OutboxMessage.status == "sending"))
        return {i for i in reminders.all() if i}, {i for i in rows.all() if i}


# -- the test ----------------------------------------------------------------------------------


async def test_sigkill_in_the_middle_of_a_burst_loses_nothing_and_doubles_no_record(
    database: Database, database_url: str, catalogue: Catalogue, tmp_path: Path
):
    tr = Translators(ZoneInfo(ZONE))("en")
    api = FakeBotApi(token=TOKEN)
    # The 500 updates come at once and are handled one after the other; people tap over
    # minutes, so Telegram's 15 s for answering a tap is not what this test is about.
    api.callback_query_timeout = 600.0
    await api.start()
    env = bot_environment(api, database_url)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    process: asyncio.subprocess.Process | None = None
    try:
        world = await prepare_world(database, catalogue, api, tr)
        pushed = push_burst(api, world, await checkin_code(database, world))
        assert len(pushed) == len(PEOPLE) * ROUNDS == 500

        process = await start_bot(env, tmp_path, first_log)

        async def in_the_middle() -> bool:
            status = await intake_status(database)
            return status["done"] >= KILL_AFTER_DONE

        await wait_until(in_the_middle, 120, f"{KILL_AFTER_DONE} updates done", process)
        process.kill()  # SIGKILL: no shutdown, no acknowledgement, no cleanup
        await process.wait()
        assert process.returncode == -signal.SIGKILL
        at_kill = await intake_status(database)
        assert 0 < at_kill["done"] < len(pushed), at_kill
        stranded_reminders, stranded_outbox = await sending_rows(database)

        process = await start_bot(env, tmp_path, second_log)
        ids = [p.update_id for p in pushed]

        async def all_work_finished() -> bool:
            if not await updates_and_announcement_done(api, database, ids, world):
                return False
            async with database.session() as db:
                reminders = await db.exec(
                    select(Delivery.id, Delivery.status).where(
                        Delivery.session_id == world.reminder_session,
                        Delivery.kind == reminder_kind(60),
                    )
                )
                rows = reminders.all()
            return len(rows) == len(PEOPLE) and all(
                status != "sending" or row_id in stranded_reminders for row_id, status in rows
            )

        await wait_until(all_work_finished, 180, "all work to be finished", process)
        await stop(process, second_log)
    finally:
        await kill_left(process)
        await api.stop()

    delivered = await assert_records_once(
        database, world, pushed, stranded_reminders, stranded_outbox
    )
    assert_replies(api, tr, world, pushed, delivered)
    for log in (first_log, second_log):
        records = log_records(log)
        assert records, log.read_text()[-3000:]
        bad = [r for r in records if r.get("level") in ("ERROR", "CRITICAL")]
        assert not bad, bad
        assert TOKEN.split(":")[1] not in log.read_text()


async def assert_records_once(
    database: Database,
    world: World,
    pushed: list[Pushed],
    stranded_reminders: set[int],
    stranded_outbox: set[int],
) -> dict[tuple[str, int], bool]:
    """Asserts what the database holds; returns, for ("reminder" | "announcement", telegram id),
    whether it is recorded as sent (else it was on its way at the kill)."""
    learner_ids = {person.learner_id for person in world.people.values()}
    telegram_of = {person.learner_id: person.telegram_id for person in world.people.values()}
    delivered: dict[tuple[str, int], bool] = {}
    async with database.session() as db:
        # Every update: one row, done; some were handled by the second process after being
        # stored (and queued) by the first, which is what the kill was for.
        rows = (await db.exec(select(InboundUpdate))).all()
        by_id = {row.update_id: row for row in rows}
        assert sorted(by_id) == sorted(p.update_id for p in pushed)
        assert {row.status for row in rows} == {"done"}
        assert any(row.attempts >= 2 for row in rows), "nothing was left pending by the kill"

        # Quiz answers: once per (attempt, question), the options as chosen, counted once.
        answers = (await db.exec(select(QuizAnswer))).all()
        keys = Counter((a.attempt_id, a.question_id) for a in answers)
        assert max(keys.values()) == 1
        stored = {(a.attempt_id, a.question_id): a for a in answers}
        for person in world.people.values():
            chosen = [p for p in pushed if p.person == person.telegram_id and p.kind == "answer"]
            attempt = await db.get(QuizAttempt, person.attempt_id)
            assert attempt is not None
            assert attempt.current_index == len(chosen) == 3
            right = 0
            for tap in chosen:
                assert tap.index is not None
                question = person.question(tap.index)
                answer = stored[(person.attempt_id, question.id)]
                assert answer.option == tap.option
                right += answer.correct
            assert attempt.correct_count == right
            assert attempt.finished_at is None

        # Lessons: one progress row per person and module, at the last card tapped.
        progress_rows = (await db.exec(select(Progress))).all()
        assert Counter((r.learner_id, r.module_id) for r in progress_rows).most_common(1)[0][1] == 1
        assert {r.learner_id: r.current_card for r in progress_rows} == dict.fromkeys(
            learner_ids, 3
        )

        # Attendance: once per (session, person), by code, audited once; the session began
        # 10 minutes before the world was built, so everyone is late (LATE_AFTER_MINUTES).
        marks = (
            await db.exec(select(Attendance).where(Attendance.session_id == world.checkin_session))
        ).all()
        assert sorted(m.learner_id for m in marks) == sorted(learner_ids)
        assert {(m.status, m.method) for m in marks} == {("late", "code")}
        audited = (
            await db.exec(select(AuditEntry).where(AuditEntry.action == attendance.AUDIT_ACTION))
        ).all()
        assert sorted(json.loads(a.details)["learner_id"] for a in audited) == sorted(learner_ids)
        registered = (
            await db.exec(
                select(Registration.learner_id).where(
                    Registration.session_id == world.checkin_session
                )
            )
        ).all()
        assert sorted(registered) == sorted(learner_ids)

        # The reminder: one delivery per person; sent, unless it was on its way at the kill.
        reminders = (
            await db.exec(
                select(Delivery).where(
                    Delivery.session_id == world.reminder_session,
                    Delivery.kind == reminder_kind(60),
                )
            )
        ).all()
        assert sorted(r.learner_id for r in reminders) == sorted(learner_ids)
        assert len(stranded_reminders) <= 1
        for reminder in reminders:
            expected = "sending" if reminder.id in stranded_reminders else "sent"
            assert reminder.status == expected, (reminder, stranded_reminders)
            delivered["reminder", telegram_of[reminder.learner_id]] = expected == "sent"

        # The announcement: one outbox row per recipient; sent, unless on its way at the kill.
        outbox_rows = (
            await db.exec(
                select(OutboxMessage).where(OutboxMessage.announcement_id == world.announcement)
            )
        ).all()
        assert sorted(r.learner_id for r in outbox_rows) == sorted([*learner_ids, world.trainer_id])
        assert len(stranded_outbox) <= outbox.SENDERS
        telegram_of[world.trainer_id] = TRAINER
        for row in outbox_rows:
            expected = "unknown" if row.id in stranded_outbox else "sent"
            assert row.status == expected, (row, stranded_outbox)
            delivered["announcement", telegram_of[row.learner_id]] = expected == "sent"
        announcement = await db.get(Announcement, world.announcement)
        assert announcement is not None and announcement.status == "done"
    return delivered


def assert_replies(
    api: FakeBotApi,
    tr: Translator,
    world: World,
    pushed: list[Pushed],
    delivered: dict[tuple[str, int], bool],
) -> None:
    from bot.content.catalogue import plain_text
    from bot.handlers.account import help_text

    checked_in = {
        # Late: the session began 10 minutes before the world was built.
        plain_text(
            tr._(
                "✅ You are checked in: {title}. Welcome! (Recorded as late.)", title=CHECKIN_TITLE
            )
        ),
        plain_text(tr._("You are already checked in: {title}.", title=CHECKIN_TITLE)),
    }
    replied = {
        "help": lambda text: text == plain_text(help_text(tr, set())),
        "checkin": lambda text: text in checked_in,
        "progress": lambda text: text.startswith(plain_text(tr._("<b>Your progress</b>"))),
        "mysessions": lambda text: text.startswith(plain_text(tr._("<b>My sessions</b>"))),
    }
    reminder_start = plain_text(
        tr._("⏰ <b>Reminder:</b> {title} starts in {n} minutes.", title=REMINDER_TITLE, n=0)
    ).split(" starts in ")[0]
    answer_calls = Counter(
        str(call.get("callback_query_id")) for call in api.calls_of("answerCallbackQuery")
    )
    for update in pushed:
        if update.query_id is not None:
            assert update.query_id in api.callback_answers, update
            assert answer_calls[update.query_id] <= 2, update
        else:
            texts = bot_texts(api, update.person)
            assert any(replied[update.kind](text) for text in texts), (update, texts)

    for telegram_id in (*world.people, TRAINER):
        texts = bot_texts(api, telegram_id)
        # Nothing more than twice (sent just before the kill, and again after it).
        assert max(Counter(texts).values()) <= 2, Counter(texts).most_common(3)
        # Announcements and reminders: never twice; exactly once for everyone they were not
        # on their way to at the kill.
        announced = texts.count(ANNOUNCEMENT)
        assert announced == 1 if delivered["announcement", telegram_id] else announced <= 1
        if telegram_id != TRAINER:
            reminded = len([t for t in texts if t.startswith(reminder_start)])
            assert reminded == 1 if delivered["reminder", telegram_id] else reminded <= 1
    summaries = [t for t in bot_texts(api, ADMIN) if ANNOUNCEMENT[:20] in t]
    assert len(summaries) <= 1
