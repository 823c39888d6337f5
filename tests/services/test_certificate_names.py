"""The name on a certificate: confirmed before it is made, corrected later (a new code; the
old one says "replaced"), and both shown by /mydata and erased by /forget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.content.catalogue import Module
from bot.db import Database
from bot.models import Certificate, CertificateReplacement, Draft
from bot.services import certificates, privacy
from bot.services.certificates import CertificateError, Reason, RequestStep, Status
from tests.factories import make_learner
from tests.support.content import sample_module
from tests.support.learners import read_lessons, take_post_test
from tests.support.rows import count

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def module(tmp_path: Path) -> Module:
    return sample_module(tmp_path)


async def test_the_profile_name_is_confirmed_before_anything_is_issued(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db, display_name="Ana", name_consent=True)
        await read_lessons(db, learner, module)
        await take_post_test(db, learner, module)
        request = await certificates.ask_name(db, learner, module.id, learner.display_name, NOW)
        assert (request.step, request.name, request.certificate_id) == (
            RequestStep.CONFIRM,
            "Ana",
            None,
        )
        assert await count(db, Certificate) == 0
        # "Change the name": a bad name is refused and changes nothing.
        await certificates.type_name(db, learner, module.id, NOW)
        for bad, reason in (("A", Reason.NAME_TOO_SHORT), ("12345", Reason.NAME_INVALID)):
            with pytest.raises(CertificateError) as refused:
                await certificates.give_name(db, learner, bad, NOW)
            assert refused.value.reason == reason
        request = await certificates.name_request(db, learner)
        assert request is not None and request.name == "Ana"
        typed = await certificates.give_name(db, learner, "  Ana   Anić ", NOW)
        assert (typed.step, typed.name) == (RequestStep.CONFIRM, "Ana Anić")
        assert await count(db, Certificate) == 0
        # Another module's button, or one tapped after the question closed: no request.
        with pytest.raises(CertificateError) as refused:
            await certificates.type_name(db, learner, "another", NOW)
        assert refused.value.reason == Reason.NO_REQUEST
        made = await certificates.confirm_name(db, learner, module, "hr", NOW)
        assert (made.name, made.language, made.score_percent) == ("Ana Anić", "hr", 100)
        assert await certificates.name_request(db, learner) is None
        with pytest.raises(CertificateError) as again:
            await certificates.confirm_name(db, learner, module, "hr", NOW)
        assert again.value.reason == Reason.NO_REQUEST
        assert await count(db, Certificate) == 1


async def test_without_a_printable_profile_name_the_name_is_typed(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db)
        for offered in (None, "7", "Ana\nAnić"):
            request = await certificates.ask_name(db, learner, module.id, offered, NOW)
            assert (request.step, request.name) == (RequestStep.TYPE, None)
        with pytest.raises(CertificateError) as refused:
            await certificates.confirm_name(db, learner, module, "en", NOW)
        assert refused.value.reason == Reason.NO_REQUEST
        declined = await make_learner(db, consent="declined")
        with pytest.raises(CertificateError) as refused:
            await certificates.ask_name(db, declined, module.id, "Ana", NOW)
        assert refused.value.reason == Reason.NO_CONSENT
        assert await count(db, Draft) == 1


async def test_a_corrected_name_reissues_with_a_new_code_and_the_old_one_says_replaced(
    database: Database, module: Module
):
    later = NOW + timedelta(days=20)
    async with database.session() as db:
        learner = await make_learner(db)
        await read_lessons(db, learner, module)
        first = await certificates.issue(db, learner, module, 90, "Ana Anic", "bs", NOW)
        old_code = first.code
        request = await certificates.ask_name(db, learner, module.id, None, later, first)
        assert request.certificate_id == first.id and request.step == RequestStep.TYPE
        await certificates.give_name(db, learner, "Ana Anić", later)
        corrected = await certificates.confirm_name(db, learner, module, "en", later)
        assert corrected.id == first.id
        assert corrected.code != old_code
        assert (corrected.name, corrected.language, corrected.score_percent) == (
            "Ana Anić",
            "bs",
            90,
        )
        assert corrected.issued_at == later and corrected.revoked_at is None
        assert learner.display_name == "Ana Anić"
        # The same name again changes nothing.
        with pytest.raises(CertificateError) as same:
            await certificates.correct_name(db, learner, corrected, "Ana  Anić", later)
        assert same.value.reason == Reason.SAME_NAME
    async with database.session() as db:
        old = await certificates.verify(db, old_code)
        assert old.status == Status.REPLACED
        assert (old.name, old.module_id, old.issued_at, old.revoked_at) == (
            None,
            module.id,
            NOW,
            later,
        )
        new = await certificates.verify(db, corrected.code)
        assert (new.status, new.name) == (Status.GENUINE, "Ana Anić")
        assert await count(db, Certificate) == 1
        [replacement] = (await db.exec(select(CertificateReplacement))).all()
        assert replacement.code == old_code


async def test_mydata_shows_the_names_and_old_codes_and_forget_erases_the_names(
    database: Database, module: Module
):
    later = NOW + timedelta(days=1)
    async with database.session() as db:
        learner = await make_learner(db)
        await read_lessons(db, learner, module)
        certificate = await certificates.issue(db, learner, module, 100, "Ana Anic", "en", NOW)
        old_code = certificates.format_code(certificate.code)
        await certificates.correct_name(db, learner, certificate, "Ana Anić", later)
        await certificates.ask_name(db, learner, module.id, "Ana Anić", later, certificate)
        data = await privacy.personal_data(db, learner)
        [shown] = data["certificates"]
        assert shown["name"] == "Ana Anić"
        assert shown["code"] == certificates.format_code(certificate.code)
        assert shown["earlier_codes_replaced_by_a_corrected_name"] == [
            {"code": old_code, "issued": NOW.isoformat(), "replaced": later.isoformat()}
        ]
        # The open name question (with the name in it) is a conversation in progress.
        assert "Ana Anić" in str(data)
        await privacy.erase(db, learner, later + timedelta(days=1))
    async with database.session() as db:
        stored = (await db.exec(select(Certificate))).one()
        assert stored.name == "" and stored.revoked_at is not None
        assert await count(db, Draft) == 0
        assert (await certificates.verify(db, stored.code)).status == Status.REVOKED
        old = await certificates.verify(db, old_code)
        assert old.status == Status.REPLACED and old.name is None


async def test_the_offer_after_a_quiz_leaves_another_conversation_alone(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db, display_name="Ana Anić", name_consent=True)
        await read_lessons(db, learner, module)
        await take_post_test(db, learner, module)
        assert learner.id is not None
        db.add(Draft(learner_id=learner.id, kind="feedback", step="comment", data="{}"))
        await db.flush()
        request = await certificates.ask_name(
            db, learner, module.id, "Ana Anić", NOW, replace=False
        )
        assert (request.step, request.name) == (RequestStep.CONFIRM, "Ana Anić")
        assert await certificates.name_request(db, learner) is None
        made = await certificates.confirm_name(
            db, learner, module, "en", NOW, profile_name="Ana Anić"
        )
        assert made.name == "Ana Anić"
        draft = await db.get(Draft, learner.id)
        assert draft is not None and draft.kind == "feedback"
        # Tapped twice: nothing more.
        with pytest.raises(CertificateError) as again:
            await certificates.confirm_name(db, learner, module, "en", NOW, profile_name="Ana")
        assert again.value.reason == Reason.NO_REQUEST
        assert await count(db, Certificate) == 1
