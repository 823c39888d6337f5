"""The learner's sessions: the invitation link ``/start s_<code>``, "Register", ``/mysessions``,
apologies.

Opening an invitation shows the session and "Register"; nothing is registered before the
tap. Someone new sees the session in the first reply (:func:`preview_invitation`), is
onboarded (``onboarding.start`` keeps the link in ``pending_start``) and then lands on the
session with "Register". A registered person gets the calendar file and the map pin.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common import keyboards
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.deep_links import SessionInviteLink
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_command
from bot.handlers.common.keyboards import button, markup, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.routes import LinkPreview
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.invitation import (
    in_session_zone,
    invitation_lines,
    language_note,
    send_calendar,
    trainer_name,
)
from bot.handlers.sessions.texts import details_text
from bot.i18n.languages import guess_language
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


@dataclass(frozen=True)
class Register(CallbackData):
    """ "Register" under an invitation that was opened."""

    prefix = "sg"
    session_id: int


def closed_text(
    tr: Translator, outcome: RegistrationOutcome, training: TrainingSession | None = None
) -> str:
    """Why nothing can be changed about the session any more (or the person's own standing)."""
    if outcome == RegistrationOutcome.ATTENDED and training is not None:
        return tr._("You attended this session on {date}.", date=tr.date(training.starts_at))
    if outcome == RegistrationOutcome.CANCELLED:
        return tr._("Sorry, this session has been cancelled.")
    if outcome == RegistrationOutcome.ENDED:
        return tr._("This session is over.")
    if outcome == RegistrationOutcome.STARTED:
        return tr._("This session has already started; registration is closed.")
    if outcome == RegistrationOutcome.FULL:
        return tr._("Sorry, this session is full.")
    if outcome == RegistrationOutcome.ALREADY_REGISTERED:
        return tr._("You are already registered for this session.")
    return tr._("This invitation link is not valid. Please ask your trainer for a new one.")


async def invitation_view(
    context: BotContext, current: Turn, training: TrainingSession, tr: Translator
) -> tuple[str, InlineKeyboardMarkup | None, bool]:
    """The session as its invitation shows it to the person who opened it: its details, a
    note when it is held in another language, and where the person stands. Returns the
    text, the keyboard, and whether the person may still register."""
    assert training.id is not None
    deps = context.deps
    shown = in_session_zone(deps, tr, training)
    trainer = await trainer_name(current.db, training)
    lines = [
        tr._("📨 <b>You are invited to a training session</b>"),
        "",
        *invitation_lines(shown, deps.catalogue, training, trainer),
    ]
    note = language_note(tr, training, tr.language_code)
    if note:
        lines += ["", note]
    now = deps.clock.now()
    outcome = await sessions.standing(current.db, current.learner, training, now)
    grid: list[list[InlineKeyboardButton]] = []
    if outcome == RegistrationOutcome.OPEN:
        grid.append([button(tr._("✅ Register"), Register(training.id))])
    else:
        lines += ["", closed_text(tr, outcome, training)]
        if outcome == RegistrationOutcome.ALREADY_REGISTERED:
            grid.append([button(tr._("🙋 I can't come"), Apology(training.id, ApologyStep.ASK))])
            grid.append([button(tr._("📅 My sessions"), MySessions())])
    return "\n".join(lines), (markup(grid) if grid else None), outcome == RegistrationOutcome.OPEN


async def open_invitation(
    update: Update, context: BotContext, current: Turn, link: SessionInviteLink
) -> None:
    """``/start s_<code>``: the session and "Register" (the person has been onboarded by now);
    nothing is registered before the tap."""
    tr = current.tr
    training = await sessions.find_by_code(current.db, link.code)
    if training is None:
        await show(update, closed_text(tr, RegistrationOutcome.UNKNOWN), edit=False)
        return
    text, keyboard, _ = await invitation_view(context, current, training, tr)
    await show(update, text, keyboard, edit=False)


async def preview_invitation(
    update: Update, context: BotContext, current: Turn, link: SessionInviteLink
) -> LinkPreview:
    """The first reply to someone new who opened an invitation: the session (in their
    Telegram language where the bot has it, else in the session's), before the questions
    of onboarding; a link that can no longer be used says so at once."""
    training = await sessions.find_by_code(current.db, link.code)
    if training is None:
        return LinkPreview(closed_text(current.tr, RegistrationOutcome.UNKNOWN), False)
    tr = current.tr
    user = update.effective_user
    if not current.learner.language_chosen and not guess_language(
        user.language_code if user else None, ""
    ):
        tr = context.deps.translators(training.language)
    text, _, usable = await invitation_view(context, current, training, tr)
    if usable:
        text += "\n\n" + tr._(
            "First a few short questions (your language and privacy); then you can register."
        )
    return LinkPreview(text, usable)


@on_button(Register, roles=ANYONE)
async def register(update: Update, context: BotContext, current: Turn, data: Register) -> None:
    """Registers the person; a registered person then gets the calendar file (and the map)."""
    tr = current.tr
    training = await sessions.get_session(current.db, data.session_id)
    if training is None:
        raise Stale
    result = await sessions.register(
        current.db, current.learner, training.code, context.deps.clock.now()
    )
    await answer_query(update)
    deps = context.deps
    details = details_text(in_session_zone(deps, tr, training), deps.catalogue, training)
    if result.outcome == RegistrationOutcome.NEEDS_CONSENT:
        # Agreeing continues onboarding, which ends by opening this invitation again.
        await learners.remember_start(
            current.db, current.learner, SessionInviteLink(training.code).payload()
        )
        text = tr._(
            "To register you for this session we need to keep your registration and "
            "attendance, which you have not agreed to (see /privacy). Do you agree now?"
        )
        await show(update, f"{text}\n\n{details}", keyboards.privacy(tr, consent_given=False))
        return
    assert training.id is not None
    if result.outcome != RegistrationOutcome.REGISTERED:
        text, keyboard, _ = await invitation_view(context, current, training, tr)
        await show(update, text, keyboard)
        return
    head = tr._("✅ <b>You are registered.</b>")
    tail = tr._(
        "You will get a reminder before it starts. If you cannot come, "
        "please tell us in /mysessions."
    )
    grid = [
        [button(tr._("🙋 I can't come"), Apology(training.id, ApologyStep.ASK))],
        [button(tr._("📅 My sessions"), MySessions())],
    ]
    await show(update, f"{head}\n\n{details}\n\n{tail}", markup(grid))
    chat = update.effective_chat
    if chat is not None:
        trainer = await trainer_name(current.db, training)
        await send_calendar(deps, context.bot, chat.id, tr, training, trainer)


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


def apology_answer(
    tr: Translator, outcome: RegistrationOutcome, training: TrainingSession | None
) -> str:
    if outcome == RegistrationOutcome.APOLOGISED:
        return tr._(
            "Thank you for letting us know; your place is free for someone else. "
            "If your plans change, open the invitation link again."
        )
    if outcome == RegistrationOutcome.ALREADY_APOLOGISED:
        return tr._("You have already told us that you cannot come.")
    if outcome == RegistrationOutcome.ATTENDED and training is not None:
        return tr._("You attended this session on {date}.", date=tr.date(training.starts_at))
    if outcome == RegistrationOutcome.STARTED:
        return tr._("This session has already started.")
    if outcome == RegistrationOutcome.ENDED:
        return tr._("This session is over.")
    if outcome == RegistrationOutcome.CANCELLED:
        return tr._("This session has been cancelled.")
    return tr._("You are not registered for this session.")


@on_button(Apology, roles=ANYONE)
async def apology(update: Update, context: BotContext, current: Turn, data: Apology) -> None:
    """ "I can't come": asked, then recorded; a tap after the session started (or for one
    the person attended) answers truthfully and changes nothing."""
    tr = current.tr
    await answer_query(update)
    if data.step == ApologyStep.NO:
        text, keyboard = await my_sessions_view(context, current)
        await show(update, text, keyboard)
        return
    training: TrainingSession | None = await sessions.get_session(current.db, data.session_id)
    now = context.deps.clock.now()
    if data.step == ApologyStep.ASK:
        refusal = (
            RegistrationOutcome.NOT_REGISTERED
            if training is None
            else await sessions.apology_refusal(current.db, current.learner, training, now)
        )
        if refusal is not None or training is None:
            await show(
                update,
                apology_answer(tr, refusal or RegistrationOutcome.UNKNOWN, training),
                edit=False,
            )
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
    result = await sessions.apologise(current.db, current.learner, data.session_id, now)
    await show(update, apology_answer(tr, result.outcome, result.training))


HANDLERS: Handlers = (mysessions_command, mysessions_button, register, apology)
