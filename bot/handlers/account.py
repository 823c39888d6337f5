"""The learner's own things: ``/progress``, ``/help``, ``/privacy``, ``/mydata``, ``/forget``."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks as cb
from bot import keyboards
from bot.context import BotContext
from bot.handlers.common import (
    Turn,
    answer_query,
    button_data,
    show,
    turn,
)
from bot.i18n.translator import Translator
from bot.models import Consent, Role
from bot.services import learners, privacy, progress, roles


async def progress_text(current: Turn, context: BotContext) -> str:
    tr = current.tr
    if not learners.records_allowed(current.learner):
        return tr._(
            "Your progress is not saved, because you have not given consent. "
            "You can change that in /privacy."
        )
    statuses = await progress.statuses(current.session, current.learner, context.deps.catalogue)
    if not statuses:
        return tr._("You have not started any lesson yet. Open /lessons to begin.")
    lines = [tr._("<b>Your progress</b>")]
    for module in context.deps.catalogue.modules:
        status = statuses.get(module.id)
        if status is None:
            continue
        lines += ["", f"<b>{module.text(tr.language_code).title}</b>"]
        if status.lessons_done:
            lines.append(tr._("Lessons: all {total} cards read", total=status.cards_total))
        else:
            lines.append(
                tr._(
                    "Lessons: card {current} of {total}",
                    current=status.current_card + 1,
                    total=status.cards_total,
                )
            )
        if status.pretest_percent is not None:
            lines.append(tr._("Pre-test: {percent}", percent=tr.percent(status.pretest_percent)))
        if status.best_percent is not None:
            lines.append(
                tr._("Best quiz score: {percent}", percent=tr.percent(status.best_percent))
            )
        if status.passed:
            lines.append(tr._("✅ Passed"))
    return "\n".join(lines)


async def progress_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        await show(update, await progress_text(current, context))


def help_text(tr: Translator, held: set[Role] | None = None) -> str:
    parts = [
        tr._(
            "<b>Kapacitet</b> brings short lessons and quizzes for civil-society organisations "
            "to your phone.\n\n"
            "/lessons – lessons and quizzes\n"
            "/progress – your progress\n"
            "/mysessions – your training sessions; say if you cannot come\n"
            "/checkin – check in at a session with the trainer's code\n"
            "/certificates – your certificates; send them again\n"
            "/verify – check a certificate's code\n"
            "/language – change the language\n"
            "/privacy – what we keep and why; your consent\n"
            "/mydata – download everything we keep about you\n"
            "/forget – erase your data\n"
            "/start – start again"
        )
    ]
    held = held or set()
    if held & {Role.TRAINER, Role.COORDINATOR, Role.ADMIN}:
        parts.append(
            tr._(
                "<b>For trainers</b>\n"
                "/newsession – schedule a training session\n"
                "/sessions – your sessions: invite link, roster, changes\n"
                "/attendance – check-in code, roster and walk-ins"
            )
        )
    if held & {Role.COORDINATOR, Role.ADMIN}:
        parts.append(
            tr._(
                "<b>For coordinators</b>\n"
                "/invite – a one-time link that gives someone a role\n"
                "/roles – who holds which role\n"
                "/stats – figures for donors, with a chart\n"
                "/export – attendance, learning and indicators as an XLSX or CSV file\n"
                "/announce – a message to learners, by language, country, module or session"
            )
        )
    return "\n\n".join(parts)


async def help_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        held = await roles.roles_of(
            current.session, current.learner, context.deps.settings.admin_telegram_ids
        )
        await show(update, help_text(current.tr, held))


def privacy_notice(tr: Translator) -> str:
    return tr._(
        "<b>Privacy notice</b>\n\n"
        "<b>What we keep.</b> Always: your Telegram chat id and your language, so that we "
        "can answer you. With your consent also: your lesson progress, your quiz answers "
        "and scores, and the profile you chose to give (organisation, country, gender, "
        "age band). Membership of a vulnerable group only with a separate, explicit "
        "consent. We never ask about criminal records.\n\n"
        "<b>Why.</b> To follow your learning, and to report to the programme's donors how "
        "many people were trained, only as totals in which nobody can be recognised.\n\n"
        "<b>Who sees it.</b> The programme's trainers and coordinators. Donors get only "
        "anonymous totals.\n\n"
        "<b>Your rights.</b> /mydata sends you everything we keep about you. /forget erases "
        "it; your earlier participation then stays in the totals without your name or "
        "profile. You can withdraw your consent here at any time."
    )


async def privacy_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        tr = current.tr
        given = current.learner.consent == Consent.GIVEN
        status = (
            tr._("You have given your consent.")
            if given
            else tr._("You have not given your consent.")
        )
        await show(update, f"{privacy_notice(tr)}\n\n<i>{status}</i>", keyboards.privacy(tr, given))


async def change_consent(update: Update, context: BotContext) -> None:
    from bot.handlers.onboarding import continue_onboarding

    data = cb.ChangeConsent.decode(button_data(update))
    async with turn(update, context) as current:
        tr, learner = current.tr, current.learner
        given = learner.consent == Consent.GIVEN
        if (
            data is None
            or data.action not in ("give", "withdraw")
            or ((data.action == "give") == given)
        ):
            await answer_query(update, tr._("This button is no longer valid."))
            return
        await answer_query(update)
        await learners.record_consent(current.session, learner, data.action == "give")
        if data.action == "give":
            await continue_onboarding(update, context, current)
        else:
            await show(
                update,
                tr._(
                    "Your consent is withdrawn and your profile is erased. From now on we do not "
                    "keep your progress. To erase your earlier progress as well, use /forget."
                ),
                keyboards.main_menu(tr),
            )


async def mydata_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        data = await privacy.personal_data(current.session, current.learner)
        chat = update.effective_chat
        assert chat is not None
        await chat.send_document(
            InputFile(privacy.personal_data_json(data), filename="kapacitet-my-data.json"),
            caption=current.tr._("Everything Kapacitet keeps about you."),
        )


async def forget_command(update: Update, context: BotContext) -> None:
    async with turn(update, context) as current:
        tr = current.tr
        await show(
            update,
            tr._(
                "<b>Erase your data?</b>\n\n"
                "Your profile, consent and the link between you and your progress are erased "
                "for good. Your earlier participation stays in the programme's totals, without "
                "your name or profile. This cannot be undone."
            ),
            keyboards.forget(tr),
        )


async def confirm_forget(update: Update, context: BotContext) -> None:
    data = cb.ConfirmForget.decode(button_data(update))
    async with turn(update, context) as current:
        tr = current.tr
        if data is None:
            await answer_query(update, tr._("This button is no longer valid."))
            return
        await answer_query(update)
        if not data.confirmed:
            await show(update, tr._("Nothing was erased."))
            return
        if current.is_new:
            # The learner was created by this very tap: they were erased already.
            await show(update, tr._("There is nothing to erase."))
            return
        await privacy.erase(current.session, current.learner, context.deps.clock.now())
        await show(
            update,
            tr._("Your data is erased. If you write to me again, we start afresh with /start."),
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("progress", progress_command, filters=private))
    app.add_handler(CommandHandler("help", help_command, filters=private))
    app.add_handler(CommandHandler("privacy", privacy_command, filters=private))
    app.add_handler(CommandHandler("mydata", mydata_command, filters=private))
    app.add_handler(CommandHandler("forget", forget_command, filters=private))
    app.add_handler(CallbackQueryHandler(confirm_forget, pattern=cb.ConfirmForget.pattern()))
    app.add_handler(CallbackQueryHandler(change_consent, pattern=cb.ChangeConsent.pattern()))
