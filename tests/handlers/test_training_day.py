"""The training day of issue 17, played as one story through Telegram ("Done when"): a trainer
schedules with a date typed without a year, goes Back and edits the venue; someone new opens
the invitation and sees the session in the first reply, registers with a tap and gets the
calendar file; ten people check in by scanning the QR code, one of them late; the roster and
the export name them; a question reaches the trainer's /inbox and the answer comes back; a
used role link says so at once; a certificate names the configured organisation and its QR
code verifies, in Telegram and on the ops server."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.handlers.common.deep_links import VerifyLink
from bot.handlers.inbox import answer_head, offer_text
from bot.models import Registration, Role, TrainingSession
from bot.services.certificates import format_code
from tests.handlers.test_attendance import open_checkin, start_of_a_minute, statuses
from tests.handlers.test_certificate_verification import certificate_of, fetch, ops_server
from tests.handlers.test_checkin_qr import scan, scanned_payload
from tests.handlers.test_invitations import onboard_in, open_session_view
from tests.handlers.test_scheduling import read_back
from tests.support.certificates import pdf_text, qr_links
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.invitations import event_of, named_person
from tests.support.learners import plain, read_and_open_quiz, take_quiz
from tests.support.reporting import export_workbook
from tests.support.roles import invite

BELGRADE = ZoneInfo("Europe/Belgrade")
BOT = "kapacitet_bot"
TRAINER, COORDINATOR, NEWCOMER, LATECOMER, STRANGER, TOO_LATE = range(9500, 9506)
TRAINER_NAME = "Teodora Trajanova"
TITLE = "Budget literacy"
PEOPLE = [
    (9510, "Arben", "Krasniqi"),
    (9511, "Besa", "Hoxha"),
    (9512, "Dragan", "Petrović"),
    (9513, "Elena", "Stojanovska"),
    (9514, "Filip", "Marković"),
    (9515, "Gordana", "Ilić"),
    (9516, "Hana", "Begović"),
    (9517, "Ivan", "Jovanović"),
]
"""Eight learners the bot knows (the first four register through the invitation, the rest
walk in); with the newcomer and the latecomer, ten people on the day."""
QUESTION = "Where is the training tomorrow?"
ANSWER = "Hotel Park, hall B. Coffee from 9:45."


@pytest.fixture
def certificate_settings() -> dict[str, object]:
    return {
        "certificate_issuer": {"*": "Civic Forum"},
        "certificate_programme": {"*": "Civil Society Capacity Programme"},
    }


async def schedule(bot: Harness, trainer: TelegramUser) -> TrainingSession:
    """/newsession typed as trainers write it: tomorrow's date without a year; Back from the
    country to the place, and the place edited again from the summary."""
    tr = bot.tr("en")
    tomorrow = bot.clock.now().astimezone(BELGRADE).date() + timedelta(days=1)
    await trainer.send("/newsession")
    await trainer.send(TITLE)
    await trainer.tap(tr._("No module"))
    [answer] = await trainer.send(f"{tomorrow.day}.{tomorrow.month}. 10:00")
    assert read_back(tr, tomorrow, "10:00") in (answer.text or ""), answer.text
    await trainer.tap(tr._("✅ Yes"))
    await trainer.tap(tr.ngettext("{n} minute", "{n} minutes", 90))
    await trainer.send("Hotel Alpha, Belgrade")
    country_question = trainer.last_message()
    await trainer.tap(tr._("« Back"), country_question)
    assert "Now: Hotel Alpha, Belgrade" in (trainer.last_message().text or "")
    await trainer.send("Hotel Beta, Belgrade")
    await trainer.tap(tr._("Serbia"))
    await trainer.tap("English")
    [summary] = await trainer.send("25")
    assert "Hotel Beta, Belgrade" in (summary.text or "")
    await trainer.tap(tr._("✏️ Place"))
    [summary] = await trainer.send("Hotel Park, Belgrade")
    assert "Hotel Park, Belgrade" in (summary.text or "") and "Beta" not in (summary.text or "")
    await trainer.tap(tr._("✅ Create"))
    async with bot.deps.database.session() as db:
        training = (await db.exec(select(TrainingSession))).one()
    local = training.starts_at.astimezone(BELGRADE)
    assert (local.date(), local.time()) == (tomorrow, time(10))
    assert (training.venue, training.capacity, training.duration_minutes) == (
        "Hotel Park, Belgrade",
        25,
        90,
    )
    return training


async def test_the_training_day(bot: Harness, catalogue: Catalogue):
    en = bot.tr("en")
    await named_person(bot, TRAINER, TRAINER_NAME, Role.TRAINER)
    trainer = bot.user(TRAINER)
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR)

    # The trainer schedules; the invitation to forward comes last, with its link.
    training = await schedule(bot, trainer)
    payload = f"s_{training.code}"
    invitation = trainer.last_message().text or ""
    assert f"https://t.me/{BOT}?start={payload}" in invitation
    assert f"Trainer: {TRAINER_NAME}" in invitation

    # Someone new, whose Telegram is in Albanian, opens it: the session (title, date) in the
    # first reply, in Albanian and told the session is in English; the picker with it.
    sq = bot.tr("sq")
    newcomer = bot.user(NEWCOMER, "sq", "Marija", "Nikolić")
    first, picker = await newcomer.send(f"/start {payload}")
    shown = first.text or ""
    assert plain(sq._("📨 <b>You are invited to a training session</b>")) in shown
    assert TITLE in shown and sq.date_time(training.starts_at.astimezone(BELGRADE)) in shown
    assert sq._("⚠️ This session is held in {language}.", language="English") in shown
    assert picker.inline_keyboard[0][0]["text"] == "English"
    assert await bot.count(Registration) == 0
    await onboard_in(newcomer, bot, "sq", "Shqip")
    assert TITLE in (newcomer.last_message().text or "")
    assert newcomer.buttons() == [[sq._("✅ Register")]]
    await newcomer.tap(sq._("✅ Register"))
    assert plain(sq._("✅ <b>You are registered.</b>")) in (
        newcomer.last_message(text=True).text or ""
    )
    event = event_of(newcomer.last_document())
    assert event["dtstart"].dt == training.starts_at
    assert str(event["summary"]) == TITLE
    assert str(event["location"]) == "Hotel Park, Belgrade"

    # The newcomer asks; the trainer answers from /inbox; the answer comes back.
    await newcomer.send(QUESTION)
    assert newcomer.last_message().text == plain(offer_text(sq, to_trainer=True))
    await newcomer.tap(sq._("✉️ Send"))
    assert QUESTION in (trainer.last_message().text or "")
    await trainer.send("/inbox")
    [[label]] = trainer.buttons()
    assert label.startswith("Marija Nikolić · ")
    await trainer.tap(label)
    assert QUESTION in (trainer.last_message().text or "")
    await trainer.tap(en._("✍️ Reply"))
    await trainer.send(ANSWER)
    assert trainer.last_message().text == en._("Your reply to {who} is sent.", who="Marija Nikolić")
    answer = newcomer.last_message().text or ""
    assert answer.startswith(plain(answer_head(sq, to_trainer=True))) and ANSWER in answer

    # Eight people the bot knows: four register through the invitation, four walk in.
    people = [
        await bot.onboarded(number, first_name=first_name, last_name=last_name)
        for number, first_name, last_name in PEOPLE
    ]
    for person in people[:4]:
        await person.send(f"/start {payload}")
        await person.tap(en._("✅ Register"))
    latecomer = await bot.onboarded(LATECOMER, first_name="Luka", last_name="Kovač")
    assert await bot.count(Registration) == 5

    # The day: five minutes before the start, check-in opens; nine scan the QR code.
    await bot.advance(seconds=(training.starts_at - bot.clock.now()).total_seconds() - 5 * 60)
    [reminder] = [m for m in trainer.bot_messages() if "Reminder" in (m.text or "")]
    assert "5 people registered · 0 walk-ins so far" in (reminder.text or "")
    await start_of_a_minute(bot)
    code_message = await open_checkin(bot, trainer, TITLE)
    qr = await scanned_payload(bot, trainer, code_message, training.id or 0)
    for person in [newcomer, *people]:
        tr = sq if person is newcomer else en
        assert await scan(person, qr) == tr._(
            "✅ You are checked in: {title}. Welcome!", title=TITLE
        )

    # The tenth comes about 15 minutes after the start: recorded as late, automatically.
    bot.clock.advance(timedelta(minutes=19))
    await bot.tick()
    qr = await scanned_payload(bot, trainer, code_message, training.id or 0)
    assert await scan(latecomer, qr) == (
        f"✅ You are checked in: {TITLE}. Welcome! (Recorded as late.)"
    )
    marks = await statuses(bot)
    assert sorted(status for status, _ in marks.values()) == ["late"] + ["present"] * 9
    assert {method for _, method in marks.values()} == {"qr"}
    # Those who had not registered are on the roster as walk-ins.
    async with bot.deps.database.session() as db:
        walk_ins = (await db.exec(select(Registration.walk_in))).all()
    assert sorted(walk_ins) == [False] * 5 + [True] * 5
    names = ["Marija Nikolić", *(f"{first} {last}" for _, first, last in PEOPLE), "Luka Kovač"]

    # The trainer's roster names all ten.
    await trainer.tap("📋 Roster", code_message)
    roster = trainer.last_message().text or ""
    for name in names:
        assert name in roster, (name, roster)
    assert "Participant #" not in roster
    await open_session_view(bot, trainer, TITLE, training.starts_at)
    await trainer.tap(en._("👥 Roster"))
    roster = trainer.last_message().text or ""
    assert all(name in roster for name in names) and "Participant #" not in roster, roster

    # The export names them too, with the latecomer late.
    book = await export_workbook(coordinator)
    rows = list(book["Attendance"].iter_rows(values_only=True))
    header = list(rows[0])
    name, status, trainer_column = (header.index(c) for c in ("Name", "status", "Trainer"))
    assert sorted(row[name] for row in rows[1:]) == sorted(names)
    assert [row[name] for row in rows[1:] if row[status] == "late"] == ["Luka Kovač"]
    assert {row[trainer_column] for row in rows[1:]} == {TRAINER_NAME}

    # A role link, used by one of the ten; someone new hears at once that it is used.
    role_payload = await invite(coordinator, "trainer")
    await people[0].send(f"/start {role_payload}")
    assert (people[0].last_message().text or "").startswith("✅ You are now a trainer.")
    someone_new = bot.user(TOO_LATE)
    first, picker = await someone_new.send(f"/start {role_payload}")
    assert first.text == "This invitation has already been used. Please ask for a new link."
    assert picker.inline_keyboard[0][0]["text"] == "English"

    # A certificate: the configured organisation on it, and its QR code verifies.
    module = catalogue.get("passwords-2fa")
    assert module is not None
    await read_and_open_quiz(newcomer, sq, module)
    await take_quiz(newcomer, module, "sq")
    await newcomer.tap(sq._("✅ Make it with this name"))
    pdf = newcomer.last_document().content
    text = " ".join(pdf_text(pdf).split())
    assert "CIVIC FORUM" in text.upper() and "Civil Society Capacity Programme" in text
    assert "Marija Nikolić" in text
    certificate = await certificate_of(bot, NEWCOMER)
    link = VerifyLink(certificate.code).url(BOT)
    assert qr_links(pdf, [link]) == [link]
    stranger = bot.user(STRANGER, "de", first_name="Max")
    [answer] = await stranger.send(f"/start {link.split('start=', 1)[1]}")
    assert "Marija Nikolić" in (answer.text or "")
    assert module.text("en").title in (answer.text or "")
    async with ops_server(bot) as server:
        status_code, _, page = await fetch(server, f"/verify/{format_code(certificate.code)}")
    assert status_code == 200
    # The page speaks the certificate's language.
    for expected in (sq._("✅ Genuine certificate"), "Marija Nikolić", "Civic Forum"):
        assert expected in page, expected
