"""``/items``: the item analysis for coordinators, in their scope: how the questions of the
quiz after the lessons work, per language, and which look mistranslated. The workbook's
Items sheet (``/export``) has every question."""

from __future__ import annotations

from telegram import Update

from bot.content.catalogue import Catalogue, plain_text
from bot.handlers.common.entry import Handlers, on_command
from bot.handlers.common.replies import show
from bot.handlers.common.turn import Turn
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import Role
from bot.runtime.context import BotContext
from bot.services import items, roles
from bot.services.indicators import ALL_TIME, NO_FILTERS, Disclosure

COORDINATORS = (Role.COORDINATOR, Role.ADMIN)
MAX_LISTED = 12
"""Flagged questions listed in the message (the Items sheet has them all)."""
MAX_QUESTION = 70


def _question(catalogue: Catalogue, tr: Translator, module_id: str, question_id: str) -> str:
    module = catalogue.get(module_id)
    if module is None or question_id not in module.text(tr.language_code).questions:
        return question_id
    text = plain_text(module.text(tr.language_code).questions[question_id].text)
    return text if len(text) <= MAX_QUESTION else text[: MAX_QUESTION - 1] + "…"


def items_text(
    tr: Translator, found: list[items.ItemStats], catalogue: Catalogue, disclosure: Disclosure
) -> str:
    lines = [tr._("🔎 <b>Item analysis</b>: the quiz after the lessons, all time")]
    analysed = [item for item in found if item.share_correct is not None]
    lines.append(
        tr._(
            "Questions and languages with at least {n} answers: {count} of {total}.",
            n=items.MIN_ANSWERS,
            count=len(analysed),
            total=len(found),
        )
    )
    flagged = [item for item in analysed if item.flagged]
    lines.append("")
    if not flagged:
        lines.append(tr._("No question stands out in one language."))
    else:
        lines.append(
            tr._(
                "⚠️ <b>Answered right far less (or far more) often in one language than in the "
                "others</b>: check the translation.",
            )
        )
        for item in flagged[:MAX_LISTED]:
            module = catalogue.get(item.module_id)
            title = module.text(tr.language_code).title if module else item.module_id
            language = LANGUAGES[item.language].native_name if item.language in LANGUAGES else ""
            lines.append(
                tr._(
                    "• {module}: “{question}” ({id}). {language}: {share} right; other "
                    "languages: {others}.",
                    module=plain_text(title),
                    question=_question(catalogue, tr, item.module_id, item.question_id),
                    id=item.question_id,
                    language=language or item.language,
                    share=tr.percent(round(100 * (item.share_correct or 0))),
                    others=tr.percent(round(100 * (item.others_share or 0))),
                )
            )
        if len(flagged) > MAX_LISTED:
            lines.append(tr._("… and {n} more.", n=len(flagged) - MAX_LISTED))
    weak = [
        item
        for item in analysed
        if item.discrimination is not None and item.discrimination < items.WEAK_DISCRIMINATION
    ]
    lines.append("")
    lines.append(
        tr._(
            "Questions that hardly tell those who learned from those who did not "
            "(discrimination below {limit}): {count}.",
            limit=tr.number(items.WEAK_DISCRIMINATION),
            count=len(weak),
        )
    )
    lines.append(tr._("The Items sheet of /export has every question and language."))
    if not disclosure.exact:
        lines.append(
            tr._(
                "<i>Your scope is limited: numbers of answers are rounded to a multiple of "
                "{n}.</i>",
                n=disclosure.base,
            )
        )
    return "\n".join(lines)


@on_command("items", roles=COORDINATORS)
async def items_command(update: Update, context: BotContext, current: Turn) -> None:
    deps = context.deps
    scope = await roles.scope_of(current.db, current.learner, deps.settings.admin_telegram_ids)
    disclosure = Disclosure.for_scope(scope, deps.settings.indicator_threshold)
    found = await items.analyse(current.db, scope, ALL_TIME, NO_FILTERS, disclosure)
    await show(update, items_text(current.tr, found, deps.catalogue, disclosure), edit=False)


HANDLERS: Handlers = (items_command,)
