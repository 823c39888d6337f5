"""``/newsession``: the conversation that schedules a session, one question at a time.

Typed answers reach the text step "newsession"; the conversation is kept in the Draft
table, so it survives a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.content.catalogue import Catalogue
from bot.handlers.common.entry import Stale, on_button, on_command, on_text
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.sessions.access import MANAGERS, end_conversation
from bot.handlers.sessions.data import DraftAction, DraftChoice, DraftField, DraftPick
from bot.handlers.sessions.texts import details_lines, error_text
from bot.handlers.sessions.view import send_invite, show_view
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.runtime.context import BotContext, Deps
from bot.services import drafts, learners, programmes, sessions
from bot.services.sessions import Reason, SessionError, SessionValues

NEW = "newsession"
"""Text step and draft kind of the new-session conversation."""
STEPS = ("title", "module", "date", "duration", "place", "country", "language", "capacity")
CONFIRM = "confirm"
PROGRAMME = DraftField.PROGRAMME.value
DURATION_CHOICES = (60, 90, 120, 180, 240)
NO_MODULE = "none"


def _header(tr: Translator, step: str) -> str:
    return tr._(
        "<b>New session</b> · step {number} of {total}",
        number=STEPS.index(step) + 1,
        total=len(STEPS),
    )


def _cancel_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("✖️ Cancel"), DraftAction(DraftChoice.CANCEL))]


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
    lines += details_lines(tr, catalogue, values)
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
                [button(tr._("✅ Create"), DraftAction(DraftChoice.CREATE))],
                _cancel_row(tr),
            ]
        )
    grid: list[list[InlineKeyboardButton]] = []
    if step == PROGRAMME:
        grid += [
            [button(shorten(str(name), 60), DraftPick(DraftField.PROGRAMME, str(number)))]
            for number, name in data.get("programme_choices", [])
        ]
        grid.append(_cancel_row(tr))
        return tr._("<b>New session</b>\n\nWhich programme is it part of?"), markup(grid)
    if step == "title":
        body = tr._(
            "What is the title of the session? Type it (up to {limit} characters).",
            limit=sessions.MAX_TITLE,
        )
    elif step == "module":
        body = tr._("Which module of the catalogue does it cover?")
        grid += [
            [
                button(
                    module.text(tr.language_code).button_title,
                    DraftPick(DraftField.MODULE, module.id),
                )
            ]
            for module in catalogue.modules
        ]
        grid.append([button(tr._("No module"), DraftPick(DraftField.MODULE, NO_MODULE))])
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
                button(
                    tr.ngettext("{n} minute", "{n} minutes", n),
                    DraftPick(DraftField.DURATION, str(n)),
                )
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
                button(tr._(name), DraftPick(DraftField.COUNTRY, code))
                for code, name in COUNTRY_NAMES.items()
            ],
            2,
        )
    elif step == "language":
        body = tr._("In which language?")
        grid += rows(
            [
                button(language.native_name, DraftPick(DraftField.LANGUAGE, code))
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


def _step_problem(tr: Translator, step: str, error: SessionError, now: datetime) -> str:
    return error_text(tr, error, asked=step, example=sessions.example_datetime(tr.zone, now))


@on_command("newsession", roles=MANAGERS)
async def newsession_command(update: Update, context: BotContext, current: Turn) -> None:
    now = context.deps.clock.now()
    choices = await programmes.choices_for(
        current.db, current.learner, context.deps.settings.admin_telegram_ids, now
    )
    # The programme is asked only when there is a choice; else the session goes to the
    # default programme.
    step, data = "title", {}
    if len(choices) > 1:
        step = PROGRAMME
        data = {"programme_choices": [[p.id, p.name] for p in choices]}
    await drafts.save_draft(current.db, current.learner, NEW, step, data, now)
    await learners.await_input(current.db, current.learner, NEW)
    await ask(update, context, current, step, data)


@on_text(NEW, roles=MANAGERS, leave=lambda current: end_conversation(current, NEW))
async def receive_new_session_text(update: Update, context: BotContext, current: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    tr = current.tr
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None:
        await learners.await_input(current.db, current.learner, None)
        await show(update, tr._("That conversation has ended. /newsession starts a new one."))
        return
    data = drafts.draft_data(draft)
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
    await drafts.save_draft(current.db, current.learner, NEW, following, data, now)
    await ask(update, context, current, following, data)


@on_button(DraftPick, roles=MANAGERS)
async def pick(update: Update, context: BotContext, current: Turn, data: DraftPick) -> None:
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None or draft.step != data.field:
        raise Stale
    values = drafts.draft_data(draft)
    known = {module.id for module in context.deps.catalogue.modules}
    try:
        if data.field == DraftField.PROGRAMME:
            offered = {int(number) for number, _name in values.get("programme_choices", [])}
            if not data.value.isdigit() or int(data.value) not in offered:
                raise Stale
            values["programme"] = int(data.value)
        elif data.field == DraftField.MODULE:
            values["module"] = (
                None if data.value == NO_MODULE else sessions.check_module(data.value, known)
            )
        elif data.field == DraftField.DURATION:
            values["duration"] = sessions.parse_duration(data.value)
        elif data.field == DraftField.COUNTRY:
            values["country"] = sessions.check_country(data.value)
        else:
            values["language"] = sessions.check_language(data.value)
    except SessionError:
        raise Stale from None
    await answer_query(update)
    following = "title" if data.field == DraftField.PROGRAMME else next_step(data.field)
    now = context.deps.clock.now()
    await drafts.save_draft(current.db, current.learner, NEW, following, values, now)
    await ask(update, context, current, following, values, edit=True)


@on_button(DraftAction, roles=MANAGERS)
async def draft_action(
    update: Update, context: BotContext, current: Turn, data: DraftAction
) -> None:
    tr = current.tr
    draft = await drafts.get_draft(current.db, current.learner, NEW)
    if draft is None:
        raise Stale
    if data.action == DraftChoice.CANCEL:
        await drafts.end_conversation(current.db, current.learner, NEW)
        await answer_query(update)
        await show(update, tr._("Cancelled. No session was created."))
        return
    if draft.step != CONFIRM:
        raise Stale
    values = drafts.draft_data(draft)
    now = context.deps.clock.now()
    known = {module.id for module in context.deps.catalogue.modules}
    try:
        programme = await programmes.chosen(
            current.db,
            current.learner,
            values.get("programme"),
            admin_ids=context.deps.settings.admin_telegram_ids,
            now=now,
        )
        training = await sessions.create_session(
            current.db, current.learner, _values(values), now, known, programme.id
        )
    except programmes.ProgrammeError:
        await drafts.end_conversation(current.db, current.learner, NEW)
        await answer_query(update)
        await show(update, tr._("This draft is no longer valid. /newsession starts again."))
        return
    except SessionError as error:
        await answer_query(update)
        if error.reason in (Reason.PAST, Reason.TOO_FAR):
            # Time went by while the summary was open: ask for the date again.
            await drafts.save_draft(current.db, current.learner, NEW, "date", values, now)
            await ask(
                update,
                context,
                current,
                "date",
                values,
                problem=_step_problem(tr, "date", error, now),
            )
            return
        await drafts.end_conversation(current.db, current.learner, NEW)
        await show(update, tr._("This draft is no longer valid. /newsession starts again."))
        return
    except (KeyError, TypeError, ValueError):
        await drafts.end_conversation(current.db, current.learner, NEW)
        await answer_query(update)
        await show(update, tr._("This draft is no longer valid. /newsession starts again."))
        return
    await drafts.end_conversation(current.db, current.learner, NEW)
    await answer_query(update, tr._("Session created."))
    await show(update, tr._("✅ The session is scheduled."))
    await show_view(update, context, current, training, edit=False)
    await send_invite(update, context, current, training)
