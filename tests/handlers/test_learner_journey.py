"""A CSO member's whole journey through Telegram, in several languages and scripts."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from bot.content.catalogue import Catalogue, Module
from bot.handlers.account import help_text
from bot.handlers.onboarding import profile_question_text
from bot.models import Consent, Learner, ModuleProgress, QuizAnswer, QuizAttempt
from bot.services.learners import ProfileField
from tests.support.driver import TelegramUser
from tests.support.harness import Harness
from tests.support.learners import on_screen, option_label, plain, read_and_open_quiz, take_quiz

CYRILLIC = re.compile(r"[\u0400-\u04FF]")


async def read_all_cards(user: TelegramUser, tr, module: Module) -> None:
    await user.tap(tr._("📚 Lessons"))
    await user.tap(module.text(tr.language_code).button_title)
    await user.tap(tr._("▶️ Start the lessons"))
    for index in range(module.card_count):
        text = user.last_message().text or ""
        assert f"{index + 1}/{module.card_count}" in text.splitlines()[0]
        if index < module.card_count - 1:
            await user.tap(tr._("Next ▶️"))


async def test_albanian_learner_goes_from_start_to_a_passed_quiz(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("sq")
    user = await bot.onboarded(501, "sq", "Shqip", "Qendra për Demokraci", "Kosovo")
    await read_all_cards(user, tr, module)
    await user.tap(tr._("🎯 Take the quiz"))
    await take_quiz(user, module, "sq")
    result = user.last_message().text or ""
    total = module.quiz_length
    assert tr._("🎉 You passed!") in result
    assert f"{total}" in result and tr.percent(100) in result
    await user.send("/lessons")
    minutes = tr.ngettext("{n} minute", "{n} minutes", module.minutes)
    passed = tr._("{minutes} · passed ({percent})", minutes=minutes, percent=tr.percent(100))
    assert passed in (user.last_message().text or "")
    assert "✅ " + module.text("sq").button_title in [
        label for row in user.buttons() for label in row
    ]

    learner = await bot.learner_of(501)
    assert (
        learner.language,
        learner.consent,
        learner.organisation,
        learner.country,
        learner.gender,
        learner.age_band,
        learner.special_consent,
    ) == ("sq", Consent.GIVEN, "Qendra për Demokraci", "XK", "female", "25-34", False)
    async with bot.deps.database.session() as db:
        attempt = (await db.exec(select(QuizAttempt))).one()
        assert (attempt.kind, attempt.correct_count, attempt.passed) == ("post", total, True)
        row = (await db.exec(select(ModuleProgress))).one()
        assert row.passed_at is not None and row.lessons_done_at is not None
    assert await bot.count(QuizAnswer) == total


async def test_serbian_cyrillic_learner_without_consent_learns_and_nothing_is_kept(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("eu-accession")
    assert module is not None
    tr = bot.tr("sr-Cyrl")
    user = bot.user(502, "sr")
    await user.send("/start")
    await user.tap("Српски (ћирилица)")
    consent_text = user.last_message().text or ""
    assert CYRILLIC.search(consent_text) and "/privacy" in consent_text
    await user.tap(tr._("No, thanks"))
    assert CYRILLIC.search(user.last_message().text or "")
    await read_all_cards(user, tr, module)
    assert CYRILLIC.search(user.last_message().text or "")
    await user.tap(tr._("🎯 Take the quiz"))
    await take_quiz(user, module, "sr-Cyrl", wrong={0})
    total = module.quiz_length
    score = tr._(
        "<b>Your score: {correct} of {total} ({percent})</b>",
        correct=total - 1,
        total=total,
        percent=tr.percent(round(100 * (total - 1) / total)),
    )
    assert plain(score) in (user.last_message().text or "")

    learner = await bot.learner_of(502)
    assert (learner.language, learner.consent, learner.organisation) == (
        "sr-Cyrl",
        Consent.DECLINED,
        None,
    )
    for model in (ModuleProgress, QuizAttempt, QuizAnswer):
        assert await bot.count(model) == 0
    commands = bot.api.commands("chat", chat_id=502)
    assert commands and all(CYRILLIC.search(c["description"]) for c in commands)


async def test_macedonian_pretest_without_feedback_then_the_quiz_explains(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("eu-accession")
    assert module is not None
    tr = bot.tr("mk")
    user = await bot.onboarded(503, "mk", "Македонски", "Форум", "North Macedonia")
    await user.tap(tr._("📚 Lessons"))
    await user.tap(module.text("mk").button_title)
    await user.tap(tr._("📝 Pre-test first"))
    pretest = user.last_message().message_id
    await take_quiz(user, module, "mk", wrong=set(range(module.quiz_length)))
    # One message, edited from question to question and into the score: no feedback.
    result = user.last_message()
    assert result.message_id == pretest
    assert tr._("Thank you! That was the pre-test.") in (result.text or "")
    assert user.last_callback_answer().text is None
    explanations = [plain(text.explanation) for text in module.text("mk").questions.values()]
    assert not any(e in (m.text or "") for m in user.bot_messages() for e in explanations)

    await user.tap(tr._("▶️ Start the lessons"))
    assert f"1/{module.card_count}" in (user.last_message().text or "")
    for _ in range(module.card_count - 1):
        await user.tap(tr._("Next ▶️"))
    await user.tap(tr._("🎯 Take the quiz"))
    first = user.last_message()
    question, letters = on_screen(module, "mk", first.text or "")
    wrong = next(o for o in question.options if o != question.correct)
    await user.tap(letters[wrong])
    feedback = user.api.message(503, first.message_id).text or ""
    text = module.text("mk").questions[question.id]
    assert plain(text.explanation) in feedback
    assert (
        plain(
            tr._(
                "❌ Not quite. The right answer is {letter}) {option}",
                letter=letters[question.correct],
                option=text.options[question.correct],
            )
        )
        in feedback
    )
    await take_quiz(user, module, "mk", start=1)
    result_text = user.last_message().text or ""
    assert tr._("In the pre-test you had {percent}.", percent=tr.percent(0)) in result_text

    await user.send("/progress")
    progress = user.last_message().text or ""
    assert tr._("Pre-test: {percent}", percent=tr.percent(0)) in progress


async def test_the_learner_resumes_at_the_same_card_after_a_restart(
    harness: Harness, catalogue: Catalogue
):
    module = catalogue.get("eu-accession")
    assert module is not None
    tr = harness.tr("en")
    async with harness.running():
        user = await harness.onboarded(504, "en", "English", "Org", "Serbia")
        await user.tap(tr._("📚 Lessons"))
        await user.tap(module.text("en").button_title)
        await user.tap(tr._("▶️ Start the lessons"))
        await user.tap(tr._("Next ▶️"))
        await user.tap(tr._("Next ▶️"))
        card_message = user.last_message()
    async with harness.running():
        await user.send("/lessons")
        await user.tap("▶️ " + module.text("en").button_title)
        await user.tap(tr._("▶️ Continue at card {number}", number=3))
        assert f"3/{module.card_count}" in (user.last_message().text or "")
        # The old message's buttons still work after the restart.
        await user.tap(tr._("Next ▶️"), card_message)
        assert f"4/{module.card_count}" in (
            user.api.message(504, card_message.message_id).text or ""
        )


async def test_mydata_and_forget(bot: Harness, catalogue: Catalogue):
    tr = bot.tr("en")
    user = await bot.onboarded(505, "en", "English", "Civic Lab", "Montenegro")
    await user.send("/mydata")
    data = json.loads(user.last_document().content)
    assert data["telegram_id"] == 505 and data["profile"]["organisation"] == "Civic Lab"
    assert data["profile"]["country"] == "ME" and data["consent"]["status"] == "given"

    await user.send("/forget")
    await user.tap(tr._("Cancel"))
    assert (await bot.learner_of(505)).organisation == "Civic Lab"
    await user.send("/forget")
    await user.tap(tr._("Yes, erase my data"))
    async with bot.deps.database.session() as db:
        erased = (await db.exec(select(Learner).where(Learner.erased_at.is_not(None)))).one()
    assert erased.telegram_id is None and erased.organisation is None and erased.country is None
    assert await bot.count(Learner) == 1


async def test_vulnerable_group_only_after_separate_consent(bot: Harness):
    tr = bot.tr("bs")
    user = bot.user(506, "bs")
    await user.send("/start")
    await user.tap("Bosanski")
    await user.tap(tr._("I agree"))
    await user.tap(tr._("🙈 Don't show my name"))
    await user.tap(tr._("Prefer not to say"))
    await user.tap(tr._("Prefer not to say"))
    await user.tap(tr._("Prefer not to say"))
    await user.tap(tr._("Prefer not to say"))
    assert tr._("Yes, you may ask") in [label for row in user.buttons() for label in row]
    await user.tap(tr._("Yes, you may ask"))
    await user.tap(tr._("Roma, Egyptian or Ashkali"))
    learner = await bot.learner_of(506)
    assert (learner.organisation, learner.country, learner.gender, learner.age_band) == (
        "undisclosed",
        "undisclosed",
        "undisclosed",
        "undisclosed",
    )
    assert learner.special_consent is True and learner.vulnerable_group == "roma-egyptian-ashkali"
    await user.send("/privacy")
    await user.tap(tr._("Withdraw my consent"))
    learner = await bot.learner_of(506)
    assert learner.consent == Consent.DECLINED and learner.vulnerable_group is None


async def test_the_command_menu_is_published_per_language(bot: Harness):
    for language, telegram_code in [("en", ""), ("sq", "sq"), ("mk", "mk"), ("sr-Cyrl", "sr")]:
        commands = bot.api.commands(language_code=telegram_code)
        tr = bot.tr(language)
        assert {"command": "lessons", "description": tr._("Lessons and quizzes")} in commands
        assert [c["command"] for c in commands][:3] == ["lessons", "progress", "profile"]


async def test_a_failed_quiz_can_be_retried_and_old_buttons_stay_dead(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("cnr")
    user = bot.user(507, "sr")
    await user.send("/start")
    await user.tap("Crnogorski")
    await user.tap(tr._("I agree"))
    await user.tap(tr._("✅ Use this name"))
    for _ in range(4):
        await user.tap(tr._("Prefer not to say"))
    await user.tap(tr._("Skip this question"))
    await read_and_open_quiz(user, tr, module)
    last_question = None
    for _index in range(module.quiz_length):
        last_question = user.last_message()
        await user.tap(option_label(module, "cnr", last_question.text or "", right=False))
    assert tr._("Not passed yet. Read the lessons again and try once more.") in (
        user.last_message().text or ""
    )
    assert last_question is not None
    await user.tap(user.buttons(last_question)[0][0], last_question)
    assert user.last_callback_answer().text == tr._("This quiz is over. You can start it again.")

    await user.tap(tr._("🔁 Try again"))
    await take_quiz(user, module, "cnr")
    assert tr._("🎉 You passed!") in (user.last_message().text or "")
    async with bot.deps.database.session() as db:
        attempts = (await db.exec(select(QuizAttempt).order_by(QuizAttempt.id))).all()
    assert [(a.correct_count, a.passed) for a in attempts] == [
        (0, False),
        (module.quiz_length, True),
    ]


async def test_a_learner_who_declined_can_agree_later_and_change_language(bot: Harness):
    user = bot.user(508, "hr")
    tr_hr = bot.tr("hr")
    await user.send("/start")
    await user.tap("Hrvatski")
    await user.tap(tr_hr._("No, thanks"))
    await user.send("/privacy")
    assert plain(tr_hr._("You have not given your consent.")) in (user.last_message().text or "")
    await user.tap(tr_hr._("I agree"))
    assert (await bot.learner_of(508)).consent == Consent.GIVEN
    # The name first (withdrawing the consent erased it), then the profile.
    assert plain(tr_hr._("<b>How should trainers and certificates name you?</b>")) in (
        user.last_message().text or ""
    )
    await user.tap(tr_hr._("✅ Use this name"))
    assert user.last_message().text == plain(
        profile_question_text(tr_hr, ProfileField.ORGANISATION)
    )
    await user.send("/language")
    await user.tap("Shqip")
    tr_sq = bot.tr("sq")
    assert user.last_message().text == tr_sq._("Language: {name}.", name="Shqip")
    commands = bot.api.commands("chat", chat_id=508)
    assert {"command": "lessons", "description": tr_sq._("Lessons and quizzes")} in commands
    replies = await user.send("/help")
    assert replies[-1].text == plain(help_text(tr_sq))


async def test_after_forget_a_serbian_telegram_is_answered_in_cyrillic(bot: Harness):
    """Telegram's bare "sr" is guessed as Cyrillic (Serbia's official script, and Telegram's
    own Serbian interface); a script the person picks is kept and wins over the guess."""
    cyrillic, latin = bot.tr("sr-Cyrl"), bot.tr("sr-Latn")
    user = await bot.onboarded(
        520, "sr-Cyrl", "Српски (ћирилица)", "Форум", "Serbia", language_code="sr"
    )
    await user.send("/forget")
    await user.tap(cyrillic._("Yes, erase my data"))
    assert user.last_message().text == cyrillic._(
        "Your data is erased. If you write to me again, we start afresh with /start."
    )
    await user.send("/start")
    assert user.last_message().text == cyrillic._("👋 Welcome to Kapacitet! Choose your language:")
    assert CYRILLIC.search(user.last_message().text or "")
    # Choosing Latin in the picker is stored: the guess never overrides it again.
    await user.tap("Srpski (latinica)")
    assert (await bot.learner_of(520)).language == "sr-Latn"
    await user.send("/help")
    assert not CYRILLIC.search(user.last_message().text or "")
    assert user.last_message().text == plain(help_text(latin, set()))
