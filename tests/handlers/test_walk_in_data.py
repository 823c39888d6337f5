"""``/walkins``: walk-ins have no Telegram, so an admin shows them their data and erases it
on request; nobody else may, and every look and every erasure is audited."""

from __future__ import annotations

import json

from sqlmodel import col, func, select

from bot.handlers.walk_in_data import EraseWalkIn, SendWalkInData, ShowWalkIn
from bot.models import Attendance, InboundUpdate, Learner, Role
from bot.services import audit, privacy
from tests.factories import make_walk_in
from tests.support.harness import Harness
from tests.support.privacy_world import WALK_IN_NAME, build_privacy_world

ADMIN, COORDINATOR, TRAINER = 5101, 5102, 5103
NOT_ALLOWED = "Sorry, you are not allowed to do that."


async def test_an_admin_sends_a_walk_in_their_data_and_erases_it(bot: Harness):
    world = await build_privacy_world(bot.deps.database)
    admin = await bot.person(ADMIN, role=Role.ADMIN)
    await admin.send("/walkins")
    assert "/walkins Petrović" in (admin.last_message().text or "")

    await admin.send("/walkins petr")  # any case
    assert admin.last_message().text == "Walk-ins matching “petr”:"
    [[label]] = admin.buttons()
    assert label.startswith(WALK_IN_NAME)
    await admin.tap(label)
    view = admin.last_message().message_id
    shown = admin.last_message().text or ""
    assert WALK_IN_NAME in shown and "Roma Women Forum" in shown
    assert "Sessions attended: 1" in shown

    await admin.tap("📄 Send their data as a file")
    data = json.loads(admin.last_document().content)
    assert data["name"] == WALK_IN_NAME and data["source"] == "walk_in"
    assert data["sessions"][0]["attendance"]["status"] == "present"
    # The trainer's message that typed her name (the bot failed on it): only its text.
    assert [m["content"] for m in data["stored_messages"]] == [WALK_IN_NAME]

    await admin.tap("🗑 Erase their data", view)
    assert "This cannot be undone." in (admin.api.message(ADMIN, view).text or "")
    await admin.tap("Yes, erase their data", view)
    assert admin.api.message(ADMIN, view).text == f"The data of {WALK_IN_NAME} is erased."

    async with bot.deps.database.session() as db:
        assert await db.get(Learner, world.walk_in) is None
        named = await db.exec(select(Learner).where(Learner.display_name == WALK_IN_NAME))
        assert named.all() == []
        [anonymous] = (
            await db.exec(
                select(Learner).where(
                    Learner.source == "walk_in", col(Learner.erased_at).is_not(None)
                )
            )
        ).all()
        attended = await db.exec(
            select(func.count())
            .select_from(Attendance)
            .where(Attendance.learner_id == anonymous.id)
        )
        assert attended.one() == 1  # she still counts, as nobody
        assert 9_003 not in (await db.exec(select(InboundUpdate.update_id))).all()
        admin_id = (await bot.learner_of(ADMIN)).id
        looks = await audit.entries(db, "learner", anonymous.id)
        assert [(e.action, e.actor_id) for e in looks] == [
            (privacy.ACCESS_ACTION, admin_id),
            (privacy.ERASE_ACTION, admin_id),
        ]

    # The old buttons point at nobody now.
    await admin.send(f"/walkins {world.walk_in}")
    assert admin.last_message().text == f"No walk-in matches “{world.walk_in}”."


async def test_a_walk_in_is_found_by_their_person_number_and_in_cyrillic(bot: Harness):
    world = await build_privacy_world(bot.deps.database)
    async with bot.deps.database.session() as db:
        await make_walk_in(db, "Јована Јовановић")
    admin = await bot.person(ADMIN, role=Role.ADMIN)
    await admin.send(f"/walkins {world.walk_in}")
    assert admin.buttons()[0][0].startswith(WALK_IN_NAME)
    await admin.send("/walkins ЈОВАН")
    assert admin.buttons()[0][0].startswith("Јована Јовановић")
    await admin.send("/walkins a")
    assert admin.last_message().text == "Type at least 2 letters of the name."
    # A person with Telegram is no walk-in: they use /mydata and /forget themselves.
    await admin.send(f"/walkins {world.zorana}")
    assert admin.last_message().text == f"No walk-in matches “{world.zorana}”."


async def test_coordinators_and_trainers_may_not_see_or_erase_a_walk_ins_data(bot: Harness):
    world = await build_privacy_world(bot.deps.database)
    for telegram_id, role in ((COORDINATOR, Role.COORDINATOR), (TRAINER, Role.TRAINER)):
        person = await bot.person(telegram_id, role=role)
        await person.send("/walkins Petrović")
        assert person.last_message().text == NOT_ALLOWED
        # Forged buttons, as an admin's screens carry them.
        for data in (
            ShowWalkIn(world.walk_in),
            SendWalkInData(world.walk_in),
            EraseWalkIn(world.walk_in, confirmed=True),
        ):
            await person.tap_data(data.encode(), person.last_message().message_id)
            answer = person.last_callback_answer()
            assert answer is not None and answer.text == NOT_ALLOWED
    async with bot.deps.database.session() as db:
        walk_in = await db.get(Learner, world.walk_in)
        assert walk_in is not None and walk_in.display_name == WALK_IN_NAME
        assert await audit.entries(db, "learner") == []
