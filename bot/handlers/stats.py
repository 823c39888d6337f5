"""``/stats``: the donor indicators' headline figures in the chat, with a chart.

For coordinators and admins, within their scope (``roles.scope_of``): this year by default,
buttons for this month, this quarter, this year and all time; with a chart of people
trained per month, by the session's country and by gender. Someone with a limited scope
sees the figures and the chart as the export shows them to them
(``indicators.Disclosure``): rounded, with averages only over enough answers, so nobody can
be singled out. Every command and button re-checks the role and reads the scope afresh.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from babel.dates import format_skeleton
from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.handlers import targets
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, on_button, on_command
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn
from bot.i18n.labels import COUNTRY_NAMES, GENDER_NAMES, PREFER_NOT_TO_SAY
from bot.i18n.translator import N_, Translator
from bot.models import Role
from bot.runtime.context import BotContext
from bot.services import charts, indicators, roles
from bot.services.indicators import Disclosure, Indicators, Monthly, Period, PeriodName
from bot.services.learners import UNDISCLOSED
from bot.services.roles import Scope

VIEWERS = (Role.COORDINATOR, Role.ADMIN)


class StatsPeriodName(StrEnum):
    """The periods ``/stats`` offers."""

    THIS_MONTH = PeriodName.THIS_MONTH.value
    THIS_QUARTER = PeriodName.THIS_QUARTER.value
    THIS_YEAR = PeriodName.THIS_YEAR.value
    ALL_TIME = PeriodName.ALL_TIME.value


DEFAULT_PERIOD = StatsPeriodName.THIS_YEAR
PERIOD_BUTTONS = {
    StatsPeriodName.THIS_MONTH: N_("This month"),
    StatsPeriodName.THIS_QUARTER: N_("This quarter"),
    StatsPeriodName.THIS_YEAR: N_("This year"),
    StatsPeriodName.ALL_TIME: N_("All time"),
}
PERIOD_TITLES = {
    StatsPeriodName.THIS_MONTH: N_("this month"),
    StatsPeriodName.THIS_QUARTER: N_("this quarter"),
    StatsPeriodName.THIS_YEAR: N_("this year"),
    StatsPeriodName.ALL_TIME: N_("all time"),
}
NOT_KNOWN = N_("Not known")


@dataclass(frozen=True)
class StatsPeriod(CallbackData):
    """Show the figures of another period."""

    prefix = "is"
    period: StatsPeriodName


# -- texts ----------------------------------------------------------------------------------


def period_dates(tr: Translator, period: Period) -> str | None:
    """ "1 Jan 2026 – 31 Dec 2026" (the last day included), or None for all time."""
    if period.start is None or period.end is None:
        return None
    return tr._(
        "{first} – {last}",
        first=tr.date(period.start),
        last=tr.date(period.end - timedelta(microseconds=1)),
    )


def _signed(tr: Translator, value: float) -> str:
    rounded = round(value, 1)
    return ("+" if rounded > 0 else "") + tr.number(rounded)


def _gain_line(tr: Translator, figures: Indicators, disclosure: Disclosure) -> str:
    if figures.average_gain is not None:
        return tr.ngettext(
            "📈 Average knowledge gain: {gain} percentage points ({n} pre/post pair)",
            "📈 Average knowledge gain: {gain} percentage points ({n} pre/post pairs)",
            figures.gain_pairs,
            gain=_signed(tr, figures.average_gain),
        )
    if disclosure.exact:
        return tr._("📈 Average knowledge gain: no pre- and post-tests yet")
    # Said the same way for none and for a few: "none" would tell them apart.
    return tr.ngettext(
        "📈 Average knowledge gain: not shown (fewer than {n} pre/post pair)",
        "📈 Average knowledge gain: not shown (fewer than {n} pre/post pairs)",
        disclosure.threshold,
    )


def _feedback_line(tr: Translator, figures: Indicators, disclosure: Disclosure) -> str:
    if figures.average_feedback is not None:
        return tr.ngettext(
            "⭐ Average feedback: {rating} of 5 ({n} rating)",
            "⭐ Average feedback: {rating} of 5 ({n} ratings)",
            figures.feedback_count,
            rating=tr.number(round(figures.average_feedback, 1)),
        )
    if disclosure.exact:
        return tr._("⭐ Average feedback: no ratings yet")
    return tr.ngettext(
        "⭐ Average feedback: not shown (fewer than {n} rating)",
        "⭐ Average feedback: not shown (fewer than {n} ratings)",
        disclosure.threshold,
    )


def stats_text(
    tr: Translator,
    period_name: StatsPeriodName,
    figures: Indicators,
    chart: Monthly,
    disclosure: Disclosure,
) -> str:
    """The message; ``figures`` and ``chart`` as ``disclosure`` shows them."""
    lines = [tr._("📊 <b>Figures: {period}</b>", period=tr._(PERIOD_TITLES[period_name]))]
    dates = period_dates(tr, figures.period)
    if dates:
        lines.append(dates)
    lines.append(tr._("Scope: {scope}", scope=scope_text(tr, figures.scope)))
    lines.append("")
    lines.append(tr._("👥 People trained: {n}", n=figures.people_trained))
    lines.append(tr._("🧾 Attendances: {n}", n=figures.attendances))
    lines.append(tr._("🏫 Sessions held: {n}", n=figures.sessions_held))
    lines.append(tr._("🎓 People who completed a module: {n}", n=figures.people_completed))
    lines.append(_gain_line(tr, figures, disclosure))
    lines.append(_feedback_line(tr, figures, disclosure))
    lines.append("")
    lines.append(
        tr._(
            "<i>Unique people who attended at least one session (present or late); "
            "walk-ins and people who erased their data are counted.</i>"
        )
    )
    if not disclosure.exact:
        lines.append(
            tr._(
                "<i>Your scope is limited, so every figure is rounded to a multiple of {n} "
                "(and may be up to {m} away from the exact one), and averages of fewer than "
                "{n} answers are not shown: nobody can be singled out.</i>",
                n=disclosure.base,
                m=disclosure.largest_error,
            )
        )
    if chart.empty:
        if disclosure.exact and figures.people_trained == 0:
            lines.append(tr._("No chart: nobody was trained in this period."))
        else:
            # Rounded, "nobody" and "a few" look the same.
            lines.append(
                tr._(
                    "No chart: every group is smaller than {n} people, and showing it "
                    "could single someone out.",
                    n=disclosure.threshold,
                )
            )
    return "\n".join(lines)


def stats_keyboard(tr: Translator, current: StatsPeriodName) -> InlineKeyboardMarkup:
    buttons = [
        button(("• " if name == current else "") + tr._(label), StatsPeriod(name))
        for name, label in PERIOD_BUTTONS.items()
    ]
    return markup(rows(buttons, 2))


def _series_label(tr: Translator, key: str) -> str:
    if key == indicators.UNKNOWN:
        return tr._(NOT_KNOWN)
    if key == UNDISCLOSED:
        return tr._(PREFER_NOT_TO_SAY)
    names = {**COUNTRY_NAMES, **GENDER_NAMES}
    return tr._(names[key]) if key in names else key


def chart_png(
    tr: Translator, period_name: StatsPeriodName, chart: Monthly, disclosure: Disclosure
) -> bytes:
    """People trained per month, by country and by gender, labelled in ``tr``'s language."""

    def panel(title: str, series: dict[str, list[int]]) -> charts.Panel:
        return charts.Panel(
            title,
            [charts.Series(key, _series_label(tr, key), values) for key, values in series.items()],
        )

    return charts.stacked_months_png(
        title=tr._("People trained per month: {period}", period=tr._(PERIOD_TITLES[period_name])),
        month_labels=[format_skeleton("yMMM", month, locale=tr.locale) for month in chart.months],
        panels=[
            panel(tr._("By the session's country"), chart.by_country),
            panel(tr._("By gender"), chart.by_gender),
        ],
        y_label=tr._("People"),
        note=tr._(
            "Rounded to multiples of {n}, so that nobody can be singled out.",
            n=disclosure.base,
        )
        if chart.rounded
        else None,
    )


# -- the command and its buttons ------------------------------------------------------------


async def _show_figures(
    update: Update,
    context: BotContext,
    current: Turn,
    period_name: StatsPeriodName,
    *,
    edit: bool,
) -> None:
    """Computes and shows the figures, then sends the chart when there is one."""
    deps = context.deps
    tr = current.tr
    now = deps.clock.now()
    scope: Scope = await roles.scope_of(
        current.db, current.learner, deps.settings.admin_telegram_ids
    )
    period = indicators.period_named(period_name, now, tr.zone)
    disclosure = Disclosure.for_scope(scope, deps.settings.indicator_threshold)
    exact = await indicators.compute(
        current.db, scope=scope, period=period, filters=indicators.NO_FILTERS, now=now
    )
    figures = exact.shown(disclosure)
    months = await indicators.monthly(
        current.db,
        scope=scope,
        period=period,
        filters=indicators.NO_FILTERS,
        now=now,
        zone=tr.zone,
    )
    chart = months.shown(disclosure)
    await answer_query(update)
    await show(
        update,
        stats_text(tr, period_name, figures, chart, disclosure),
        stats_keyboard(tr, period_name),
        edit=edit,
    )
    if not chart.empty:
        # Drawing and uploading take a while: in a task of its own, so that this update's
        # unit of work ends with the figures.
        context.application.create_task(
            _send_chart(update, tr, chart, period_name, disclosure), update=update
        )
    await targets.stats_section(update, context, current, scope, indicators.NO_FILTERS)


async def _send_chart(
    update: Update,
    tr: Translator,
    chart: Monthly,
    period_name: StatsPeriodName,
    disclosure: Disclosure,
) -> None:
    # Drawing takes a moment of CPU: off the event loop, so other chats are not kept waiting.
    png = await asyncio.to_thread(chart_png, tr, period_name, chart, disclosure)
    chat = update.effective_chat
    assert chat is not None
    caption = tr._("People trained per month: {period}", period=tr._(PERIOD_TITLES[period_name]))
    await chat.send_photo(InputFile(png, filename="kapacitet-stats.png"), caption=caption)


@on_command("stats", roles=VIEWERS)
async def stats_command(update: Update, context: BotContext, current: Turn) -> None:
    await _show_figures(update, context, current, DEFAULT_PERIOD, edit=False)


@on_button(StatsPeriod, roles=VIEWERS)
async def period_button(
    update: Update, context: BotContext, current: Turn, data: StatsPeriod
) -> None:
    await _show_figures(update, context, current, data.period, edit=True)


HANDLERS: Handlers = (stats_command, period_button)
