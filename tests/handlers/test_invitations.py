"""Invitations that invite: the trainer forwards one in the session's language; whoever opens
it sees the session (someone new in the very first reply) and registers with a tap; a
registered person gets a calendar file that follows every change, and the venue's map pin;
role links say at once what they give or that they are used; late taps answer truthfully."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.models import Registration, Role
from tests.factories import make_learner, record_attendance, register
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.invitations import (
    TRAINER,
    TRAINER_NAME,
    a_session_in_macedonian,
    calendar_of,
    event_of,
    named_person,
)
from tests.support.learners import plain
from tests.support.roles import LINK as ROLE_LINK

SKOPJE = ZoneInfo("Europe/Skopje")


async def open_session_view(bot: Harness, trainer: TelegramUser, title: str, starts_at) -> None:
    en = bot.tr("en")
    await trainer.send("/sessions")
    await trainer.tap(f"{en.date(starts_at)} · {title}")


async def onboard_in(user: TelegramUser, bot: Harness, language: str, native: str) -> None:
    """Language, consent, the offered name and a skipped profile, as someone new taps them."""
    tr = bot.tr(language)
    await user.tap(native)
    await user.tap(tr._("I agree"))
    await user.tap(tr._("✅ Use this name"))
    for _ in range(4):
        await user.tap(tr._("Prefer not to say"))
    await user.tap(tr._("Skip this question"))


async def test_an_invitation_in_the_sessions_language_a_newcomer_and_the_calendar_file(
    bot: Harness,
):
    en, mk, sq = bot.tr("en"), bot.tr("mk"), bot.tr("sq")
    training = await a_session_in_macedonian(bot, bot.clock.now() + timedelta(days=3))
    assert training.id is not None
    payload = f"s_{training.code}"
    link = f"https://t.me/kapacitet_bot?start={payload}"
    local = training.starts_at.astimezone(SKOPJE)

    # The trainer (English) gets what to do, then the invitation to forward, in Macedonian.
    trainer = bot.user(TRAINER)
    await open_session_view(bot, trainer, training.title, training.starts_at)
    before = trainer.last_message().message_id
    await trainer.tap(en._("🔗 Invite link"))
    instructions, invitation = [m for m in trainer.bot_messages() if m.message_id > before]
    told = instructions.text or ""
    assert told.startswith("🔗 Forward the next message to the people you invite")
    assert "The invitation is written in the session's language (Македонски)" in told
    assert "You are invited to a training session" in told and f"Trainer: {TRAINER_NAME}" in told
    text = invitation.text or ""
    for line in (
        plain(mk._("📨 <b>You are invited to a training session</b>")),
        training.title,
        f"{mk.date_time(local)} {local.tzname()}",
        mk.ngettext("{n} minute", "{n} minutes", 90),
        "Hotel Park, Skopje",
        mk._("👤 Trainer: {name}", name=TRAINER_NAME),
        mk._("Tap to register: {link}", link=link),
    ):
        assert line in text, (line, text)
    assert "Forward" not in text

    # Someone new whose Telegram speaks a language the bot lacks sees the session, in
    # Macedonian, in the very first reply; the language picker comes with it.
    newcomer = bot.user(881, "de")
    first, picker = await newcomer.send(f"/start {payload}")
    assert plain(mk._("📨 <b>You are invited to a training session</b>")) in (first.text or "")
    assert mk._("👤 Trainer: {name}", name=TRAINER_NAME) in (first.text or "")
    assert picker.inline_keyboard[0][0]["text"] == "English"
    assert await bot.count(Registration) == 0
    assert (await bot.learner_of(881)).pending_start == payload

    # Someone new whose Telegram is Albanian sees it in Albanian, told it is in Macedonian.
    albanian = bot.user(882, "sq")
    first, _ = await albanian.send(f"/start {payload}")
    assert plain(sq._("📨 <b>You are invited to a training session</b>")) in (first.text or "")
    assert sq._("⚠️ This session is held in {language}.", language="Македонски") in (
        first.text or ""
    )

    # After onboarding the newcomer lands on the session with "Register"; nothing before.
    await onboard_in(newcomer, bot, "mk", "Македонски")
    landing = newcomer.last_message()
    assert training.title in (landing.text or "")
    assert newcomer.buttons(landing) == [[mk._("✅ Register")]]
    assert await bot.count(Registration) == 0
    await newcomer.tap(mk._("✅ Register"))
    assert plain(mk._("✅ <b>You are registered.</b>")) in (
        newcomer.last_message(text=True).text or ""
    )
    assert await bot.count(Registration) == 1

    # The calendar file, read back.
    stored = newcomer.last_document()
    calendar = calendar_of(stored)
    assert str(calendar["method"]) == "PUBLISH"
    event = event_of(stored)
    uid = str(event["uid"])
    assert uid == f"session-{training.id}-{training.code.lower()}@kapacitet"
    assert event["dtstart"].dt == training.starts_at
    assert str(event["dtstart"].dt.tzinfo) == "Europe/Skopje"
    assert event["dtstart"].params["TZID"] == "Europe/Skopje"
    assert event["dtend"].dt - event["dtstart"].dt == timedelta(minutes=90)
    assert str(event["summary"]) == training.title
    assert str(event["location"]) == "Hotel Park, Skopje"
    assert event["organizer"].params["CN"] == TRAINER_NAME
    assert int(event["sequence"]) == 1
    assert calendar.walk("VTIMEZONE")

    # The trainer moves the session: the notice comes with the updated file (same UID, a
    # higher SEQUENCE, the new start).
    await open_session_view(bot, trainer, training.title, training.starts_at)
    await trainer.tap(en._("📅 Reschedule"))
    new_start = training.starts_at + timedelta(days=1)
    await trainer.send(f"{new_start.astimezone(ZoneInfo('Europe/Belgrade')):%d.%m.%Y %H:%M}")
    await trainer.tap(en._("✅ Yes"))  # the new start read back, confirmed
    assert "The session is moved; 1 registered person will be told." in (
        trainer.last_message().text or ""
    )
    moved = event_of(newcomer.last_document())
    assert str(moved["uid"]) == uid
    assert int(moved["sequence"]) == 2
    assert moved["dtstart"].dt == new_start

    # ... and cancels it: the cancellation of the same event.
    await trainer.tap(en._("❌ Cancel session"))
    await trainer.tap(en._("Yes, cancel the session"))
    cancelled = calendar_of(newcomer.last_document())
    assert str(cancelled["method"]) == "CANCEL"
    [gone] = cancelled.events
    assert (str(gone["uid"]), str(gone["status"]), int(gone["sequence"])) == (
        uid,
        "CANCELLED",
        3,
    )
    assert len(newcomer.documents()) == 3

    # "I can't come" from the registration message now says what happened, and changes nothing.
    await newcomer.tap(mk._("🙋 I can't come"))
    assert newcomer.last_message().text == mk._("This session has been cancelled.")


async def test_the_venue_on_the_map_from_the_session_screen(bot: Harness):
    en, sq = bot.tr("en"), bot.tr("sq")
    training = await a_session_in_macedonian(bot, bot.clock.now() + timedelta(days=3))
    async with bot.deps.database.session() as db:
        registered = await make_learner(db, telegram_id=891, language="sq")
        await register(db, training, registered)
    person = bot.user(891, "sq")
    trainer = bot.user(TRAINER)
    await open_session_view(bot, trainer, training.title, training.starts_at)

    # Someone who does not run the session may not set its map location.
    [own] = await person.send("/mysessions")
    await person.tap_data(trainer.button_data(en._("🗺 Set map location")), own.message_id)
    answer = person.last_callback_answer()
    assert answer is not None and answer.show_alert
    assert answer.text == sq._("Sorry, you are not allowed to do that.")
    assert (await bot.learner_of(891)).awaiting is None

    await trainer.tap(en._("🗺 Set map location"))
    assert "Send the venue's location" in (trainer.last_message().text or "")

    # Wrong coordinates are refused with a clear answer, and change nothing.
    [refused] = await trainer.send("next to the park")
    assert (refused.text or "").startswith("I could not read those coordinates.")
    [refused] = await trainer.send("95.1, 19.26")
    assert (refused.text or "").startswith("That place is not on the map")
    [refused] = await trainer.send("42.44, 190")
    assert (refused.text or "").startswith("That place is not on the map")
    async with bot.deps.database.session() as db:
        stored = await db.get(type(training), training.id)
        assert stored is not None and stored.venue_latitude is None

    # A location message sets it; the person registered gets the notice, file and pin.
    await trainer.send_location(41.99646, 21.43141)
    assert "The venue is on the map; 1 registered person will get it." in (
        trainer.last_message().text or ""
    )
    assert "🗺 On the map: 41.99646, 21.43141" in (trainer.last_message().text or "")
    assert sq._("🗺 <b>{title}</b>: the venue is now on the map.", title=training.title).replace(
        "<b>", ""
    ).replace("</b>", "") in (person.last_message(text=True).text or "")
    pin = person.last_message()
    assert pin.venue is not None and pin.location == {"latitude": 41.99646, "longitude": 21.43141}
    assert (pin.venue["title"], pin.venue["address"]) == (training.title, "Hotel Park, Skopje")
    event = event_of(person.last_document())
    assert (event["geo"].latitude, event["geo"].longitude) == (41.99646, 21.43141)

    # Typed coordinates with decimal commas work too.
    await open_session_view(bot, trainer, training.title, training.starts_at)
    await trainer.tap(en._("🗺 Set map location"))
    await trainer.send("42,44; 19,26")
    assert "🗺 On the map: 42.44000, 19.26000" in (trainer.last_message().text or "")

    # Someone who registers now gets the file and the pin.
    newcomer = await bot.onboarded(892, "en", "English", "Civic Lab", "Serbia")
    await newcomer.send(f"/start s_{training.code}")
    await newcomer.tap(en._("✅ Register"))
    pin = newcomer.last_message()
    assert pin.location == {"latitude": 42.44, "longitude": 19.26}
    assert newcomer.bot_messages()[-2].document is not None


async def test_role_links_say_in_the_first_reply_what_they_give_or_that_they_are_used(
    bot: Harness,
):
    await named_person(bot, 893, "Milica Jovanović", Role.COORDINATOR, countries=("RS",))
    coordinator = bot.user(893)
    [made] = await coordinator.send("/invite trainer")
    found = ROLE_LINK.search(made.text or "")
    assert found is not None, made.text
    payload = found.group(1)

    first_person = bot.user(894)
    first, picker = await first_person.send(f"/start {payload}")
    assert first.text == (
        "🔑 Milica Jovanović invited you to be a trainer.\n\n"
        "First a few short questions (your language and privacy); then the role is yours."
    )
    assert picker.inline_keyboard[0][0]["text"] == "English"
    await onboard_in(first_person, bot, "en", "English")
    assert (first_person.last_message().text or "").startswith("✅ You are now a trainer.")

    # The same link, opened by someone else who is new: used, said at once.
    second_person = bot.user(895)
    first, picker = await second_person.send(f"/start {payload}")
    assert first.text == "This invitation has already been used. Please ask for a new link."
    assert picker.inline_keyboard[0][0]["text"] == "English"
    assert (await bot.learner_of(895)).pending_start is None

    # A session link that leads nowhere says so at once too.
    third_person = bot.user(896)
    first, _ = await third_person.send("/start s_NOSUCH23")
    assert first.text == "This invitation link is not valid. Please ask your trainer for a new one."
    assert (await bot.learner_of(896)).pending_start is None


async def test_late_taps_answer_truthfully_and_change_nothing(bot: Harness):
    en = bot.tr("en")
    training = await a_session_in_macedonian(
        bot, bot.clock.now() + timedelta(hours=1), capacity=5, language="en"
    )
    payload = f"s_{training.code}"
    present = await bot.onboarded(897, "en", "English", "Civic Lab", "Serbia")
    await present.send(f"/start {payload}")
    await present.tap(en._("✅ Register"))
    registration_message = present.last_message(text=True)
    hesitant = await bot.onboarded(898, "en", "English", "Civic Lab", "Serbia")
    [offer] = await hesitant.send(f"/start {payload}")
    assert "⚠️" not in (offer.text or "")  # the session is in English too

    await bot.advance(hours=1, minutes=5)
    await hesitant.tap(en._("✅ Register"), offer)
    assert "This session has already started; registration is closed." in (
        hesitant.last_message().text or ""
    )
    await present.tap(en._("🙋 I can't come"), registration_message)
    assert present.last_message().text == en._("This session has already started.")

    # Someone who was there hears that they attended, not that they are not registered.
    async with bot.deps.database.session() as db:
        learner = await bot.learner_of(897)
        stored = await db.get(type(training), training.id)
        assert stored is not None
        await record_attendance(db, stored, learner, "present")
    await present.tap(en._("🙋 I can't come"), registration_message)
    assert present.last_message().text == en._(
        "You attended this session on {date}.", date=en.date(training.starts_at)
    )

    await bot.advance(hours=2)
    await hesitant.tap(en._("✅ Register"), offer)
    assert "This session is over." in (hesitant.last_message().text or "")
    async with bot.deps.database.session() as db:
        rows = (await db.exec(select(Registration.status))).all()
    assert rows == ["registered"]
