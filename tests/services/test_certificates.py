from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.content.catalogue import Module
from bot.db import Database
from bot.models import Certificate, Consent
from bot.services import certificates, privacy, progress
from bot.services.certificate_pdf import CertificateTexts, render
from bot.services.certificates import CertificateError, Reason, Status
from tests.factories import make_learner
from tests.support.content import sample_module
from tests.support.learners import read_lessons, take_post_test
from tests.support.rows import count

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def module(tmp_path: Path) -> Module:
    return sample_module(tmp_path)


async def issued(database: Database) -> int:
    async with database.session() as db:
        return await count(db, Certificate)


async def test_a_certificate_is_issued_once_per_learner_and_module(
    database: Database, module: Module
):
    async with database.session() as db:
        learner = await make_learner(db)
        await read_lessons(db, learner, module)
        first = await certificates.issue(
            db, learner, module, 100, "  Marija   Petrović ", "sr-Cyrl", NOW
        )
        again = await certificates.issue(
            db, learner, module, 75, "Someone Else", "en", NOW + timedelta(days=1)
        )
        assert again.id == first.id
        assert (again.name, again.score_percent, again.language) == (
            "Marija Petrović",
            100,
            "sr-Cyrl",
        )
        assert learner.display_name == "Marija Petrović"
        assert [c.id for c in await certificates.list_for(db, learner)] == [first.id]
    assert await issued(database) == 1
    assert len(first.code) == certificates.CODE_LENGTH
    assert set(first.code) <= set(certificates.CODE_ALPHABET)


async def test_codes_are_unique_and_verify_however_they_are_typed(
    database: Database, module: Module
):
    async with database.session() as db:
        issued = []
        for _ in range(25):
            learner = await make_learner(db)
            await read_lessons(db, learner, module)
            issued.append(await certificates.issue(db, learner, module, 100, "Ana Anić", "bs", NOW))
    codes = [c.code for c in issued]
    assert len(set(codes)) == len(codes)
    assert not set("01ILO") & set("".join(codes))

    code = issued[0].code
    shown = certificates.format_code(code)
    assert shown == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    cyrillic = str.maketrans("ABCEHKMPTXY", "АВСЕНКМРТХУ")
    typings = [
        code,
        shown,
        shown.lower(),
        f"  {code[:3]} {code[3:7]}  {code[7:]} ",
        shown.replace("-", "–"),
        shown.translate(cyrillic),
        shown.translate(cyrillic).lower(),
    ]
    async with database.session() as db:
        for typed in typings:
            result = await certificates.verify(db, typed)
            assert result.status == Status.GENUINE, typed
            assert (result.name, result.module_id, result.issued_at) == (
                "Ana Anić",
                "sample",
                NOW,
            )
        for junk in ["", "hello", code[:-1], code + "2", "0000-0000-00", "ЖЖЖЖ-ЖЖЖЖ-ЖЖ"]:
            assert (await certificates.verify(db, junk)).status == Status.UNKNOWN, junk
        other = "23456789AB" if code != "23456789AB" else "BA98765432"  # nobody's
        result = await certificates.verify(db, other)
        assert result.status == Status.UNKNOWN and result.name is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Marija Petrović", "Marija Petrović"),
        ("Śećko Đurović", "Śećko Đurović"),
        # Decomposed: S + combining acute becomes the single letter Ś.
        ("S\u0301ec\u0301ko Đurović", "Śećko Đurović"),
        # Montenegrin Cyrillic с́ has no single letter: it stays two code points.
        ("С\u0301ећко Ђуровић", "С\u0301ећко Ђуровић"),
        ("  Ëlira   Çela\t", "Ëlira Çela"),
        ("Jo", "Jo"),
    ],
)
def test_names_are_kept_as_given_in_nfc(typed: str, stored: str):
    assert certificates.clean_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", Reason.NAME_TOO_SHORT),
        ("   A  ", Reason.NAME_TOO_SHORT),
        ("x" * 121, Reason.NAME_TOO_LONG),
        ("Ana\nAnić", Reason.NAME_INVALID),
        ("Ana\u202eAnić", Reason.NAME_INVALID),
        ("Ana\x00", Reason.NAME_INVALID),
        ("12345", Reason.NAME_INVALID),
    ],
)
def test_bad_names_are_refused(typed: str, reason: Reason):
    with pytest.raises(CertificateError) as refused:
        certificates.clean_name(typed)
    assert refused.value.reason == reason


async def test_a_bad_name_issues_nothing(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        await read_lessons(db, learner, module)
        with pytest.raises(CertificateError):
            await certificates.issue(db, learner, module, 100, "A", "en", NOW)
        assert learner.display_name is None
    assert await issued(database) == 0


async def test_consent_and_a_pass_are_required(database: Database, module: Module):
    async with database.session() as db:
        declined = await make_learner(db, consent=Consent.DECLINED)
        pending = await make_learner(db, consent=Consent.PENDING)
        for learner in (declined, pending):
            with pytest.raises(CertificateError) as refused:
                await certificates.issue(db, learner, module, 100, "Ana Anić", "en", NOW)
            assert refused.value.reason == Reason.NO_CONSENT
        consenting = await make_learner(db)
        with pytest.raises(CertificateError) as refused:
            await certificates.issue(db, consenting, module, 50, "Ana Anić", "en", NOW)
        assert refused.value.reason == Reason.NOT_PASSED
    assert await issued(database) == 0


async def test_passed_scores_come_from_stored_post_tests(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        assert await certificates.passed_score(db, learner, module.id) is None
        await take_post_test(db, learner, module, wrong=1)  # 75 %
        await take_post_test(db, learner, module)  # 100 %
        assert await certificates.passed_score(db, learner, module.id) == 100
        assert await certificates.pending_modules(db, learner) == {module.id: 100}
        await certificates.issue(db, learner, module, 100, "Ana Anić", "en", NOW)
        assert await certificates.pending_modules(db, learner) == {}


async def test_the_certificate_of_a_pass_carries_the_best_score(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        with pytest.raises(CertificateError) as refused:
            await certificates.issue_for_pass(db, learner, module, "Ana Anić", "en", NOW)
        assert refused.value.reason == Reason.NOT_PASSED
        await take_post_test(db, learner, module, wrong=3)  # 25 %: failed
        with pytest.raises(CertificateError):
            await certificates.issue_for_pass(db, learner, module, "Ana Anić", "en", NOW)
        await take_post_test(db, learner, module, wrong=1)  # 75 %
        certificate = await certificates.issue_for_pass(db, learner, module, "Ana", "en", NOW)
    assert (certificate.name, certificate.score_percent) == ("Ana", 75)
    assert await issued(database) == 1


async def test_no_certificate_without_every_lesson_card_read(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        await progress.show_card(db, learner, module, module.card_count - 1)
        with pytest.raises(CertificateError) as refused:
            await certificates.issue(db, learner, module, 100, "Ana Anić", "en", NOW)
        assert refused.value.reason == Reason.LESSONS_NOT_READ
    assert await issued(database) == 0


async def test_erasing_revokes_and_forgets_the_name(database: Database, module: Module):
    async with database.session() as db:
        learner = await make_learner(db)
        await read_lessons(db, learner, module)
        other = await make_learner(db)
        await read_lessons(db, other, module)
        mine = await certificates.issue(db, learner, module, 100, "Ana Anić", "en", NOW)
        theirs = await certificates.issue(db, other, module, 100, "Iva Ivić", "hr", NOW)
        data = await privacy.personal_data(db, learner)
        assert data["certificates"] == [
            {
                "code": certificates.format_code(mine.code),
                "module": "sample",
                "name": "Ana Anić",
                "language": "en",
                "score_percent": 100,
                "issued": NOW.isoformat(),
                "revoked": None,
                "earlier_codes_replaced_by_a_corrected_name": [],
            }
        ]
        await privacy.erase(db, learner, NOW + timedelta(days=3))
    async with database.session() as db:
        result = await certificates.verify(db, mine.code)
        assert result.status == Status.REVOKED
        assert result.name is None and result.revoked_at == NOW + timedelta(days=3)
        stored = await db.get(Certificate, mine.id)
        assert stored is not None and stored.name == "" and stored.revoked_at is not None
        assert (await certificates.verify(db, theirs.code)).name == "Iva Ivić"
    assert await issued(database) == 2


def test_the_pdf_carries_every_text_in_its_script():
    texts = CertificateTexts(
        language="sr-Cyrl",
        issuer="Kapacitet",
        heading="Сертификат",
        intro="Овим се потврђује да је",
        name="С\u0301ећко Ђуровић",
        completed="завршио/ла модул",
        module_title="Лозинке и двофакторска аутентификација",
        details="23. новембар 2026. · 100 %",
        code_label="Код",
        code="K7QX-2M9P-RT",
        how_to_verify="/verify K7QX-2M9P-RT",
        issued_at=NOW,
    )
    data = render(texts)
    assert data.startswith(b"%PDF-")
    assert render(texts) == data  # the same certificate makes the same file
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    text = page.extract_text()
    for expected in (
        "С\u0301ећко Ђуровић",
        "Лозинке и двофакторска аутентификација",
        "K7QX-2M9P-RT",
        "Сертификат",
    ):
        assert expected in text
    fonts = {
        str(font["/BaseFont"])
        for font in page["/Resources"]["/Font"].values()  # type: ignore[union-attr]
    }
    assert fonts and all("DejaVuSans" in name for name in fonts)


def test_long_names_and_latin_letters_fit_on_the_page():
    name = "Ëlira Çela-Śćepanović Škrijelj Źółć " * 3
    texts = CertificateTexts(
        language="sq",
        issuer="Kapacitet",
        heading="Certifikatë",
        intro="Vërtetohet se",
        name=name.strip()[:120],
        completed="e ka përfunduar modulin",
        module_title="Fjalëkalimet dhe vërtetimi me dy faktorë",
        details="23 nëntor 2026 · 100%",
        code_label="Kodi",
        code="K7QX-2M9P-RT",
        how_to_verify="/verify K7QX-2M9P-RT",
        issued_at=NOW,
    )
    reader = PdfReader(io.BytesIO(render(texts)))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for word in ("Ëlira", "Çela-Śćepanović", "Škrijelj", "Źółć", "Fjalëkalimet"):
        assert word in text
