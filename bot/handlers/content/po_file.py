"""A translator's PO file sent back in the chat (made by ``/translate``): checked by
:func:`bot.content.po.read_import` (what ``import_po`` does, keeping what changed for the
review states), then stored as the module's draft like a workbook, with the same "draft
ready" and its Preview and Publish buttons. Each problem is named by its key and line."""

from __future__ import annotations

from telegram import Update
from telegram.ext import filters

from bot.content.po import Level, PoError, PoProblem, header_of, read_import
from bot.handlers.common.entry import Handlers, on_document
from bot.handlers.common.keyboards import markup
from bot.handlers.common.replies import show
from bot.handlers.common.turn import Turn
from bot.handlers.content.editor import (
    EDITORS,
    draft_buttons,
    draft_ready_text,
    editor_languages,
)
from bot.handlers.content.texts import MAX_PROBLEMS, error_text, problem_message
from bot.i18n.translator import Html, Translator
from bot.runtime.context import BotContext
from bot.services import content_versions, content_workbook, translation_review
from bot.services.content_versions import ContentVersionError, Reason

PO_FILE = filters.Document.FileExtension("po")


def po_problem_line(tr: Translator, problem: PoProblem) -> str:
    message = Html(problem_message(tr, problem.message))
    if problem.line is None:
        return tr._("• <code>{key}</code>: {problem}", key=problem.key, problem=message)
    return tr._(
        "• line {line}, <code>{key}</code>: {problem}",
        line=problem.line,
        key=problem.key,
        problem=message,
    )


def po_problems_text(tr: Translator, problems: list[PoProblem]) -> str:
    errors = [problem for problem in problems if problem.level is Level.ERROR]
    lines = [
        tr.ngettext(
            "The file has {n} problem. Nothing was changed; fix it and send the file again:",
            "The file has {n} problems. Nothing was changed; fix them and send the file again:",
            len(errors),
        ),
        "",
    ]
    lines += [po_problem_line(tr, problem) for problem in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        lines.append(tr._("… and {count} more", count=len(errors) - MAX_PROBLEMS))
    return "\n".join(lines)


def warnings_text(tr: Translator, problems: list[PoProblem]) -> str:
    warnings = [problem for problem in problems if problem.level is Level.WARNING]
    if not warnings:
        return ""
    lines = ["", tr._("Worth a look:")]
    lines += [po_problem_line(tr, problem) for problem in warnings[:MAX_PROBLEMS]]
    if len(warnings) > MAX_PROBLEMS:
        lines.append(tr._("… and {count} more", count=len(warnings) - MAX_PROBLEMS))
    return "\n".join(lines)


@on_document(PO_FILE, roles=EDITORS)
async def receive_po(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    message = update.effective_message
    assert message is not None and message.document is not None
    assert current.learner.id is not None
    if (message.document.file_size or 0) > content_workbook.MAX_BYTES:
        await show(
            update, po_problems_text(tr, [PoProblem(Level.ERROR, "-", "not a valid PO file")])
        )
        return
    telegram_file = await message.document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    today = context.deps.clock.now().date()
    try:
        module_id, language = header_of(data)
        allowed = await content_versions.editor_languages(current.db, current.learner.id)
        if allowed is not None and language not in allowed:
            raise ContentVersionError(Reason.LANGUAGE_NOT_ALLOWED, language)
        files = await content_versions.latest_draft_or_published(current.db, module_id)
        result = read_import(files, data, language, today)
    except PoError as error:
        await show(update, po_problems_text(tr, [error.problem]))
        return
    except ContentVersionError as error:
        await show(update, refusal(tr, error, await editor_languages(current)))
        return
    if result.errors:
        await show(update, po_problems_text(tr, result.problems))
        return
    try:
        draft = await content_versions.save_draft(
            current.db, module_id, result.files, current.learner.id, {language}, today=today
        )
    except ContentVersionError as error:
        await show(update, refusal(tr, error, await editor_languages(current)))
        return
    await translation_review.record_import(
        current.db, result, current.learner.id, context.deps.clock.now()
    )
    await show(
        update,
        draft_ready_text(context, tr, draft) + warnings_text(tr, result.problems),
        markup(draft_buttons(tr, draft.module_id, draft.number)),
    )


def refusal(tr: Translator, error: ContentVersionError, languages: str) -> str:
    if error.reason == Reason.LANGUAGE_NOT_ALLOWED:
        return tr._(
            "You may change only these languages: {languages}. This file is for another one "
            "({language}). Nothing was changed.",
            languages=languages,
            language=error.value or "",
        )
    if error.reason == Reason.UNCHANGED:
        return tr._("The file changes nothing: there is no new draft.")
    if error.reason == Reason.INVALID:
        # Found by the module's check as a whole (another language's text, the quiz lint).
        return po_problems_text(
            tr, [PoProblem(Level.ERROR, p.field, p.message) for p in error.problems]
        )
    return error_text(tr, error, languages)


HANDLERS: Handlers = (receive_po,)
