"""A person behind the bot. Free text that answers no question of the bot is offered to a
person ("Send this to your trainer?"); staff (the trainer written to, coordinators in their
scope, admins) are told, read the conversation in ``/inbox``, reply and close it; the
learner gets the reply here and can answer while the conversation is open."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_command, on_text
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.models import InboxConversation, InboxMessage, Learner, Role
from bot.runtime.context import BotContext
from bot.services import drafts, inbox, learners
from bot.services.inbox import InboxError, Listed, Reason, Written

log = logging.getLogger(__name__)

STAFF = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
LABEL = 50
THREAD_ROOM = 3800
"""Characters of a thread on screen: below Telegram's 4096, with room for markup."""
MESSAGE_SHOWN = 1000


@dataclass(frozen=True)
class SendMessage(CallbackData):
    """Under the offer: the text kept for it, by its id."""

    prefix = "ibs"
    message: int


@dataclass(frozen=True)
class DropMessage(CallbackData):
    prefix = "ibn"
    message: int


@dataclass(frozen=True)
class OpenConversation(CallbackData):
    prefix = "ibo"
    conversation: int


@dataclass(frozen=True)
class ReplyConversation(CallbackData):
    prefix = "ibr"
    conversation: int


@dataclass(frozen=True)
class CloseConversation(CallbackData):
    prefix = "ibc"
    conversation: int


@dataclass(frozen=True)
class ListConversations(CallbackData):
    prefix = "ibl"


def _after_commit(
    context: BotContext, update: Update, db: AsyncSession, send: Callable[[], Awaitable[None]]
) -> None:
    """Sends once the update's unit of work is committed (never if it rolls back): a replayed
    update never reaches this point again, so nothing is sent twice."""

    def start(_session: object) -> None:
        context.application.create_task(send(), update=update, name="inbox-notice")

    sa.event.listen(db.sync_session, "after_commit", start, once=True)


def _send_later(
    context: BotContext,
    update: Update,
    db: AsyncSession,
    messages: Sequence[tuple[int, str, InlineKeyboardMarkup | None]],
) -> None:
    async def send() -> None:
        for chat_id, text, keyboard in messages:
            try:
                await context.bot.send_message(chat_id, text, reply_markup=keyboard)
            except TelegramError as error:
                log.info("inbox message not delivered: %s", type(error).__name__)

    if messages:
        _after_commit(context, update, db, send)


def who(tr: Translator, learner: Learner) -> str:
    """The learner as staff see them: their name where they consented, else a number."""
    name = learners.shown_name(learner)
    if name is not None:
        return name
    return html.unescape(tr._("Participant #{number}", number=str(learner.id)))


# Whole sentences per recipient (not "to {who}"): the languages decline the recipient.


def offer_text(tr: Translator, to_trainer: bool) -> str:
    question = (
        tr._("Send this to your trainer?")
        if to_trainer
        else tr._("Send this to the programme team?")
    )
    return question + "\n" + tr._("/help lists what I can do myself.")


def sent_text(tr: Translator, to_trainer: bool, *, first: bool) -> str:
    if first:
        return (
            tr._(
                "✉️ Sent to your trainer. The answer comes here; until then, what you write "
                "goes to the same conversation."
            )
            if to_trainer
            else tr._(
                "✉️ Sent to the programme team. The answer comes here; until then, what you "
                "write goes to the same conversation."
            )
        )
    return tr._("✉️ Sent to your trainer.") if to_trainer else tr._("✉️ Sent to the programme team.")


def answer_head(tr: Translator, to_trainer: bool) -> str:
    return (
        tr._("💬 <b>Your trainer answered:</b>")
        if to_trainer
        else tr._("💬 <b>The programme team answered:</b>")
    )


def error_text(tr: Translator, error: InboxError) -> str:
    if error.reason == Reason.NO_CONSENT:
        return tr._(
            "I can pass a message to a person only if you agreed to how we keep data: "
            "your message would be kept until you erase it. You can agree in /privacy. "
            "/help lists what I can do."
        )
    if error.reason == Reason.LIMIT:
        return tr._(
            "You have sent {limit} messages in the last 24 hours. Please wait for an answer "
            "before writing again.",
            limit=int(error.value or 0),
        )
    if error.reason == Reason.TOO_LONG:
        return tr._(
            "That is longer than {limit} characters. Please write a shorter message.",
            limit=int(error.value or 0),
        )
    if error.reason == Reason.CLOSED:
        return tr._("This conversation is already closed.")
    return tr._("Please write your message as text.")


def notice_text(tr: Translator, learner: Learner, row: InboxMessage, new: bool) -> str:
    head = (
        tr._("💬 <b>A new message</b> from {who}:", who=who(tr, learner))
        if new
        else tr._("💬 {who} wrote again:", who=who(tr, learner))
    )
    return f"{head}\n\n{html.escape(row.text, quote=False)}"


def open_keyboard(tr: Translator, conversation_id: int) -> InlineKeyboardMarkup:
    return markup([[button(tr._("Open"), OpenConversation(conversation_id))]])


async def _notify_staff(
    update: Update, context: BotContext, current: Turn, written: Written
) -> None:
    deps = context.deps
    conversation = written.conversation
    assert conversation.id is not None
    staff = await inbox.staff_to_tell(
        current.db, conversation, current.learner, deps.settings.admin_telegram_ids
    )
    notices = []
    for person in staff:
        if person.telegram_id is None:
            continue
        theirs = deps.translator_for(person)
        notices.append(
            (
                person.telegram_id,
                notice_text(theirs, current.learner, written.message, written.new),
                open_keyboard(theirs, conversation.id),
            )
        )
    _send_later(context, update, current.db, notices)


# -- the learner's side ----------------------------------------------------------------------


async def receive_free_text(update: Update, context: BotContext, current: Turn) -> None:
    """Typed text the bot is not waiting for (``bot.handlers.fallback``): into the open
    conversation, or the offer to send it to a person."""
    message = update.effective_message
    assert message is not None and message.text is not None
    tr, deps = current.tr, context.deps
    now = deps.clock.now()
    try:
        written = await inbox.write(
            current.db, current.learner, message.text, now, deps.settings.inbox_daily_limit
        )
        row = None if written else await inbox.offer(current.db, current.learner, message.text, now)
    except InboxError as error:
        await show(update, error_text(tr, error))
        return
    if written is not None:
        to_trainer = written.conversation.trainer_id is not None
        await show(update, sent_text(tr, to_trainer, first=False))
        await _notify_staff(update, context, current, written)
        return
    assert row is not None and row.id is not None
    trainer = await inbox.next_trainer(current.db, current.learner, now)
    await show(
        update,
        offer_text(tr, trainer is not None),
        markup(
            [
                [
                    button(tr._("✉️ Send"), SendMessage(row.id)),
                    button(tr._("No"), DropMessage(row.id)),
                ]
            ]
        ),
    )


@on_button(SendMessage, roles=ANYONE)
async def send_message(
    update: Update, context: BotContext, current: Turn, data: SendMessage
) -> None:
    tr, deps = current.tr, context.deps
    try:
        written = await inbox.send_offer(
            current.db,
            current.learner,
            data.message,
            deps.clock.now(),
            deps.settings.inbox_daily_limit,
        )
    except InboxError as error:
        if error.reason in (Reason.NOT_FOUND, Reason.NOT_ALLOWED):
            raise
        await answer_query(update)
        await show(update, error_text(tr, error))
        return
    await answer_query(update)
    to_trainer = written.conversation.trainer_id is not None
    await show(update, sent_text(tr, to_trainer, first=True))
    await _notify_staff(update, context, current, written)


@on_button(DropMessage, roles=ANYONE)
async def drop_message(
    update: Update, context: BotContext, current: Turn, data: DropMessage
) -> None:
    await inbox.drop_offer(current.db, current.learner, data.message)
    await answer_query(update)
    await show(
        update,
        current.tr._("Not sent. /lessons opens the lessons, /help lists the rest."),
    )


# -- the staff's side ------------------------------------------------------------------------


async def _viewer(context: BotContext, current: Turn) -> inbox.Viewer:
    return await inbox.viewer(current.db, current.learner, context.deps.settings.admin_telegram_ids)


async def list_text_and_keyboard(
    context: BotContext, current: Turn
) -> tuple[str, InlineKeyboardMarkup | None]:
    tr = current.tr
    listed, total = await inbox.open_conversations(current.db, await _viewer(context, current))
    if not listed:
        return tr._("No open conversations. 🎉"), None
    grid = []
    for item in listed:
        conversation = item.conversation
        assert conversation.id is not None
        label = f"{who(tr, item.learner)} · {tr.date(conversation.last_at)}"
        grid.append([button(shorten(label, LABEL), OpenConversation(conversation.id))])
    text = tr.ngettext("<b>{n} open conversation</b>", "<b>{n} open conversations</b>", total)
    if total > len(listed):
        text += "\n" + tr._("The newest {shown} are listed.", shown=len(listed))
    return text, markup(grid)


@on_command("inbox", roles=STAFF)
async def inbox_command(update: Update, context: BotContext, current: Turn) -> None:
    text, keyboard = await list_text_and_keyboard(context, current)
    await show(update, text, keyboard)


@on_button(ListConversations, roles=STAFF)
async def list_conversations(
    update: Update, context: BotContext, current: Turn, data: ListConversations
) -> None:
    await answer_query(update)
    text, keyboard = await list_text_and_keyboard(context, current)
    await show(update, text, keyboard)


def thread_text(
    tr: Translator, listed: Listed, messages: list[InboxMessage], trainer_name: str | None
) -> str:
    conversation, learner = listed.conversation, listed.learner
    name = who(tr, learner)
    to = (
        tr._("To the trainer {name}", name=trainer_name or "—")
        if conversation.trainer_id is not None
        else tr._("To the programme team")
    )
    lines = [tr._("💬 <b>Conversation with {who}</b>", who=name), to]
    if conversation.status != inbox.OPEN:
        lines.append(tr._("Closed."))
    # The newest messages that fit in one Telegram message (4096 characters), each cut to
    # MESSAGE_SHOWN; the whole conversation is in the learner's /mydata.
    shown: list[str] = []
    room = THREAD_ROOM - sum(len(line) + 1 for line in lines)
    for row in reversed(messages):
        author = name if row.author_id == learner.id else tr._("Staff")
        text = html.escape(shorten(row.text, MESSAGE_SHOWN), quote=False)
        entry = f"\n<b>{html.escape(author)}</b>, {tr.date_time(row.at)}:\n{text}"
        if len(entry) + 1 > room:
            break
        shown.insert(0, entry)
        room -= len(entry) + 1
    return "\n".join(lines + shown)


def thread_keyboard(tr: Translator, conversation: InboxConversation) -> InlineKeyboardMarkup:
    assert conversation.id is not None
    actions = (
        [
            button(tr._("✍️ Reply"), ReplyConversation(conversation.id)),
            button(tr._("✅ Close"), CloseConversation(conversation.id)),
        ]
        if conversation.status == inbox.OPEN
        else []
    )
    return markup([actions, [button(tr._("« All conversations"), ListConversations())]])


async def _show_thread(
    update: Update, current: Turn, listed: Listed, messages: list[InboxMessage]
) -> None:
    tr = current.tr
    trainer_name = None
    if listed.conversation.trainer_id is not None:
        trainer = await current.db.get(Learner, listed.conversation.trainer_id)
        trainer_name = who(tr, trainer) if trainer is not None else None
    await show(
        update,
        thread_text(tr, listed, messages, trainer_name),
        thread_keyboard(tr, listed.conversation),
    )


@on_button(OpenConversation, roles=STAFF)
async def open_conversation(
    update: Update, context: BotContext, current: Turn, data: OpenConversation
) -> None:
    listed, messages = await inbox.read(
        current.db, data.conversation, await _viewer(context, current), context.deps.clock.now()
    )
    await answer_query(update)
    await _show_thread(update, current, listed, messages)


@on_button(ReplyConversation, roles=STAFF)
async def reply_conversation(
    update: Update, context: BotContext, current: Turn, data: ReplyConversation
) -> None:
    tr = current.tr
    try:
        listed = await inbox.start_reply(
            current.db, data.conversation, await _viewer(context, current), context.deps.clock.now()
        )
    except InboxError as error:
        if error.reason != Reason.CLOSED:
            raise
        await answer_query(update, error_text(tr, error))
        return
    await answer_query(update)
    await show(
        update,
        tr._("Type your reply to {who}. They get it in the chat.", who=who(tr, listed.learner)),
        edit=False,
    )


async def leave_reply(current: Turn) -> None:
    await drafts.end_conversation(current.db, current.learner, inbox.REPLY_STEP)


@on_text(inbox.REPLY_STEP, roles=STAFF, leave=leave_reply)
async def receive_reply(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr, deps = current.tr, context.deps
    conversation_id = await inbox.awaited_reply(current.db, current.learner)
    if conversation_id is None:
        await leave_reply(current)
        raise Stale
    try:
        listed = await inbox.reply(
            current.db,
            conversation_id,
            await _viewer(context, current),
            message.text,
            deps.clock.now(),
        )
    except InboxError as error:
        if error.reason in (Reason.NOT_FOUND, Reason.NOT_ALLOWED):
            await leave_reply(current)
            raise
        if error.reason == Reason.CLOSED:
            await leave_reply(current)
        await show(update, error_text(tr, error))
        return
    await show(
        update,
        tr._("Your reply to {who} is sent.", who=who(tr, listed.learner)),
        thread_keyboard(tr, listed.conversation),
    )
    learner = listed.learner
    if learner.telegram_id is None:
        return
    theirs = deps.translator_for(learner)
    to_trainer = listed.conversation.trainer_id is not None
    text = (
        answer_head(theirs, to_trainer)
        + "\n\n"
        + html.escape(message.text.strip(), quote=False)
        + "\n\n"
        + theirs._("<i>To answer, just write here.</i>")
    )
    _send_later(context, update, current.db, [(learner.telegram_id, text, None)])


@on_button(CloseConversation, roles=STAFF)
async def close_conversation(
    update: Update, context: BotContext, current: Turn, data: CloseConversation
) -> None:
    tr = current.tr
    try:
        await inbox.close(
            current.db, data.conversation, await _viewer(context, current), context.deps.clock.now()
        )
    except InboxError as error:
        if error.reason != Reason.CLOSED:
            raise
        await answer_query(update, error_text(tr, error))
        return
    await answer_query(update, tr._("The conversation is closed."))
    text, keyboard = await list_text_and_keyboard(context, current)
    await show(update, text, keyboard)


HANDLERS: Handlers = (
    send_message,
    drop_message,
    inbox_command,
    list_conversations,
    open_conversation,
    reply_conversation,
    close_conversation,
)
