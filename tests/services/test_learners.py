from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.db import Database, utcnow
from bot.models import Consent, Learner, ModuleProgress
from bot.services import learners, privacy, progress
from bot.services.learners import ProfileField
from tests.factories import make_learner
from tests.support.content import sample_module
from tests.support.rows import count


async def test_first_contact_guesses_the_language_and_asks_nothing_yet(database: Database):
    async with database.session() as db:
        seen = await learners.get_or_create(db, 42, "sr-RS", "en")
        again = await learners.get_or_create(db, 42, "en", "en")
    assert seen.is_new and not again.is_new
    assert seen.learner.language == "sr-Cyrl" and not seen.learner.language_chosen
    assert seen.learner.consent == Consent.PENDING
    assert learners.next_profile_question(seen.learner) is None


async def test_profile_questions_come_in_order_and_vulnerable_group_needs_its_own_consent(
    database: Database,
):
    async with database.session() as db:
        learner = await make_learner(db)
        assert learners.next_profile_question(learner) == "name"
        with pytest.raises(learners.ProfileError, match="too-long"):
            await learners.set_name(db, learner, "x" * 121, utcnow())
        with pytest.raises(learners.ProfileError, match="empty"):
            await learners.set_name(db, learner, " \u0000 ", utcnow())
        assert learners.next_profile_question(learner) == "name"
        await learners.set_name(db, learner, "  Ana   Hoxha ", utcnow())
        assert (learner.display_name, learner.name_consent) == ("Ana Hoxha", True)
        assert learners.shown_name(learner) == "Ana Hoxha"
        assert learners.next_profile_question(learner) == "organisation"
        await learners.set_organisation(db, learner, "  Udruženje   Žena\u0000 ")
        assert learner.organisation == "Udruženje Žena"
        await learners.set_profile_choice(db, learner, "country", "XK")
        await learners.set_profile_choice(db, learner, "gender", learners.UNDISCLOSED)
        await learners.set_profile_choice(db, learner, "age", "25-34")
        assert learners.next_profile_question(learner) == "special-consent"
        with pytest.raises(learners.ProfileError):
            await learners.set_profile_choice(db, learner, "vulnerable", "disability")
        await learners.record_special_consent(db, learner, True)
        assert learners.next_profile_question(learner) == "vulnerable"
        await learners.set_profile_choice(db, learner, "vulnerable", "disability")
        assert learners.next_profile_question(learner) is None
    async with database.session() as db:
        stored = await db.get(Learner, learner.id)
        assert stored is not None
        assert (stored.country, stored.gender, stored.age_band, stored.vulnerable_group) == (
            "XK",
            "undisclosed",
            "25-34",
            "disability",
        )
        assert stored.special_consent_at is not None
        assert stored.special_consent_at.tzinfo is not None


async def test_bad_profile_answers_change_nothing(database: Database):
    async with database.session() as db:
        learner = await make_learner(db)
        for field, value in [("country", "FR"), ("gender", "x"), ("criminal", "yes")]:
            with pytest.raises(learners.ProfileError):
                await learners.set_profile_choice(db, learner, field, value)
        with pytest.raises(learners.ProfileError, match="too-long"):
            await learners.set_organisation(db, learner, "x" * 121)
        declined = await make_learner(db, consent=Consent.DECLINED)
        with pytest.raises(learners.ProfileError, match="no-consent"):
            await learners.set_organisation(db, declined, "Org")
    assert learner.country is None and learner.organisation is None


async def test_a_tapped_answer_must_be_one_the_question_offers(database: Database):
    async with database.session() as db:
        learner = await make_learner(db)
        for field, value in [
            (ProfileField.ORGANISATION, "Civic Lab"),  # a name is typed, not tapped
            (ProfileField.COUNTRY, "FR"),
            (ProfileField.SPECIAL_CONSENT, "maybe"),
        ]:
            with pytest.raises(learners.ProfileError) as refused:
                await learners.answer_profile(db, learner, field, value)
            assert refused.value.reason == learners.Reason.UNKNOWN_CHOICE
        await learners.hide_name(db, learner, utcnow())
        assert learners.shown_name(learner) is None
        for field, value in [
            (ProfileField.ORGANISATION, learners.UNDISCLOSED),
            (ProfileField.COUNTRY, "AL"),
            (ProfileField.GENDER, "male"),
            (ProfileField.AGE, "18-24"),
            (ProfileField.SPECIAL_CONSENT, "no"),
        ]:
            await learners.answer_profile(db, learner, field, value)
    assert (
        learner.organisation,
        learner.country,
        learner.gender,
        learner.age_band,
        learner.special_consent,
    ) == ("undisclosed", "AL", "male", "18-24", False)
    assert learners.next_profile_question(learner) is None


async def test_forget_erases_the_person_but_keeps_counts(database: Database, tmp_path: Path):
    module = sample_module(tmp_path)
    async with database.session() as db:
        learner = await make_learner(db, organisation="Org", country="RS", gender="female")
        await progress.show_card(db, learner, module, 2)
        data = await privacy.personal_data(db, learner)
        assert json.loads(privacy.personal_data_json(data))["profile"]["organisation"] == "Org"
        anonymous = await privacy.erase(db, learner)
    async with database.session() as db:
        assert await db.get(Learner, learner.id) is None  # the old id belongs to nobody
        stored = await db.get(Learner, anonymous.id)
        assert stored is not None and stored.telegram_id is None and stored.erased_at
        assert (stored.organisation, stored.country, stored.gender) == (None, None, None)
        rows = await count(db, ModuleProgress)
        assert rows == 1
        assert await learners.find(db, learner.telegram_id or 0) is None
