"""Targets and programmes in the chat, for coordinators and admins:

- ``/targets``: the progress towards every target the reader sees (achieved / target,
  percent, pace), with a progress chart;
- the section ``/stats`` adds under its figures (:func:`stats_section`): the same progress,
  and when the reader sees more than one programme, a button per programme that shows the
  headline figures and the targets of that programme only (:class:`StatsProgramme`).

Targets themselves are set by admins with ``python -m bot targets load FILE``.
Every command and button reads the role and the scope afresh.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, NotAllowed, on_button, on_command
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.translator import Translator
from bot.models import Programme, Role
from bot.runtime.context import BotContext
from bot.services import indicators, programmes, roles, targets
from bot.services.indicators import Disclosure
from bot.services.roles import Scope
from bot.services.scope import Filters
from bot.services.targets import texts
from bot.services.targets.chart import Bar, progress_png

VIEWERS = (Role.COORDINATOR, Role.ADMIN)
ALL_PROGRAMMES = 0


@dataclass(frozen=True)
class StatsProgramme(CallbackData):
    """The headline figures and targets of one programme (0: all the reader sees)."""

    prefix = "tp"
    programme: int


# -- texts ------------------------------------------------------------------------------------


def progress_text(tr: Translator, items: list[targets.TargetProgress], scope: Scope) -> str:
    """The targets, grouped by programme; or why there are none to show."""
    if not targets.shows_targets(scope):
        return tr._(
            "Targets are set for whole programmes and countries, so they are not shown to a "
            "scope limited to organisations."
        )
    if not items:
        return tr._("No targets are set for your programmes yet.")
    lines: list[str] = []
    programme = None
    for item in items:
        if item.programme != programme:
            programme = item.programme
            if lines:
                lines.append("")
            lines.append(tr._("<b>{name}</b>", name=programme))
        lines.append(texts.target_line(tr, item))
    lines += ["", "<i>" + texts.pace_rule(tr, targets.TOLERANCE) + "</i>"]
    if not scope.is_full:
        lines.append(
            "<i>" + tr._("Achieved figures are rounded as your other figures are.") + "</i>"
        )
    return "\n".join(lines)


def chart_png(tr: Translator, items: list[targets.TargetProgress]) -> bytes:
    bars = [
        Bar(
            label=html.unescape(f"{shorten(item.programme, 24)} · {texts.target_label(tr, item)}"),
            percent=item.percent,
            expected_percent=100 * item.expected // item.target,
            pace=item.pace.value,
            value_label=html.unescape(texts.value_label(tr, item)),
        )
        for item in items
    ]
    return progress_png(
        title=tr._("Progress towards the targets"),
        bars=bars,
        x_label=tr._("Achieved, in percent of the target"),
        legend=tr._("Where the straight line to the due date is today"),
    )


def programmes_keyboard(
    tr: Translator, visible: list[Programme], chosen: int
) -> InlineKeyboardMarkup | None:
    """A button per programme (and "all"), when the reader sees more than one."""
    if len(visible) < 2:
        return None
    buttons = [
        button(
            ("• " if chosen == ALL_PROGRAMMES else "") + tr._("All programmes"),
            StatsProgramme(ALL_PROGRAMMES),
        )
    ]
    for programme in visible:
        assert programme.id is not None
        label = shorten(programme.name, 40)
        buttons.append(
            button(("• " if programme.id == chosen else "") + label, StatsProgramme(programme.id))
        )
    return markup(rows(buttons, 2))


# -- showing ------------------------------------------------------------------------------------


async def _scope(context: BotContext, current: Turn) -> Scope:
    return await roles.scope_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )


async def _progress(
    context: BotContext, current: Turn, scope: Scope, filters: Filters
) -> list[targets.TargetProgress]:
    deps = context.deps
    return await targets.progress(
        current.db,
        scope=scope,
        filters=filters,
        now=deps.clock.now(),
        zone=current.tr.zone,
        threshold=deps.settings.indicator_threshold,
    )


def _send_chart(
    update: Update, context: BotContext, tr: Translator, items: list[targets.TargetProgress]
) -> None:
    """Draws and sends the chart in a task of its own (the unit of work ends first)."""
    if not items:
        return

    async def send() -> None:
        png = await asyncio.to_thread(chart_png, tr, items)
        chat = update.effective_chat
        assert chat is not None
        await chat.send_photo(
            InputFile(png, filename="kapacitet-targets.png"),
            caption=tr._("Progress towards the targets"),
        )

    context.application.create_task(send(), update=update)


async def stats_section(
    update: Update, context: BotContext, current: Turn, scope: Scope, filters: Filters
) -> None:
    """What ``/stats`` shows under its figures: the targets' progress (a message and a
    chart), and the programme buttons when the reader sees more than one programme."""
    if update.callback_query is not None:
        return  # a period button: the targets do not depend on the period, shown once
    tr = current.tr
    items = await _progress(context, current, scope, filters)
    visible = await programmes.visible_to(current.db, scope)
    keyboard = programmes_keyboard(tr, visible, filters.programme or ALL_PROGRAMMES)
    if not items and keyboard is None:
        return
    text = tr._("🎯 <b>Targets</b>") + "\n" + progress_text(tr, items, scope)
    await show(update, text, keyboard, edit=False)
    _send_chart(update, context, tr, items)


@on_command("targets", roles=VIEWERS)
async def targets_command(update: Update, context: BotContext, current: Turn) -> None:
    scope = await _scope(context, current)
    items = await _progress(context, current, scope, Filters())
    text = current.tr._("🎯 <b>Targets</b>") + "\n" + progress_text(current.tr, items, scope)
    await show(update, text, edit=False)
    _send_chart(update, context, current.tr, items)


def figures_text(
    tr: Translator, name: str, figures: indicators.Indicators, disclosure: Disclosure
) -> str:
    """The headline figures of one programme, this far (all time)."""
    lines = [
        tr._("📊 <b>Figures: {name}</b>", name=name),
        tr._("👥 People trained: {n}", n=figures.people_trained),
        tr._("🧾 Attendances: {n}", n=figures.attendances),
        tr._("🏫 Sessions held: {n}", n=figures.sessions_held),
        tr._("🎓 People who completed a module: {n}", n=figures.people_completed),
    ]
    if not disclosure.exact:
        lines.append(
            "<i>"
            + tr._(
                "Rounded to multiples of {n}, so that nobody can be singled out.", n=disclosure.base
            )
            + "</i>"
        )
    return "\n".join(lines)


@on_button(StatsProgramme, roles=VIEWERS)
async def programme_button(
    update: Update, context: BotContext, current: Turn, data: StatsProgramme
) -> None:
    """The headline figures (all time) and the targets of one programme the reader sees."""
    tr, deps = current.tr, context.deps
    scope = await _scope(context, current)
    visible = await programmes.visible_to(current.db, scope)
    chosen = next((p for p in visible if p.id == data.programme), None)
    if data.programme != ALL_PROGRAMMES and chosen is None:
        raise NotAllowed
    filters = Filters(programme=chosen.id if chosen is not None else None)
    disclosure = Disclosure.for_scope(scope, deps.settings.indicator_threshold)
    exact = await indicators.compute(
        current.db, scope=scope, period=indicators.ALL_TIME, filters=filters, now=deps.clock.now()
    )
    name = chosen.name if chosen is not None else tr._("All programmes")
    items = await _progress(context, current, scope, filters)
    text = "\n".join(
        [
            figures_text(tr, name, exact.shown(disclosure), disclosure),
            "",
            tr._("🎯 <b>Targets</b>"),
            progress_text(tr, items, scope),
        ]
    )
    await answer_query(update)
    await show(update, text, programmes_keyboard(tr, visible, data.programme))
    _send_chart(update, context, tr, items)


HANDLERS: Handlers = (targets_command, programme_button)
