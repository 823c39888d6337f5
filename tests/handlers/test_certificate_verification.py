"""Certificates worth framing (issue 17): the configured issuer, programme, donor, logo and
signature on a Macedonian certificate that is Cyrillic throughout; its QR code, opened by a
stranger before any onboarding (nothing stored about them); the ops server's page; a name
corrected later (a new code, the old one "replaced"); the chat action and the working
message while the PDF is made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.handlers.common.deep_links import VerifyLink
from bot.models import Certificate, Learner
from bot.runtime.ops import OpsServer
from bot.services.certificates import format_code
from tests.support.certificates import latin_words, pdf_images, pdf_text, qr_links
from tests.support.harness import Harness
from tests.support.images import png
from tests.support.learners import read_and_open_quiz, take_quiz
from tests.support.logs import forgive

BOT = "kapacitet_bot"


@pytest.fixture
def certificate_settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("certificate")
    logo = folder / "logo.png"
    logo.write_bytes(png(60, 30))
    signature = folder / "signature.png"
    signature.write_bytes(png(90, 20))
    return {
        "certificate_issuer": {"*": "Civic Forum", "mk": "Граѓански форум"},
        "certificate_programme": {
            "*": "Civil Society Capacity Programme",
            "mk": "Програма за граѓанско општество",
        },
        "certificate_donor": {"*": "Funded by the European Union", "mk": "Со поддршка на ЕУ"},
        "certificate_signer_name": "Весна Марковиќ",
        "certificate_signer_title": {"*": "Programme Director", "mk": "Директорка на програмата"},
        "certificate_logo": logo,
        "certificate_signature": signature,
    }


@asynccontextmanager
async def ops_server(bot: Harness) -> AsyncIterator[OpsServer]:
    server = OpsServer(bot.deps, "127.0.0.1", 0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def fetch(server: OpsServer, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(server.url + path) as response:
        return response.status, response.content_type, await response.text()


async def certificate_of(bot: Harness, telegram_id: int) -> Certificate:
    async with bot.deps.database.session() as db:
        query = (
            select(Certificate)
            .join(Learner, Learner.id == Certificate.learner_id)  # type: ignore[arg-type]
            .where(Learner.telegram_id == telegram_id)
        )
        return (await db.exec(query)).one()


async def test_a_macedonian_certificate_verified_by_a_stranger_and_corrected_later(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("mk")
    title = module.text("mk").title
    user = await bot.onboarded(901, "mk", "Македонски", "Граѓански форум", "North Macedonia")
    await read_and_open_quiz(user, tr, module)
    await take_quiz(user, module, "mk")
    await user.tap(tr._("✏️ Change the name"))
    await user.send("Марија Петровска")
    actions_before = len(bot.api.calls_of("sendChatAction"))
    await user.tap(tr._("✅ Make it with this name"))
    assert [c["action"] for c in bot.api.calls_of("sendChatAction")[actions_before:]][:1] == [
        "upload_document"
    ]
    assert all(m.text != tr._("⏳ Making your certificate…") for m in user.messages())
    document = user.last_document()
    certificate = await certificate_of(bot, 901)
    code = format_code(certificate.code)
    link = VerifyLink(certificate.code).url(BOT)

    # The settings, in Macedonian; the brand gives way to the issuer.
    text = " ".join(pdf_text(document.content).split())
    for expected in (
        "ГРАЃАНСКИ ФОРУМ",
        "Програма за граѓанско општество",
        "Со поддршка на ЕУ",
        "Весна Марковиќ",
        "Директорка на програмата",
        "Марија Петровска",
        title,
    ):
        assert expected in text, expected
    # Every word is Cyrillic but the code, the command and the bot's name.
    assert latin_words(text, {code, "/verify", f"@{BOT}"}) == []
    # The logo, the signature and the QR code of the verification link.
    sizes = [image.size for image in pdf_images(document.content)]
    assert (60, 30) in sizes and (90, 20) in sizes
    assert qr_links(document.content, [link]) == [link]

    # A stranger scans it: the answer comes at once, before any language or consent
    # question, and the bot keeps nothing about them.
    learners_before = await bot.count(Learner)
    stranger = bot.user(902, "de", first_name="Max")
    payload = link.split("start=", 1)[1]
    [answer] = await stranger.send(f"/start {payload}")
    en = bot.tr("en")
    assert "Марија Петровска" in (answer.text or "")
    assert module.text("en").title in (answer.text or "")
    assert en.date(certificate.issued_at) in (answer.text or "")
    assert await bot.count(Learner) == learners_before
    # Someone the bot knows reads it in their own language.
    [answer] = await user.send(f"/start {payload}")
    assert title in (answer.text or "") and "Марија Петровска" in (answer.text or "")

    async with ops_server(bot) as server:
        status, kind, page = await fetch(server, f"/verify/{code}")
        assert (status, kind) == (200, "text/html")
        for expected in (
            tr._("✅ Genuine certificate"),
            "Марија Петровска",
            title,
            tr.date(certificate.issued_at),
            "Граѓански форум",
        ):
            assert expected in page, expected
        assert "North Macedonia" not in page and "901" not in page
        status, _, unknown = await fetch(server, "/verify/K7QX-2M9P-RT")
        assert status == 404 and en._("❓ Unknown code") in unknown

        # The name is corrected from /certificates: a new code, the old one says replaced.
        bot.clock.advance(timedelta(days=3))
        await user.send("/certificates")
        await user.tap(tr._("✏️ Correct the name"))
        await user.send("Марија Петровска-Илиевска")
        assert "Марија Петровска-Илиевска" in (user.last_message().text or "")
        assert (await certificate_of(bot, 901)).code == certificate.code  # not yet
        await user.tap(tr._("✅ Make it with this name"))
        corrected = await certificate_of(bot, 901)
        assert corrected.code != certificate.code
        assert corrected.name == "Марија Петровска-Илиевска"
        new_text = pdf_text(user.last_document().content)
        assert format_code(corrected.code) in new_text and "Илиевска" in new_text
        [answer] = await stranger.send(f"/start {payload}")
        assert plain_heading(en._("⚠️ Replaced certificate")) in (answer.text or "")
        assert "Марија" not in (answer.text or "")
        status, _, page = await fetch(server, f"/verify/{code}")
        assert status == 200 and tr._("⚠️ Replaced certificate") in page
        assert "Марија" not in page
    assert await bot.count(Learner) == learners_before


def plain_heading(text: str) -> str:
    return text.split(" ", 1)[1]


async def test_a_certificate_that_cannot_be_sent_leaves_no_working_message(
    bot: Harness, catalogue: Catalogue, caplog: pytest.LogCaptureFixture
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("en")
    user = await bot.onboarded(911)
    await read_and_open_quiz(user, tr, module)
    await take_quiz(user, module, "en")
    bot.api.fail_next("sendDocument", 400, "Bad Request: file is too big")
    await user.tap(tr._("✅ Make it with this name"))
    assert all(m.text != tr._("⏳ Making your certificate…") for m in user.messages())
    assert all(m.document is None for m in user.bot_messages())
    # Nothing was issued: the learner may try again from /certificates.
    assert user.last_message().text == tr._(
        "Sorry, something went wrong on my side. Please try again."
    )
    # Trying again makes it, once.
    await user.tap(tr._("✅ Make it with this name"))
    assert user.last_message().document is not None
    learner = await bot.learner_of(911)
    async with bot.deps.database.session() as db:
        found = await db.exec(select(Certificate).where(Certificate.learner_id == learner.id))
        assert len(found.all()) == 1
    forgive(caplog, "bot.errors", "")


def test_the_verification_link_is_a_public_deep_link():
    link = VerifyLink("K7QX2M9PRT")
    assert link.payload() == "v_K7QX2M9PRT" and link.public
    assert VerifyLink.decode("v_K7QX2M9PRT") == link
