"""The trainer's sessions: ``/newsession``, ``/sessions``, the session view and its edits.

Every command and button re-checks the role (trainer, coordinator or admin) and,
for one session, ``sessions.may_manage``. Typed answers reach the text steps
"newsession" and "session-edit"; the conversation is kept in the Draft table, so
it survives a restart. Edits carry the version the trainer saw: an edit made from
an older view is refused with "changed meanwhile".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.content.catalogue import Catalogue
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, require_role
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import (
    answer_query,
    button_data,
    refuse_invalid,
    refuse_not_allowed,
    show,
)
from bot.handlers.common.turn import Turn, translator_for, turn
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import N_, Html, Translator
from bot.models import Role, TrainingSession
from bot.runtime.context import BotContext, Deps
from bot.runtime.send_once import send_once
from bot.services import learners, sessions
from bot.services.sessions import Problem, SessionError, SessionValues

PRIVATE = filters.ChatType.PRIVATE
MANAGERS = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
NEW = "newsession"
"""Text step and draft kind of the new-session conversation."""
EDIT = "session-edit"
"""Text step and draft kind of a reschedule or a venue change."""
STEPS = ("title", "module", "date", "duration", "place", "country", "language", "capacity")
CONFIRM = "confirm"
DURATION_CHOICES = (60, 90, 120, 180, 240)
NO_MODULE = "none"
UPCOMING_SHOWN = 20
PAST_SHOWN = 10
MAX_LABEL = 40
MAX_NAME = 60
ROSTER_PAGE = 15

ATTENDANCE_NAMES = {
    "present": N_("present"),
    "late": N_("late"),
    "excused": N_("excused"),
    "absent": N_("absent"),
}
ATTENDANCE_MARKS = {"present": "✅", "late": "🕒", "excused": "📝", "absent": "❌"}


# -- button data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftPick(CallbackData):
    """A button answer in the new-session conversation (module, duration, country, language)."""

    prefix = "sn"
    field: str
    value: str


@dataclass(frozen=True)
class DraftAction(CallbackData):
    """Create the drafted session, or drop the draft."""

    prefix = "sd"
    action: str


@dataclass(frozen=True)
class ListSessions(CallbackData):
    prefix = "sl"


@dataclass(frozen=True)
class OpenSession(CallbackData):
    prefix = "so"
    session_id: int


@dataclass(frozen=True)
class SessionAction(CallbackData):
    """An action on the session view; ``version`` is the version the view showed."""

    prefix = "sx"
    session_id: int
    version: int
    action: str


@dataclass(frozen=True)
class ShowRosterPage(CallbackData):
    prefix = "sr"
    session_id: int
    page: int


@dataclass(frozen=True)
class CancelEdit(CallbackData):
    prefix = "se"
    session_id: int


# -- texts ----------------------------------------------------------------------------------


def module_title(tr: Translator, catalogue: Catalogue, module_id: str | None) -> str | None:
    module = catalogue.get(module_id) if module_id else None
    return module.text(tr.language_code).title if module else None


def place_lines(tr: Translator, venue: str | None, online_url: str | None) -> list[str]:
    lines = []
    if venue:
        lines.append(tr._("📍 {venue}", venue=venue))
    if online_url:
        lines.append(tr._("🔗 {link}", link=online_url))
    return lines


def details_lines(
    tr: Translator,
    catalogue: Catalogue,
    *,
    title: str,
    module_id: str | None,
    starts_at: datetime,
    duration_minutes: int,
    venue: str | None,
    online_url: str | None,
    country: str,
    language: str,
) -> list[str]:
    lines = [f"<b>{html.escape(title, quote=False)}</b>"]
    module = module_title(tr, catalogue, module_id)
    if module:
        lines.append(tr._("📘 Module: {module}", module=module))
    lines.append(
        tr._(
            "🗓 {when} · {duration}",
            when=tr.date_time(starts_at),
            duration=tr.ngettext("{n} minute", "{n} minutes", duration_minutes),
        )
    )
    lines += place_lines(tr, venue, online_url)
    lines.append(
        tr._(
            "🌐 {language} · {country}",
            language=LANGUAGES[language].native_name if language in LANGUAGES else language,
            country=tr._(COUNTRY_NAMES.get(country, country)),
        )
    )
    return lines


def details_text(tr: Translator, catalogue: Catalogue, training: TrainingSession) -> str:
    """What a session is, when and where: for trainers and learners alike."""
    return "\n".join(
        details_lines(
            tr,
            catalogue,
            title=training.title,
            module_id=training.module_id,
            starts_at=training.starts_at,
            duration_minutes=training.duration_minutes,
            venue=training.venue,
            online_url=training.online_url,
            country=training.country,
            language=training.language,
        )
    )


def view_text(
    tr: Translator,
    catalogue: Catalogue,
    training: TrainingSession,
    counts: sessions.Counts,
    now: datetime,
) -> str:
    lines = [details_text(tr, catalogue, training), ""]
    lines.append(
        tr._(
            "👥 Registered: {registered} of {capacity}",
            registered=counts.registered,
            capacity=training.capacity,
        )
    )
    if counts.apologised:
        lines.append(tr.ngettext("🙋 {n} apology", "🙋 {n} apologies", counts.apologised))
    lines.append(tr._("Invitation code: <code>{code}</code>", code=training.code))
    if training.cancelled_at is not None:
        lines += ["", tr._("❌ <b>Cancelled</b> on {date}.", date=tr.date(training.cancelled_at))]
    elif sessions.has_ended(training, now):
        lines += ["", tr._("This session is over.")]
    elif sessions.has_started(training, now):
        lines += ["", tr._("This session is under way.")]
    return "\n".join(lines)


def attendance_button(tr: Translator, training: TrainingSession) -> InlineKeyboardButton:
    """The way into attendance (check-in, marks, walk-ins), which bot.handlers.attendance runs."""
    from bot.handlers.attendance import OpenAttendance

    assert training.id is not None
    return button(tr._("✅ Attendance"), OpenAttendance(training.id))


def view_keyboard(tr: Translator, training: TrainingSession, now: datetime) -> InlineKeyboardMarkup:
    assert training.id is not None
    sid, version = training.id, training.version

    def action(label: str, name: str) -> InlineKeyboardButton:
        return button(label, SessionAction(sid, version, name))

    grid: list[list[InlineKeyboardButton]] = []
    open_ = training.cancelled_at is None and not sessions.has_ended(training, now)
    if open_:
        grid.append([action(tr._("🔗 Invite link"), "invite"), action(tr._("👥 Roster"), "roster")])
        edits = []
        if not sessions.has_started(training, now):
            edits.append(action(tr._("📅 Reschedule"), "reschedule"))
        edits.append(action(tr._("📍 Change venue"), "venue"))
        grid.append(edits)
    else:
        grid.append([action(tr._("👥 Roster"), "roster")])
    if training.cancelled_at is None:
        grid.append([attendance_button(tr, training)])
    if open_:
        grid.append([action(tr._("❌ Cancel session"), "cancel")])
    grid.append([button(tr._("« All sessions"), ListSessions())])
    return markup(grid)


def problem_text(tr: Translator, problem: Problem, example: str = "") -> str:
    """A clear answer to a refused value or action; ``example`` is a valid date to show."""
    texts = {
        Problem.MALFORMED: tr._(
            "I could not read that date. Please type the day, the month, the year and the "
            "time like this: <code>{example}</code>",
            example=example,
        ),
        Problem.IMPOSSIBLE: tr._(
            "That date does not exist. Please check the day, the month and the time, "
            "for example <code>{example}</code>",
            example=example,
        ),
        Problem.PAST: tr._(
            "That time has already passed. Please type a time in the future, "
            "for example <code>{example}</code>",
            example=example,
        ),
        Problem.NONEXISTENT: tr._(
            "That time does not exist on that day: the clocks are put forward by an hour "
            "that night. Please type another time, for example <code>{example}</code>",
            example=example,
        ),
        Problem.AMBIGUOUS: tr._(
            "That time happens twice on that day: the clocks are put back by an hour that "
            "night. Please type another time, for example <code>{example}</code>",
            example=example,
        ),
        Problem.TOO_FAR: tr._(
            "That is more than two years ahead. Please type an earlier date, "
            "for example <code>{example}</code>",
            example=example,
        ),
        Problem.CHANGED: tr._(
            "Someone else changed this session in the meantime, so nothing was changed. "
            "Here it is as it is now; please try again."
        ),
        Problem.CANCELLED: tr._("This session has been cancelled; it cannot be changed."),
        Problem.STARTED: tr._("This session has already started; it cannot be moved."),
        Problem.ENDED: tr._("This session is over; it cannot be changed."),
        Problem.NOT_FOUND: tr._("This session no longer exists."),
        Problem.NOT_ALLOWED: tr._("Sorry, you are not allowed to do that."),
        Problem.SAME_TIME: tr._(
            "The session already starts at that time. Please type another time, "
            "for example <code>{example}</code>",
            example=example,
        ),
    }
    return texts.get(problem, tr._("That is not a valid answer. Please try again."))


def place_problem_text(tr: Translator, problem: Problem) -> str:
    if problem == Problem.NOT_HTTPS:
        return tr._("Online links must start with https://. Please type the secure link.")
    if problem == Problem.BAD_LINK:
        return tr._("That link does not look right. Please check it and type it again.")
    if problem == Problem.TOO_LONG:
        return tr._(
            "That is too long: a venue may have up to {venue} characters, a link up to "
            "{link}. Please type a shorter one.",
            venue=sessions.MAX_VENUE,
            link=sessions.MAX_URL,
        )
    return tr._("Please type the venue's address or the online link.")


# -- the new-session conversation -----------------------------------------------------------


def _header(tr: Translator, step: str) -> str:
    return tr._(
        "<b>New session</b> · step {number} of {total}",
        number=STEPS.index(step) + 1,
        total=len(STEPS),
    )


def _cancel_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("✖️ Cancel"), DraftAction("cancel"))]


def _values(data: dict[str, Any]) -> SessionValues:
    return SessionValues(
        title=str(data["title"]),
        module_id=data.get("module"),
        starts_at=datetime.fromisoformat(str(data["starts_at"])),
        duration_minutes=int(data["duration"]),
        venue=data.get("venue"),
        online_url=data.get("online_url"),
        country=str(data["country"]),
        language=str(data["language"]),
        capacity=int(data["capacity"]),
    )


def summary_text(tr: Translator, catalogue: Catalogue, data: dict[str, Any]) -> str:
    values = _values(data)
    lines = [tr._("<b>Please check the new session:</b>"), ""]
    lines += details_lines(
        tr,
        catalogue,
        title=values.title,
        module_id=values.module_id,
        starts_at=values.starts_at,
        duration_minutes=values.duration_minutes,
        venue=values.venue,
        online_url=values.online_url,
        country=values.country,
        language=values.language,
    )
    lines.append(tr._("👥 Places: {capacity}", capacity=values.capacity))
    lines += ["", tr._("Create it?")]
    return "\n".join(lines)


def question(
    tr: Translator, deps: Deps, step: str, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons that ask for ``step``."""
    catalogue = deps.catalogue
    if step == CONFIRM:
        return summary_text(tr, catalogue, data), markup(
            [
                [button(tr._("✅ Create"), DraftAction("create"))],
                _cancel_row(tr),
            ]
        )
    grid: list[list[InlineKeyboardButton]] = []
    if step == "title":
        body = tr._(
            "What is the title of the session? Type it (up to {limit} characters).",
            limit=sessions.MAX_TITLE,
        )
    elif step == "module":
        body = tr._("Which module of the catalogue does it cover?")
        grid += [
            [button(module.text(tr.language_code).title, DraftPick("module", module.id))]
            for module in catalogue.modules
        ]
        grid.append([button(tr._("No module"), DraftPick("module", NO_MODULE))])
    elif step == "date":
        body = tr._(
            "When does it start? Type the date and the local time, "
            "for example <code>{example}</code>",
            example=sessions.example_datetime(tr.zone, deps.clock.now()),
        )
    elif step == "duration":
        body = tr._(
            "How long is it? Tap a button or type the minutes ({low} to {high}).",
            low=sessions.MIN_DURATION,
            high=sessions.MAX_DURATION,
        )
        grid += rows(
            [
                button(tr.ngettext("{n} minute", "{n} minutes", n), DraftPick("duration", str(n)))
                for n in DURATION_CHOICES
            ],
            3,
        )
    elif step == "place":
        body = tr._(
            "Where does it take place? Type the venue's address, or the link of the online "
            "meeting (starting with https://)."
        )
    elif step == "country":
        body = tr._("In which country?")
        grid += rows(
            [
                button(tr._(name), DraftPick("country", code))
                for code, name in COUNTRY_NAMES.items()
            ],
            2,
        )
    elif step == "language":
        body = tr._("In which language?")
        grid += rows(
            [
                button(language.native_name, DraftPick("language", code))
                for code, language in LANGUAGES.items()
            ],
            2,
        )
    elif step == "capacity":
        body = tr._(
            "How many people can take part? Type a number from {low} to {high}.",
            low=sessions.MIN_CAPACITY,
            high=sessions.MAX_CAPACITY,
        )
    else:
        raise ValueError(step)
    grid.append(_cancel_row(tr))
    return f"{_header(tr, step)}\n\n{body}", markup(grid)


def next_step(step: str) -> str:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else CONFIRM


async def ask(
    update: Update,
    context: BotContext,
    current: Turn,
    step: str,
    data: dict[str, Any],
    *,
    problem: str | None = None,
    edit: bool = False,
) -> None:
    text, keyboard = question(current.tr, context.deps, step, data)
    if problem:
        text = f"{problem}\n\n{text}"
    await show(update, text, keyboard, edit=edit)


async def _clear(current: Turn, kind: str) -> None:
    await sessions.drop_draft(current.db, current.learner, kind)
    if current.learner.awaiting == kind:
        await learners.await_input(current.db, current.learner, None)


async def newsession_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if not await require_role(update, context, current, *MANAGERS):
            return
        now = context.deps.clock.now()
        await sessions.save_draft(current.db, current.learner, NEW, "title", {}, now)
        await learners.await_input(current.db, current.learner, NEW)
        await ask(update, context, current, "title", {})


async def receive_new_session_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    if not await require_role(update, context, current, *MANAGERS):
        await _clear(current, NEW)
        return
    draft = await sessions.get_draft(current.db, current.learner, NEW)
    if draft is None:
        await learners.await_input(current.db, current.learner, None)
        await show(update, tr._("That conversation has ended. /newsession starts a new one."))
        return
    data = sessions.draft_data(draft)
    step = draft.step
    now = context.deps.clock.now()
    text = message.text
    try:
        if step == "title":
            data["title"] = sessions.check_title(text)
        elif step == "date":
            data["starts_at"] = sessions.parse_local_datetime(text, tr.zone, now).isoformat()
        elif step == "duration":
            data["duration"] = sessions.parse_duration(text)
        elif step == "place":
            data["venue"], data["online_url"] = sessions.parse_place(text)
        elif step == "capacity":
            data["capacity"] = sessions.parse_capacity(text)
        elif step == CONFIRM:
            await ask(
                update, context, current, step, data, problem=tr._("Please tap Create or Cancel.")
            )
            return
        else:
            await ask(
                update,
                context,
                current,
                step,
                data,
                problem=tr._("Please tap one of the buttons."),
            )
            return
    except SessionError as error:
        await ask(update, context, current, step, data, problem=_step_problem(tr, step, error, now))
        return
    following = next_step(step)
    await sessions.save_draft(current.db, current.learner, NEW, following, data, now)
    await ask(update, context, current, following, data)


def _step_problem(tr: Translator, step: str, error: SessionError, now: datetime) -> str:
    reason = error.reason
    if step == "title":
        if reason == Problem.TOO_LONG:
            return tr._(
                "That is longer than {limit} characters. Please type a shorter title.",
                limit=sessions.MAX_TITLE,
            )
        return tr._("Please type the title of the session.")
    if step == "date":
        return problem_text(tr, reason, sessions.example_datetime(tr.zone, now))
    if step == "duration":
        return tr._(
            "Please type the length in minutes, a whole number from {low} to {high}.",
            low=sessions.MIN_DURATION,
            high=sessions.MAX_DURATION,
        )
    if step == "capacity":
        return tr._(
            "Please type the number of places, a whole number from {low} to {high}.",
            low=sessions.MIN_CAPACITY,
            high=sessions.MAX_CAPACITY,
        )
    return place_problem_text(tr, reason)


async def pick(update: Update, context: BotContext) -> None:
    data = DraftPick.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *MANAGERS):
            return
        draft = await sessions.get_draft(current.db, current.learner, NEW)
        if draft is None or draft.step != data.field:
            await refuse_invalid(update, current)
            return
        values = sessions.draft_data(draft)
        known = {module.id for module in context.deps.catalogue.modules}
        try:
            if data.field == "module":
                values["module"] = (
                    None if data.value == NO_MODULE else sessions.check_module(data.value, known)
                )
            elif data.field == "duration":
                values["duration"] = sessions.parse_duration(data.value)
            elif data.field == "country":
                values["country"] = sessions.check_country(data.value)
            elif data.field == "language":
                values["language"] = sessions.check_language(data.value)
            else:
                raise SessionError(Problem.UNKNOWN_CHOICE)
        except SessionError:
            await refuse_invalid(update, current)
            return
        await answer_query(update)
        following = next_step(data.field)
        now = context.deps.clock.now()
        await sessions.save_draft(current.db, current.learner, NEW, following, values, now)
        await ask(update, context, current, following, values, edit=True)


async def draft_action(update: Update, context: BotContext) -> None:
    data = DraftAction.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None or data.action not in ("create", "cancel"):
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *MANAGERS):
            return
        draft = await sessions.get_draft(current.db, current.learner, NEW)
        if draft is None:
            await refuse_invalid(update, current)
            return
        if data.action == "cancel":
            await _clear(current, NEW)
            await answer_query(update)
            await show(update, tr._("Cancelled. No session was created."))
            return
        if draft.step != CONFIRM:
            await refuse_invalid(update, current)
            return
        values = sessions.draft_data(draft)
        now = context.deps.clock.now()
        known = {module.id for module in context.deps.catalogue.modules}
        try:
            training = await sessions.create_session(
                current.db, current.learner, _values(values), now, known
            )
        except SessionError as error:
            await answer_query(update)
            if error.reason in (Problem.PAST, Problem.TOO_FAR):
                # Time went by while the summary was open: ask for the date again.
                await sessions.save_draft(current.db, current.learner, NEW, "date", values, now)
                await ask(
                    update,
                    context,
                    current,
                    "date",
                    values,
                    problem=_step_problem(tr, "date", error, now),
                )
                return
            await _clear(current, NEW)
            await show(update, tr._("This draft is no longer valid. /newsession starts again."))
            return
        except (KeyError, TypeError, ValueError):
            await _clear(current, NEW)
            await answer_query(update)
            await show(update, tr._("This draft is no longer valid. /newsession starts again."))
            return
        await _clear(current, NEW)
        await answer_query(update, tr._("Session created."))
        await show(update, tr._("✅ The session is scheduled."))
        await show_view(update, context, current, training, edit=False)
        await send_invite(update, context, current, training)


# -- lists and the session view -------------------------------------------------------------


def _label(tr: Translator, training: TrainingSession) -> str:
    title = shorten(training.title, MAX_LABEL)
    mark = "❌ " if training.cancelled_at is not None else ""
    return f"{mark}{tr.date(training.starts_at)} · {title}"


async def show_list(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    now = context.deps.clock.now()
    admin_ids = context.deps.settings.admin_telegram_ids
    upcoming = await sessions.list_sessions(
        current.db, current.learner, now, limit=UPCOMING_SHOWN, admin_ids=admin_ids
    )
    past = await sessions.list_sessions(
        current.db, current.learner, now, past=True, limit=PAST_SHOWN, admin_ids=admin_ids
    )
    if not upcoming and not past:
        await show(update, tr._("There are no sessions yet. /newsession schedules one."))
        return
    lines = [tr._("<b>Sessions</b>")]
    grid: list[list[InlineKeyboardButton]] = []
    for heading, found in ((tr._("Upcoming:"), upcoming), (tr._("Recently:"), past)):
        if not found:
            continue
        lines += ["", f"<b>{heading}</b>"]
        for training in found:
            assert training.id is not None
            counts = await sessions.counts(current.db, training.id)
            lines.append(
                tr._(
                    "• {when} · {title} ({registered}/{capacity})",
                    when=tr.date_time(training.starts_at),
                    title=shorten(training.title, MAX_NAME),
                    registered=counts.registered,
                    capacity=training.capacity,
                )
            )
            grid.append([button(_label(tr, training), OpenSession(training.id))])
    lines += ["", tr._("Tap a session to open it.")]
    await show(update, "\n".join(lines), markup(grid))


async def sessions_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        if not await require_role(update, context, current, *MANAGERS):
            return
        await show_list(update, context, current)


async def list_button(update: Update, context: BotContext) -> None:
    data = ListSessions.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *MANAGERS):
            return
        await answer_query(update)
        await show_list(update, context, current)


async def show_view(
    update: Update,
    context: BotContext,
    current: Turn,
    training: TrainingSession,
    *,
    edit: bool = True,
    notice: str | None = None,
) -> None:
    assert training.id is not None
    tr = current.tr
    now = context.deps.clock.now()
    counts = await sessions.counts(current.db, training.id)
    text = view_text(tr, context.deps.catalogue, training, counts, now)
    if notice:
        text = f"{notice}\n\n{text}"
    await show(update, text, view_keyboard(tr, training, now), edit=edit)


async def managed(
    update: Update, context: BotContext, current: Turn, session_id: int
) -> TrainingSession | None:
    """The session, if the user holds a trainer's role and may manage it; else answers."""
    if not await require_role(update, context, current, *MANAGERS):
        return None
    training = await sessions.get_session(current.db, session_id)
    if training is None:
        text = current.tr._("This session no longer exists.")
        if update.callback_query is not None:
            await answer_query(update, text)
        else:
            await show(update, text)
        return None
    admin_ids = context.deps.settings.admin_telegram_ids
    if not await sessions.may_manage(current.db, current.learner, admin_ids, training):
        await refuse_not_allowed(update, current)
        return None
    return training


async def open_session(update: Update, context: BotContext) -> None:
    data = OpenSession.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed(update, context, current, data.session_id)
        if training is None:
            return
        await answer_query(update)
        await show_view(update, context, current, training)


async def send_invite(
    update: Update, context: BotContext, current: Turn, training: TrainingSession
) -> None:
    tr = current.tr
    link = sessions.invite_link(context.bot.username, training.code)
    await show(
        update,
        tr._(
            "🔗 <b>Invitation to {title}</b>\n\n{link}\n\n"
            "Whoever opens this link is registered for the session (while there are places). "
            "Forward this message or share the link.",
            title=training.title,
            link=link,
        ),
        edit=False,
    )


def roster_text(
    tr: Translator, training: TrainingSession, entries: list[sessions.RosterEntry], page: int
) -> str:
    """One page of the roster (a message holds at most 4096 characters)."""
    lines = [
        tr._("<b>Roster: {title}</b>", title=training.title),
        tr.date_time(training.starts_at),
        "",
    ]
    if not entries:
        lines.append(tr._("Nobody has registered yet."))
    first = page * ROSTER_PAGE
    for number, entry in enumerate(entries[first : first + ROSTER_PAGE], first + 1):
        learner = entry.learner
        name = shorten(
            learner.display_name or tr._("Participant #{number}", number=str(learner.id)),
            MAX_NAME,
        )
        if learner.organisation and learner.organisation != learners.UNDISCLOSED:
            name = tr._(
                "{name} ({organisation})",
                name=name,
                organisation=shorten(learner.organisation, MAX_NAME),
            )
        else:
            name = html.escape(name, quote=False)
        if entry.attendance is not None:
            status = entry.attendance.status
            mark = ATTENDANCE_MARKS.get(status, "•")
            state = tr._(ATTENDANCE_NAMES[status]) if status in ATTENDANCE_NAMES else status
        elif entry.registration is not None and entry.registration.status == sessions.APOLOGISED:
            mark, state = "🙋", tr._("can't come")
        else:
            mark, state = "•", tr._("registered")
        lines.append(
            tr._(
                "{number}. {mark} {name}: {state}",
                number=number,
                mark=mark,
                name=Html(name),
                state=state,
            )
        )
    pages = roster_pages(entries)
    if pages > 1:
        lines += ["", tr._("Page {page} of {pages}", page=page + 1, pages=pages)]
    return "\n".join(lines)


def roster_pages(entries: list[sessions.RosterEntry]) -> int:
    return max(1, -(-len(entries) // ROSTER_PAGE))


def roster_keyboard(tr: Translator, session_id: int, page: int, pages: int) -> InlineKeyboardMarkup:
    navigation = []
    if page > 0:
        navigation.append(button(tr._("◀️ Back"), ShowRosterPage(session_id, page - 1)))
    if page + 1 < pages:
        navigation.append(button(tr._("Next ▶️"), ShowRosterPage(session_id, page + 1)))
    return markup([navigation, [button(tr._("« Back"), OpenSession(session_id))]])


async def show_roster(update: Update, current: Turn, training: TrainingSession, page: int) -> None:
    assert training.id is not None
    entries = await sessions.roster(current.db, training.id)
    pages = roster_pages(entries)
    page = min(max(page, 0), pages - 1)
    await show(
        update,
        roster_text(current.tr, training, entries, page),
        roster_keyboard(current.tr, training.id, page, pages),
    )


async def roster_page(update: Update, context: BotContext) -> None:
    data = ShowRosterPage.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        training = await managed(update, context, current, data.session_id)
        if training is None:
            return
        await answer_query(update)
        await show_roster(update, current, training, data.page)


async def session_action(update: Update, context: BotContext) -> None:
    data = SessionAction.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None or data.action not in (
            "invite",
            "roster",
            "reschedule",
            "venue",
            "cancel",
            "cancel-yes",
        ):
            await refuse_invalid(update, current)
            return
        training = await managed(update, context, current, data.session_id)
        if training is None:
            return
        assert training.id is not None
        now = context.deps.clock.now()
        if data.action == "invite":
            await answer_query(update)
            await send_invite(update, context, current, training)
            return
        if data.action == "roster":
            await answer_query(update)
            await show_roster(update, current, training, 0)
            return
        problem = _edit_problem(training, data.version, data.action, now)
        if problem is not None:
            await answer_query(update)
            await show_view(update, context, current, training, notice=problem_text(tr, problem))
            return
        if data.action in ("reschedule", "venue"):
            await answer_query(update)
            await sessions.save_draft(
                current.db,
                current.learner,
                EDIT,
                data.action,
                {"session_id": training.id, "version": data.version},
                now,
            )
            await learners.await_input(current.db, current.learner, EDIT)
            await show(
                update,
                edit_question(tr, training, data.action, now),
                markup([[button(tr._("✖️ Cancel"), CancelEdit(training.id))]]),
                edit=False,
            )
            return
        if data.action == "cancel":
            await answer_query(update)
            await show(
                update,
                tr._(
                    "Cancel <b>{title}</b> on {when}? Everyone registered will be told.",
                    title=training.title,
                    when=tr.date_time(training.starts_at),
                ),
                markup(
                    [
                        [
                            button(
                                tr._("Yes, cancel the session"),
                                SessionAction(training.id, data.version, "cancel-yes"),
                            )
                        ],
                        [button(tr._("No, keep it"), OpenSession(training.id))],
                    ]
                ),
            )
            return
        # cancel-yes
        admin_ids = context.deps.settings.admin_telegram_ids
        try:
            change = await sessions.cancel(
                current.db,
                current.learner,
                training.id,
                data.version,
                now,
                admin_ids=admin_ids,
            )
        except SessionError as error:
            await answer_query(update)
            await show_view(
                update, context, current, training, notice=problem_text(tr, error.reason)
            )
            return
        await answer_query(update, tr._("The session is cancelled."))
        told = await notify_registered(update, context, current, change, "cancelled")
        await show_view(
            update,
            context,
            current,
            change.training,
            notice=tr.ngettext(
                "The session is cancelled; {n} registered person will be told.",
                "The session is cancelled; {n} registered people will be told.",
                told,
            ),
        )


def _edit_problem(
    training: TrainingSession, version: int, action: str, now: datetime
) -> Problem | None:
    if training.version != version:
        return Problem.CHANGED
    if training.cancelled_at is not None:
        return Problem.CANCELLED
    if sessions.has_ended(training, now):
        return Problem.ENDED
    if action == "reschedule" and sessions.has_started(training, now):
        return Problem.STARTED
    return None


def edit_question(tr: Translator, training: TrainingSession, action: str, now: datetime) -> str:
    if action == "reschedule":
        return tr._(
            "<b>{title}</b> starts on {when}.\n\nType the new date and local time, "
            "for example <code>{example}</code>",
            title=training.title,
            when=tr.date_time(training.starts_at),
            example=sessions.example_datetime(tr.zone, now),
        )
    return tr._(
        "<b>{title}</b>: {place}\n\nType the new venue's address, or the link of the online "
        "meeting (starting with https://).",
        title=training.title,
        place=training.venue or training.online_url or "",
    )


async def receive_edit_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    if not await require_role(update, context, current, *MANAGERS):
        await _clear(current, EDIT)
        return
    draft = await sessions.get_draft(current.db, current.learner, EDIT)
    values = sessions.draft_data(draft) if draft is not None else {}
    session_id, version = values.get("session_id"), values.get("version")
    if draft is None or not isinstance(session_id, int) or not isinstance(version, int):
        await _clear(current, EDIT)
        await show(update, tr._("That conversation has ended. /sessions lists your sessions."))
        return
    now = context.deps.clock.now()
    admin_ids = context.deps.settings.admin_telegram_ids
    cancel_keyboard = markup([[button(tr._("✖️ Cancel"), CancelEdit(session_id))]])
    example = sessions.example_datetime(tr.zone, now)
    try:
        if draft.step == "reschedule":
            new_start = sessions.parse_local_datetime(message.text, tr.zone, now)
            change = await sessions.reschedule(
                current.db,
                current.learner,
                session_id,
                version,
                new_start,
                now,
                admin_ids=admin_ids,
            )
            kind = "rescheduled"
        else:
            change = await sessions.change_venue(
                current.db,
                current.learner,
                session_id,
                version,
                message.text,
                now,
                admin_ids=admin_ids,
            )
            kind = f"venue-{change.training.version}"
    except SessionError as error:
        if error.reason in (
            Problem.MALFORMED,
            Problem.IMPOSSIBLE,
            Problem.PAST,
            Problem.NONEXISTENT,
            Problem.AMBIGUOUS,
            Problem.TOO_FAR,
            Problem.SAME_TIME,
        ):
            await show(update, problem_text(tr, error.reason, example), cancel_keyboard)
            return
        if error.reason in (
            Problem.EMPTY,
            Problem.TOO_LONG,
            Problem.NOT_HTTPS,
            Problem.BAD_LINK,
        ):
            await show(update, place_problem_text(tr, error.reason), cancel_keyboard)
            return
        await _clear(current, EDIT)
        training = await sessions.get_session(current.db, session_id)
        if training is None or error.reason == Problem.NOT_ALLOWED:
            await show(update, problem_text(tr, error.reason))
            return
        await show_view(
            update, context, current, training, edit=False, notice=problem_text(tr, error.reason)
        )
        return
    await _clear(current, EDIT)
    told = await notify_registered(update, context, current, change, kind)
    if kind == "rescheduled":
        notice = tr.ngettext(
            "The session is moved; {n} registered person will be told.",
            "The session is moved; {n} registered people will be told.",
            told,
        )
    else:
        notice = tr.ngettext(
            "The place is changed; {n} registered person will be told.",
            "The place is changed; {n} registered people will be told.",
            told,
        )
    await show_view(update, context, current, change.training, edit=False, notice=notice)


async def cancel_edit(update: Update, context: BotContext) -> None:
    data = CancelEdit.decode(button_data(update))
    async with turn(update, context) as current:
        if data is None:
            await refuse_invalid(update, current)
            return
        if not await require_role(update, context, current, *MANAGERS):
            return
        await _clear(current, EDIT)
        await answer_query(update)
        await show(update, current.tr._("Nothing was changed."))


# -- telling the learners -------------------------------------------------------------------


def notice_text(tr: Translator, catalogue: Catalogue, change: sessions.Change, kind: str) -> str:
    training = change.training
    if kind == "cancelled":
        return tr._(
            "❌ <b>{title}</b> on {when} has been cancelled. We are sorry.",
            title=training.title,
            when=tr.date_time(change.previous_start),
        )
    if kind == "rescheduled":
        headline = tr._(
            "📅 <b>{title}</b> has been moved. It was on {old}; the new time is below.",
            title=training.title,
            old=tr.date_time(change.previous_start),
        )
    else:
        headline = tr._("📍 <b>{title}</b> has a new place.", title=training.title)
    return "\n".join(
        [
            headline,
            "",
            details_text(tr, catalogue, training),
            "",
            tr._("Can't come? Open /mysessions and tell the trainer."),
        ]
    )


async def notify_registered(
    update: Update, context: BotContext, current: Turn, change: sessions.Change, kind: str
) -> int:
    """Commits the change, then tells everyone registered, each in their own language and
    time zone, in the background. Returns how many people will be told."""
    training = change.training
    assert training.id is not None
    people = await sessions.registered_learners(current.db, training.id)
    await current.db.commit()
    session_start = change.previous_start if kind == "cancelled" else training.starts_at
    deps = context.deps
    messages = [
        (person, notice_text(translator_for(context, person), deps.catalogue, change, kind))
        for person in people
    ]

    async def send_all() -> None:
        for person, text in messages:
            await send_once(
                deps,
                context.bot,
                session_id=training.id or 0,
                learner=person,
                kind=kind,
                session_start=session_start,
                text=text,
            )

    context.application.create_task(send_all(), update=update, name=f"notify-{kind}")
    return len(people)


HANDLERS: Handlers = [
    CommandHandler("newsession", newsession_command, filters=PRIVATE),
    CommandHandler("sessions", sessions_command, filters=PRIVATE),
    CallbackQueryHandler(pick, pattern=DraftPick.pattern()),
    CallbackQueryHandler(draft_action, pattern=DraftAction.pattern()),
    CallbackQueryHandler(list_button, pattern=ListSessions.pattern()),
    CallbackQueryHandler(open_session, pattern=OpenSession.pattern()),
    CallbackQueryHandler(session_action, pattern=SessionAction.pattern()),
    CallbackQueryHandler(roster_page, pattern=ShowRosterPage.pattern()),
    CallbackQueryHandler(cancel_edit, pattern=CancelEdit.pattern()),
]
