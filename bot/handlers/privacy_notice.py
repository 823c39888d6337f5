"""The privacy notice, in two layers to suit a phone: the short one under the consent
question (onboarding) and in ``/privacy``, naming who is responsible; and the full one behind
its button "The full notice" (``ReadNotice``, in common: several features show it): the
legal basis of each purpose, how long each thing is kept (read from the code that keeps
it), what erasure keeps, and where to complain."""

from __future__ import annotations

from telegram import Update

from bot.config import Settings
from bot.handlers.common.callback_data import ReadNotice
from bot.handlers.common.entry import ANYONE, Handlers, on_button
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.turn import Turn
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.translator import N_, Translator
from bot.runtime.context import BotContext
from bot.runtime.intake import KEEP_FAILED

AUTHORITIES = {
    "AL": N_("Information and Data Protection Commissioner"),
    "BA": N_("Personal Data Protection Agency"),
    "XK": N_("Information and Privacy Agency"),
    "ME": N_("Agency for Personal Data Protection and Free Access to Information"),
    "MK": N_("Personal Data Protection Agency"),
    "RS": N_("Commissioner for Information of Public Importance and Personal Data Protection"),
}
"""The data protection authority of each country the programme works in."""


def controller_text(tr: Translator, settings: Settings) -> str | None:
    """Who is responsible for the data and how to reach them (None in the simulator, which
    runs without them; the settings require them with a bot token)."""
    name, contact = settings.data_controller_name, settings.data_controller_contact
    if name is None or contact is None:
        return None
    text = tr._(
        "<b>Who is responsible.</b> {name} decides what is kept and why. Ask them about your "
        "data at {contact}.",
        name=name,
        contact=contact,
    )
    if settings.dpo_contact:
        text += " " + tr._(
            "Their data protection officer: {contact}.", contact=settings.dpo_contact
        )
    return text


def contact_text(tr: Translator, contact: str | None) -> str:
    """Who people can reach about the programme (``SUPPORT_CONTACT``), and the way to a
    person inside the bot, which is there either way."""
    if contact:
        return tr._(
            "<b>Questions?</b> Write to {contact}, or write me a message here and I will "
            "offer to pass it to your trainer or the programme team.",
            contact=contact,
        )
    return tr._(
        "<b>Questions?</b> Write me a message here and I will offer to pass it to your "
        "trainer or the programme team."
    )


def _days(tr: Translator, days: int) -> str:
    return tr.ngettext("{count} day", "{count} days", days, count=days)


def full_notice(tr: Translator, settings: Settings) -> str:
    parts = [tr._("<b>Privacy notice: the details</b>")]
    controller = controller_text(tr, settings)
    if controller is not None:
        parts.append(controller)
    parts.append(
        tr._(
            "<b>On what basis.</b>\n"
            "• Your chat id and language, and your messages until they are answered: to "
            "answer you, which is the service you ask for (contract).\n"
            "• Lesson progress, quiz answers and scores, certificates and the optional "
            "profile: your consent, which you can withdraw in /privacy. Membership of a "
            "vulnerable group: your separate, explicit consent.\n"
            "• Sessions you register for (registration, reminders, attendance, your rating "
            "and comment): to hold the session you asked to join (contract).\n"
            "• Totals for the programme's donors, in which nobody can be recognised, and the "
            "record of who changed roles and attendance: the programme's legitimate interest "
            "in accounting for its work."
        )
    )
    parts.append(
        tr._(
            "<b>How long.</b>\n"
            "• Your messages to the bot: until they are answered; one the bot could not "
            "handle is kept for {failed}, so that the fault can be found.\n"
            "• Everything else: until you erase it with /forget. Withdrawing your consent "
            "erases your profile at once.\n"
            "• After /forget only what the totals need stays, under a new number that is "
            "linked to nothing else: the sessions you registered for and attended, your "
            "ratings without comments, your lesson progress and quiz scores, and your "
            "certificates, revoked and without your name.",
            failed=_days(tr, KEEP_FAILED.days),
        )
    )
    parts.append(contact_text(tr, settings.support_contact))
    authorities = "\n".join(
        f"• {tr._(COUNTRY_NAMES[code])}: {tr._(name)}" for code, name in AUTHORITIES.items()
    )
    parts.append(
        tr._(
            "<b>Where to complain.</b> If you think we mishandle your data, you can complain "
            "to the data protection authority of your country:"
        )
        + "\n"
        + authorities
    )
    return "\n\n".join(parts)


@on_button(ReadNotice, roles=ANYONE)
async def read_notice(update: Update, context: BotContext, current: Turn, data: ReadNotice) -> None:
    await answer_query(update)
    # A new message: the short notice and its buttons (the consent question) stay above.
    await show(update, full_notice(current.tr, context.deps.settings), edit=False)


HANDLERS: Handlers = (read_notice,)
