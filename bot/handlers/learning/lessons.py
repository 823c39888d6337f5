"""The catalogue, a module's overview and the lesson cards (``/lessons``)."""

from __future__ import annotations

from telegram import Update

from bot.content.catalogue import Module
from bot.handlers.common.entry import ANYONE, Handlers, on_button, on_command
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.learning import keyboards
from bot.handlers.learning.data import OpenModule, ShowCard
from bot.i18n.labels import TOPIC_NAMES
from bot.i18n.translator import Html, Translator
from bot.models import QuizKind
from bot.runtime.context import BotContext
from bot.services import learners, progress, quiz
from bot.services.progress import ModuleStatus


def status_line(tr: Translator, module: Module, status: ModuleStatus | None) -> str:
    minutes = tr.ngettext("{n} minute", "{n} minutes", module.minutes)
    if status is None or not status.started:
        return minutes
    if status.passed:
        return tr._(
            "{minutes} · passed ({percent})",
            minutes=minutes,
            percent=tr.percent(status.best_percent or 0),
        )
    if status.lessons_done:
        return tr._("{minutes} · lessons read", minutes=minutes)
    return tr._(
        "{minutes} · card {current}/{total}",
        minutes=minutes,
        current=status.current_card + 1,
        total=status.cards_total,
    )


async def catalogue_text(current: Turn, context: BotContext) -> tuple[str, dict[str, ModuleStatus]]:
    tr = current.tr
    content = context.deps.catalogue
    statuses = await progress.statuses(current.db, current.learner, content)
    parts = [tr._("<b>Lessons</b>")]
    for topic, modules in content.by_topic():
        parts.append("")
        parts.append(f"<b>{tr._(TOPIC_NAMES[topic])}</b>")
        for module in modules:
            parts.append(
                tr._(
                    "• {title}: {status}",
                    title=module.text(tr.language_code).title,
                    status=Html(status_line(tr, module, statuses.get(module.id))),
                )
            )
    if not learners.records_allowed(current.learner):
        parts.append("")
        parts.append(tr._("<i>Your progress is not saved, because you have not given consent.</i>"))
    return "\n".join(parts), statuses


async def show_catalogue(update: Update, context: BotContext, current: Turn) -> None:
    text, statuses = await catalogue_text(current, context)
    await show(update, text, keyboards.catalogue(current.tr, context.deps.catalogue, statuses))


@on_command("lessons", roles=ANYONE)
async def lessons_command(update: Update, context: BotContext, current: Turn) -> None:
    await show_catalogue(update, context, current)


async def gone(update: Update, current: Turn) -> None:
    """The module or card of a button is no longer in the content."""
    await answer_query(update, current.tr._("This lesson is no longer available."))


@on_button(OpenModule, roles=ANYONE)
async def open_module(update: Update, context: BotContext, current: Turn, data: OpenModule) -> None:
    tr = current.tr
    module = await progress.learner_module(
        current.db, current.learner, context.deps.catalogue, data.module
    )
    if module is None:
        await gone(update, current)
        return
    await answer_query(update)
    text = module.text(tr.language_code)
    resume = await progress.resume_card(current.db, current.learner, module)
    offer_pretest = (
        module.pretest
        and learners.records_allowed(current.learner)
        and resume == 0
        and not await quiz.has_finished(current.db, current.learner, module.id, QuizKind.PRE)
    )
    lines = [
        f"<b>{text.title}</b>",
        "",
        text.summary,
        "",
        tr._(
            "{cards} · {questions} · {minutes}",
            cards=tr.ngettext("{n} card", "{n} cards", module.card_count),
            questions=tr.ngettext("{n} question", "{n} questions", module.quiz_length),
            minutes=tr.ngettext("{n} minute", "{n} minutes", module.minutes),
        ),
        tr._("Facts checked on {date}.", date=tr.date(module.as_of)),
    ]
    if offer_pretest:
        lines += [
            "",
            tr._(
                "A short pre-test shows what you already know, so that you can see what you "
                "learned afterwards. It does not count towards passing."
            ),
        ]
    # The quiz comes after the lessons: here once every card is seen, else on the last card.
    offer_quiz = await progress.lessons_read(current.db, current.learner, module)
    await show(
        update,
        "\n".join(lines),
        keyboards.module_overview(tr, module, resume, offer_pretest, offer_quiz),
    )


def card_text(tr: Translator, module: Module, index: int) -> str:
    text = module.text(tr.language_code)
    header = tr._(
        "<b>{title}</b> · {current}/{total}",
        title=text.title,
        current=index + 1,
        total=module.card_count,
    )
    return f"{header}\n\n{text.cards[module.card_ids[index]]}"


@on_button(ShowCard, roles=ANYONE)
async def show_card(update: Update, context: BotContext, current: Turn, data: ShowCard) -> None:
    tr = current.tr
    module = await progress.learner_module(
        current.db, current.learner, context.deps.catalogue, data.module
    )
    if module is None or not 0 <= data.index < module.card_count:
        await gone(update, current)
        return
    index = await progress.show_card(current.db, current.learner, module, data.index)
    await answer_query(update)
    await show(update, card_text(tr, module, index), keyboards.card(tr, module, index))


HANDLERS: Handlers = (lessons_command, open_module, show_card)
