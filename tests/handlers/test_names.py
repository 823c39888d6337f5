"""Names: the person says in onboarding how trainers and certificates name them (Telegram's
name offered, another typed, or none), changes it with /profile, sees it in /mydata and
erases it with /forget; rosters and exports show names only where people agreed."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot.models import Learner, Role
from bot.services import learners, sessions
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import plain
from tests.support.reporting import export_workbook

TRAINER, COORDINATOR = 810, 811
ANA, BORIS, VESNA = 812, 813, 814


async def a_session_of_a_named_trainer(bot: Harness) -> str:
    """A session two days ahead, of a trainer who agreed to be named; its invitation
    payload."""
    await bot.person(TRAINER, role=Role.TRAINER)
    now = bot.clock.now()
    async with bot.deps.database.session() as db:
        trainer = await bot_learner(db, TRAINER)
        await learners.record_consent(db, trainer, True)
        await learners.set_name(db, trainer, "Teodora Trajanova", now)
        training = await sessions.create_session(
            db,
            trainer,
            sessions.SessionValues(
                title="Names day",
                module_id="passwords-2fa",
                starts_at=now + timedelta(days=2),
                duration_minutes=90,
                venue="Skopje, Civic Hall",
                online_url=None,
                country="MK",
                language="en",
                capacity=30,
            ),
            now,
        )
        return f"s_{training.code}"


async def bot_learner(db: object, telegram_id: int) -> Learner:
    found = await db.exec(select(Learner).where(Learner.telegram_id == telegram_id))  # type: ignore[attr-defined]
    learner: Learner = found.one()
    return learner


async def onboard_through_invitation(user: TelegramUser, payload: str) -> None:
    """The invitation opened by someone new: language and consent, up to the name step."""
    await user.send(f"/start {payload}")
    await user.tap("English")
    await user.tap("I agree")


async def finish_profile(user: TelegramUser) -> None:
    for _ in range(4):
        await user.tap("Prefer not to say")
    await user.tap("Skip this question")
    await user.tap("✅ Register")
    assert "You are registered." in (user.last_message(text=True).text or "")


async def test_a_newcomer_names_themselves_another_types_a_name_a_third_refuses(bot: Harness):
    en = bot.tr("en")
    payload = await a_session_of_a_named_trainer(bot)

    # Ana takes the name her Telegram account shows.
    ana = bot.user(ANA, "en", "Ana", "Hoxha")
    await onboard_through_invitation(ana, payload)
    question = ana.last_message().text or ""
    assert question.startswith("How should trainers and certificates name you?")
    assert "We would use: Ana Hoxha" in question
    assert ana.buttons() == [
        ["✅ Use this name"],
        ["✏️ Type another name"],
        ["🙈 Don't show my name"],
    ]
    await ana.tap("✅ Use this name")
    assert (ana.last_message().text or "").startswith("Thank you! A few optional questions")
    await finish_profile(ana)

    # Boris types another; a name too long is refused and changes nothing.
    boris = bot.user(BORIS, "en", "Bobi")
    await onboard_through_invitation(boris, payload)
    await boris.tap("✏️ Type another name")
    assert boris.last_message().text == en._(
        "Type your name as trainers and certificates should show it:"
    )
    [refused] = await boris.send("B" * 121)
    assert refused.text == ("That is longer than 120 characters. Please type a shorter name.")
    assert (await bot.learner_of(BORIS)).name_consent is None
    await boris.send("  Boris   Petrović ")
    await finish_profile(boris)

    # Vesna would rather not be named.
    vesna = bot.user(VESNA, "en", "Vesna", "Krasniqi")
    await onboard_through_invitation(vesna, payload)
    await vesna.tap("🙈 Don't show my name")
    await finish_profile(vesna)

    stored = {
        telegram_id: (learner.display_name, learner.name_consent)
        for telegram_id in (ANA, BORIS, VESNA)
        for learner in [await bot.learner_of(telegram_id)]
    }
    assert stored == {
        ANA: ("Ana Hoxha", True),
        BORIS: ("Boris Petrović", True),
        VESNA: (None, False),
    }
    vesna_id = (await bot.learner_of(VESNA)).id

    # The trainer's roster: names where people agreed, "Participant #N" where not.
    trainer = bot.users[TRAINER]
    await trainer.send("/sessions")
    await trainer.tap(trainer.buttons()[0][0])
    await trainer.tap(en._("👥 Roster"))
    roster = trainer.last_message().text or ""
    assert "Ana Hoxha" in roster and "Boris Petrović" in roster
    assert f"Participant #{vesna_id}" in roster and "Vesna" not in roster

    # The export: the same names, the trainer by name, Vesna by her person id only.
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR)
    book = await export_workbook(coordinator)
    rows = list(book["Attendance"].iter_rows(values_only=True))
    header = list(rows[0])
    column = {name: header.index(name) for name in ("person_id", "Name", "trainer_id", "Trainer")}
    shown = {row[column["person_id"]]: row[column["Name"]] for row in rows[1:]}
    ids = {t: (await bot.learner_of(t)).pseudonym for t in (ANA, BORIS, VESNA, TRAINER)}
    assert shown == {ids[ANA]: "Ana Hoxha", ids[BORIS]: "Boris Petrović", ids[VESNA]: None}
    assert {(row[column["trainer_id"]], row[column["Trainer"]]) for row in rows[1:]} == {
        (ids[TRAINER], "Teodora Trajanova")
    }
    participants = list(book["Participants"].iter_rows(values_only=True))
    assert "Vesna" not in json.dumps([list(row) for row in participants], default=str)
    assert "Krasniqi" not in json.dumps([list(row) for row in rows], default=str)


async def test_the_name_is_changed_in_profile_shown_in_mydata_and_erased_by_forget(bot: Harness):
    en = bot.tr("en")
    payload = await a_session_of_a_named_trainer(bot)
    vesna = bot.user(VESNA, "en", "Vesna", "Krasniqi")
    await onboard_through_invitation(vesna, payload)
    await vesna.tap("🙈 Don't show my name")
    await finish_profile(vesna)
    learner = await bot.learner_of(VESNA)

    # /profile: she changes her mind and types a name.
    await vesna.send("/profile")
    profile = vesna.last_message().text or ""
    assert f"Your name is not shown: trainers see you as “Participant #{learner.id}”." in profile
    await vesna.tap("✏️ Type another name")
    await vesna.send("Vesna K.")
    assert vesna.last_message().text == plain(
        en._("Saved. Trainers and certificates will name you <b>{name}</b>.", name="Vesna K.")
    )
    assert (await bot.learner_of(VESNA)).display_name == "Vesna K."
    trainer = bot.users[TRAINER]
    await trainer.send("/sessions")
    await trainer.tap(trainer.buttons()[0][0])
    await trainer.tap(en._("👥 Roster"))
    assert "Vesna K." in (trainer.last_message().text or "")

    # /mydata shows the name, her answer and her person id.
    await vesna.send("/mydata")
    data = json.loads(vesna.last_document().content)
    assert data["name"] == "Vesna K."
    assert data["name_shown_to_trainers_and_in_exports"]["answer"] is True
    assert data["person_id_in_reports"] == learner.pseudonym

    # Hidden again from /profile: the name is gone, the roster says "Participant #N".
    await vesna.send("/profile")
    assert "Trainers and certificates name you Vesna K." in (vesna.last_message().text or "")
    await vesna.tap("🙈 Don't show my name")
    hidden = await bot.learner_of(VESNA)
    assert (hidden.display_name, hidden.name_consent) == (None, False)
    await vesna.send("/profile")
    await vesna.tap("✅ Use this name")  # Telegram's name, offered again
    assert (await bot.learner_of(VESNA)).display_name == "Vesna Krasniqi"

    # /forget: the name, its consent and the person id go; the rows that stay have a new id.
    await vesna.send("/forget")
    await vesna.tap("Yes, erase my data")
    async with bot.deps.database.session() as db:
        people = (await db.exec(select(Learner))).all()
    assert all(person.display_name != "Vesna Krasniqi" for person in people)
    assert learner.pseudonym not in {person.pseudonym for person in people}
    anonymous = [person for person in people if person.erased_at is not None]
    assert len(anonymous) == 1 and anonymous[0].pseudonym is not None
    assert anonymous[0].name_consent is None and anonymous[0].display_name is None


async def test_profile_without_consent_keeps_nothing_and_old_name_buttons_are_refused(
    bot: Harness,
):
    user = bot.user(ANA, "en", "Ana", "Hoxha")
    await user.send("/start")
    await user.tap("English")
    await user.tap("No, thanks")
    await user.send("/profile")
    assert user.last_message().text == (
        "We keep your name and profile only with your consent. You can give it in /privacy."
    )
    # Consent given, the name taken, then withdrawn: the name button of before is stale.
    await user.send("/privacy")
    await user.tap("I agree")
    question = user.last_message()
    await user.send("/privacy")
    await user.tap("Withdraw my consent")
    await user.tap("✅ Use this name", question.message_id)
    assert user.last_callback_answer().text == "This button is no longer valid."
    stored = await bot.learner_of(ANA)
    assert (stored.display_name, stored.name_consent) == (None, None)
