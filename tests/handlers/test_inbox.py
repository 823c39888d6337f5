"""A person behind the bot, through Telegram: a learner's question reaches the trainer of
their next session (or else the programme team in their scope), who answers from /inbox;
the learner answers back; consent, the daily limit, refusals out of scope; /mydata and
/forget; /help's contact; groups answered once."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot.handlers.account import help_text
from bot.handlers.groups import note_text
from bot.handlers.inbox import (
    OpenConversation,
    ReplyConversation,
    answer_head,
    offer_text,
    sent_text,
)
from bot.handlers.privacy_notice import contact_text, full_notice
from bot.models import AuditEntry, GroupGreeting, InboxConversation, InboxMessage, Learner, Role
from tests.factories import make_training, register
from tests.support.harness import Harness
from tests.support.learners import plain

LEARNER, TRAINER, COORDINATOR, ELSEWHERE, STRANGER = 6401, 6402, 6403, 6404, 6405
NOT_ALLOWED = "Sorry, you are not allowed to do that."
QUESTION = "Where is the training tomorrow?"


async def rows(bot: Harness, model: type[InboxConversation] | type[InboxMessage]) -> list:
    async with bot.deps.database.session() as db:
        return list((await db.exec(select(model).order_by(model.id))).all())  # type: ignore[arg-type]


async def actions(bot: Harness) -> list[str]:
    async with bot.deps.database.session() as db:
        found = await db.exec(select(AuditEntry).order_by(AuditEntry.id))
        return [entry.action for entry in found.all() if entry.action.startswith("inbox.")]


async def schedule_for(bot: Harness, learner_id: int, trainer_id: int) -> None:
    """A session tomorrow run by the trainer, with the learner registered."""
    async with bot.deps.database.session() as db:
        learner = await db.get(Learner, (await bot.learner_of(learner_id)).id)
        trainer = await db.get(Learner, (await bot.learner_of(trainer_id)).id)
        assert learner is not None and trainer is not None
        training = await make_training(db, trainer, bot.clock.now() + timedelta(days=1))
        await register(db, training, learner)


async def test_a_question_reaches_the_trainer_who_answers_from_the_inbox(bot: Harness):
    tr = bot.tr("en")
    learner = await bot.onboarded(LEARNER, country="Kosovo")
    trainer = await bot.person(TRAINER, role=Role.TRAINER)
    await schedule_for(bot, LEARNER, TRAINER)

    await learner.send(QUESTION)
    offer = learner.last_message()
    assert offer.text == plain(offer_text(tr, to_trainer=True))
    assert offer.text.startswith("Send this to your trainer?")
    assert learner.buttons(offer) == [[tr._("✉️ Send"), tr._("No")]]
    assert trainer.bot_messages() == []
    await learner.tap(tr._("✉️ Send"))
    assert learner.last_message().text == sent_text(tr, to_trainer=True, first=True)
    notice = trainer.last_message()
    assert notice.text == plain(tr._("💬 <b>A new message</b> from {who}:", who="Ana")) + (
        f"\n\n{QUESTION}"
    )
    assert trainer.buttons(notice) == [[tr._("Open")]]

    await trainer.send("/inbox")
    assert trainer.last_message().text == plain(
        tr.ngettext("<b>{n} open conversation</b>", "<b>{n} open conversations</b>", 1)
    )
    [[label]] = trainer.buttons()
    assert label.startswith("Ana · ")
    await trainer.tap(label)
    thread = trainer.last_message().text or ""
    assert thread.startswith(plain(tr._("💬 <b>Conversation with {who}</b>", who="Ana")))
    assert QUESTION in thread
    await trainer.tap(tr._("✍️ Reply"))
    assert trainer.last_message().text == tr._(
        "Type your reply to {who}. They get it in the chat.", who="Ana"
    )
    await trainer.send("Hotel Tirana, hall B, at 10:00.")
    assert trainer.last_message().text == tr._("Your reply to {who} is sent.", who="Ana")
    answer = learner.last_message().text or ""
    assert answer.startswith(plain(answer_head(tr, to_trainer=True)))
    assert "Hotel Tirana, hall B, at 10:00." in answer

    # The learner answers back: straight into the open conversation, no offer.
    await learner.send("Thank you!")
    assert learner.last_message().text == sent_text(tr, to_trainer=True, first=False)
    assert (
        trainer.last_message().text
        == plain(tr._("💬 {who} wrote again:", who="Ana")) + "\n\nThank you!"
    )
    await trainer.tap(tr._("Open"))
    await trainer.tap(tr._("✅ Close"))
    assert trainer.last_callback_answer().text == tr._("The conversation is closed.")
    assert trainer.last_message().text == tr._("No open conversations. 🎉")

    [conversation] = await rows(bot, InboxConversation)
    assert conversation.status == "closed"
    assert conversation.trainer_id == (await bot.learner_of(TRAINER)).id
    texts = [(row.author_id, row.text) for row in await rows(bot, InboxMessage)]
    learner_id, trainer_id = (await bot.learner_of(LEARNER)).id, (await bot.learner_of(TRAINER)).id
    assert texts == [
        (learner_id, QUESTION),
        (trainer_id, "Hotel Tirana, hall B, at 10:00."),
        (learner_id, "Thank you!"),
    ]
    assert await actions(bot) == [
        "inbox.write",
        "inbox.read",
        "inbox.reply",
        "inbox.write",
        "inbox.read",
        "inbox.close",
    ]

    # Closed: the next free text is offered again, and "No" keeps nothing.
    await learner.send("One more thing")
    await learner.tap(tr._("No"))
    assert learner.last_message().text == tr._(
        "Not sent. /lessons opens the lessons, /help lists the rest."
    )
    assert len(await rows(bot, InboxMessage)) == 3


async def test_without_a_session_the_team_in_scope_answers_and_others_are_refused(bot: Harness):
    tr = bot.tr("en")
    learner = await bot.onboarded(LEARNER, country="Kosovo")
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR, countries=("XK",))
    elsewhere = await bot.person(ELSEWHERE, role=Role.COORDINATOR, countries=("AL",))
    stranger = await bot.person(STRANGER, role=Role.TRAINER)

    await learner.send(QUESTION)
    assert learner.last_message().text == plain(offer_text(tr, to_trainer=False))
    await learner.tap(tr._("✉️ Send"))
    assert QUESTION in (coordinator.last_message().text or "")
    assert elsewhere.bot_messages() == [] and stranger.bot_messages() == []
    [conversation] = await rows(bot, InboxConversation)
    assert conversation.trainer_id is None

    # Outside the scope: an empty inbox, and every forged button and reply refused.
    for person in (elsewhere, stranger):
        await person.send("/inbox")
        assert person.last_message().text == tr._("No open conversations. 🎉")
        message_id = person.last_message().message_id
        for data in (OpenConversation(conversation.id), ReplyConversation(conversation.id)):
            await person.tap_data(data.encode(), message_id)
            assert person.last_callback_answer().text == NOT_ALLOWED
    assert len(await rows(bot, InboxMessage)) == 1

    await coordinator.send("/inbox")
    await coordinator.tap(coordinator.buttons()[0][0])
    await coordinator.tap(tr._("✍️ Reply"))
    await coordinator.send("The programme team will call you.")
    assert "The programme team will call you." in (learner.last_message().text or "")
    assert (learner.last_message().text or "").startswith(plain(answer_head(tr, to_trainer=False)))


async def test_consent_and_the_daily_limit(bot: Harness):
    tr = bot.tr("en")
    unconsented = await bot.person(STRANGER)
    await unconsented.send("Hello?")
    assert unconsented.last_message().text == tr._(
        "I can pass a message to a person only if you agreed to how we keep data: your "
        "message would be kept until you erase it. You can agree in /privacy. /help lists "
        "what I can do."
    )
    assert await rows(bot, InboxMessage) == []

    learner = await bot.onboarded(LEARNER, country="Kosovo")
    await bot.person(COORDINATOR, role=Role.COORDINATOR)
    limit = bot.deps.settings.inbox_daily_limit
    await learner.send("Message 1")
    await learner.tap(tr._("✉️ Send"))
    for number in range(2, limit + 1):
        await learner.send(f"Message {number}")
    await learner.send("One too many")
    assert learner.last_message().text == tr._(
        "You have sent {limit} messages in the last 24 hours. Please wait for an answer "
        "before writing again.",
        limit=limit,
    )
    assert len(await rows(bot, InboxMessage)) == limit
    await bot.advance(hours=25)
    await learner.send("A day later")
    assert learner.last_message().text == sent_text(tr, to_trainer=False, first=False)


async def test_mydata_shows_the_conversation_and_forget_erases_it(bot: Harness):
    tr = bot.tr("en")
    learner = await bot.onboarded(LEARNER, country="Kosovo")
    trainer = await bot.person(TRAINER, role=Role.TRAINER)
    await schedule_for(bot, LEARNER, TRAINER)
    await learner.send(QUESTION)
    await learner.tap(tr._("✉️ Send"))
    await trainer.tap(tr._("Open"))
    await trainer.tap(tr._("✍️ Reply"))
    await trainer.send("Hall B.")
    await learner.send("Not sent yet")  # goes to the open conversation

    await learner.send("/mydata")
    data = json.loads(learner.last_document().content)
    [conversation] = data["messages_to_people"]
    assert conversation["to"] == "trainer"
    assert [(m["by_you"], m["text"]) for m in conversation["messages"]] == [
        (True, QUESTION),
        (False, "Hall B."),
        (True, "Not sent yet"),
    ]
    assert "inbox.write" in [entry["action"] for entry in data["audit_log"]]
    await trainer.send("/mydata")
    staff = json.loads(trainer.last_document().content)
    assert [r["text"] for r in staff["replies_you_wrote_as_staff"]] == ["Hall B."]

    await learner.send("/forget")
    await learner.tap(tr._("Yes, erase my data"))
    assert await rows(bot, InboxConversation) == []
    assert await rows(bot, InboxMessage) == []
    await trainer.send("/inbox")
    assert trainer.last_message().text == tr._("No open conversations. 🎉")


async def test_help_and_the_privacy_notice_name_the_contact(bot: Harness):
    tr = bot.tr("en")
    learner = await bot.onboarded(LEARNER, country="Kosovo")
    await learner.send("/help")
    unset = plain(contact_text(tr, None))
    assert (learner.last_message().text or "").endswith(unset)
    await learner.send("/privacy")
    assert unset in (learner.last_message().text or "")

    settings = bot.deps.settings.model_copy(update={"support_contact": "help@kapacitet.example"})
    named = contact_text(tr, settings.support_contact)
    assert "help@kapacitet.example" in named
    assert help_text(tr, set(), settings.support_contact).endswith(named)
    assert named in full_notice(tr, settings)


GROUP = -100777


async def test_a_group_is_answered_once_and_nobody_in_it_is_stored(harness: Harness):
    tr = harness.tr("en")
    harness.api.add_group(GROUP, "CSO network")

    def notes() -> list[str]:
        return [m.text or "" for m in harness.api.messages(GROUP) if m.from_bot]

    note = plain(note_text(tr, "kapacitet_bot"))
    assert "https://t.me/kapacitet_bot" in note
    async with harness.running():
        member = harness.user(STRANGER)
        await member.deliver(lambda: harness.api.push_bot_membership(STRANGER, GROUP, "member"))
        assert notes() == [note]
        await member.deliver(lambda: harness.api.push_message(STRANGER, "/start", chat_id=GROUP))
        await member.deliver(lambda: harness.api.push_message(STRANGER, "Hi", chat_id=GROUP))
        assert notes() == [note]

    # Remembered across a restart; answered again only once removed and added again.
    async with harness.running():
        member = harness.user(STRANGER)
        await member.deliver(lambda: harness.api.push_message(STRANGER, "Still?", chat_id=GROUP))
        assert notes() == [note]
        await member.deliver(lambda: harness.api.push_bot_membership(STRANGER, GROUP, "left"))
        assert await harness.count(GroupGreeting) == 0
        await member.deliver(lambda: harness.api.push_bot_membership(STRANGER, GROUP, "member"))
        assert notes() == [note, note]
    assert await harness.count(Learner) == 0
    assert await harness.count(GroupGreeting) == 1


async def test_a_long_conversation_shows_its_newest_messages_in_one_screen(bot: Harness):
    tr = bot.tr("en")
    learner = await bot.onboarded(LEARNER, country="Kosovo")
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR)
    await learner.send("A" * 2000)
    await learner.tap(tr._("✉️ Send"))
    for letter in "BCD":
        await learner.send(letter * 2000)
    await coordinator.tap(tr._("Open"))
    thread = coordinator.last_message().text or ""
    assert len(thread) < 4096
    assert "D" * 999 + "…" in thread and "A" * 999 not in thread
