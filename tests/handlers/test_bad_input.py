"""Bad input gets a short localized answer or is ignored, and never changes a record."""

from __future__ import annotations

from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.handlers.groups import note_text
from bot.handlers.inbox import offer_text
from bot.handlers.learning.data import AnswerQuestion
from bot.models import Learner, ModuleProgress, QuizAnswer, QuizAttempt, QuizKind
from tests.support.harness import Harness
from tests.support.learners import option_label, plain, read_and_open_quiz
from tests.support.rows import count


async def snapshot(harness: Harness) -> tuple[object, ...]:
    async with harness.deps.database.session() as db:
        counts = []
        for model in (Learner, ModuleProgress, QuizAttempt, QuizAnswer):
            counts.append(await count(db, model))
        attempts = [
            (a.id, a.current_index, a.correct_count, a.finished_at)
            for a in (await db.exec(select(QuizAttempt))).all()
        ]
        cards = [
            (p.module_id, p.current_card) for p in (await db.exec(select(ModuleProgress))).all()
        ]
    return tuple(counts), attempts, cards


async def test_buttons_pressed_twice_stale_or_forged_change_nothing(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("hr")
    user = await bot.onboarded(601, "hr", "Hrvatski", "Udruga", "Bosnia and Herzegovina")
    await read_and_open_quiz(user, tr, module)
    first_question = user.last_message()
    shown = first_question.text or ""
    await user.tap(option_label(module, "hr", shown, right=True), first_question)
    before = await snapshot(bot)

    # The buttons as they were before the answer: a second tap on the same question.
    await user.tap(option_label(module, "hr", shown, right=False), first_question)
    assert user.last_callback_answer().text == tr._("You have already answered this question.")

    forged = [
        "ans:passwords-2fa:post:999999:1:0:a",  # someone else's / no attempt
        "ans:passwords-2fa:post:1:1:0:z",  # not an option
        "card:passwords-2fa:99",  # no such card
        "card:no-such-module:0",
        "prof:country:FR",  # profile already complete
        "lang:de:0",
        "quiz:passwords-2fa:mid",
        "x" * 64,
        "consent:1",  # consent already given
        "forget:maybe",
    ]
    for data in forged:
        await user.tap_data(data, first_question.message_id)
        answer = user.last_callback_answer()
        assert answer is not None and answer.text, data
    assert await snapshot(bot) == before


async def test_text_commands_and_oversized_messages_get_short_answers(bot: Harness):
    tr = bot.tr("sq")
    user = await bot.onboarded(602, "sq", "Shqip", "OJQ", "Albania")
    before = await snapshot(bot)
    # Free text is offered to a person (nothing is sent until the learner says so).
    replies = await user.send("përshëndetje 👋 привет")
    assert replies[-1].text == offer_text(tr, to_trainer=False)
    replies = await user.send("/nosuchcommand")
    assert replies[-1].text == tr._("I do not know that command. /help lists what I can do.")
    replies = await user.send("x" * 5000)
    assert replies[-1].text == tr._("That message is too long for me.")
    assert await snapshot(bot) == before


async def test_an_oversized_organisation_name_is_asked_again(bot: Harness):
    tr = bot.tr("en")
    user = bot.user(603, "en")
    await user.send("/start")
    await user.tap("English")
    await user.tap(tr._("I agree"))
    await user.tap(tr._("✅ Use this name"))
    replies = await user.send("A" * 121)
    assert replies[-1].text == tr._(
        "That is longer than {limit} characters. Please type a shorter name.", limit=120
    )
    async with bot.deps.database.session() as db:
        learner = (await db.exec(select(Learner))).one()
    assert learner.organisation is None
    await user.send("Civic Initiatives")
    assert user.last_message().text == "Which country do you work in?"


async def test_group_chats_get_one_note_and_nobody_is_recorded(bot: Harness):
    user = bot.user(604, "en")
    bot.api.add_group(-100500, "CSO network")
    for text in ("/start", "/lessons"):
        await user.deliver(lambda: bot.api.push_message(604, text, chat_id=-100500))  # noqa: B023
    notes = [m.text for m in bot.api.messages(-100500) if m.from_bot]
    assert notes == [plain(note_text(bot.tr("en"), "kapacitet_bot"))]
    assert (await snapshot(bot))[0][0] == 0


async def test_forged_button_of_an_unknown_user_is_answered_not_recorded(bot: Harness):
    user = bot.user(605, "en")
    await user.send("/help")
    data = AnswerQuestion("eu-accession", QuizKind.POST, 1, 0, 0, "a").encode()
    await user.tap_data(data, user.last_message().message_id)
    answer = user.last_callback_answer()
    assert answer is not None and answer.text == bot.tr("en")._("This button is no longer valid.")
    assert (await snapshot(bot))[0][2:] == (0, 0)
