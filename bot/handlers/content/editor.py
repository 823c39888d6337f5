"""``/content`` for content editors: pick a module, get its workbook, send it back, preview
the draft as a learner would see it (nothing recorded), publish it."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InputFile, Update
from telegram.ext import filters

from bot.content.catalogue import Module
from bot.handlers.common.entry import (
    Handlers,
    NotAllowed,
    Stale,
    on_button,
    on_command,
    on_document,
)
from bot.handlers.common.keyboards import button, markup, rows, shorten
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.content.data import (
    ContentModule,
    ContentWorkbook,
    PreviewDraft,
    PreviewLanguages,
    PublishDraft,
    RetireModule,
)
from bot.handlers.content.texts import error_text
from bot.handlers.learning.lessons import card_text
from bot.handlers.roles import languages_text
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import Translator
from bot.models import ModuleVersion, Role, VersionState
from bot.runtime.context import BotContext
from bot.services import content_versions, content_workbook
from bot.services.content_versions import ContentVersionError

EDITORS = (Role.EDITOR, Role.ADMIN)
WORKBOOK = filters.Document.FileExtension("xlsx")


def title_of(context: BotContext, tr: Translator, module_id: str) -> str:
    module = context.deps.catalogue.any_version(module_id)
    return module.text(tr.language_code).title if module else module_id


async def editor_languages(current: Turn) -> str:
    assert current.learner.id is not None
    allowed = await content_versions.editor_languages(current.db, current.learner.id)
    return languages_text(current.tr, ",".join(sorted(allowed)) if allowed else None)


@on_command("content", roles=EDITORS)
async def content_command(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    module_ids = await content_versions.module_ids(current.db)
    lines = [
        tr._("<b>Lessons and quizzes</b>"),
        "",
        tr._(
            "Pick a module to get its workbook: one sheet per language, the English beside "
            "each text. Change the texts of column C and send the file back here; the bot "
            "checks it and makes a draft that you can preview and publish."
        ),
        tr._("Your languages: {languages}", languages=await editor_languages(current)),
    ]
    if not module_ids:
        lines += ["", tr._("No module is stored in the database yet.")]
    if await content_versions.editor_languages(current.db, current.learner.id or 0) is None:
        lines += [
            "",
            tr._(
                "A new module is started from the command line by whoever runs the bot "
                "(<code>python -m bot content new</code>); it then appears here as a draft."
            ),
        ]
    buttons = [
        button(shorten(title_of(context, tr, module_id), 40), ContentModule(module_id))
        for module_id in module_ids
    ]
    await show(update, "\n".join(lines), markup(rows(buttons, 1)) if buttons else None)


def draft_buttons(tr: Translator, module_id: str, number: int) -> list[list[InlineKeyboardButton]]:
    return [
        [button(tr._("Preview the draft"), PreviewLanguages(module_id))],
        [button(tr._("Publish the draft"), PublishDraft(module_id, number))],
    ]


@on_button(ContentModule, roles=EDITORS)
async def open_module(
    update: Update, context: BotContext, current: Turn, data: ContentModule
) -> None:
    tr = current.tr
    versions = await content_versions.versions_of(current.db, data.module)
    if not versions:
        raise Stale
    await answer_query(update)
    published = next(
        (row for row in reversed(versions) if row.state == VersionState.PUBLISHED), None
    )
    draft = next((row for row in versions if row.state == VersionState.DRAFT), None)
    lines = [f"<b>{html.escape(title_of(context, tr, data.module))}</b> ({data.module})", ""]
    if published is not None:
        lines.append(tr._("Published: version {number}", number=published.number))
    else:
        lines.append(tr._("Not published: learners do not see this module."))
    grid = [[button(tr._("Get the workbook"), ContentWorkbook(data.module))]]
    if draft is not None:
        lines.append(tr._("Draft: version {number}", number=draft.number))
        grid += draft_buttons(tr, data.module, draft.number)
    all_languages = await content_versions.editor_languages(current.db, current.learner.id or 0)
    if published is not None and all_languages is None:
        grid.append([button(tr._("Retire the module"), RetireModule(data.module, False))])
    await show(update, "\n".join(lines), markup(grid))


@on_button(RetireModule, roles=EDITORS)
async def retire_module(
    update: Update, context: BotContext, current: Turn, data: RetireModule
) -> None:
    """Retiring hides the module from every learner: admins and editors of every language."""
    tr = current.tr
    assert current.learner.id is not None
    if await content_versions.editor_languages(current.db, current.learner.id) is not None:
        raise NotAllowed
    if await content_versions.published(current.db, data.module) is None:
        raise Stale
    await answer_query(update)
    title = html.escape(title_of(context, tr, data.module))
    if not data.confirmed:
        await show(
            update,
            tr._(
                "Retire “{title}”? Learners no longer find it in the lessons; their results "
                "and certificates stay in the reports.",
                title=title,
            ),
            markup(
                [
                    [button(tr._("Yes, retire it"), RetireModule(data.module, True))],
                    [button(tr._("No, keep it"), ContentModule(data.module))],
                ]
            ),
        )
        return
    await content_versions.retire(current.db, data.module, current.learner.id)
    context.deps.catalogue.stale = True
    await show(
        update,
        tr._(
            "Retired: “{title}” is hidden from learners and kept for the reports. Publishing a "
            "new version brings it back.",
            title=title,
        ),
    )


def workbook_header(tr: Translator) -> tuple[str, str, str, str]:
    """The workbook's column names in the editor's language (only their order is read back)."""
    return (
        # TRANSLATORS: a column of the content workbook: the text's key, e.g. cards.steps.
        tr._("Key"),
        # TRANSLATORS: a column of the content workbook: the English source text.
        tr._("English"),
        # TRANSLATORS: a column of the content workbook: the text in the sheet's language.
        tr._("Text"),
        # TRANSLATORS: a column of the content workbook: the review status of the text.
        tr._("Status"),
    )


def status_words(tr: Translator) -> dict[str, str]:
    """The workbook's Status column, as /coverage counts it."""
    return {
        # TRANSLATORS: status of a text in the content workbook: the English original.
        "source": tr._("source"),
        # TRANSLATORS: status of a text in the content workbook: no translation yet.
        "missing": tr._("missing"),
        "machine": tr._("machine-drafted"),
        # TRANSLATORS: status of a text in the content workbook (a past participle).
        "translated": tr._("translated"),
        # TRANSLATORS: status of a text in the content workbook (a past participle).
        "reviewed": tr._("reviewed"),
        "needs_review": tr._("needs review"),
    }


@on_button(ContentWorkbook, roles=EDITORS)
async def send_workbook(
    update: Update, context: BotContext, current: Turn, data: ContentWorkbook
) -> None:
    versions = await content_versions.versions_of(current.db, data.module)
    if not versions:
        raise Stale
    files = await content_versions.latest_draft_or_published(current.db, data.module)
    tr = current.tr
    workbook = content_workbook.export(
        files,
        data.module,
        versions[-1].number,
        await content_workbook.review_of(current.db, files),
        header=workbook_header(tr),
        words=status_words(tr),
    )
    await answer_query(update)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(workbook, filename=f"{data.module}.xlsx"),
        caption=current.tr._(
            "Change column C of your language's sheet, then send the file back here."
        ),
    )


@on_document(WORKBOOK, roles=EDITORS)
async def receive_workbook(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    message = update.effective_message
    assert message is not None and message.document is not None
    assert current.learner.id is not None
    if (message.document.file_size or 0) > content_workbook.MAX_BYTES:
        await show(update, tr._("This file is not a module's workbook. Get one with /content."))
        return
    telegram_file = await message.document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    try:
        draft = await content_workbook.import_workbook(
            current.db, data, current.learner.id, context.deps.clock.now().date()
        )
    except ContentVersionError as error:
        await show(update, error_text(tr, error, await editor_languages(current)))
        return
    await show(
        update,
        draft_ready_text(context, tr, draft),
        markup(draft_buttons(tr, draft.module_id, draft.number)),
    )


def draft_ready_text(context: BotContext, tr: Translator, draft: ModuleVersion) -> str:
    return tr._(
        "✅ Draft ready: {title}, version {number}. Preview it as learners will see it, then "
        "publish it.",
        title=title_of(context, tr, draft.module_id),
        number=draft.number,
    )


@on_button(PreviewLanguages, roles=EDITORS)
async def preview_languages(
    update: Update, context: BotContext, current: Turn, data: PreviewLanguages
) -> None:
    draft = await content_versions.draft(current.db, data.module)
    if draft is None:
        raise Stale
    await answer_query(update)
    buttons = [
        button(language.native_name, PreviewDraft(data.module, code, 0))
        for code, language in LANGUAGES.items()
    ]
    await show(update, current.tr._("In which language?"), markup(rows(buttons, 2)))


def question_preview(tr: Translator, module: Module, index: int) -> str:
    """A question as the quiz asks it, with the right answer marked and its explanation."""
    question = module.questions[index]
    text = module.text(tr.language_code).questions[question.id]
    header = tr._(
        "<b>Quiz</b> · question {current}/{total}", current=index + 1, total=len(module.questions)
    )
    options = "\n".join(
        f"{'✅' if option == question.correct else '▫️'} {text.options[option]}"
        for option in question.options
    )
    return f"{header}\n\n<b>{text.text}</b>\n\n{options}\n\n<i>{text.explanation}</i>"


@on_button(PreviewDraft, roles=EDITORS)
async def preview_draft(
    update: Update, context: BotContext, current: Turn, data: PreviewDraft
) -> None:
    tr = current.tr
    draft = await content_versions.draft(current.db, data.module)
    if draft is None or data.language not in LANGUAGES:
        raise Stale
    module = await content_versions.draft_module(current.db, data.module)
    total = module.card_count + len(module.questions)
    if not 0 <= data.index < total:
        raise Stale
    await answer_query(update)
    # The learner's own view, in the language picked; nothing is recorded.
    learner_tr = context.deps.translators(data.language, tr.zone)
    if data.index < module.card_count:
        body = card_text(learner_tr, module, data.index)
    else:
        body = question_preview(learner_tr, module, data.index - module.card_count)
    notice = tr._(
        "<i>Preview of draft version {number} ({language}): nothing is recorded.</i>",
        number=draft.number,
        language=LANGUAGES[data.language].native_name,
    )
    moves = []
    if data.index > 0:
        moves.append(button("◀", PreviewDraft(data.module, data.language, data.index - 1)))
    if data.index + 1 < total:
        moves.append(button("▶", PreviewDraft(data.module, data.language, data.index + 1)))
    grid = [moves] if moves else []
    grid += [
        [button(tr._("Another language"), PreviewLanguages(data.module))],
        [button(tr._("Publish the draft"), PublishDraft(data.module, draft.number))],
    ]
    await show(update, f"{notice}\n\n{body}", markup(grid))


@on_button(PublishDraft, roles=EDITORS)
async def publish_draft(
    update: Update, context: BotContext, current: Turn, data: PublishDraft
) -> None:
    tr = current.tr
    try:
        row = await content_versions.publish(
            current.db, data.module, current.learner.id, data.number
        )
    except ContentVersionError as error:
        await answer_query(update, error_text(tr, error, ""), alert=True)
        return
    # The next update of any learner rebuilds the catalogue from the database (committed by
    # then): new starts get this version at once, without a restart.
    context.deps.catalogue.stale = True
    await answer_query(update)
    await show(
        update,
        tr._(
            "✅ Published: {title}, version {number}. Learners who start the module now get "
            "this version; those in the middle of it finish the version they started.",
            title=title_of(context, tr, row.module_id),
            number=row.number,
        ),
    )


HANDLERS: Handlers = (
    content_command,
    open_module,
    send_workbook,
    receive_workbook,
    preview_languages,
    preview_draft,
    publish_draft,
    retire_module,
)
