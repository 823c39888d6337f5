"""Check-in in one tap: the QR code on the trainer's screen, look-alike typed codes, late
arrivals, "mark the rest absent" and the trainer's reminder (issue 17)."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import segno
from PIL import Image
from sqlmodel import select

from bot.handlers.attendance.qr import QR_SCALE, checkin_link
from bot.handlers.common.deep_links import CheckinLink
from bot.models import Attendance, Delivery, Registration, TrainingSession
from bot.services import attendance
from tests.handlers.test_attendance import open_checkin, shown_code, start_of_a_minute, statuses
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.trainings import ANA, BORIS, VESNA, checkin_day
from tests.support.trainings import CHECKIN_TRAINER as TRAINER

BORDER = 4


def qr_matrix(png: bytes) -> list[list[bool]]:
    """The dark modules of a QR code PNG, read back pixel by pixel (the centre of each)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // QR_SCALE - 2 * BORDER
    return [
        [
            image.getpixel(
                (
                    (col + BORDER) * QR_SCALE + QR_SCALE // 2,
                    (row + BORDER) * QR_SCALE + QR_SCALE // 2,
                )
            )
            < 128  # type: ignore[operator]
            for col in range(size)
        ]
        for row in range(size)
    ]


async def session_row(bot: Harness, session_id: int) -> TrainingSession:
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, session_id)
        assert training is not None
        return training


async def scanned_payload(
    bot: Harness, trainer: TelegramUser, message_id: int, session_id: int
) -> str:
    """What a phone camera reads from the QR photo in the trainer's chat: the photo must be
    exactly the QR code of the current minute's link (segno draws the expected one), and the
    link's ``start`` payload is what Telegram hands to the bot."""
    message = trainer.api.message(trainer.chat_id, message_id)
    assert message is not None and message.photo is not None
    png = message.photo.content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    training = await session_row(bot, session_id)
    url = checkin_link(training, bot.clock.now()).url("kapacitet_bot")
    expected = [[bool(v) for v in row] for row in segno.make_qr(url, error="m").matrix]
    assert qr_matrix(png) == expected
    payload = parse_qs(urlsplit(url).query)["start"][0]
    assert CheckinLink.decode(payload) is not None
    return payload


async def scan(person: TelegramUser, payload: str) -> str:
    """Opens the QR code's link; someone whose profile is not complete answers the questions
    first ("prefer not to say"), and the link is opened after. The last reply's text."""
    await person.send(f"/start {payload}")
    for _ in range(6):
        last = person.last_message()
        if not person.buttons(last) or "check" in (last.text or ""):
            break
        await person.tap(person.buttons(last)[-1][-1], last)
    return person.last_message().text or ""


async def test_ten_people_check_in_by_scanning_and_one_is_late(bot: Harness):
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=6))
    people = [bot.user(i) for i in (ANA, BORIS, VESNA)]  # registered
    people += [await bot.onboarded(7100 + n) for n in range(6)]  # walk-ins with Telegram
    tenth = await bot.onboarded(7200)
    await start_of_a_minute(bot)  # the steps below, up to the next advance, within a minute
    trainer = bot.user(TRAINER)
    code_message = await open_checkin(bot, trainer)
    payload = await scanned_payload(bot, trainer, code_message, session_id)
    for person in people:
        assert await scan(person, payload) == (
            "✅ You are checked in: Digital security basics. Welcome!"
        )

    # Within the minute only the count changes: the caption, not the photo.
    shown = trainer.api.message(TRAINER, code_message)
    assert shown is not None and shown.photo is not None
    first_photo = shown.photo.file_id
    await bot.tick()
    shown = trainer.api.message(TRAINER, code_message)
    assert shown is not None and shown.photo is not None
    assert shown.photo.file_id == first_photo
    assert "Present so far: 9" in (shown.caption or "")
    # The code turns over: the photo is edited in place, not sent again.
    bot.clock.advance(timedelta(minutes=1))
    await bot.tick()
    assert [m.message_id for m in trainer.bot_messages() if m.photo] == [code_message]
    edited = trainer.api.message(TRAINER, code_message)
    assert edited is not None and edited.photo is not None
    assert edited.photo.file_id != first_photo
    assert "Present so far: 9" in (edited.caption or "")
    fresh = await scanned_payload(bot, trainer, code_message, session_id)
    assert fresh != payload

    # The tenth arrives about 15 minutes after the start (LATE_AFTER_MINUTES is 10): late.
    bot.clock.advance(timedelta(minutes=19))
    await bot.tick()
    late_payload = await scanned_payload(bot, trainer, code_message, session_id)
    replies = await tenth.send(f"/start {late_payload}")
    assert replies[-1].text == (
        "✅ You are checked in: Digital security basics. Welcome! (Recorded as late.)"
    )
    marks = await statuses(bot)
    assert len(marks) == 10
    # The seven who had not registered are on the roster as walk-ins.
    async with bot.deps.database.session() as db:
        walk_ins = (await db.exec(select(Registration.walk_in))).all()
    assert sorted(walk_ins) == [False] * 3 + [True] * 7
    assert sorted(status for status, _ in marks.values()) == ["late"] + ["present"] * 9
    assert {method for _, method in marks.values()} == {"qr"}
    # Opening it again changes nothing.
    assert await scan(people[0], late_payload) == (
        "You are already checked in: Digital security basics."
    )
    assert await bot.count(Attendance) == 10


async def test_a_stale_forged_or_closed_qr_link_is_refused(bot: Harness):
    await start_of_a_minute(bot)
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=5))
    trainer = bot.user(TRAINER)
    code_message = await open_checkin(bot, trainer)
    payload = await scanned_payload(bot, trainer, code_message, session_id)
    ana, boris = bot.user(ANA), bot.user(BORIS)

    # Another session's id with this session's token: not valid.
    link = CheckinLink.decode(payload)
    assert link is not None and link.parts() is not None
    _, minute, token = link.parts() or (0, 0, "")
    forged = CheckinLink.of(session_id + 1, minute, token).payload()
    assert (await scan(ana, forged)).startswith("This check-in link is not valid.")
    guessed = CheckinLink.of(session_id, minute, "A" * 16).payload()
    assert (await scan(ana, guessed)).startswith("This check-in link is not valid.")

    # Six minutes later the photographed code has expired.
    bot.clock.advance(timedelta(minutes=attendance.LINK_VALID_MINUTES + 1))
    await bot.tick()
    assert (await scan(boris, payload)).startswith(
        "This check-in QR code of Digital security basics has expired."
    )
    assert await bot.count(Attendance) == 0

    # Closed check-in: a fresh link is refused too.
    fresh = await scanned_payload(bot, trainer, code_message, session_id)
    await trainer.tap("🔒 Close check-in", code_message)
    assert (
        await scan(boris, fresh)
        == "Check-in for Digital security basics is not open. Ask the trainer."
    )
    assert await bot.count(Attendance) == 0


async def test_a_person_locked_out_by_wrong_codes_still_checks_in_by_the_qr(bot: Harness):
    await start_of_a_minute(bot)
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=5))
    trainer = bot.user(TRAINER)
    code_message = await open_checkin(bot, trainer)
    vesna = bot.user(VESNA)
    for _ in range(attendance.MAX_WRONG_TRIES):
        await vesna.send("/checkin 2222X")
    await vesna.send(f"/checkin {shown_code(trainer, code_message)}")
    assert (vesna.last_message().text or "").startswith("Too many wrong codes.")
    payload = await scanned_payload(bot, trainer, code_message, session_id)
    assert await scan(vesna, payload) == "✅ You are checked in: Digital security basics. Welcome!"
    assert list((await statuses(bot)).values()) == [("present", "qr")]


async def test_typed_codes_forgive_look_alike_characters(bot: Harness):
    await start_of_a_minute(bot)
    await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=5))
    trainer = bot.user(TRAINER)
    code_message = await open_checkin(bot, trainer)
    code = shown_code(trainer, code_message)
    assert set(code) <= set(attendance.CODE_ALPHABET)
    assert not set("OILSBZ") & set(attendance.CODE_ALPHABET)
    # Every digit with a look-alike letter typed as that letter, lower case, spaced out.
    swapped = code.translate(str.maketrans("011582", "oilsbz"))
    typed = " ".join(swapped.lower())
    ana = bot.user(ANA)
    replies = await ana.send(f"/checkin {typed}")
    assert replies[-1].text == "✅ You are checked in: Digital security basics. Welcome!"
    # A wrong code with a 0 is simply wrong, not "malformed".
    boris = bot.user(BORIS)
    wrong = "0" + ("2" if code[1:] != "2222" else "3") * 4
    replies = await boris.send(f"/checkin {wrong}")
    assert (replies[-1].text or "").startswith("That code is not right."), replies[-1].text


async def test_mark_the_rest_absent_asks_first_and_refuses_stale_taps(bot: Harness):
    await start_of_a_minute(bot)
    await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=5))
    trainer = bot.user(TRAINER)
    code_message = await open_checkin(bot, trainer)
    ana = bot.user(ANA)
    await ana.send(f"/checkin {shown_code(trainer, code_message)}")
    bot.clock.advance(timedelta(minutes=6))  # the session has begun
    await bot.tick()
    await trainer.send("/attendance")
    await trainer.tap(trainer.buttons()[0][0])
    await trainer.tap("✖️ Mark the rest absent")
    ask = trainer.last_message()
    assert "Mark the 2 registered people who are not marked yet as absent" in (ask.text or "")
    assert await bot.count(Attendance) == 1  # nothing yet
    stale_data = trainer.button_data("Yes, mark 2 people absent", ask)

    # Boris checks in meanwhile: the confirmation for 2 is stale and asks again for 1.
    await bot.user(BORIS).send(f"/checkin {shown_code(trainer, code_message)}")
    await trainer.tap("Yes, mark 2 people absent", ask)
    again = trainer.last_message()
    assert "The roster changed meanwhile." in (again.text or "")
    assert await bot.count(Attendance) == 2
    await trainer.tap("Yes, mark 1 person absent", again)
    assert "1 person was marked absent from Digital security basics." in (
        trainer.last_message().text or ""
    )
    marks = await statuses(bot)
    assert sorted(status for status, _ in marks.values()) == ["absent", "present", "present"]

    # Tapped again: nobody is left, nothing changes.
    await trainer.tap_data(stale_data, ask.message_id)
    answer = trainer.last_callback_answer()
    assert answer is not None and answer.text == "Nobody is left to mark."
    assert await bot.count(Attendance) == 3

    # A learner cannot open the trainer's panel or its buttons.
    await ana.send("/attendance")
    assert ana.last_message().text == "Sorry, you are not allowed to do that."


async def test_the_trainer_is_reminded_once_with_the_roster_count(bot: Harness):
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=90))
    trainer = bot.user(TRAINER)
    await bot.advance(minutes=20)
    assert trainer.bot_messages() == []
    await bot.advance(minutes=11)  # 59 minutes before the start
    reminders = [m for m in trainer.bot_messages() if "Reminder" in (m.text or "")]
    assert len(reminders) == 1
    text = reminders[0].text or ""
    assert "Digital security basics starts in" in text
    assert "3 people registered · 0 walk-ins so far" in text
    # Later ticks: not again (one delivery row, unique, whatever the process).
    await bot.advance(minutes=1)
    async with bot.deps.database.session() as db:
        kinds = (
            await db.exec(select(Delivery.kind).where(Delivery.session_id == session_id))
        ).all()
    assert sorted(k for k in kinds if k.startswith("trainer-")) == ["trainer-60"]
    await bot.advance(minutes=10)
    assert len([m for m in trainer.bot_messages() if "Reminder" in (m.text or "")]) == 1


async def test_someone_new_scans_goes_through_onboarding_and_is_checked_in(bot: Harness):
    await start_of_a_minute(bot)
    session_id = await checkin_day(bot.deps.database, bot.clock.now() + timedelta(minutes=5))
    trainer = bot.user(TRAINER)
    code_message = await open_checkin(bot, trainer)
    payload = await scanned_payload(bot, trainer, code_message, session_id)
    newcomer = bot.user(7400)
    tr = bot.tr("en")
    await newcomer.send(f"/start {payload}")
    assert newcomer.buttons()[0][0] == "English"  # the language first
    await newcomer.tap("English")
    await newcomer.tap(tr._("I agree"))
    await newcomer.tap(tr._("✅ Use this name"))  # the name step after consent
    await newcomer.send("Civic Lab")
    await newcomer.tap(tr._("Kosovo"))
    await newcomer.tap(tr._("Woman"))
    await newcomer.tap("25–34")
    await newcomer.tap(tr._("Skip this question"))
    texts = [m.text for m in newcomer.bot_messages()[-2:]]
    assert texts[-1] == "✅ You are checked in: Digital security basics. Welcome!", texts
    assert list((await statuses(bot)).values()) == [("present", "qr")]
    # The trainer's roster marks them as a walk-in.
    await trainer.tap("📋 Roster", code_message)
    roster = trainer.last_message()
    assert (roster.text or "").count("walk-in") == 1, roster.text
