""" "Report a problem" on a lesson card or a quiz question, and ``/problems`` for the content
team (coordinators in their scope, admins): list, answer (the learner gets it in the chat),
close.

The report button travels in the card's and the question's own keyboard, so showing a card
costs no extra Bot API call; only a tap on it sends the question "what is wrong?"."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.content.catalogue import Module, plain_text
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_command, on_text
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import N_, Translator
from bot.models import ProblemReport, Role
from bot.runtime.context import BotContext
from bot.services import drafts, problems, roles
from bot.services.problems import Category, ItemKind, ProblemError, Reason

log = logging.getLogger(__name__)

CONTENT_TEAM = (Role.COORDINATOR, Role.ADMIN)
LABEL = 60

CATEGORY_LABELS = {
    Category.FACT: N_("A fact is wrong or out of date"),
    Category.LANGUAGE: N_("Language or translation"),
    Category.UNCLEAR: N_("Unclear"),
}


@dataclass(frozen=True)
class ReportProblem(CallbackData):
    """Under a card or a question: the item by its index (ids are too long for a button)."""

    prefix = "rp"
    module: str
    kind: ItemKind
    index: int


@dataclass(frozen=True)
class ReportCategory(CallbackData):
    prefix = "rpc"
    module: str
    kind: ItemKind
    index: int
    category: Category


@dataclass(frozen=True)
class ReportDone(CallbackData):
    prefix = "rpd"
    report: int


@dataclass(frozen=True)
class OpenProblem(CallbackData):
    prefix = "pb"
    report: int


@dataclass(frozen=True)
class AnswerProblem(CallbackData):
    prefix = "pba"
    report: int


@dataclass(frozen=True)
class CloseProblem(CallbackData):
    prefix = "pbc"
    report: int


@dataclass(frozen=True)
class ListProblems(CallbackData):
    prefix = "pbl"


# -- the learner's side ----------------------------------------------------------------------


def report_button(
    tr: Translator, module: Module, kind: ItemKind, index: int
) -> InlineKeyboardButton:
    """The small button every card and question carries."""
    return button(tr._("⚑ Report a problem"), ReportProblem(module.id, kind, index))


def _after_commit(
    context: BotContext, update: Update, db: AsyncSession, send: Callable[[], Awaitable[None]]
) -> None:
    """Sends once the update's unit of work is committed (never if it rolls back): a replayed
    update never reaches this point again, so nothing is sent twice."""

    def start(_session: object) -> None:
        context.application.create_task(send(), update=update, name="problem-notice")

    sa.event.listen(db.sync_session, "after_commit", start, once=True)


def item_label(tr: Translator, module: Module, kind: str, item_id: str) -> str:
    if kind == ItemKind.CARD and item_id in module.card_ids:
        return tr._("card {number}", number=module.card_ids.index(item_id) + 1)
    ids = [question.id for question in module.questions]
    if item_id in ids:
        question = module.text(tr.language_code).questions[item_id]
        return tr._("question “{text}”", text=shorten(plain_text(question.text), LABEL))
    return item_id


@on_button(ReportProblem, roles=ANYONE)
async def report_problem(
    update: Update, context: BotContext, current: Turn, data: ReportProblem
) -> None:
    tr = current.tr
    module = context.deps.catalogue.get(data.module)
    item_id = problems.item_id_at(module, data.kind, data.index) if module else None
    if module is None or item_id is None:
        raise Stale
    await answer_query(update)
    pick = [
        [button(tr._(label), ReportCategory(module.id, data.kind, data.index, category))]
        for category, label in CATEGORY_LABELS.items()
    ]
    await show(
        update,
        tr._(
            "What is wrong with {item} of {module}?",
            item=item_label(tr, module, data.kind, item_id),
            module=module.text(tr.language_code).title,
        ),
        markup(pick),
        edit=False,
    )


def notice_text(tr: Translator, module: Module, row: ProblemReport) -> str:
    return tr._(
        "⚑ <b>New problem report #{id}</b>\n{module}, {item}: {category} ({language}).\n"
        "/problems lists the open reports.",
        id=row.id,
        module=module.text(tr.language_code).title,
        item=item_label(tr, module, row.item_kind, row.item_id),
        category=tr._(CATEGORY_LABELS[Category(row.category)]),
        language=LANGUAGES[row.language].native_name,
    )


@on_button(ReportCategory, roles=ANYONE)
async def report_category(
    update: Update, context: BotContext, current: Turn, data: ReportCategory
) -> None:
    tr = current.tr
    deps = context.deps
    module = deps.catalogue.get(data.module)
    item_id = problems.item_id_at(module, data.kind, data.index) if module else None
    if module is None or item_id is None:
        raise Stale
    row = await problems.report(
        current.db, current.learner, module, data.kind, item_id, data.category, deps.clock.now()
    )
    await answer_query(update)
    assert row.id is not None
    await show(
        update,
        tr._(
            "Thank you! Your report is with the content team. If you like, type one sentence "
            "about what is wrong, or tap Done."
        ),
        markup([[button(tr._("Done"), ReportDone(row.id))]]),
    )
    staff = await problems.staff_to_tell(
        current.db, current.learner, deps.settings.admin_telegram_ids
    )
    notices = [
        (person.telegram_id, notice_text(deps.translator_for(person), module, row))
        for person in staff
        if person.telegram_id is not None
    ]

    async def send() -> None:
        for chat_id, text in notices:
            try:
                await context.bot.send_message(chat_id, text)
            except TelegramError as error:
                log.info("problem notice not delivered: %s", type(error).__name__)

    _after_commit(context, update, current.db, send)


@on_button(ReportDone, roles=ANYONE)
async def report_done(update: Update, context: BotContext, current: Turn, data: ReportDone) -> None:
    await problems.finish_writing(current.db, current.learner)
    await answer_query(update)
    await show(update, current.tr._("Thank you! Your report is with the content team."))


def typed_text_help(tr: Translator) -> str:
    return tr._(
        "I answer to buttons and commands. /lessons opens the lessons, /help lists the rest."
    )


@on_text(problems.STEP, roles=ANYONE)
async def receive_comment(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    report_id = problems.awaited_report(current.learner)
    try:
        await problems.add_comment(current.db, current.learner, message.text)
    except ProblemError as error:
        if error.reason == Reason.NOT_FOUND or report_id is None:
            await show(update, typed_text_help(tr))
            return
        text = (
            tr._(
                "That is longer than {limit} characters. Please type one short sentence.",
                limit=problems.MAX_COMMENT,
            )
            if error.reason == Reason.TOO_LONG
            else tr._("Please type one short sentence, or tap Done.")
        )
        await show(update, text, markup([[button(tr._("Done"), ReportDone(report_id))]]))
        return
    await show(update, tr._("Thank you! Your sentence is added to the report."))


# -- the content team's side -----------------------------------------------------------------


def error_text(tr: Translator, error: ProblemError) -> str:
    if error.reason == Reason.CLOSED:
        return tr._("This report is already closed.")
    if error.reason == Reason.TOO_LONG:
        return tr._(
            "That is longer than {limit} characters. Please type a shorter answer.",
            limit=problems.MAX_ANSWER,
        )
    return tr._("Please type the answer as text.")


async def _scope(context: BotContext, current: Turn) -> roles.Scope:
    return await roles.scope_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )


async def list_text_and_keyboard(
    context: BotContext, current: Turn
) -> tuple[str, InlineKeyboardMarkup | None]:
    tr = current.tr
    rows, total = await problems.open_reports(current.db, await _scope(context, current))
    if not rows:
        return tr._("No open problem reports. 🎉"), None
    grid = []
    for row in rows:
        assert row.id is not None
        module = context.deps.catalogue.get(row.module_id)
        where = (
            f"{module.text(tr.language_code).title}, "
            f"{item_label(tr, module, row.item_kind, row.item_id)}"
            if module
            else row.module_id
        )
        grid.append([button(shorten(f"#{row.id} · {where}", LABEL), OpenProblem(row.id))])
    text = tr.ngettext("<b>{n} open problem report</b>", "<b>{n} open problem reports</b>", total)
    if total > len(rows):
        text += "\n" + tr._("The oldest {shown} are listed.", shown=len(rows))
    return text, markup(grid)


@on_command("problems", roles=CONTENT_TEAM)
async def problems_command(update: Update, context: BotContext, current: Turn) -> None:
    text, keyboard = await list_text_and_keyboard(context, current)
    await show(update, text, keyboard)


@on_button(ListProblems, roles=CONTENT_TEAM)
async def list_problems(
    update: Update, context: BotContext, current: Turn, data: ListProblems
) -> None:
    await answer_query(update)
    text, keyboard = await list_text_and_keyboard(context, current)
    await show(update, text, keyboard)


def report_text(tr: Translator, module: Module | None, row: ProblemReport) -> str:
    lines = [
        tr._("⚑ <b>Problem report #{id}</b>", id=row.id),
        tr._(
            "Module: {module}",
            module=module.text(tr.language_code).title if module else row.module_id,
        ),
        tr._(
            "Item: {item}",
            item=item_label(tr, module, row.item_kind, row.item_id) if module else row.item_id,
        ),
        tr._("What is wrong: {category}", category=tr._(CATEGORY_LABELS[Category(row.category)])),
        tr._("Language: {language}", language=LANGUAGES[row.language].native_name),
        tr._("Content version: {version}", version=row.content_version),
        tr._("Reported on {date}", date=tr.date(row.created_at)),
    ]
    if row.comment:
        lines.append(tr._("The learner wrote: “{comment}”", comment=row.comment))
    if row.answer:
        lines.append(tr._("Answered: “{answer}”", answer=row.answer))
    return "\n".join(lines)


def report_keyboard(tr: Translator, row: ProblemReport) -> InlineKeyboardMarkup:
    assert row.id is not None
    return markup(
        [
            [
                button(tr._("✍️ Answer"), AnswerProblem(row.id)),
                button(tr._("✅ Close"), CloseProblem(row.id)),
            ],
            [button(tr._("« All reports"), ListProblems())],
        ]
    )


@on_button(OpenProblem, roles=CONTENT_TEAM)
async def open_problem(
    update: Update, context: BotContext, current: Turn, data: OpenProblem
) -> None:
    row, _reporter = await problems.in_scope(
        current.db, data.report, await _scope(context, current)
    )
    await answer_query(update)
    tr = current.tr
    await show(
        update,
        report_text(tr, context.deps.catalogue.get(row.module_id), row),
        report_keyboard(tr, row),
    )


@on_button(AnswerProblem, roles=CONTENT_TEAM)
async def answer_problem(
    update: Update, context: BotContext, current: Turn, data: AnswerProblem
) -> None:
    tr = current.tr
    try:
        await problems.start_answer(
            current.db,
            data.report,
            await _scope(context, current),
            current.learner,
            context.deps.clock.now(),
        )
    except ProblemError as error:
        if error.reason != Reason.CLOSED:
            raise
        await answer_query(update, error_text(tr, error))
        return
    await answer_query(update)
    await show(
        update,
        tr._("Type your answer to report #{id}. The learner gets it in the chat.", id=data.report),
        edit=False,
    )


async def leave_answer(current: Turn) -> None:
    await drafts.end_conversation(current.db, current.learner, problems.ANSWER_STEP)


@on_text(problems.ANSWER_STEP, roles=CONTENT_TEAM, leave=leave_answer)
async def receive_answer(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr, deps = current.tr, context.deps
    report_id = await problems.awaited_answer(current.db, current.learner)
    if report_id is None:
        raise Stale
    try:
        row, reporter = await problems.answer(
            current.db,
            report_id,
            await _scope(context, current),
            current.learner,
            message.text,
            deps.clock.now(),
        )
    except ProblemError as error:
        if error.reason in (Reason.NOT_FOUND, Reason.NOT_ALLOWED):
            raise
        await show(update, error_text(tr, error))
        return
    module = deps.catalogue.get(row.module_id)
    await show(
        update, tr._("Your answer to report #{id} is sent.", id=row.id), report_keyboard(tr, row)
    )
    if reporter.telegram_id is None or module is None:
        return
    theirs = deps.translator_for(reporter)
    text = theirs._(
        "💬 <b>The content team answered your report</b> about {module}, {item}:\n\n{answer}",
        module=module.text(theirs.language_code).title,
        item=item_label(theirs, module, row.item_kind, row.item_id),
        answer=row.answer or "",
    )
    chat_id = reporter.telegram_id

    async def send() -> None:
        try:
            await context.bot.send_message(chat_id, text)
        except TelegramError as error:
            log.info("problem answer not delivered: %s", type(error).__name__)

    _after_commit(context, update, current.db, send)


@on_button(CloseProblem, roles=CONTENT_TEAM)
async def close_problem(
    update: Update, context: BotContext, current: Turn, data: CloseProblem
) -> None:
    tr = current.tr
    try:
        await problems.close(
            current.db,
            data.report,
            await _scope(context, current),
            current.learner,
            context.deps.clock.now(),
        )
    except ProblemError as error:
        if error.reason != Reason.CLOSED:
            raise
        await answer_query(update, error_text(tr, error))
        return
    await answer_query(update, tr._("Report #{id} is closed.", id=data.report))
    text, keyboard = await list_text_and_keyboard(context, current)
    await show(update, text, keyboard)


HANDLERS: Handlers = (
    report_problem,
    report_category,
    report_done,
    problems_command,
    list_problems,
    open_problem,
    answer_problem,
    close_problem,
)
