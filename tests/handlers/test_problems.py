""" "Report a problem" through Telegram: a learner reports a card and a question, the content
team in the learner's scope is told, lists, answers (the learner gets it) and closes; the
open reports per module from the command line; what /mydata and /forget do with them."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlmodel import select

from bot.content.catalogue import Catalogue
from bot.handlers.problems import OpenProblem
from bot.models import Learner, ProblemReport, Role
from bot.services import problems
from tests.support.harness import Harness
from tests.support.learners import flat, on_screen, plain, read_and_open_quiz
from tests.support.processes import ROOT, bot_env

LEARNER, COORDINATOR, ELSEWHERE = 6101, 6102, 6103
NOT_ALLOWED = "Sorry, you are not allowed to do that."


async def reports(bot: Harness) -> list[ProblemReport]:
    async with bot.deps.database.session() as db:
        return list((await db.exec(select(ProblemReport).order_by(ProblemReport.id))).all())


def open_reports_cli(bot: Harness) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "content", "problems"],
        env=bot_env(DATABASE_URL=bot.deps.settings.database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


async def test_a_report_reaches_the_content_team_is_answered_and_closed(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("en")
    title = module.text("en").title
    learner = await bot.onboarded(LEARNER, country="Kosovo")
    coordinator = await bot.person(COORDINATOR, role=Role.COORDINATOR, countries=("XK",))
    elsewhere = await bot.person(ELSEWHERE, role=Role.COORDINATOR, countries=("AL",))

    # Every card carries the button in its own keyboard: turning a page is one edit, no more.
    await learner.send("/lessons")
    await learner.tap(module.text("en").button_title)
    await learner.tap(tr._("▶️ Start the lessons"))
    assert tr._("⚑ Report a problem") in flat(learner.buttons())
    calls = len(bot.api.calls)
    await learner.tap(tr._("Next ▶️"))
    made = [name for name, _params in bot.api.calls[calls:] if name != "getUpdates"]
    assert sorted(made) == ["answerCallbackQuery", "editMessageText"], made
    card = learner.last_message()
    assert tr._("⚑ Report a problem") in flat(learner.buttons(card))

    await learner.tap(tr._("⚑ Report a problem"), card)
    question = learner.last_message()
    assert question.message_id != card.message_id
    assert plain(tr._("card {number}", number=2)) in (question.text or "")
    assert flat(learner.buttons(question)) == [
        tr._("A fact is wrong or out of date"),
        tr._("Language or translation"),
        tr._("Unclear"),
    ]
    assert coordinator.bot_messages() == []
    await learner.tap(tr._("Unclear"))
    assert learner.last_message().text == tr._(
        "Thank you! Your report is with the content team. If you like, type one sentence "
        "about what is wrong, or tap Done."
    )
    await learner.send("The second paragraph says the opposite of the first.")
    assert learner.last_message().text == tr._("Thank you! Your sentence is added to the report.")

    [report] = await reports(bot)
    assert (report.module_id, report.item_kind, report.item_id) == (
        module.id,
        "card",
        module.card_ids[1],
    )
    assert (report.language, report.category, report.status) == ("en", "unclear", "open")
    assert report.comment == "The second paragraph says the opposite of the first."
    assert report.content_version == problems.content_version(
        module, problems.ItemKind.CARD, module.card_ids[1], "en"
    )
    assert report.content_version.startswith(module.as_of.isoformat() + "#")

    # The coordinator of Kosovo is told; the coordinator of Albania neither told nor shown.
    [notice] = coordinator.bot_messages()
    assert f"#{report.id}" in (notice.text or "") and title in (notice.text or "")
    assert elsewhere.bot_messages() == []
    await elsewhere.send("/problems")
    assert elsewhere.last_message().text == tr._("No open problem reports. 🎉")
    await elsewhere.tap_data(
        OpenProblem(report.id or 0).encode(), elsewhere.last_message().message_id
    )
    assert elsewhere.last_callback_answer().text == NOT_ALLOWED

    # A learner may not list them.
    await learner.send("/problems")
    assert learner.last_message().text == NOT_ALLOWED

    # The content team's command line sees the open report.
    assert f"{module.id}: 1 open problem report(s)" in open_reports_cli(bot)

    await coordinator.send("/problems")
    listing = coordinator.last_message()
    assert listing.text == plain(
        tr.ngettext("<b>{n} open problem report</b>", "<b>{n} open problem reports</b>", 1)
    )
    [label] = flat(coordinator.buttons(listing))
    await coordinator.tap(label)
    shown = coordinator.last_message().text or ""
    assert "The second paragraph says the opposite of the first." in shown
    assert report.content_version in shown and title in shown
    await coordinator.tap(tr._("✍️ Answer"))
    await coordinator.send("You are right: the second paragraph is fixed. Thank you!")
    assert coordinator.last_message().text == tr._(
        "Your answer to report #{id} is sent.", id=report.id
    )
    answer = learner.last_message().text or ""
    assert "You are right: the second paragraph is fixed. Thank you!" in answer
    assert plain(tr._("card {number}", number=2)) in answer and title in answer

    await coordinator.tap(tr._("✅ Close"))
    assert coordinator.last_message().text == tr._("No open problem reports. 🎉")
    [closed] = await reports(bot)
    assert closed.status == "closed" and closed.closed_by is not None
    assert closed.answer == "You are right: the second paragraph is fixed. Thank you!"
    assert "No open problem reports." in open_reports_cli(bot)


async def test_a_quiz_question_is_reported_and_forget_keeps_the_report_without_its_sentence(
    bot: Harness, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    tr = bot.tr("en")
    learner = await bot.onboarded(LEARNER)
    await read_and_open_quiz(learner, tr, module)
    shown = learner.last_message()
    question, _letters = on_screen(module, "en", shown.text or "")
    assert flat(learner.buttons(shown))[-1] == tr._("⚑ Report a problem")
    await learner.tap(tr._("⚑ Report a problem"), shown)
    assert plain(module.text("en").questions[question.id].text)[:20] in (
        learner.last_message().text or ""
    )
    await learner.tap(tr._("Language or translation"))
    await learner.send("x" * (problems.MAX_COMMENT + 1))
    assert learner.last_message().text == tr._(
        "That is longer than {limit} characters. Please type one short sentence.",
        limit=problems.MAX_COMMENT,
    )
    await learner.send("Option B reads as a typo.")
    [report] = await reports(bot)
    assert (report.item_kind, report.item_id, report.category) == (
        "question",
        question.id,
        "language",
    )

    await learner.send("/mydata")
    data = json.loads(learner.last_document().content)
    [mine] = data["problem_reports"]
    assert (
        mine["comment"] == "Option B reads as a typo." and mine["item"] == f"question:{question.id}"
    )

    await learner.send("/forget")
    await learner.tap(tr._("Yes, erase my data"))
    [kept] = await reports(bot)
    assert kept.comment is None and kept.id == report.id
    async with bot.deps.database.session() as db:
        owner = await db.get(Learner, kept.learner_id)
        assert owner is not None and owner.erased_at is not None and owner.telegram_id is None
