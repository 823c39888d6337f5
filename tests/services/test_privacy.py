"""Which stored updates are a person's, and the rules of erasure and of the admin's side,
through the privacy service."""

from __future__ import annotations

import json

import pytest

from bot.db import Database
from bot.models import InboundUpdate, Learner, Role
from bot.services import privacy
from tests.factories import grant, make_learner, make_walk_in
from tests.support.privacy_world import NOW, user_update

PERSON = 777_001


async def store(database: Database, update_id: int, payload: str) -> None:
    async with database.session() as db:
        db.add(InboundUpdate(update_id=update_id, payload=payload, status="failed"))


async def kept(database: Database) -> set[int]:
    async with database.session() as db:
        rows = await db.exec(InboundUpdate.__table__.select())  # type: ignore[attr-defined]
        return {row.update_id for row in rows.all()}


async def test_erasure_takes_the_persons_updates_and_only_theirs(database: Database):
    forwarded = json.loads(user_update(3, 5, "Ivo", "look at this"))
    forwarded["message"]["forward_from"] = {"id": PERSON, "is_bot": False, "first_name": "Mia"}
    await store(database, 1, user_update(1, PERSON, "Mia", "hello"))
    await store(database, 2, user_update(2, 5, "Ivo", f"my code is {PERSON}"))
    await store(database, 3, json.dumps(forwarded))
    async with database.session() as db:
        person = await make_learner(db, telegram_id=PERSON)
        await privacy.erase(db, person, NOW)
    # Her own message and the one forwarding hers go; a number that merely looks like her
    # id, in someone else's text, is not hers.
    assert await kept(database) == {2}


async def test_a_walk_ins_erasure_takes_the_message_that_typed_their_name(database: Database):
    await store(database, 1, user_update(1, 5, "Vesna", "  Ana   Petrović "))
    await store(database, 2, user_update(2, 5, "Vesna", "Ana Petrović was late"))
    await store(database, 3, user_update(3, 6, "Ana Petrović", "/help"))
    async with database.session() as db:
        admin = await make_learner(db)
        await grant(db, admin, Role.ADMIN)
        walk_in = await make_walk_in(db, "Ana Petrović")
        assert walk_in.id is not None
        anonymous = await privacy.erase_walk_in(db, admin, walk_in.id, (), NOW)
    # Only the whole typed answer is hers: the rest is others' text (and another Ana's name).
    assert await kept(database) == {2, 3}
    async with database.session() as db:
        assert await db.get(Learner, walk_in.id) is None
        stored = await db.get(Learner, anonymous.id)
        assert stored is not None and stored.source == "walk_in" and stored.display_name is None


async def test_only_admins_reach_walk_ins(database: Database):
    async with database.session() as db:
        coordinator = await make_learner(db)
        await grant(db, coordinator, Role.COORDINATOR)
        walk_in = await make_walk_in(db, "Ana Petrović")
        assert walk_in.id is not None
        for attempt in (
            privacy.find_walk_ins(db, coordinator, "Ana", ()),
            privacy.walk_in_data(db, coordinator, walk_in.id, (), NOW),
            privacy.erase_walk_in(db, coordinator, walk_in.id, (), NOW),
        ):
            with pytest.raises(privacy.PrivacyError) as refused:
                await attempt
            assert refused.value.not_allowed
        # An admin from the settings may; a person with Telegram is no walk-in.
        admin = await make_learner(db)
        assert admin.telegram_id is not None
        found = await privacy.find_walk_ins(db, admin, "ana", (admin.telegram_id,))
        assert [person.name for person in found.walk_ins] == ["Ana Petrović"]
        with pytest.raises(privacy.PrivacyError) as missing:
            await privacy.walk_in(db, admin, coordinator.id or 0, (admin.telegram_id,))
        assert missing.value.not_found
