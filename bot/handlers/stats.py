"""``/stats``: the donor indicators' headline figures in the chat, with a chart per
breakdown.

For coordinators and admins, within their scope (``roles.scope_of``): this year by default,
buttons for this month, this quarter, this year and all time. The figures are those of the
workbook's Indicators sheet (``indicators.make_report``, the same definitions and the same
small-number rule): the headline, people trained by country, gender and age band (each
person under their own values, so each breakdown adds up to the headline), and a chart for
each of those breakdowns, drawn for a phone's width. Someone with a limited scope sees them
rounded, with averages only over enough answers, so nobody can be singled out. Every
command and button re-checks the role and reads the scope afresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, on_button, on_command
from bot.handlers.common.keyboards import button, markup, rows
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn
from bot.i18n.translator import N_, Translator
from bot.models import Role
from bot.runtime.context import BotContext
from bot.services import charts, indicators, roles
from bot.services.indicators import Dimension, Period, PeriodName, Report, Table, output, registry
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


def _gain_line(tr: Translator, report: Report) -> str:
    gain = report.headline[registry.KNOWLEDGE_GAIN].value
    pairs = int(report.headline[registry.KNOWLEDGE_GAIN_PAIRS].value or 0)
    if gain is not None:
        return tr.ngettext(
            "📈 Average knowledge gain: {gain} percentage points ({n} pre/post pair)",
            "📈 Average knowledge gain: {gain} percentage points ({n} pre/post pairs)",
            pairs,
            gain=_signed(tr, gain),
        )
    if not report.rounded:
        return tr._("📈 Average knowledge gain: no pre- and post-tests yet")
    # Said the same way for none and for a few: "none" would tell them apart.
    return tr.ngettext(
        "📈 Average knowledge gain: not shown (fewer than {n} pre/post pair)",
        "📈 Average knowledge gain: not shown (fewer than {n} pre/post pairs)",
        report.threshold,
    )


def _feedback_line(tr: Translator, report: Report) -> str:
    rating = report.headline[registry.SATISFACTION].value
    ratings = int(report.headline[registry.SATISFACTION_RATINGS].value or 0)
    if rating is not None:
        return tr.ngettext(
            "⭐ Average feedback: {rating} of 5 ({n} rating)",
            "⭐ Average feedback: {rating} of 5 ({n} ratings)",
            ratings,
            rating=tr.number(round(rating, 1)),
        )
    if not report.rounded:
        return tr._("⭐ Average feedback: no ratings yet")
    return tr.ngettext(
        "⭐ Average feedback: not shown (fewer than {n} rating)",
        "⭐ Average feedback: not shown (fewer than {n} ratings)",
        report.threshold,
    )


BREAKDOWN_LINES = {
    Dimension.COUNTRY: N_("By country: {groups}"),
    Dimension.GENDER: N_("By gender: {groups}"),
    Dimension.AGE_BAND: N_("By age band: {groups}"),
}
"""The breakdowns of people trained in the message (and a chart each)."""


def _groups(tr: Translator, table: Table) -> list[tuple[str, str, int]]:
    """(code, name, people trained) of each group with anyone in it, as shown."""
    part = table.parts[0]
    found = []
    for row in table.rows:
        value = int(row.values[registry.PEOPLE_TRAINED].value or 0)
        if value:
            found.append((row.codes[0], output.label(tr, part, row.codes[0]), value))
    return found


def stats_text(
    tr: Translator,
    period_name: StatsPeriodName,
    scope: Scope,
    report: Report,
    targets: Sequence[str] = (),
) -> str:
    """The message; ``report`` as the scope may see it. ``targets``: the lines of target
    progress, shown after the headline (none yet)."""
    head = report.headline
    lines = [tr._("📊 <b>Figures: {period}</b>", period=tr._(PERIOD_TITLES[period_name]))]
    dates = period_dates(tr, report.period)
    if dates:
        lines.append(dates)
    lines.append(tr._("Scope: {scope}", scope=scope_text(tr, scope)))
    lines.append("")
    lines.append(tr._("👥 People trained: {n}", n=head[registry.PEOPLE_TRAINED].value))
    lines.append(tr._("🧾 Attendances: {n}", n=head[registry.ATTENDANCES].value))
    lines.append(tr._("🏫 Sessions held: {n}", n=head[registry.SESSIONS_HELD].value))
    lines.append(tr._("🎓 People who completed a module: {n}", n=head[registry.COMPLETIONS].value))
    lines.append(_gain_line(tr, report))
    lines.append(_feedback_line(tr, report))
    if targets:
        lines.append("")
        lines.extend(targets)
    breakdowns = []
    for dimension, line in BREAKDOWN_LINES.items():
        groups = _groups(tr, report.table(dimension.value))
        if groups:
            listed = " · ".join(f"{name} {value}" for _, name, value in groups)
            breakdowns.append(tr._(line, groups=listed))
    if breakdowns:
        lines.append("")
        lines.append(tr._("<b>People trained</b>, each under their own country:"))
        lines.extend(breakdowns)
    lines.append("")
    lines.append(
        tr._(
            "<i>Unique people who attended at least one session (present or late); "
            "walk-ins and people who erased their data are counted. Each breakdown adds "
            "up to the total.</i>"
        )
    )
    if report.rounded:
        lines.append(
            tr._(
                "<i>Your scope is limited, so every figure is rounded to a multiple of {n} "
                "(and may be up to {m} away from the exact one), and averages of fewer than "
                "{n} answers are not shown: nobody can be singled out.</i>",
                n=report.base,
                m=report.base - 1,
            )
        )
    if not breakdowns:
        if not report.rounded and not head[registry.PEOPLE_TRAINED].value:
            lines.append(tr._("No chart: nobody was trained in this period."))
        else:
            # Rounded, "nobody" and "a few" look the same.
            lines.append(
                tr._(
                    "No chart: every group is smaller than {n} people, and showing it "
                    "could single someone out.",
                    n=report.threshold,
                )
            )
    return "\n".join(lines)


def stats_keyboard(tr: Translator, current: StatsPeriodName) -> InlineKeyboardMarkup:
    buttons = [
        button(("• " if name == current else "") + tr._(label), StatsPeriod(name))
        for name, label in PERIOD_BUTTONS.items()
    ]
    return markup(rows(buttons, 2))


CHART_TITLES = {
    Dimension.COUNTRY: N_("People trained by country: {period}"),
    Dimension.GENDER: N_("People trained by gender: {period}"),
    Dimension.AGE_BAND: N_("People trained by age band: {period}"),
}


def chart_pngs(
    tr: Translator, period_name: StatsPeriodName, report: Report
) -> list[tuple[str, bytes]]:
    """(caption, PNG) of each breakdown with anyone in it: people trained, one chart per
    dimension, with the figures of the message."""
    period = tr._(PERIOD_TITLES[period_name])
    note = (
        tr._("Rounded to multiples of {n}, so that nobody can be singled out.", n=report.base)
        if report.rounded
        else None
    )
    made = []
    for dimension, title in CHART_TITLES.items():
        groups = _groups(tr, report.table(dimension.value))
        if not groups:
            continue
        caption = tr._(title, period=period)
        picture = charts.bars_png(
            title=caption,
            bars=[charts.Bar(code, name, value) for code, name, value in groups],
            x_label=tr._("People"),
            note=note,
        )
        made.append((caption, picture))
    return made


# -- the command and its buttons ------------------------------------------------------------


async def _show_figures(
    update: Update,
    context: BotContext,
    current: Turn,
    period_name: StatsPeriodName,
    *,
    edit: bool,
) -> None:
    """Computes and shows the figures, then sends the charts when there are any."""
    deps = context.deps
    tr = current.tr
    now = deps.clock.now()
    scope: Scope = await roles.scope_of(
        current.db, current.learner, deps.settings.admin_telegram_ids
    )
    period = indicators.period_named(period_name, now, tr.zone)
    report = await indicators.make_report(
        current.db,
        scope=scope,
        period=period,
        filters=indicators.NO_FILTERS,
        now=now,
        threshold=deps.settings.indicator_threshold,
    )
    await answer_query(update)
    await show(
        update,
        stats_text(tr, period_name, scope, report),
        stats_keyboard(tr, period_name),
        edit=edit,
    )
    # Drawing and uploading take a while: in a task of its own, so that this update's
    # unit of work ends with the figures.
    context.application.create_task(_send_charts(update, tr, report, period_name), update=update)


async def _send_charts(
    update: Update, tr: Translator, report: Report, period_name: StatsPeriodName
) -> None:
    # Drawing takes a moment of CPU: off the event loop, so other chats are not kept waiting.
    made = await asyncio.to_thread(chart_pngs, tr, period_name, report)
    chat = update.effective_chat
    assert chat is not None
    for index, (caption, picture) in enumerate(made):
        await chat.send_photo(
            InputFile(picture, filename=f"kapacitet-stats-{index + 1}.png"), caption=caption
        )


@on_command("stats", roles=VIEWERS)
async def stats_command(update: Update, context: BotContext, current: Turn) -> None:
    await _show_figures(update, context, current, DEFAULT_PERIOD, edit=False)


@on_button(StatsPeriod, roles=VIEWERS)
async def period_button(
    update: Update, context: BotContext, current: Turn, data: StatsPeriod
) -> None:
    await _show_figures(update, context, current, data.period, edit=True)


HANDLERS: Handlers = (stats_command, period_button)
