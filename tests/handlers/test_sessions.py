"""A trainer schedules a session, learners register through the link, edits tell everyone."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.handlers.onboarding import consent_text
from bot.models import Delivery, Draft, Learner, Registration, Role, TrainingSession
from bot.services import sessions
from tests.factories import make_learner
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import plain

LINK = re.compile(r"https://t\.me/kapacitet_bot\?start=(s_[A-Z0-9]+)")
BELGRADE = ZoneInfo("Europe/Belgrade")
NOT_ALLOWED = "Sorry, you are not allowed to do that."


def local(moment: datetime) -> str:
    return f"{moment.astimezone(BELGRADE):%d.%m.%Y} 10:00"


def spring_gap(now: datetime) -> str:
    """The next 02:30 that the clocks skip (last Sunday of March)."""
    for year in (now.year, now.year + 1):
        day = max(d for d in range(25, 32) if date(year, 3, d).weekday() == 6)
        if datetime(year, 3, day, tzinfo=BELGRADE) > now:
            return f"{day:02d}.03.{year} 02:30"
    raise AssertionError("unreachable")


async def stored_session(bot: Harness) -> TrainingSession:
    async with bot.deps.database.session() as db:
        return (await db.exec(select(TrainingSession))).one()


async def registrations(bot: Harness) -> list[tuple[int, str]]:
    async with bot.deps.database.session() as db:
        rows = await db.exec(
            select(Learner.telegram_id, Registration.status)
            .join(Registration, Registration.learner_id == Learner.id)  # type: ignore[arg-type]
            .order_by(Registration.id)  # type: ignore[arg-type]
        )
        return [(telegram_id or 0, status) for telegram_id, status in rows.all()]


async def deliveries(bot: Harness) -> list[tuple[int, str]]:
    async with bot.deps.database.session() as db:
        rows = await db.exec(
            select(Learner.telegram_id, Delivery.kind)
            .join(Delivery, Delivery.learner_id == Learner.id)  # type: ignore[arg-type]
            .order_by(Delivery.id)  # type: ignore[arg-type]
        )
        return [(telegram_id or 0, kind) for telegram_id, kind in rows.all()]


def short_date(moment: datetime) -> str:
    """A local date as trainers type it, without the year: "8.12." """
    day = moment.astimezone(BELGRADE)
    return f"{day.day}.{day.month}."


async def schedule(bot: Harness, trainer: TelegramUser, catalogue: Catalogue) -> str:
    """Runs /newsession with a few wrong answers on the way; returns the invite payload."""
    tr = bot.tr("en")
    now = bot.clock.now()
    example = short_date(now + timedelta(days=7)) + " 10:00"
    module = catalogue.get("passwords-2fa")
    assert module is not None

    [question] = await trainer.send("/newsession")
    assert "step 1 of 9" in (question.text or "")
    await trainer.send("Digital security <for> CSOs")
    assert "step 2 of 9" in (trainer.last_message().text or "")
    await trainer.tap(module.text("en").button_title)
    date_question = trainer.last_message()
    assert "step 3 of 9" in (date_question.text or "")

    # Wrong dates get a short answer each (the question stays above) and change nothing.
    [reply] = await trainer.send("31.02.2027 10:00")
    assert "That date does not exist" in (reply.text or "") and example in (reply.text or "")
    assert "step 3" not in (reply.text or "") and not reply.inline_keyboard
    [reply] = await trainer.send("next Friday")
    assert "I could not read that date" in (reply.text or "") and example in (reply.text or "")
    [reply] = await trainer.send(local(now - timedelta(days=1)))
    assert "That time has already passed" in (reply.text or "")
    [reply] = await trainer.send(spring_gap(now))
    assert "the clocks are put forward" in (reply.text or "")
    start = now + timedelta(days=3)
    [read_back] = await trainer.send(short_date(start) + " 10:00")
    day = start.astimezone(BELGRADE).date()
    assert f"{day:%A}, {day:%B} {day.day}, {day.year}, 10:00 (Europe/Belgrade)" in (
        read_back.text or ""
    )
    shown = trainer.api.message(trainer.chat_id, date_question.message_id)
    assert shown is not None and not shown.inline_keyboard  # the answered question's buttons
    await trainer.tap(tr._("✅ Yes"))
    assert "step 5 of 9" in (trainer.last_message().text or "")
    await trainer.tap(tr.ngettext("{n} minute", "{n} minutes", 90))
    assert "step 6 of 9" in (trainer.last_message().text or "")
    [reply] = await trainer.send("http://meet.example.org/x")
    assert "https://" in (reply.text or "") and "step 6 of 9" not in (reply.text or "")
    await trainer.send("Hotel Park, Skopje")
    await trainer.tap(tr._("North Macedonia"))
    await trainer.tap("Македонски")
    [reply] = await trainer.send("0")
    assert "from 1 to 1,000" in (reply.text or "") and "step 9 of 9" not in (reply.text or "")
    [summary] = await trainer.send("2")
    text = summary.text or ""
    assert "Please check the new session" in text
    assert "Digital security <for> CSOs" in text and module.text("en").title in text
    assert "Hotel Park, Skopje" in text and "Places: 2" in text
    assert await bot.count(Draft) == 1

    messages = await tap_and_collect(trainer, tr._("✅ Create"))
    assert await bot.count(Draft) == 0
    await trainer.tap(tr._("✅ Create"), summary)  # a double tap makes no second session
    answer = trainer.last_callback_answer()
    assert answer is not None and answer.text == tr._("This button is no longer valid.")
    assert await bot.count(TrainingSession) == 1
    assert (await bot.learner_of(trainer.user_id)).awaiting is None
    invitation = messages[-1].text or ""
    found = LINK.search(invitation)
    assert found, invitation
    return found.group(1)


async def tap_and_collect(user: TelegramUser, label: str) -> list:
    before = max((m.message_id for m in user.messages()), default=0)
    await user.tap(label)
    return [m for m in user.bot_messages() if m.message_id > before]


async def test_a_training_day_from_scheduling_to_cancellation(bot: Harness, catalogue: Catalogue):
    en, sq, mk = bot.tr("en"), bot.tr("sq"), bot.tr("mk")
    trainer = await bot.person(700, role=Role.TRAINER)
    payload = await schedule(bot, trainer, catalogue)
    training = await stored_session(bot)
    assert payload == f"s_{training.code}"
    assert (training.title, training.module_id, training.duration_minutes) == (
        "Digital security <for> CSOs",
        "passwords-2fa",
        90,
    )
    assert (training.venue, training.online_url, training.country, training.language) == (
        "Hotel Park, Skopje",
        None,
        "MK",
        "mk",
    )
    assert training.capacity == 2
    assert training.starts_at.astimezone(BELGRADE).strftime("%H:%M") == "10:00"
    view, instructions, invitation = trainer.bot_messages()[-3:]
    assert en.date_time(training.starts_at) in (view.text or "")
    assert "Registered: 0 of 2" in (view.text or "")
    # The trainer is told, in English, to forward the next message, which is in Macedonian
    # (the session's language) and speaks to the person invited.
    assert (instructions.text or "").startswith("🔗 Forward the next message")
    assert "You are invited to a training session" in (instructions.text or "")
    assert plain(mk._("📨 <b>You are invited to a training session</b>")) in (invitation.text or "")
    assert "Forward" not in (invitation.text or "")
    assert mk._("Tap to register: {link}", link=f"https://t.me/kapacitet_bot?start={payload}") in (
        invitation.text or ""
    )

    # An Albanian learner who knows the bot sees the session, is told that it is held in
    # Macedonian, and registers with a tap; the calendar file follows.
    albanian = await bot.onboarded(701, "sq", "Shqip", "Qendra Civile", "Albania")
    [answer] = await albanian.send(f"/start {payload}")
    assert sq.date_time(training.starts_at) in (answer.text or "")
    assert sq._("⚠️ This session is held in {language}.", language="Македонски") in (
        answer.text or ""
    )
    assert await registrations(bot) == []
    await albanian.tap(sq._("✅ Register"))
    assert plain(sq._("✅ <b>You are registered.</b>")) in (
        albanian.last_message(text=True).text or ""
    )
    assert albanian.last_message().document is not None
    [again] = await albanian.send(f"/start {payload}")
    assert sq._("You are already registered for this session.") in (again.text or "")

    # A Macedonian newcomer sees the session in the first reply, is onboarded, then lands on
    # the session with "Register".
    macedonian = bot.user(702, "mk")
    first, picker = await macedonian.send(f"/start {payload}")
    assert training.title in (first.text or "") and mk.date_time(training.starts_at) in (
        first.text or ""
    )
    assert picker.inline_keyboard[0][0]["text"] == "English"
    await macedonian.tap("Македонски")
    assert macedonian.last_message().text == plain(consent_text(mk, bot.deps.settings))
    await macedonian.tap(mk._("I agree"))
    await macedonian.tap(mk._("✅ Use this name"))
    await macedonian.send("Граѓанска иницијатива")
    await macedonian.tap(mk._("North Macedonia"))
    await macedonian.tap(mk._("Man"))
    await macedonian.tap("35–44")
    await macedonian.tap(mk._("Skip this question"))
    assert mk._("✅ Register") in macedonian.buttons()[0]
    assert await registrations(bot) == [(701, "registered")]
    await macedonian.tap(mk._("✅ Register"))
    registered = macedonian.last_message(text=True).text or ""
    assert plain(mk._("✅ <b>You are registered.</b>")) in registered
    assert mk.date_time(training.starts_at) in registered
    assert (await bot.learner_of(702)).pending_start is None

    # The session is full for a third.
    latecomer = bot.user(703)
    await latecomer.send("/start")
    await latecomer.tap("English")
    await latecomer.tap(en._("No, thanks"))
    [full] = await latecomer.send(f"/start {payload}")
    assert en._("Sorry, this session is full.") in (full.text or "")
    [unknown] = await latecomer.send("/start s_NOSUCH23")
    assert (unknown.text or "") == en._(
        "This invitation link is not valid. Please ask your trainer for a new one."
    )
    assert await registrations(bot) == [(701, "registered"), (702, "registered")]

    # The trainer opens the session from /sessions and moves it by a day.
    await trainer.send("/sessions")
    await trainer.tap(f"{en.date(training.starts_at)} · {training.title}")
    old_view = trainer.last_message()
    assert "Registered: 2 of 2" in (old_view.text or "")
    await trainer.tap(en._("📅 Reschedule"))
    new_start = training.starts_at + timedelta(days=1)
    [reply] = await trainer.send(local(bot.clock.now() - timedelta(days=2)))
    assert "That time has already passed" in (reply.text or "")
    [read_back] = await trainer.send(local(new_start))
    assert "Move the session to" in (read_back.text or "")
    await trainer.tap(en._("✅ Yes"))
    moved = trainer.last_message()
    assert "The session is moved; 2 registered people will be told." in (moved.text or "")
    assert en.date_time(new_start) in (moved.text or "")
    notice = albanian.last_message(text=True).text or ""
    assert sq.date_time(new_start) in notice and sq.date_time(training.starts_at) in notice
    notice = macedonian.last_message(text=True).text or ""
    assert mk.date_time(new_start) in notice
    assert mk._("Can't come? Open /mysessions and tell the trainer.") in notice
    assert await deliveries(bot) == [(701, "rescheduled"), (702, "rescheduled")]

    # A button from the view shown before the move says so, and the old buttons go.
    await trainer.tap(en._("❌ Cancel session"), old_view)
    answer = trainer.last_callback_answer()
    assert answer is not None and answer.show_alert
    assert answer.text == en._("This session was moved to {when}.", when=en.date_time(new_start))
    shown = trainer.api.message(trainer.chat_id, old_view.message_id)
    assert shown is not None and shown.inline_keyboard == []
    assert (await stored_session(bot)).cancelled_at is None

    # The Albanian learner cannot come after all.
    [mine] = await albanian.send("/mysessions")
    assert sq.date_time(new_start) in (mine.text or "")
    await albanian.tap(sq._("🙋 I can't come: {title}", title=training.title))
    await albanian.tap(sq._("Yes, I can't come"))
    assert albanian.last_message().text == sq._(
        "Thank you for letting us know; your place is free for someone else. "
        "If your plans change, open the invitation link again."
    )
    assert await registrations(bot) == [(701, "apologised"), (702, "registered")]
    [mine] = await albanian.send("/mysessions")
    assert sq._("🙋 You told us you cannot come.") in (mine.text or "")

    # A learner is refused every trainer entry point, and nothing changes.
    [refused] = await latecomer.send("/newsession")
    assert refused.text == en._(NOT_ALLOWED)
    [refused] = await latecomer.send("/sessions")
    assert refused.text == en._(NOT_ALLOWED)
    assert await bot.count(Draft) == 0
    fresh_view = trainer.last_message()
    own_message = latecomer.last_message().message_id
    for label in (
        en._("❌ Cancel session"),
        en._("📅 Reschedule"),
        en._("🔗 Invite link"),
        en._("👥 Roster"),
    ):
        await latecomer.tap_data(trainer.button_data(label, fresh_view), own_message)
        answer = latecomer.last_callback_answer()
        assert answer is not None and answer.text == en._(NOT_ALLOWED) and answer.show_alert
    forged = [
        f"sx:{training.id}:2:cancel-yes",
        "snb:date:back",
        "snf:title",
        f"sep:{training.id}:date:20270101",
        f"sem:{training.id}:when:yes",
        f"so:{training.id}",
        "sn:duration:90",
        "sd:create",
        f"se:{training.id}",
    ]
    for data in forged:
        await latecomer.tap_data(data, own_message)
        answer = latecomer.last_callback_answer()
        assert answer is not None and answer.text == en._(NOT_ALLOWED), data
    for data in ("sx:not-a-number:1:cancel", "sx:1:1:delete", "sn:capacity:5"):
        await latecomer.tap_data(data, own_message)
        answer = latecomer.last_callback_answer()
        assert answer is not None and answer.text == en._("This button is no longer valid."), data
    stored = await stored_session(bot)
    assert (stored.version, stored.cancelled_at, stored.starts_at) == (2, None, new_start)
    assert (await bot.learner_of(703)).awaiting is None

    # The roster, then the cancellation: only the learner still registered is told.
    await trainer.tap(en._("👥 Roster"), fresh_view)
    roster = trainer.last_message().text or ""
    assert "can't come" in roster and "registered" in roster
    assert "Граѓанска иницијатива" in roster and "Qendra Civile" in roster
    await trainer.tap(en._("« Back"))
    await trainer.tap(en._("❌ Cancel session"))
    await trainer.tap(en._("Yes, cancel the session"))
    assert "The session is cancelled; 1 registered person will be told." in (
        trainer.last_message().text or ""
    )
    cancelled = macedonian.last_message(text=True).text or ""
    assert mk.date_time(new_start) in cancelled and training.title in cancelled
    assert await deliveries(bot) == [
        (701, "rescheduled"),
        (702, "rescheduled"),
        (702, "cancelled"),
    ]
    [closed] = await latecomer.send(f"/start {payload}")
    assert en._("Sorry, this session has been cancelled.") in (closed.text or "")
    [mine] = await macedonian.send("/mysessions")
    assert mine.text == mk._(
        "You are not registered for any upcoming session. "
        "Your trainer can send you an invitation link."
    )


async def test_a_draft_survives_a_restart_and_can_be_cancelled(
    harness: Harness, catalogue: Catalogue
):
    en = harness.tr("en")
    async with harness.running():
        trainer = await harness.person(710, role=Role.TRAINER)
        await trainer.send("/newsession")
        await trainer.send("Accession chapters 23 and 24")
    async with harness.running():
        # Typed text at a button step gets a re-ask; a command in between cancels nothing.
        question = trainer.last_message()
        [reply] = await trainer.send("whatever")
        assert reply.text == en._("Please tap one of the buttons.")
        await trainer.send("/lessons")
        await trainer.tap(en._("No module"), question)
        shown = trainer.api.message(trainer.chat_id, question.message_id)
        assert shown is not None and "step 3 of 9" in (shown.text or "")
        [reply] = await trainer.send("x" * 5000)
        assert "I could not read that date" in (reply.text or "")
        await trainer.tap(en._("✖️ Cancel"), question.message_id)
        shown = trainer.api.message(trainer.chat_id, question.message_id)
        assert shown is not None and shown.text == en._("Cancelled. No session was created.")
        assert not shown.inline_keyboard
        assert await harness.count(Draft) == 0
        assert (await harness.learner_of(710)).awaiting is None
        # The conversation is over: free text (offered to a person with consent).
        [reply] = await trainer.send("Still typing")
        assert "I can pass a message to a person only if" in (reply.text or "")
    assert await harness.count(TrainingSession) == 0


async def test_an_online_session_and_a_second_trainer_cannot_touch_it(
    bot: Harness, catalogue: Catalogue
):
    en = bot.tr("en")
    owner = await bot.person(720, role=Role.TRAINER)
    other = await bot.person(721, role=Role.TRAINER)
    async with bot.deps.database.session() as db:
        person = await bot.learner_of(720)
        training = await sessions.create_session(
            db,
            person,
            sessions.SessionValues(
                title="Online: EU funds",
                module_id=None,
                starts_at=bot.clock.now() + timedelta(days=5),
                duration_minutes=60,
                venue=None,
                online_url="https://meet.example.org/eu-funds",
                country="other",
                language="en",
                capacity=30,
            ),
            bot.clock.now(),
        )
    [listing] = await other.send("/sessions")
    assert listing.text == en._("There are no sessions yet. /newsession schedules one.")
    await owner.send("/sessions")
    await owner.tap(f"{en.date(training.starts_at)} · {training.title}")
    view = owner.last_message()
    assert "https://meet.example.org/eu-funds" in (view.text or "")
    await other.tap_data(
        owner.button_data(en._("📍 Change venue"), view), other.last_message().message_id
    )
    answer = other.last_callback_answer()
    assert answer is not None and answer.text == en._(NOT_ALLOWED)

    # The owner changes the link; nobody is registered, so nobody is told.
    await owner.tap(en._("📍 Change venue"), view)
    question = owner.last_message()
    [reply] = await owner.send("http://meet.example.org/new-room")
    assert reply.text == en._("Online links must start with https://. Please type the secure link.")
    assert not reply.inline_keyboard  # a short answer; the question keeps its Cancel
    [reply] = await owner.send("https://meet.example.org/new-room")
    assert "The place is changed; 0 registered people will be told." in (reply.text or "")
    shown = owner.api.message(owner.chat_id, question.message_id)
    assert shown is not None and not shown.inline_keyboard  # its Cancel is gone
    stored = await stored_session(bot)
    assert (stored.online_url, stored.venue, stored.version) == (
        "https://meet.example.org/new-room",
        None,
        2,
    )


async def test_a_long_roster_comes_in_pages(bot: Harness):
    en = bot.tr("en")
    trainer = await bot.person(730, role=Role.TRAINER)
    now = bot.clock.now()
    async with bot.deps.database.session() as db:
        training = await sessions.create_session(
            db,
            await bot.learner_of(730),
            sessions.SessionValues(
                title="Big day",
                module_id=None,
                starts_at=now + timedelta(days=2),
                duration_minutes=240,
                venue="Skenderbeg Square",
                online_url=None,
                country="AL",
                language="sq",
                capacity=100,
            ),
            now,
        )
        for number in range(17):
            person = await make_learner(db, organisation=f"Org {number:02d} " + "x" * 110)
            await sessions.register(db, person, training.code, now)
    await trainer.send("/sessions")
    await trainer.tap(f"{en.date(training.starts_at)} · Big day")
    await trainer.tap(en._("👥 Roster"))
    page = trainer.last_message().text or ""
    assert "Org 00" in page and "Org 14" in page and "Org 15" not in page
    assert "Page 1 of 2" in page and len(page) < 4096
    await trainer.tap(en._("Next ▶️"))
    page = trainer.last_message().text or ""
    assert "16. • " in page and "Org 16" in page and "Page 2 of 2" in page
    await trainer.tap(en._("« Back"))
    assert "Registered: 17 of 100" in (trainer.last_message().text or "")


async def test_a_learner_without_consent_is_asked_before_registering(
    bot: Harness, catalogue: Catalogue
):
    trainer = await bot.person(9101, role=Role.TRAINER)
    payload = await schedule(bot, trainer, catalogue)
    tr = bot.tr("en")
    learner = bot.user(9102)
    await learner.send("/start")
    await learner.tap("English")
    await learner.tap(tr._("No, thanks"))
    await learner.send(f"/start {payload}")
    await learner.tap(tr._("✅ Register"))
    reply = learner.last_message()
    assert "which you have not agreed to" in (reply.text or "")
    assert await registrations(bot) == []

    await learner.tap(tr._("I agree"))
    await learner.tap(tr._("🙈 Don't show my name"))
    for _ in range(4):
        await learner.tap(tr._("Prefer not to say"))
    await learner.tap(tr._("Skip this question"))
    await learner.tap(tr._("✅ Register"))
    assert "You are registered." in (learner.last_message(text=True).text or "")
    assert await registrations(bot) == [(9102, "registered")]
