"""Quizzes on inline buttons: one question at a time, feedback with the explanation, a score."""

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
from bot.services import progress, quiz
from bot.services.quiz import AnswerOutcome, QuizState


def question_text(tr: Translator, module: Module, state: QuizState) -> str:
    text = module.text(tr.language_code).questions[module.question(state.index).id]
    title = tr._("Pre-test") if state.kind == QuizKind.PRE else tr._("Quiz")
    header = tr._(
        "<b>{title}</b> · question {current}/{total}",
        title=title,
        current=state.index + 1,
        total=state.question_count,
    )
    options = "\n".join(
        f"<b>{keyboards.OPTION_LETTERS[option]}</b>) {text.options[option]}"
        for option in module.question(state.index).options
    )
    return f"{header}\n\n<b>{text.text}</b>\n\n{options}"


async def send_question(
    update: Update, tr: Translator, module: Module, state: QuizState, *, edit: bool
) -> None:
    await show(
        update,
        question_text(tr, module, state),
        keyboards.question(module, state.kind, state.attempt_id, state.index, state.correct_count),
        edit=edit,
    )


@on_button(StartQuiz, roles=ANYONE)
async def start_quiz(update: Update, context: BotContext, current: Turn, data: StartQuiz) -> None:
    module = context.deps.catalogue.get(data.module)
    if module is None:
        raise Stale
    state = await quiz.start(current.db, current.learner, module, data.kind)
    await answer_query(update)
    # In place of the card or overview tapped: one Bot API call Telegram counts, not two.
    await send_question(update, current.tr, module, state, edit=True)


def feedback_text(tr: Translator, module: Module, index: int, chosen: str, correct: bool) -> str:
    question = module.question(index)
    text = module.text(tr.language_code).questions[question.id]
    letter = keyboards.OPTION_LETTERS
    lines = [
        f"<b>{text.text}</b>",
        "",
        tr._(
            "Your answer: {letter}) {option}",
            letter=letter[chosen],
            option=Html(text.options[chosen]),
        ),
    ]
    if correct:
        lines.append(tr._("✅ Right!"))
    else:
        lines.append(
            tr._(
                "❌ Not quite. The right answer is {letter}) {option}",
                letter=letter[question.correct],
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
                score,
                tr._(
                    "That was the pre-test. Now read the lessons; the quiz at the end shows how "
                    "much you have learned."
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
    tr = current.tr
    module = context.deps.catalogue.get(data.module)
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
    )
    if result.outcome == AnswerOutcome.STALE:
        await answer_query(update, tr._("You have already answered this question."))
        return
    if result.outcome == AnswerOutcome.FINISHED:
        await answer_query(update, tr._("This quiz is over. You can start it again."))
        return
    if result.outcome != AnswerOutcome.ACCEPTED or result.state is None:
        raise Stale
    await answer_query(update, tr._("✅ Right!") if result.correct else tr._("❌ Not quite."))
    # The feedback and what comes next (the next question, or the score) in one edit of the
    # question's message: each tap costs one call that Telegram's limits count.
    feedback = feedback_text(tr, module, data.index, data.option, result.correct)
    state = result.state
    if not result.finished:
        await show(
            update,
            f"{feedback}\n\n{question_text(tr, module, state)}",
            keyboards.question(
                module, state.kind, state.attempt_id, state.index, state.correct_count
            ),
        )
        return
    statuses = await progress.statuses(current.db, current.learner, context.deps.catalogue)
    status = statuses.get(module.id)
    pretest = status.pretest_percent if status and kind == QuizKind.POST else None
    text = result_text(
        tr,
        module,
        kind,
        state.correct_count,
        state.question_count,
        result.score_percent,
        result.passed,
        pretest,
    )
    keyboard = keyboards.quiz_result(tr, module, kind)
    if kind == QuizKind.POST and result.passed:
        # The certificate (or why there is none) comes with the score, in the same message.
        text, keyboard = await certificates.offer_certificate(
            context, current, module, text, keyboard
        )
    await show(update, f"{feedback}\n\n{text}", keyboard)


HANDLERS: Handlers = (start_quiz, answer_question)
