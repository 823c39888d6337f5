"""``/coverage``: how far each module is translated and reviewed, per language; ``/review
MODULE LANGUAGE``: a reviewer marks a module's texts in a language as reviewed;
``/translate MODULE LANGUAGE``: the PO file of a module's language. For coordinators,
admins and content editors (an editor scoped to languages: for those). A PO file sent back
is taken by the content editor's document path (``bot.handlers.content.po_file``)."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.content.catalogue import Catalogue
from bot.content.po import export_po
from bot.content.texts import TRANSLATED_LANGUAGES, Files, files_from_module, load_files
from bot.handlers.common.entry import Handlers, on_command
from bot.handlers.common.replies import show
from bot.handlers.common.turn import Turn
from bot.handlers.roles import languages_text
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import Role, TranslationState
from bot.paths import CONTENT_DIR
from bot.runtime.context import BotContext
from bot.services import content_versions, translation_review
from bot.services.content_versions import ContentVersionError
from bot.services.translation_review import Coverage

CONTENT_TEAM = (Role.COORDINATOR, Role.ADMIN, Role.EDITOR)
STATE_WORDS = {
    TranslationState.MACHINE: "machine-drafted",
    TranslationState.TRANSLATED: "translated",
    TranslationState.REVIEWED: "reviewed",
}
"""In the PO file's comments, in English like the rest of it (the file is for a tool)."""


STATE_MARKS = (("✅", "reviewed"), ("✍️", "translated"), ("🤖", "machine"))


def coverage_line(row: Coverage) -> str:
    """``Македонски: ✅ 80 · 🤖 13 · ⚠ 2``: only the counts that are not zero."""
    parts = [f"{mark} {getattr(row, name)}" for mark, name in STATE_MARKS if getattr(row, name)]
    if row.needs_review:
        parts.append(f"⚠ {row.needs_review}")
    return f"{LANGUAGES[row.language].native_name}: {' · '.join(parts)}"


def coverage_text(tr: Translator, catalogue: Catalogue, rows: list[Coverage]) -> str:
    parts = [
        tr._(
            "<b>Translation coverage</b>\n"
            "Texts per language: ✅ reviewed, ✍️ translated, 🤖 machine-drafted; ⚠ need "
            "review because the English changed."
        )
    ]
    for module in catalogue.modules:
        mine = [row for row in rows if row.module_id == module.id]
        if not mine:
            continue
        lines = [
            tr.ngettext(
                "<b>{title}</b> ({n} text)",
                "<b>{title}</b> ({n} texts)",
                mine[0].total,
                title=module.text(tr.language_code).title,
            )
        ]
        lines.extend(coverage_line(row) for row in mine)
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


async def my_languages(current: Turn) -> frozenset[str] | None:
    """The languages an editor scoped to some may see and change (None: all)."""
    assert current.learner.id is not None
    return await content_versions.editor_languages(current.db, current.learner.id)


async def not_mine(update: Update, current: Turn, language: str) -> bool:
    """Refuses (True) a language outside an editor's scope."""
    allowed = await my_languages(current)
    if allowed is None or language in allowed:
        return False
    await show(
        update,
        current.tr._(
            "You may work only on these languages: {languages}.",
            languages=languages_text(current.tr, ",".join(sorted(allowed))),
        ),
    )
    return True


async def module_files(current: Turn, module_id: str) -> Files:
    """What editors work on: the stored draft or published version (the module's folder
    when nothing is stored, as before the first start)."""
    try:
        return await content_versions.latest_draft_or_published(current.db, module_id)
    except ContentVersionError:
        return load_files(CONTENT_DIR / module_id)


@on_command("coverage", roles=CONTENT_TEAM)
async def coverage_command(update: Update, context: BotContext, current: Turn) -> None:
    catalogue = context.deps.catalogue
    rows = await translation_review.coverage(
        current.db, [files_from_module(module) for module in catalogue.modules]
    )
    allowed = await my_languages(current)
    if allowed is not None:
        rows = [row for row in rows if row.language in allowed]
    await show(update, coverage_text(current.tr, catalogue, rows))


def review_usage(tr: Translator, catalogue: Catalogue) -> str:
    return tr._(
        "Send /review MODULE LANGUAGE once you have read a module in a language, for example "
        "<code>/review {example} mk</code>: every text of it is then marked as reviewed by "
        "you.\nModules: {modules}\nLanguages: {languages}",
        example=catalogue.modules[0].id if catalogue.modules else "eu-accession",
        modules=", ".join(module.id for module in catalogue.modules),
        languages=", ".join(TRANSLATED_LANGUAGES),
    )


@on_command("review", roles=CONTENT_TEAM)
async def review_command(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    catalogue = context.deps.catalogue
    args = context.args or []
    module = catalogue.get(args[0]) if len(args) == 2 else None
    if module is None or args[1] not in TRANSLATED_LANGUAGES:
        await show(update, review_usage(tr, catalogue))
        return
    language = args[1]
    if await not_mine(update, current, language):
        return
    count = await translation_review.set_state(
        current.db,
        files_from_module(module),
        language,
        TranslationState.REVIEWED,
        current.learner.id,
        context.deps.clock.now(),
    )
    await show(
        update,
        tr.ngettext(
            "{n} text of “{title}” in {language} is now marked as reviewed by you.",
            "{n} texts of “{title}” in {language} are now marked as reviewed by you.",
            count,
            title=module.text(tr.language_code).title,
            language=LANGUAGES[language].native_name,
        ),
    )


def translate_usage(tr: Translator, catalogue: Catalogue) -> str:
    return tr._(
        "Send /translate MODULE LANGUAGE for a module's texts in a language as a PO file, "
        "for example <code>/translate {example} mk</code>.\nModules: {modules}\n"
        "Languages: {languages}",
        example=catalogue.modules[0].id if catalogue.modules else "eu-accession",
        modules=", ".join(module.id for module in catalogue.modules),
        languages=", ".join(TRANSLATED_LANGUAGES),
    )


@on_command("translate", roles=CONTENT_TEAM)
async def translate_command(update: Update, context: BotContext, current: Turn) -> None:
    """The PO file of a module's language, for a translator's tool, with the texts needing
    review marked fuzzy and each text's status in its comments."""
    tr = current.tr
    catalogue = context.deps.catalogue
    args = context.args or []
    module = catalogue.get(args[0]) if len(args) == 2 else None
    if module is None or args[1] not in TRANSLATED_LANGUAGES:
        await show(update, translate_usage(tr, catalogue))
        return
    language = args[1]
    if await not_mine(update, current, language):
        return
    # The stored files: the catalogue holds what learners see, which the settings may have
    # put in English.
    files = await module_files(current, module.id)
    found = await translation_review.statuses(current.db, files, language)
    data = export_po(
        files,
        language,
        statuses={key: STATE_WORDS[s.state] for key, s in found.items()},
        needs_review=[key for key, s in found.items() if s.needs_review],
        now=context.deps.clock.now(),
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(data, filename=f"{module.id}-{language}.po"),
        caption=tr._(
            "“{title}” in {language}, for Poedit, Weblate or OmegaT: translate, then send the "
            "file back.",
            title=module.text(tr.language_code).title,
            language=LANGUAGES[language].native_name,
        ),
    )


HANDLERS: Handlers = (coverage_command, review_command, translate_command)
