"""The learner's sessions: the invitation link ``/start s_<code>``, ``/mysessions``, apologies.

A new learner who opens an invitation is onboarded first (``onboarding.start``
keeps the link in ``pending_start``); the registration follows straight after.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common import keyboards
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.deep_links import SessionInviteLink
from bot.handlers.common.entry import ANYONE, Handlers, on_button, on_command
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.texts import details_text
from bot.i18n.translator import Translator
from bot.models import RegistrationStatus, TrainingSession
from bot.runtime.context import BotContext
from bot.services import learners, sessions
from bot.services.sessions import RegistrationOutcome

MAX_LABEL = 40


class ApologyStep(StrEnum):
    ASK = "ask"
    """Shows the confirmation ..."""
    YES = "yes"
    """... which records the apology ..."""
    NO = "no"
    """... or goes back to the list."""


@dataclass(frozen=True)
class Apology(CallbackData):
    """ "I can't come": ``ask`` shows the confirmation, ``yes`` records it, ``no`` goes back."""

    prefix = "sy"
    session_id: int
    step: ApologyStep


@dataclass(frozen=True)
class MySessions(CallbackData):
    prefix = "sm"


def registration_text(
    tr: Translator, outcome: RegistrationOutcome, details: str | None
) -> tuple[str, bool]:
    """The answer to an invitation, and whether to offer "I can't come"."""
    if outcome == RegistrationOutcome.REGISTERED:
        head = tr._("✅ <b>You are registered.</b>")
        tail = tr._(
            "You will get a reminder before it starts. If you cannot come, "
            "please tell us in /mysessions."
        )
        return f"{head}\n\n{details}\n\n{tail}", True
    if outcome == RegistrationOutcome.ALREADY_REGISTERED:
        head, may_apologise = tr._("You are already registered for this session."), True
    elif outcome == RegistrationOutcome.FULL:
        head, may_apologise = tr._("Sorry, this session is full."), False
    elif outcome == RegistrationOutcome.CANCELLED:
        head, may_apologise = tr._("Sorry, this session has been cancelled."), False
    elif outcome == RegistrationOutcome.NEEDS_CONSENT:
        head = tr._(
            "To register you for this session we need to keep your registration and "
            "attendance, which you have not agreed to (see /privacy). Do you agree now?"
        )
        may_apologise = False
    elif outcome == RegistrationOutcome.STARTED:
        head = tr._("This session has already started or is over; registration is closed.")
        may_apologise = False
    else:
        return (
            tr._("This invitation link is not valid. Please ask your trainer for a new one."),
            False,
        )
    return f"{head}\n\n{details}", may_apologise


async def open_invitation(
    update: Update, context: BotContext, current: Turn, link: SessionInviteLink
) -> None:
    """``/start s_<code>``: registers the learner (who has been onboarded by now)."""
    code = link.code
    tr = current.tr
    now = context.deps.clock.now()
    result = await sessions.register(current.db, current.learner, code, now)
    training = result.training
    details = details_text(tr, context.deps.catalogue, training) if training else None
    text, may_apologise = registration_text(tr, result.outcome, details)
    grid: list[list[InlineKeyboardButton]] = []
    if result.outcome == RegistrationOutcome.NEEDS_CONSENT:
        # Agreeing continues onboarding, which ends by opening this invitation again.
        await learners.remember_start(current.db, current.learner, link.payload())
        await show(update, text, keyboards.privacy(tr, consent_given=False), edit=False)
        return
    if may_apologise and training is not None and training.id is not None:
        grid.append([button(tr._("🙋 I can't come"), Apology(training.id, ApologyStep.ASK))])
    grid.append([button(tr._("📅 My sessions"), MySessions())])
    await show(update, text, markup(grid), edit=False)


async def my_sessions_view(
    context: BotContext, current: Turn
) -> tuple[str, InlineKeyboardMarkup | None]:
    tr = current.tr
    now = context.deps.clock.now()
    found = await sessions.my_sessions(current.db, current.learner, now)
    if not found:
        return (
            tr._(
                "You are not registered for any upcoming session. "
                "Your trainer can send you an invitation link."
            ),
            None,
        )
    parts = [tr._("<b>My sessions</b>")]
    grid: list[list[InlineKeyboardButton]] = []
    for training, registration in found:
        assert training.id is not None
        parts += ["", details_text(tr, context.deps.catalogue, training)]
        if registration.status == RegistrationStatus.APOLOGISED:
            parts.append(tr._("🙋 You told us you cannot come."))
        elif sessions.has_started(training, now):
            parts.append(tr._("Under way now."))
        else:
            grid.append(
                [
                    button(
                        tr._("🙋 I can't come: {title}", title=shorten(training.title, MAX_LABEL)),
                        Apology(training.id, ApologyStep.ASK),
                    )
                ]
            )
    return "\n".join(parts), (markup(grid) if grid else None)


@on_command("mysessions", roles=ANYONE)
async def mysessions_command(update: Update, context: BotContext, current: Turn) -> None:
    text, keyboard = await my_sessions_view(context, current)
    await show(update, text, keyboard)


@on_button(MySessions, roles=ANYONE)
async def mysessions_button(
    update: Update, context: BotContext, current: Turn, data: MySessions
) -> None:
    await answer_query(update)
    text, keyboard = await my_sessions_view(context, current)
    await show(update, text, keyboard, edit=False)


def apology_answer(tr: Translator, outcome: RegistrationOutcome) -> str:
    if outcome == RegistrationOutcome.APOLOGISED:
        return tr._(
            "Thank you for letting us know; your place is free for someone else. "
            "If your plans change, open the invitation link again."
        )
    if outcome == RegistrationOutcome.ALREADY_APOLOGISED:
        return tr._("You have already told us that you cannot come.")
    if outcome == RegistrationOutcome.STARTED:
        return tr._("This session has already started.")
    if outcome == RegistrationOutcome.CANCELLED:
        return tr._("This session has been cancelled.")
    return tr._("You are not registered for this session.")


@on_button(Apology, roles=ANYONE)
async def apology(update: Update, context: BotContext, current: Turn, data: Apology) -> None:
    tr = current.tr
    await answer_query(update)
    if data.step == ApologyStep.NO:
        text, keyboard = await my_sessions_view(context, current)
        await show(update, text, keyboard)
        return
    training: TrainingSession | None = await sessions.get_session(current.db, data.session_id)
    if data.step == ApologyStep.ASK:
        mine = {
            s.id
            for s, r in await sessions.my_sessions(
                current.db, current.learner, context.deps.clock.now()
            )
            if r.status == RegistrationStatus.REGISTERED
        }
        if training is None or training.id not in mine:
            await show(update, tr._("You are not registered for this session."), edit=False)
            return
        await show(
            update,
            tr._(
                "Tell the trainer that you cannot come to <b>{title}</b> on {when}?",
                title=training.title,
                when=tr.date_time(training.starts_at),
            ),
            markup(
                [
                    [button(tr._("Yes, I can't come"), Apology(data.session_id, ApologyStep.YES))],
                    [button(tr._("No, I will be there"), Apology(data.session_id, ApologyStep.NO))],
                ]
            ),
            edit=False,
        )
        return
    result = await sessions.apologise(
        current.db, current.learner, data.session_id, context.deps.clock.now()
    )
    await show(update, apology_answer(tr, result.outcome))


HANDLERS: Handlers = (mysessions_command, mysessions_button, apology)
