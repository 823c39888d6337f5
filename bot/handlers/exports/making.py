"""Making the file of ``/export``: the request checked once more against the scope, then
the file made and sent in the background (the bot keeps answering others meanwhile), with a
caption that says which period, filters and scope were applied. While it is made the chat
shows "sending a file", and the "⏳ Making the file…" message is replaced by the result
(``handlers.common.working``)."""

from __future__ import annotations

import io
import logging
import tempfile
from datetime import datetime
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import TelegramError

from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.common.working import Working, working
from bot.handlers.exports.data import FilterField
from bot.handlers.exports.screens import checked_filters, scope_of, show_options
from bot.handlers.exports.texts import caption_text, error_text
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext
from bot.services import exports
from bot.services.exports import ExportError, ExportFormat, ExportRequest, Reason, conversation
from bot.services.exports.conversation import period_of

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
"""Telegram's limit for a document a bot sends."""

FILTER_OF_PROBLEM = {
    Reason.UNKNOWN_COUNTRY: FilterField.COUNTRY,
    Reason.COUNTRY_OUTSIDE_SCOPE: FilterField.COUNTRY,
    Reason.EMPTY_ORGANISATION: FilterField.ORGANISATION,
    Reason.ORGANISATION_TOO_LONG: FilterField.ORGANISATION,
    Reason.ORGANISATION_OUTSIDE_SCOPE: FilterField.ORGANISATION,
    Reason.UNKNOWN_MODULE: FilterField.MODULE,
    Reason.PROGRAMME_OUTSIDE_SCOPE: FilterField.PROGRAMME,
}
"""The answer to drop when the scope no longer allows it."""

_running: set[int] = set()
"""Learners whose file is being made now: one export at a time each."""


async def start_making(
    update: Update, context: BotContext, current: Turn, answers: dict[str, Any]
) -> None:
    """Checks the request once more against the scope, then makes and sends the file in the
    background."""
    tr, deps = current.tr, context.deps
    learner = current.learner
    assert learner.id is not None
    scope = await scope_of(context, current)
    now = deps.clock.now()
    try:
        export_format = ExportFormat(str(answers.get("format")))
        exports.check_allowed(scope, export_format)
        checked = checked_filters(context, scope, answers)
        period = period_of(answers, now, tr.zone)
    except ExportError as error:
        # The scope changed since the choice was made: drop what no longer fits.
        await answer_query(update)
        field = FILTER_OF_PROBLEM.get(error.reason)
        if field is not None:
            answers[field.value] = None
        if error.reason is Reason.FORMAT_NOT_ALLOWED:
            answers["format"] = ExportFormat.XLSX.value
        await show_options(update, context, current, answers, notice=error_text(tr, error, scope))
        return
    except (KeyError, ValueError):
        await conversation.drop(current.db, learner)
        await answer_query(update)
        await show(update, tr._("That export has ended. /export starts a new one."))
        return
    if learner.id in _running:
        await answer_query(update, tr._("Your previous file is still being made."), alert=True)
        return
    # Gone for good before the work starts: this tap, handled again, makes no second file.
    await conversation.close_for_making(current.db, learner)
    await answer_query(update)
    message = await show(update, tr._("⏳ Making the file…"))
    request = ExportRequest(scope, period, checked)
    chat = update.effective_chat
    assert chat is not None
    _running.add(learner.id)
    context.application.create_task(
        _make_and_send(context, chat.id, message, learner.id, tr, request, export_format),
        update=update,
        name=f"export-{learner.id}",
    )


async def _make_and_send(
    context: BotContext,
    chat_id: int,
    message: Message | None,
    learner_id: int,
    tr: Translator,
    request: ExportRequest,
    export_format: ExportFormat,
) -> None:
    """Makes and sends the file while the chat shows "sending a file"; the working
    ``message`` is then deleted (the file is the answer), or replaced by what went wrong."""
    deps = context.deps
    titles = exports.module_titles(deps.catalogue, tr.language_code)
    now = deps.clock.now()
    failure = tr._("Sorry, the file could not be made. Please try again later.")
    try:
        async with working(context.bot, chat_id, message, failure=failure) as work:
            await _make(context, work, learner_id, tr, request, export_format, titles, now)
    except TelegramError as error:
        log.warning("export not delivered: %s", type(error).__name__)
    except Exception:
        log.exception("export failed")
    finally:
        _running.discard(learner_id)


async def _make(
    context: BotContext,
    work: Working,
    learner_id: int,
    tr: Translator,
    request: ExportRequest,
    export_format: ExportFormat,
    titles: dict[str, str],
    now: datetime,
) -> None:
    deps = context.deps
    chat_id = work.chat_id
    with tempfile.TemporaryFile() as handle:
        async with deps.database.session() as db:
            made = await exports.make(
                db,
                handle,
                request,
                export_format,
                tr=tr,
                now=now,
                threshold=deps.settings.indicator_threshold,
                module_titles=titles,
            )
        if made.size > MAX_DOCUMENT_BYTES:
            await work.finish(
                tr._(
                    "The file is larger than Telegram allows (50 MB). Please choose a "
                    "shorter period or a filter, or ask the operator for "
                    "<code>python -m bot export</code>."
                )
            )
            return
        handle.seek(0)
        content = handle.read()
    if export_format is ExportFormat.XLSX:
        # The indicators as a long ("tidy") CSV for BI tools; then the workbook, last.
        tidy = io.BytesIO()
        async with deps.database.session() as db:
            made_csv = await exports.make_indicators_csv(
                db,
                tidy,
                request,
                tr=tr,
                now=now,
                threshold=deps.settings.indicator_threshold,
            )
        await context.bot.send_document(chat_id, InputFile(tidy.getvalue(), filename=made_csv.name))
    await context.bot.send_document(
        chat_id,
        InputFile(content, filename=made.name),
        caption=caption_text(tr, request, export_format, made.summary, titles),
    )
    async with deps.database.session() as db:
        await exports.record_export(
            db, actor_id=learner_id, request=request, summary=made.summary, now=now
        )
