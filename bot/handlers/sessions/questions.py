"""The questions of ``/newsession``: each step's text and buttons, the date read back, and the
summary with an Edit button per answer; and the order of the steps (next, back)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.catalogue import Catalogue
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.sessions.data import (
    DraftAction,
    DraftChoice,
    DraftEdit,
    DraftField,
    DraftMove,
    DraftPick,
    DraftStep,
    Move,
)
from bot.handlers.sessions.picking import (
    CHOSEN,
    day_buttons,
    long_date,
    moment_of,
    time_buttons,
    time_label,
    when_words,
)
from bot.handlers.sessions.texts import details_lines
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.runtime.context import Deps
from bot.services import sessions
from bot.services.sessions import SessionValues

Step = DraftStep
STEPS = (
    Step.TITLE,
    Step.MODULE,
    Step.DATE,
    Step.TIME,
    Step.DURATION,
    Step.PLACE,
    Step.COUNTRY,
    Step.LANGUAGE,
    Step.CAPACITY,
)
"""The numbered steps ("step 3 of 9"); the programme (when there is a choice), the date read
back and the summary come around them."""
DURATION_CHOICES = (60, 90, 120, 180, 240)
NO_MODULE = "none"
EDITABLE = (*STEPS,)
"""What the summary's Edit buttons reach."""


def day_of(data: dict[str, Any]) -> date | None:
    value = data.get("day")
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def time_of(data: dict[str, Any]) -> time | None:
    value = data.get("time")
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def starts_at(tr: Translator, data: dict[str, Any]) -> datetime:
    day, at = day_of(data), time_of(data)
    if day is None or at is None:
        raise KeyError("starts_at")
    return moment_of(tr, day, at)


def values_of(tr: Translator, data: dict[str, Any]) -> SessionValues:
    """The draft's answers as a new session's values; KeyError, TypeError or ValueError when
    an answer is missing or spoilt."""
    return SessionValues(
        title=str(data["title"]),
        module_id=data.get("module"),
        starts_at=starts_at(tr, data),
        duration_minutes=int(data["duration"]),
        venue=data.get("venue"),
        online_url=data.get("online_url"),
        country=str(data["country"]),
        language=str(data["language"]),
        capacity=int(data["capacity"]),
    )


def next_step(step: Step, data: dict[str, Any]) -> Step:
    """Where an answer at ``step`` leads: on, or back to the summary when it was edited from
    there (a new date or time is read back first)."""
    editing = bool(data.get("editing"))
    if step == Step.PROGRAMME:
        return Step.TITLE
    if step == Step.DATE:
        return Step.WHEN if editing and time_of(data) is not None else Step.TIME
    if step == Step.TIME:
        return Step.WHEN
    if editing or step == Step.CAPACITY:
        return Step.CONFIRM
    if step == Step.WHEN:
        return Step.DURATION
    return STEPS[STEPS.index(step) + 1]


def previous_step(step: Step, data: dict[str, Any]) -> Step | None:
    """Where Back leads from ``step``: the step before (the summary for an edit); None for the
    first question."""
    if step == Step.CONFIRM:
        return Step.CAPACITY
    if step == Step.WHEN:
        return Step.TIME if data.get("typed_at") == Step.TIME else Step.DATE
    if data.get("editing"):
        return Step.CONFIRM
    if step == Step.TITLE:
        return Step.PROGRAMME if len(data.get("programme_choices", [])) > 1 else None
    if step == Step.PROGRAMME:
        return None
    if step == Step.DURATION:
        return Step.TIME
    return STEPS[STEPS.index(step) - 1]


def _header(tr: Translator, step: Step) -> str:
    return tr._(
        "<b>New session</b> · step {number} of {total}",
        number=STEPS.index(step) + 1,
        total=len(STEPS),
    )


def _last_row(tr: Translator, step: Step, data: dict[str, Any]) -> list[InlineKeyboardButton]:
    row = []
    if previous_step(step, data) is not None:
        row.append(button(tr._("« Back"), DraftMove(step, Move.BACK)))
    row.append(button(tr._("✖️ Cancel"), DraftAction(DraftChoice.CANCEL)))
    return row


def _mark(label: str, chosen: bool) -> str:
    return CHOSEN + label if chosen else label


def given_answer(tr: Translator, step: Step, data: dict[str, Any]) -> str | None:
    """The answer given before at a typed step, as it is shown ("Now: …"); None if none."""
    if step == Step.TITLE:
        return data.get("title")
    if step == Step.DATE:
        day = day_of(data)
        return long_date(tr, day) if day else None
    if step == Step.TIME:
        at = time_of(data)
        return time_label(at) if at else None
    if step == Step.PLACE:
        return data.get("venue") or data.get("online_url")
    if step == Step.CAPACITY:
        capacity = data.get("capacity")
        return tr.number(capacity) if isinstance(capacity, int) else None
    return None


def summary_text(tr: Translator, catalogue: Catalogue, data: dict[str, Any]) -> str:
    values = values_of(tr, data)
    lines = [tr._("<b>Please check the new session:</b>"), ""]
    lines += details_lines(tr, catalogue, values)
    lines.append(tr._("👥 Places: {capacity}", capacity=values.capacity))
    lines += ["", tr._("Create it, or change an answer:")]
    return "\n".join(lines)


def _edit_label(tr: Translator, step: Step) -> str:
    labels = {
        Step.TITLE: tr._("✏️ Title"),
        Step.MODULE: tr._("✏️ Module"),
        Step.DATE: tr._("✏️ Date"),
        Step.TIME: tr._("✏️ Time"),
        # TRANSLATORS: edit the session's length (duration), on a small button.
        Step.DURATION: tr._("✏️ Length"),
        # TRANSLATORS: edit the venue or online link, on a small button.
        Step.PLACE: tr._("✏️ Place"),
        Step.COUNTRY: tr._("✏️ Country"),
        Step.LANGUAGE: tr._("✏️ Language"),
        # TRANSLATORS: edit the number of places (capacity), on a small button.
        Step.CAPACITY: tr._("✏️ Places"),
    }
    return labels[step]


def _summary(
    tr: Translator, catalogue: Catalogue, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    grid = [[button(tr._("✅ Create"), DraftAction(DraftChoice.CREATE))]]
    grid += rows([button(_edit_label(tr, step), DraftEdit(step)) for step in EDITABLE], 3)
    grid.append(_last_row(tr, Step.CONFIRM, data))
    return summary_text(tr, catalogue, data), markup(grid)


def _read_back(tr: Translator, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._("🗓 <b>{when}</b>\n\nIs that right?", when=when_words(tr, starts_at(tr, data)))
    return text, markup(
        [
            [
                button(tr._("✅ Yes"), DraftMove(Step.WHEN, Move.YES)),
                button(tr._("✏️ No, change it"), DraftMove(Step.WHEN, Move.NO)),
            ],
            [button(tr._("✖️ Cancel"), DraftAction(DraftChoice.CANCEL))],
        ]
    )


def question(
    tr: Translator, deps: Deps, step: Step, data: dict[str, Any], now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons that ask for ``step``, with the answer given before (if any)."""
    catalogue = deps.catalogue
    if step == Step.CONFIRM:
        return _summary(tr, catalogue, data)
    if step == Step.WHEN:
        return _read_back(tr, data)
    grid: list[list[InlineKeyboardButton]] = []
    if step == Step.PROGRAMME:
        chosen = data.get("programme")
        grid += [
            [
                button(
                    _mark(shorten(str(name), 60), number == chosen),
                    DraftPick(DraftField.PROGRAMME, str(number)),
                )
            ]
            for number, name in data.get("programme_choices", [])
        ]
        grid.append(_last_row(tr, step, data))
        return tr._("<b>New session</b>\n\nWhich programme is it part of?"), markup(grid)
    if step == Step.TITLE:
        body = tr._(
            "What is the title of the session? Type it (up to {limit} characters).",
            limit=sessions.MAX_TITLE,
        )
    elif step == Step.MODULE:
        body = tr._("Which module of the catalogue does it cover?")
        chosen_module = data.get("module", "") if "module" in data else ""
        grid += [
            [
                button(
                    _mark(module.text(tr.language_code).button_title, module.id == chosen_module),
                    DraftPick(DraftField.MODULE, module.id),
                )
            ]
            for module in catalogue.modules
        ]
        grid.append(
            [
                button(
                    _mark(tr._("No module"), "module" in data and data["module"] is None),
                    DraftPick(DraftField.MODULE, NO_MODULE),
                )
            ]
        )
    elif step == Step.DATE:
        body = tr._(
            "On which day? Tap one, or type a date (the year may be left out), "
            "for example <code>{example}</code> or <code>{tomorrow}</code>. "
            "You can type the time with it.",
            example="8.12.",
            # TRANSLATORS: typed by the trainer as an answer: use the word for "tomorrow"
            # that the bot understands (sq "nesër", bs/hr/cnr/sr "sutra", mk "утре").
            tomorrow=tr._("tomorrow") + " 10:00",
        )
        grid += day_buttons(tr, now, lambda value: DraftPick(DraftField.DATE, value), day_of(data))
    elif step == Step.TIME:
        day = day_of(data)
        body = tr._(
            "{date}: at what time does it start? Tap one, or type it "
            "(<code>10</code>, <code>10h</code>, <code>9:30</code>, <code>14h30</code>).",
            date=long_date(tr, day) if day else "",
        )
        grid += time_buttons(lambda value: DraftPick(DraftField.TIME, value), time_of(data))
    elif step == Step.DURATION:
        body = tr._(
            "How long is it? Tap a button or type the minutes ({low} to {high}).",
            low=sessions.MIN_DURATION,
            high=sessions.MAX_DURATION,
        )
        grid += rows(
            [
                button(
                    _mark(tr.ngettext("{n} minute", "{n} minutes", n), data.get("duration") == n),
                    DraftPick(DraftField.DURATION, str(n)),
                )
                for n in DURATION_CHOICES
            ],
            3,
        )
    elif step == Step.PLACE:
        body = tr._(
            "Where does it take place? Type the venue's address, or the link of the online "
            "meeting (starting with https://)."
        )
    elif step == Step.COUNTRY:
        body = tr._("In which country?")
        grid += rows(
            [
                button(
                    _mark(tr._(name), data.get("country") == code),
                    DraftPick(DraftField.COUNTRY, code),
                )
                for code, name in COUNTRY_NAMES.items()
            ],
            2,
        )
    elif step == Step.LANGUAGE:
        body = tr._("In which language?")
        grid += rows(
            [
                button(
                    _mark(language.native_name, data.get("language") == code),
                    DraftPick(DraftField.LANGUAGE, code),
                )
                for code, language in LANGUAGES.items()
            ],
            2,
        )
    elif step == Step.CAPACITY:
        body = tr._(
            "How many people can take part? Type a number from {low} to {high}.",
            low=sessions.MIN_CAPACITY,
            high=sessions.MAX_CAPACITY,
        )
    else:
        raise ValueError(step)
    given = given_answer(tr, step, data)
    if given is not None:
        body += "\n\n" + tr._("Now: <b>{answer}</b>", answer=given)
        grid.append([button(tr._("➡️ Keep it"), DraftMove(step, Move.KEEP))])
    grid.append(_last_row(tr, step, data))
    return f"{_header(tr, step)}\n\n{body}", markup(grid)


__all__ = [
    "DURATION_CHOICES",
    "NO_MODULE",
    "STEPS",
    "day_of",
    "given_answer",
    "next_step",
    "previous_step",
    "question",
    "starts_at",
    "summary_text",
    "time_of",
    "values_of",
]
