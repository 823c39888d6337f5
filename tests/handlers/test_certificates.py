"""Certificates through Telegram: earned with a passed quiz, resent, verified by anyone, revoked
by erasure; only with consent."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlmodel import select

from bot.content.catalogue import Catalogue, Module
from bot.handlers.common.deep_links import VerifyLink
from bot.models import Certificate, Learner
from bot.services.certificates import format_code
from tests.support.certificates import latin_words, qr_links
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import plain, read_and_open_quiz, take_quiz

CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


async def pass_quiz(user: TelegramUser, tr, module: Module) -> None:
    await read_and_open_quiz(user, tr, module)
    await take_quiz(user, module, tr.language_code)
    assert tr._("🎉 You passed!") in (user.last_message().text or "")


async def certificates_of(harness: Harness, telegram_id: int | None = None) -> list[Certificate]:
    async with harness.deps.database.session() as db:
        query = select(Certificate).order_by(Certificate.id)
        if telegram_id is not None:
            query = query.join(Learner, Learner.id == Certificate.learner_id).where(
                Learner.telegram_id == telegram_id
            )
        return list((await db.exec(query)).all())


async def test_a_serbian_cyrillic_certificate_from_quiz_to_revocation(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("sr-Cyrl")
    title = module.text("sr-Cyrl").title
    assert CYRILLIC.search(title)
    user = await bot.onboarded(
        801, "sr-Cyrl", "Српски (ћирилица)", "Грађански форум", "Serbia", language_code="sr"
    )
    await pass_quiz(user, tr, module)
    # The score and the name the certificate will print (the profile's, from onboarding:
    # Telegram's "Ana"), to confirm or change, in one message; no PDF yet.
    offer = user.last_message()
    assert tr._("🎉 You passed!") in (offer.text or "")
    assert title in (offer.text or "")
    assert "<b>Ana</b>" in (offer.text or "") or "Ana" in (offer.text or "").splitlines()
    offered = [label for row in user.buttons(offer) for label in row]
    for label in ("✅ Make it with this name", "✏️ Change the name", "Later"):
        assert tr._(label) in offered
    assert all(m.document is None for m in user.bot_messages())

    # "Change the name": a typed name is shown back for confirmation before anything is made.
    await user.tap(tr._("✏️ Change the name"), offer)
    await user.send("A")
    assert user.last_message().text == tr._(
        "That is too short for a name. Please type your name as it should appear on the "
        "certificate."
    )
    await user.send("Марија Петровић")
    confirm = user.last_message()
    assert "Марија Петровић" in (confirm.text or "")
    assert all(m.document is None for m in user.bot_messages())
    assert await certificates_of(bot, 801) == []
    actions_before = len(bot.api.calls_of("sendChatAction"))
    await user.tap(tr._("✅ Make it with this name"), confirm)
    document = user.last_document()
    # While it was made the chat said "sending a file", and the working message is gone.
    actions = bot.api.calls_of("sendChatAction")[actions_before:]
    assert [call["action"] for call in actions][:1] == ["upload_document"]
    working = [m for m in user.messages() if m.text == tr._("⏳ Making your certificate…")]
    assert working == []
    [certificate] = await certificates_of(bot, 801)
    code = format_code(certificate.code)
    assert document.filename == f"certificate-passwords-2fa-{code}.pdf"
    assert document.content.startswith(b"%PDF-")
    text = pdf_text(document.content)
    assert "Марија Петровић" in text
    assert title in text
    assert code in text and f"/verify {code}" in text
    assert tr.percent(100) in text
    # The brand in the certificate's script, and nothing else in Latin letters but the code,
    # the command and the bot's name; the QR code is the verification link.
    assert "КАПАЦИТЕТ" in text and "KAPACITET" not in text
    assert latin_words(" ".join(text.split()), {code, "/verify", "@kapacitet_bot"}) == []
    link = VerifyLink(certificate.code).url("kapacitet_bot")
    assert qr_links(document.content, [link]) == [link]
    caption = user.last_message().caption or ""
    assert code in caption and title in caption
    assert (certificate.name, certificate.language, certificate.score_percent) == (
        "Марија Петровић",
        "sr-Cyrl",
        100,
    )
    async with bot.deps.database.session() as db:
        learner = (await db.exec(select(Learner).where(Learner.telegram_id == 801))).one()
        assert learner.display_name == "Марија Петровић" and learner.awaiting is None
    # The confirmation tapped again makes no second certificate.
    await user.tap(tr._("✅ Make it with this name"), confirm)
    assert user.last_callback_answer().text == tr._("This button is no longer valid.")
    assert len(await certificates_of(bot, 801)) == 1

    # /certificates lists it and sends it again, made afresh from the stored certificate.
    await user.send("/certificates")
    listing = user.last_message().text or ""
    assert code in listing and title in listing
    await user.tap("📄 " + title)
    again = user.last_document()
    assert user.last_message().document is not None  # no "working" message left under it
    assert again.file_id != document.file_id
    assert again.content == document.content

    # Anyone can check it: the name, the module in the asker's language, the date.
    visitor = bot.user(802, "en")
    en = bot.tr("en")
    await visitor.send(f"/verify {code}")
    answer = visitor.last_message().text or ""
    assert "Марија Петровић" in answer
    assert module.text("en").title in answer
    assert en.date(certificate.issued_at) in answer
    # Typed by hand: lower case, spaces, Cyrillic look-alikes; after /verify alone.
    await visitor.send("/verify")
    assert "K7QX-2M9P-RT" in (visitor.last_message().text or "")
    typed = code.lower().replace("-", " ").translate(str.maketrans("abcekmptxy", "авсекмртху"))
    await visitor.send(typed)
    assert "Марија Петровић" in (visitor.last_message().text or "")

    # Junk is unknown and changes nothing; the visitor may try again or cancel.
    await visitor.send("/verify ABC-123")
    unknown = visitor.last_message().text or ""
    assert "ABC-123" in unknown and "Марија" not in unknown
    await visitor.send("zzzz-zzzz-zz")
    assert "zzzz-zzzz-zz" in (visitor.last_message().text or "")
    await visitor.tap(en._("Cancel"))
    # The verify step is over: "hello" is free text (offered to a person with consent).
    await visitor.send("hello")
    assert visitor.last_message().text == en._(
        "I can pass a message to a person only if you agreed to how we keep data: "
        "your message would be kept until you erase it. You can agree in /privacy. "
        "/help lists what I can do."
    )

    # Erasing one's data revokes the certificate; the name is gone from it.
    await user.send("/forget")
    await user.tap(tr._("Yes, erase my data"))
    [revoked] = await certificates_of(bot)
    assert revoked.revoked_at is not None and revoked.name == ""
    await visitor.send(f"/verify {code}")
    answer = visitor.last_message().text or ""
    assert code in answer and module.text("en").title in answer
    assert revoked.revoked_at is not None and en.date(revoked.revoked_at) in answer
    assert "Марија" not in answer and "Петровић" not in answer
    assert plain(en._("Genuine certificate")) not in answer
    # In Macedonian the date ends in "г.": the sentence does not get a second full stop.
    macedonian = bot.user(803, "mk")
    await macedonian.send("/start")
    await macedonian.tap("Македонски")
    await macedonian.send(f"/verify {code}")
    answer = macedonian.last_message().text or ""
    revoked_on = bot.tr("mk").date(revoked.revoked_at)
    assert revoked_on.endswith("г.") and f"{revoked_on} " in answer
    assert "г.." not in answer and CYRILLIC.search(answer)
    # The erased person, back as someone new, has no certificates.
    await user.send("/certificates")
    assert code not in (user.last_message().text or "")


async def test_a_montenegrin_name_with_accents_later_reused_for_another_module(
    bot: Harness, catalogue: Catalogue
):
    passwords = catalogue.get("passwords-2fa")
    accession = catalogue.get("eu-accession")
    assert passwords is not None and accession is not None
    tr = bot.tr("cnr")
    user = await bot.onboarded(
        811,
        "cnr",
        "Crnogorski",
        "Centar za građansko obrazovanje",
        "Montenegro",
        language_code="sr",
    )
    await pass_quiz(user, tr, passwords)

    # A bad name is explained and nothing is issued; the question stays open.
    await user.tap(tr._("✏️ Change the name"))
    await user.send("A")
    assert user.last_message().document is None
    assert await certificates_of(bot) == []
    await user.send("S\u0301ec\u0301ko  Đurović")  # typed decomposed, with two spaces
    assert "Śećko Đurović" in (user.last_message().text or "")
    await user.tap(tr._("✅ Make it with this name"))
    [certificate] = await certificates_of(bot)
    assert certificate.name == "Śećko Đurović"
    text = pdf_text(user.last_document().content)
    assert "Śećko Đurović" in text and passwords.text("cnr").title in text

    # "Later" leaves the certificate for /certificates; the name given last is offered.
    await pass_quiz(user, tr, accession)
    assert "Śećko Đurović" in (user.last_message().text or "")
    await user.tap(tr._("Later"))
    assert len(await certificates_of(bot)) == 1
    await user.send("/certificates")
    get_it = plain(tr._("🎓 Get it: {module}", module=accession.text("cnr").title))
    await user.tap(get_it)
    assert "Śećko Đurović" in (user.last_message().text or "")
    await user.tap(tr._("✅ Make it with this name"))
    certificates = await certificates_of(bot)
    assert [c.module_id for c in certificates] == ["passwords-2fa", "eu-accession"]
    assert certificates[1].name == "Śećko Đurović"
    assert accession.text("cnr").title in pdf_text(user.last_document().content)

    # Passing again offers the certificate already issued, not a second one.
    await pass_quiz(user, tr, passwords)
    await user.tap(tr._("📄 Send it again"))
    assert format_code(certificates[0].code) in pdf_text(user.last_document().content)
    assert len(await certificates_of(bot)) == 2

    # Someone else's certificate cannot be fetched with a forged button.
    other = bot.user(812, "en")
    await other.send("/start")
    message = other.last_message()
    await other.tap_data(f"cs:{certificates[0].id}", message.message_id)
    assert other.last_callback_answer().text == bot.tr("en")._("This button is no longer valid.")
    assert all(m.document is None for m in other.bot_messages())


async def test_without_consent_there_is_no_certificate_and_the_reason_is_given(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("sr-Cyrl")
    user = bot.user(821, "sr")
    await user.send("/start")
    await user.tap("Српски (ћирилица)")
    await user.tap(tr._("No, thanks"))
    await pass_quiz(user, tr, module)
    result = user.last_message().text or ""
    assert "/privacy" in result
    assert (
        plain(
            tr._(
                "🎓 Certificates are issued only with your consent, because a certificate is a "
                "record about you. If you agree in /privacy and pass the quiz again, you get one."
            )
        )
        in result
    )
    await user.send("Марија Петровић")
    assert all(m.document is None for m in user.bot_messages())
    await user.send("/certificates")
    assert "/privacy" in (user.last_message().text or "")
    assert await certificates_of(bot) == []
