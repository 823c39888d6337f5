"""Quizzes on inline buttons, one question at a time: the pre-test without any feedback, the
quiz after the lessons with the right answer and its explanation; a score at the end."""

from __future__ import annotations

from telegram import Update

from bot.content.catalogue import Module
from bot.handlers import certificates
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.learning import keyboards
from bot.handlers.learning.data import AnswerQuestion, StartQuiz
from bot.i18n.translator import Html, Translator
from bot.models import QuizKind
from bot.runtime.context import BotContext
from bot.services import nudges, progress, quiz
from bot.services.quiz import LETTERS, AnswerOutcome, Item, QuizError, QuizState, Reason


def question_text(tr: Translator, module: Module, state: QuizState) -> str:
    item = state.item
    text = module.text(tr.language_code).questions[item.question.id]
    title = tr._("Pre-test") if state.kind == QuizKind.PRE else tr._("Quiz")
    header = tr._(
        "<b>{title}</b> · question {current}/{total}",
        title=title,
        current=state.index + 1,
        total=state.question_count,
    )
    options = "\n".join(
        f"<b>{LETTERS[position]}</b>) {text.options[option]}"
        for position, option in enumerate(item.order)
    )
    return f"{header}\n\n<b>{text.text}</b>\n\n{options}"


async def send_question(
    update: Update, tr: Translator, module: Module, state: QuizState, *, edit: bool
) -> None:
    await show(
        update, question_text(tr, module, state), keyboards.question(tr, module, state), edit=edit
    )


def lessons_first_text(tr: Translator) -> str:
    return tr._(
        "The quiz comes after the lessons: read every card of this module first, then take it."
    )


@on_button(StartQuiz, roles=ANYONE)
async def start_quiz(update: Update, context: BotContext, current: Turn, data: StartQuiz) -> None:
    module = await progress.learner_module(
        current.db, current.learner, context.deps.catalogue, data.module
    )
    if module is None:
        raise Stale
    try:
        state = await quiz.start(current.db, current.learner, module, data.kind)
    except QuizError as error:
        assert error.reason == Reason.LESSONS_NOT_READ
        await answer_query(update, lessons_first_text(current.tr), alert=True)
        return
    await answer_query(update)
    # The module's message becomes the first question: one call that Telegram's limits count.
    await send_question(update, current.tr, module, state, edit=True)


def feedback_text(tr: Translator, module: Module, item: Item, chosen: str, correct: bool) -> str:
    """After an answer in the quiz (never in the pre-test): the right answer and why."""
    question = item.question
    text = module.text(tr.language_code).questions[question.id]
    lines = [
        f"<b>{text.text}</b>",
        "",
        tr._(
            "Your answer: {letter}) {option}",
            letter=item.letter(chosen),
            option=Html(text.options[chosen]),
        ),
    ]
    if correct:
        lines.append(tr._("✅ Right!"))
    else:
        lines.append(
            tr._(
                "❌ Not quite. The right answer is {letter}) {option}",
                letter=item.letter(question.correct),
                option=Html(text.options[question.correct]),
            )
        )
    lines += ["", text.explanation]
    return "\n".join(lines)


def result_text(
    tr: Translator,
    module: Module,
    kind: QuizKind,
    correct: int,
    total: int,
    percent: int,
    passed: bool,
    pretest_percent: int | None,
) -> str:
    score = tr._(
        "<b>Your score: {correct} of {total} ({percent})</b>",
        correct=correct,
        total=total,
        percent=tr.percent(percent),
    )
    if kind == QuizKind.PRE:
        return "\n\n".join(
            [
                tr._("Thank you! That was the pre-test."),
                score,
                tr._(
                    "Now the lessons. The quiz at the end asks about the same topics, shows the "
                    "right answers and explains them, and shows how much you have learned."
                ),
            ]
        )
    lines = [score, tr._("Pass mark: {percent}.", percent=tr.percent(module.pass_mark))]
    if pretest_percent is not None:
        lines.append(
            tr._("In the pre-test you had {percent}.", percent=tr.percent(pretest_percent))
        )
    lines.append(
        tr._("🎉 You passed!")
        if passed
        else tr._("Not passed yet. Read the lessons again and try once more.")
    )
    return "\n".join(lines)


@on_button(AnswerQuestion, roles=ANYONE)
async def answer_question(
    update: Update, context: BotContext, current: Turn, data: AnswerQuestion
) -> None:
    """In the pre-test an answer just brings the next question (in the same message): nothing
    tells whether it was right. In the quiz the question becomes its feedback, with the
    explanation, followed by the next question (or the score) in the same message."""
    tr = current.tr
    catalogue = context.deps.catalogue
    # The attempt knows its version (quiz.answer switches to it): no progress row to read.
    module = catalogue.get(data.module) or await progress.learner_module(
        current.db, current.learner, catalogue, data.module
    )
    if module is None:
        raise Stale
    kind = data.kind
    result = await quiz.answer(
        current.db,
        current.learner,
        module,
        kind,
        data.attempt,
        data.index,
        data.correct,
        data.option,
        catalogue,
    )
    module = result.module or module
    if result.outcome == AnswerOutcome.STALE:
        await answer_query(update, tr._("You have already answered this question."))
        return
    if result.outcome == AnswerOutcome.FINISHED:
        await answer_query(update, tr._("This quiz is over. You can start it again."))
        return
    if result.outcome == AnswerOutcome.ABANDONED:
        await answer_query(
            update,
            tr._("This question is from an earlier attempt, which you left for a newer one."),
        )
        return
    if result.outcome != AnswerOutcome.ACCEPTED or result.state is None or result.item is None:
        raise Stale
    state = result.state
    if kind == QuizKind.PRE:
        await answer_query(update)
        if not result.finished:
            await send_question(update, tr, module, state, edit=True)
            return
        text = result_text(
            tr,
            module,
            kind,
            state.correct_count,
            state.question_count,
            result.score_percent,
            result.passed,
            None,
        )
        await show(update, text, keyboards.quiz_result(tr, module, kind))
        return
    if not result.correct:
        # A missed question comes back for a short review in a few days (only with consent).
        await nudges.keep_missed(
            current.db,
            current.learner,
            module.id,
            result.item.question.id,
            context.deps.clock.now(),
        )
    await answer_query(update, tr._("✅ Right!") if result.correct else tr._("❌ Not quite."))
    # The feedback and what comes next (the next question, or the score) in one edit of the
    # question's message: each tap costs one call that Telegram's limits count.
    feedback = feedback_text(tr, module, result.item, data.option, result.correct)
    if not result.finished:
        await show(
            update,
            f"{feedback}\n\n{question_text(tr, module, state)}",
            keyboards.question(tr, module, state),
        )
        return
    statuses = await progress.statuses(current.db, current.learner, context.deps.catalogue)
    status = statuses.get(module.id)
    text = result_text(
        tr,
        module,
        kind,
        state.correct_count,
        state.question_count,
        result.score_percent,
        result.passed,
        status.pretest_percent if status else None,
    )
    keyboard = keyboards.quiz_result(tr, module, kind)
    if result.passed:
        # The certificate (or why there is none) comes with the score, in the same message.
        text, keyboard = await certificates.offer_certificate(
            context, current, module, text, keyboard
        )
    await show(update, f"{feedback}\n\n{text}", keyboard)


HANDLERS: Handlers = (start_quiz, answer_question)
