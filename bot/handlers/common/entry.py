"""Commands and buttons, each declared once together with who may use it.

    @on_command("attendance", roles=MANAGERS)
    async def attendance_command(update: Update, context: BotContext, current: Turn) -> None:
        ...

    @on_button(OpenAttendance, roles=MANAGERS)
    async def open_attendance(
        update: Update, context: BotContext, current: Turn, data: OpenAttendance
    ) -> None:
        ...

A declaration is a PTB handler (``CommandHandler`` / ``CallbackQueryHandler``) that a
feature lists in its ``HANDLERS`` and ``bot.app`` adds. For every use it opens the unit of
work (:func:`~bot.handlers.common.turn.turn`), decodes the button's data with its codec,
checks the role on the server, and only then calls the feature. It refuses with one
message, and changes nothing, when the data is stale, forged or out of place, or when the
person may not do this. A button about a training session that has changed since it was
shown (cancelled, started, over, moved: its data's ``training_use``) is answered with what
is true now, and loses its keyboard, before the feature runs
(:mod:`bot.handlers.common.outdated`). A feature refuses the same way by raising :class:`Stale` or
:class:`NotAllowed` (for example when a session is not theirs), or by letting through a
service's error whose reason is ``not-found`` or ``not-allowed``.

``roles`` is required: :data:`ANYONE` says in so many words that everyone may use it.
The authorisation test reads ``roles`` of every declared handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any, Final, Generic, TypeVar

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.ext.filters import BaseFilter

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.outdated import keyboard_only_about, outdated_text
from bot.handlers.common.replies import answer_query, drop_keyboard, show
from bot.handlers.common.turn import Turn, turn
from bot.i18n.translator import N_
from bot.models import Role
from bot.runtime.context import BotContext
from bot.services import roles as role_service
from bot.services.errors import ServiceError

Data = TypeVar("Data", bound=CallbackData)

PRIVATE: Final = filters.ChatType.PRIVATE
"""The bot talks with people one to one; in groups it stays silent."""

STALE_TEXT: Final = N_("This button is no longer valid.")
NOT_ALLOWED_TEXT: Final = N_("Sorry, you are not allowed to do that.")

ANYONE: Final = None
"""``roles=ANYONE``: everyone who writes to the bot may use it."""

Roles = Collection[Role] | None

CommandCallback = Callable[[Update, BotContext, Turn], Awaitable[None]]
Leave = Callable[[Turn], Awaitable[object]]
ButtonCallback = Callable[[Update, BotContext, Turn, Data], Awaitable[None]]


class Refusal(Exception):
    """Raised by a feature to refuse the update with the one message of its kind."""


class Stale(Refusal):
    """The button (or typed step) points at something that is gone, changed or was never there."""


class Outdated(Stale):
    """A button about a training session that has since changed: answered with what is true
    now (``text``), and the message's buttons are removed unless some are about another
    session (a list of sessions)."""

    def __init__(self, text: str, session_id: int) -> None:
        super().__init__(text)
        self.text = text
        self.session_id = session_id


class NotAllowed(Refusal):
    """The person may not do this (their role, or their scope)."""


async def holds(context: BotContext, current: Turn, allowed: Collection[Role]) -> bool:
    held = await role_service.roles_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )
    return bool(held & set(allowed))


async def check_role(context: BotContext, current: Turn, allowed: Collection[Role]) -> None:
    """Raises :class:`NotAllowed` unless the person holds one of ``allowed`` now."""
    if not await holds(context, current, allowed):
        raise NotAllowed


async def require_role(update: Update, context: BotContext, current: Turn, *allowed: Role) -> bool:
    """True when the person holds one of ``allowed``; else says "not allowed" and returns False
    (for typed steps, which are no declared entry point)."""
    if await holds(context, current, allowed):
        return True
    await refuse(update, current, NotAllowed())
    return False


async def refuse(update: Update, current: Turn, refusal: Refusal) -> None:
    """The one answer to a refused update: a notice on the button, or a message."""
    tr = current.tr
    if isinstance(refusal, Outdated):
        await answer_query(update, refusal.text, alert=True)
        if keyboard_only_about(update, refusal.session_id):
            await drop_keyboard(update)
        return
    if isinstance(refusal, NotAllowed):
        text, alert = tr._(NOT_ALLOWED_TEXT), True
    else:
        text, alert = tr._(STALE_TEXT), False
    if update.callback_query is not None:
        await answer_query(update, text, alert=alert)
    else:
        await show(update, text)


def refusal_of(error: ServiceError) -> Refusal | None:
    if error.not_found:
        return Stale()
    if error.not_allowed:
        return NotAllowed()
    return None


async def guarded(
    update: Update,
    context: BotContext,
    current: Turn,
    roles: Roles,
    work: Callable[[], Awaitable[None]],
) -> None:
    """Does ``work`` for ``current`` once the role is checked; answers any refusal."""
    try:
        if roles is not None:
            await check_role(context, current, roles)
        await work()
    except Refusal as refusal:
        await refuse(update, current, refusal)
    except ServiceError as error:
        answer = refusal_of(error)
        if answer is None:
            raise
        await refuse(update, current, answer)


class CommandRoute(CommandHandler[BotContext, None]):
    """A command with who may use it (``roles``); only in private chats unless told."""

    def __init__(
        self,
        command: str,
        respond: CommandCallback,
        roles: Roles,
        extra_filter: BaseFilter | None = None,
    ) -> None:
        self.roles: frozenset[Role] | None = None if roles is None else frozenset(roles)
        self.respond = respond
        chats = PRIVATE if extra_filter is None else PRIVATE & extra_filter
        super().__init__(command, self._run, filters=chats)

    async def _run(self, update: Update, context: BotContext) -> None:
        async with turn(update, context) as current:
            await guarded(
                update, context, current, self.roles, lambda: self.respond(update, context, current)
            )


class ButtonRoute(CallbackQueryHandler[BotContext, None], Generic[Data]):
    """A button: its data class (routed by prefix, decoded and checked by the codec) and who
    may press it (``roles``)."""

    def __init__(self, data: type[Data], respond: ButtonCallback[Data], roles: Roles) -> None:
        self.data = data
        self.roles: frozenset[Role] | None = None if roles is None else frozenset(roles)
        self.respond = respond
        super().__init__(self._run, pattern=data.pattern())

    async def _run(self, update: Update, context: BotContext) -> None:
        query = update.callback_query
        decoded = self.data.decode(query.data if query is not None else None)
        async with turn(update, context) as current:
            if decoded is None:
                await refuse(update, current, Stale())
                return

            async def work() -> None:
                # The one check of buttons about a training session that has changed since.
                about = decoded.about_training()
                if about is not None:
                    truth = await outdated_text(context, current, about)
                    if truth is not None:
                        raise Outdated(truth, about.session_id)
                await self.respond(update, context, current, decoded)

            await guarded(update, context, current, self.roles, work)


class DocumentRoute(MessageHandler[BotContext, None]):
    """A file sent to the bot (``document``: which files), with who may send it (``roles``)."""

    def __init__(self, document: BaseFilter, respond: CommandCallback, roles: Roles) -> None:
        self.roles: frozenset[Role] | None = None if roles is None else frozenset(roles)
        self.respond = respond
        super().__init__(PRIVATE & document, self._run)

    async def _run(self, update: Update, context: BotContext) -> None:
        async with turn(update, context) as current:
            await guarded(
                update, context, current, self.roles, lambda: self.respond(update, context, current)
            )


def on_document(
    document: BaseFilter, *, roles: Roles
) -> Callable[[CommandCallback], DocumentRoute]:
    """Declares what a file matching ``document`` does when sent, for ``roles``."""

    def declare(respond: CommandCallback) -> DocumentRoute:
        return DocumentRoute(document, respond, roles)

    return declare


class TextStepRoute:
    """Typed text while ``learner.awaiting`` names ``step``: who may type it (``roles``), and
    how the conversation ends (``leave``) when the person may no longer be in it."""

    def __init__(
        self,
        step: str,
        respond: CommandCallback,
        roles: Roles,
        leave: Leave | None,
        locations: bool = False,
    ) -> None:
        self.step = step
        self.locations = locations
        """Whether a location message (a map pin) is an answer too, not only typed text."""
        self.roles: frozenset[Role] | None = None if roles is None else frozenset(roles)
        self.respond = respond
        self.leave = leave

    async def __call__(self, update: Update, context: BotContext, current: Turn) -> None:
        async def work() -> None:
            if self.roles is not None and not await holds(context, current, self.roles):
                if self.leave is not None:
                    await self.leave(current)
                raise NotAllowed
            await self.respond(update, context, current)

        await guarded(update, context, current, ANYONE, work)


def on_text(
    step: str, *, roles: Roles, leave: Leave | None = None, locations: bool = False
) -> Callable[[CommandCallback], TextStepRoute]:
    """Declares what typed text does while the person is in ``step`` (``bot.app`` lists the
    steps); ``leave`` ends the conversation of someone who lost the role on the way;
    ``locations``: a location message is an answer too (the step reads ``message.location``)."""

    def declare(respond: CommandCallback) -> TextStepRoute:
        return TextStepRoute(step, respond, roles, leave, locations)

    return declare


def on_command(
    command: str, *, roles: Roles, extra_filter: BaseFilter | None = None
) -> Callable[[CommandCallback], CommandRoute]:
    """Declares ``/command``, usable by ``roles`` (or :data:`ANYONE`)."""

    def declare(respond: CommandCallback) -> CommandRoute:
        return CommandRoute(command, respond, roles, extra_filter)

    return declare


def on_button(
    data: type[Data], *, roles: Roles
) -> Callable[[ButtonCallback[Data]], ButtonRoute[Data]]:
    """Declares the handler of every button whose data is a ``data``, usable by ``roles``."""

    def declare(respond: ButtonCallback[Data]) -> ButtonRoute[Data]:
        return ButtonRoute(data, respond, roles)

    return declare


Handlers = Sequence[BaseHandler[Any, BotContext, Any]]
"""What a feature lists in ``HANDLERS`` for ``bot.app`` to add."""
