"""The learner's own things: ``/progress``, ``/help``, ``/profile``, ``/privacy``,
``/mydata``, ``/forget``."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.handlers.common import keyboards
from bot.handlers.common.callback_data import CallbackData, ChangeConsent, ConsentAction
from bot.handlers.common.entry import ANYONE, Handlers, Stale, on_button, on_command
from bot.handlers.common.keyboards import button, markup
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.handlers.onboarding import continue_onboarding, name_keyboard, offered_name
from bot.handlers.privacy_notice import contact_text, controller_text
from bot.i18n.translator import Translator
from bot.models import Consent, Learner, Role
from bot.runtime.context import BotContext
from bot.services import learners, privacy, progress, roles


@dataclass(frozen=True)
class ConfirmForget(CallbackData):
    prefix = "forget"
    confirmed: bool


def forget_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(tr._("Yes, erase my data"), ConfirmForget(True))],
            [button(tr._("Cancel"), ConfirmForget(False))],
        ]
    )


async def progress_text(current: Turn, context: BotContext) -> str:
    tr = current.tr
    if not learners.records_allowed(current.learner):
        return tr._(
            "Your progress is not saved, because you have not given consent. "
            "You can change that in /privacy."
        )
    statuses = await progress.statuses(current.db, current.learner, context.deps.catalogue)
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


@on_command("progress", roles=ANYONE)
async def progress_command(update: Update, context: BotContext, current: Turn) -> None:
    await show(update, await progress_text(current, context))


def help_text(tr: Translator, held: set[Role] | None = None, contact: str | None = None) -> str:
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
        + "\n"
        + tr._("/studytime – a study reminder at a time you pick")
    ]
    parts[0] += "\n" + tr._("/profile – the name trainers and certificates show")
    held = held or set()
    if held & {Role.TRAINER, Role.COORDINATOR, Role.ADMIN}:
        parts.append(
            tr._(
                "<b>For trainers</b>\n"
                "/newsession – schedule a training session\n"
                "/sessions – your sessions: invite link, roster, changes\n"
                "/attendance – check-in code, roster and walk-ins"
            )
            + "\n"
            + tr._("/inbox – messages learners sent to a person: read them, reply, close")
        )
    if held & {Role.COORDINATOR, Role.ADMIN}:
        parts.append(
            tr._(
                "<b>For coordinators</b>\n"
                "/invite – a one-time link that gives someone a role\n"
                "/roles – who holds which role\n"
                "/stats – figures for donors, with a chart\n"
                "/items – how the quiz questions work, per language (item analysis)\n"
                "/export – attendance, learning and indicators as an XLSX or CSV file\n"
                "/announce – a message to learners, by language, country, module or session"
            )
            + "\n"
            + tr._("/problems – problems learners reported in the lessons: answer and close them")
            + "\n"
            + tr._(
                "/coverage – how far each module is translated and reviewed, per language\n"
                "/review – mark a module's texts in a language as reviewed\n"
                "/translate – a module's texts in a language as a file for translators (PO)"
            )
        )
        parts.append(
            tr._(
                "/targets – progress towards the donors' targets\n"
                "/reports – a weekly or monthly workbook, sent to you"
            )
        )
    if Role.ADMIN in held:
        parts.append(
            tr._(
                "<b>For admins</b>\n"
                "/walkins – a walk-in's data: send it to them or erase it, when they ask"
            )
        )
    parts.append(contact_text(tr, contact))
    return "\n\n".join(parts)


@on_command("help", roles=ANYONE)
async def help_command(update: Update, context: BotContext, current: Turn) -> None:
    held = await roles.roles_of(
        current.db, current.learner, context.deps.settings.admin_telegram_ids
    )
    await show(update, help_text(current.tr, held, context.deps.settings.support_contact))


def profile_text(tr: Translator, learner: Learner) -> str:
    if not learners.records_allowed(learner):
        return tr._(
            "We keep your name and profile only with your consent. You can give it in /privacy."
        )
    if learners.named(learner):
        name = tr._("Trainers and certificates name you <b>{name}</b>.", name=learner.display_name)
    else:
        name = tr._(
            "Your name is not shown: trainers see you as “Participant #{number}”.",
            number=str(learner.id),
        )
    return "\n\n".join(
        [
            tr._("<b>Your profile</b>"),
            name,
            tr._("Everything else we keep about you is in /mydata."),
        ]
    )


@on_command("profile", roles=ANYONE)
async def profile_command(update: Update, context: BotContext, current: Turn) -> None:
    """How trainers and certificates name the person: change it, or hide it."""
    learner, tr = current.learner, current.tr
    if learner.awaiting:
        await learners.await_input(current.db, learner, None)
    if not learners.records_allowed(learner):
        await show(update, profile_text(tr, learner))
        return
    offered = None if learners.named(learner) else offered_name(update, current)
    await show(update, profile_text(tr, learner), name_keyboard(tr, offered, onboarding=False))


def privacy_notice(tr: Translator) -> str:
    return (
        tr._(
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
        + tr._(
            # A paragraph of its own (not in the text above) so the translations of the rest
            # stay valid.
            "\n\n<b>Your name.</b> Only if you choose to show it: trainers see it in rosters "
            "and exports, and your certificates carry it; otherwise you appear as "
            "“Participant #…”. Change or hide it in /profile.\n\n"
            "<b>Reports and study reminders.</b> A problem you report in a lesson is kept for "
            "the content team; /forget removes your sentence and you from it. Study reminders "
            "keep only the time and time zone you picked, until you stop them."
        )
        + tr._(
            "\n\n<b>Messages to a person.</b> What you send to your trainer or the programme "
            "team is kept with their answers, until you erase it with /forget."
        )
    )


@on_command("privacy", roles=ANYONE)
async def privacy_command(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    given = current.learner.consent == Consent.GIVEN
    status = (
        tr._("You have given your consent.") if given else tr._("You have not given your consent.")
    )
    settings = context.deps.settings
    parts = [
        privacy_notice(tr),
        controller_text(tr, settings),
        contact_text(tr, settings.support_contact),
        f"<i>{status}</i>",
    ]
    text = "\n\n".join(part for part in parts if part is not None)
    await show(update, text, keyboards.privacy(tr, given))


@on_button(ChangeConsent, roles=ANYONE)
async def change_consent(
    update: Update, context: BotContext, current: Turn, data: ChangeConsent
) -> None:
    tr, learner = current.tr, current.learner
    give = data.action == ConsentAction.GIVE
    if give == (learner.consent == Consent.GIVEN):
        raise Stale  # a button of an older notice: the consent is already so
    await answer_query(update)
    await learners.record_consent(current.db, learner, give)
    if give:
        await continue_onboarding(update, context, current)
        return
    await show(
        update,
        tr._(
            "Your consent is withdrawn and your profile is erased. From now on we do not "
            "keep your progress. To erase your earlier progress as well, use /forget."
        ),
        keyboards.main_menu(tr),
    )


@on_command("mydata", roles=ANYONE)
async def mydata_command(update: Update, context: BotContext, current: Turn) -> None:
    data = await privacy.personal_data(current.db, current.learner)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(privacy.personal_data_json(data), filename="kapacitet-my-data.json"),
        caption=current.tr._("Everything Kapacitet keeps about you."),
    )


@on_command("forget", roles=ANYONE)
async def forget_command(update: Update, context: BotContext, current: Turn) -> None:
    tr = current.tr
    await show(
        update,
        tr._(
            "<b>Erase your data?</b>\n\n"
            "Your profile, consent and the link between you and your progress are erased "
            "for good. Your earlier participation stays in the programme's totals, without "
            "your name or profile. This cannot be undone."
        ),
        forget_keyboard(tr),
    )


@on_button(ConfirmForget, roles=ANYONE)
async def confirm_forget(
    update: Update, context: BotContext, current: Turn, data: ConfirmForget
) -> None:
    tr = current.tr
    await answer_query(update)
    if not data.confirmed:
        await show(update, tr._("Nothing was erased."))
        return
    if current.is_new:
        # The learner was created by this very tap: they were erased already.
        await show(update, tr._("There is nothing to erase."))
        return
    await privacy.erase(
        current.db,
        current.learner,
        context.deps.clock.now(),
        admin_ids=context.deps.settings.admin_telegram_ids,
    )
    await show(
        update,
        tr._("Your data is erased. If you write to me again, we start afresh with /start."),
    )


HANDLERS: Handlers = (
    progress_command,
    profile_command,
    help_command,
    privacy_command,
    mydata_command,
    forget_command,
    confirm_forget,
    change_consent,
)
