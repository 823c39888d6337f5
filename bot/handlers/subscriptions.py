"""``/reports``: a coordinator's scheduled workbooks (weekly or monthly, for their scope or
one programme of it), and the periodic task that delivers them (``deliver_reports``).

The rules (when a report is due, once per period, the scope at delivery) are in
:mod:`bot.services.subscriptions`; here the buttons, the texts and the sending.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import Handlers, NotAllowed, Stale, on_button, on_command
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn
from bot.i18n.translator import N_, Html, Translator
from bot.models import Programme, ReportSubscription, Role
from bot.runtime.context import BotContext, Deps
from bot.runtime.outbox import certainly_not_sent
from bot.services import exports, programmes, roles, subscriptions
from bot.services.exports import ExportFormat, ExportRequest
from bot.services.scope import Filters
from bot.services.subscriptions import Frequency, Status, SubscriptionError

log = logging.getLogger(__name__)

SUBSCRIBERS = (Role.COORDINATOR, Role.ADMIN)
WHOLE_SCOPE = 0
FREQUENCY_NAMES = {Frequency.WEEKLY: N_("Weekly"), Frequency.MONTHLY: N_("Monthly")}


@dataclass(frozen=True)
class ReportFrequency(CallbackData):
    """Subscribe to a weekly or monthly report (asks for the programme when there is a
    choice)."""

    prefix = "rf"
    frequency: Frequency


@dataclass(frozen=True)
class ReportSubscribe(CallbackData):
    """Subscribe to a report of one programme (0: the whole scope)."""

    prefix = "rs"
    frequency: Frequency
    programme: int


@dataclass(frozen=True)
class ReportUnsubscribe(CallbackData):
    """End one's own subscription, in one tap."""

    prefix = "ru"
    subscription: int


# -- texts ------------------------------------------------------------------------------------


def _programme_name(tr: Translator, names: dict[int, str], programme_id: int | None) -> str:
    if programme_id is None:
        return tr._("your whole scope")
    return names.get(programme_id, "–")


def reports_text(
    tr: Translator, active: list[ReportSubscription], names: dict[int, str], scope_words: Html
) -> str:
    lines = [tr._("📬 <b>Scheduled reports</b>"), ""]
    lines.append(
        tr._(
            "The bot sends you the workbook of the week or month just ended, on the first "
            "working day of the next one, within your scope at that time ({scope}).",
            scope=scope_words,
        )
    )
    lines.append("")
    if not active:
        lines.append(tr._("You have no scheduled reports."))
    for subscription in active:
        lines.append(
            tr._(
                "• {frequency}: {what}",
                frequency=tr._(FREQUENCY_NAMES[Frequency(subscription.frequency)]),
                what=_programme_name(tr, names, subscription.programme_id),
            )
        )
    return "\n".join(lines)


def reports_keyboard(tr: Translator, active: list[ReportSubscription]) -> InlineKeyboardMarkup:
    grid = []
    held = {subscription.frequency for subscription in active}
    for subscription in active:
        assert subscription.id is not None
        grid.append(
            [
                button(
                    tr._(
                        "✖️ Stop the {frequency} report",
                        frequency=tr._(FREQUENCY_NAMES[Frequency(subscription.frequency)]).lower(),
                    ),
                    ReportUnsubscribe(subscription.id),
                )
            ]
        )
    offers = [
        button(
            tr._("➕ {frequency}", frequency=tr._(FREQUENCY_NAMES[frequency])),
            ReportFrequency(frequency),
        )
        for frequency in Frequency
        if frequency.value not in held
    ]
    grid += rows(offers, 2)
    return markup(grid)


def programme_keyboard(
    tr: Translator, frequency: Frequency, visible: list[Programme]
) -> InlineKeyboardMarkup:
    buttons = [button(tr._("Whole scope"), ReportSubscribe(frequency, WHOLE_SCOPE))]
    for programme in visible:
        assert programme.id is not None
        buttons.append(
            button(shorten(programme.name, 40), ReportSubscribe(frequency, programme.id))
        )
    return markup(rows(buttons, 1))


# -- the command and its buttons ---------------------------------------------------------------


async def _show_reports(
    update: Update, context: BotContext, current: Turn, *, edit: bool, notice: str | None = None
) -> None:
    tr = current.tr
    scope = await roles.scope_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )
    active = await subscriptions.active_of(current.db, current.learner)
    names = {p.id: p.name for p in await programmes.all_programmes(current.db) if p.id}
    text = reports_text(tr, active, names, scope_text(tr, scope))
    if notice:
        text = f"{notice}\n\n{text}"
    await show(update, text, reports_keyboard(tr, active), edit=edit)


@on_command("reports", roles=SUBSCRIBERS)
async def reports_command(update: Update, context: BotContext, current: Turn) -> None:
    await _show_reports(update, context, current, edit=False)


async def _subscribe(
    update: Update, context: BotContext, current: Turn, frequency: Frequency, programme: int
) -> None:
    deps = context.deps
    try:
        await subscriptions.subscribe(
            current.db,
            current.learner,
            frequency,
            programme or None,
            admin_ids=deps.settings.admin_telegram_ids,
            now=deps.clock.now(),
        )
    except SubscriptionError:
        raise NotAllowed from None
    await answer_query(update, current.tr._("Subscribed."))
    await _show_reports(update, context, current, edit=True)


@on_button(ReportFrequency, roles=SUBSCRIBERS)
async def frequency_button(
    update: Update, context: BotContext, current: Turn, data: ReportFrequency
) -> None:
    scope = await roles.scope_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )
    visible = await programmes.visible_to(current.db, scope)
    if len(visible) < 2:
        await _subscribe(update, context, current, data.frequency, WHOLE_SCOPE)
        return
    await answer_query(update)
    await show(
        update,
        current.tr._("Which programme should the report cover?"),
        programme_keyboard(current.tr, data.frequency, visible),
    )


@on_button(ReportSubscribe, roles=SUBSCRIBERS)
async def subscribe_button(
    update: Update, context: BotContext, current: Turn, data: ReportSubscribe
) -> None:
    await _subscribe(update, context, current, data.frequency, data.programme)


@on_button(ReportUnsubscribe, roles=SUBSCRIBERS)
async def unsubscribe_button(
    update: Update, context: BotContext, current: Turn, data: ReportUnsubscribe
) -> None:
    try:
        await subscriptions.unsubscribe(
            current.db, current.learner, data.subscription, now=context.deps.clock.now()
        )
    except SubscriptionError:
        raise Stale from None
    await answer_query(update, current.tr._("Unsubscribed."))
    await _show_reports(update, context, current, edit=True)


HANDLERS: Handlers = (reports_command, frequency_button, subscribe_button, unsubscribe_button)


# -- delivering ---------------------------------------------------------------------------------


def caption(tr: Translator, frequency: Frequency, request: ExportRequest) -> str:
    return tr._(
        "📬 Your {frequency} report · {period}\nScope: {scope}\n/reports to change or stop it.",
        frequency=tr._(FREQUENCY_NAMES[frequency]).lower(),
        period=Html(exports.describe_period(tr, request.period)),
        scope=scope_text(tr, request.scope),
    )


async def deliver_reports(deps: Deps, bot: Bot) -> None:
    """Sends every scheduled report that is due, each at most once (a periodic task)."""
    now = deps.clock.now()
    zone = deps.settings.zone
    async with deps.database.session() as db:
        due = await subscriptions.due(db, now, zone)
    for item in due:
        async with deps.database.session() as db:
            delivery_id = await subscriptions.claim(db, item, now)
        if delivery_id is None:
            continue  # another run has it
        await _deliver(deps, bot, item, delivery_id)


async def _deliver(deps: Deps, bot: Bot, item: subscriptions.Due, delivery_id: int) -> None:
    now = deps.clock.now()
    admin_ids = deps.settings.admin_telegram_ids
    async with deps.database.session() as db:
        found = await subscriptions.recipient(db, item, admin_ids=admin_ids, now=now)
        if found is None:
            await subscriptions.finish(db, delivery_id, Status.SKIPPED, now)
            return
        learner = found.learner
        tr = deps.translator_for(learner)
        period = subscriptions.covered_period(item.frequency, item.period_start, deps.settings.zone)
        request = ExportRequest(found.scope, period, Filters(programme=found.programme_id))
        titles = exports.module_titles(deps.catalogue, tr.language_code)
        with tempfile.TemporaryFile() as handle:
            made = await exports.make(
                db,
                handle,
                request,
                ExportFormat.XLSX,
                tr=tr,
                now=now,
                threshold=deps.settings.indicator_threshold,
                module_titles=titles,
            )
            handle.seek(0)
            content = handle.read()
    assert learner.telegram_id is not None and learner.id is not None
    status = Status.SENT
    try:
        await bot.send_document(
            learner.telegram_id,
            InputFile(content, filename=made.name),
            caption=caption(tr, item.frequency, request),
        )
    except (Forbidden, BadRequest) as error:
        log.warning("scheduled report %s not delivered: %s", delivery_id, type(error).__name__)
        status = Status.FAILED
    except (RetryAfter, NetworkError) as error:
        if isinstance(error, RetryAfter) or certainly_not_sent(error):
            async with deps.database.session() as db:
                await subscriptions.release(db, delivery_id)
            return
        log.warning("scheduled report %s may not have arrived", delivery_id)
        return
    except TelegramError as error:
        log.warning("scheduled report %s may not have arrived: %s", delivery_id, error)
        return
    async with deps.database.session() as db:
        await subscriptions.finish(db, delivery_id, status, deps.clock.now())
        if status is Status.SENT:
            await exports.record_export(
                db, actor_id=learner.id, request=request, summary=made.summary, now=now
            )
