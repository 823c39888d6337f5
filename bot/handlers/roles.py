"""Roles: ``/invite`` makes a one-time link, ``/roles`` lists and revokes, ``/start r_<code>``
takes the role."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common import keyboards
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.deep_links import RoleInviteLink
from bot.handlers.common.entry import NOT_ALLOWED_TEXT, Handlers, on_button, on_command
from bot.handlers.common.replies import answer_query, show
from bot.handlers.common.routes import LinkPreview
from bot.handlers.common.texts import scope_text
from bot.handlers.common.turn import Turn, refresh_command_menu
from bot.i18n.languages import LANGUAGES
from bot.i18n.translator import N_, Html, Translator
from bot.models import Learner, Role
from bot.runtime.context import BotContext
from bot.services import learners, role_holders, roles
from bot.services.role_holders import Holder
from bot.services.roles import Reason, Redeemed, Redemption, RoleError

ROLE_NAMES = {
    Role.TRAINER: N_("trainer"),
    Role.COORDINATOR: N_("coordinator"),
    Role.ADMIN: N_("admin"),
    # TRANSLATORS: the role of who changes and translates lessons and quizzes.
    Role.EDITOR: N_("content editor"),
}
INVITERS = (Role.ADMIN, Role.COORDINATOR)
"""Who may use /invite and /roles (the service decides the details)."""
MAX_LIST = 3500
"""Characters of /roles before "and N more" (a message holds 4096)."""


@dataclass(frozen=True)
class AskRevoke(CallbackData):
    """[Revoke] next to a grant in /roles: asks for confirmation."""

    prefix = "rv"
    grant: int


@dataclass(frozen=True)
class ConfirmRevoke(CallbackData):
    prefix = "rvc"
    grant: int
    confirmed: bool


def role_name(tr: Translator, role: Role | str) -> str:
    try:
        return tr._(ROLE_NAMES[Role(role)])
    except ValueError:
        return str(role)


def usage_text(tr: Translator) -> str:
    # The typed syntax is English whatever the language: it goes in as code, which
    # neither translators nor the Serbian transliteration touch.
    return (
        tr._(
            "<b>Invite someone to a role</b>\n\n"
            "{trainer}\n"
            "{coordinator} – for all countries and organisations\n"
            "{by_country} – only for these countries\n"
            "{by_organisation} – only for these organisations\n"
            "{admin}\n\n"
            "Country codes: {codes}. Countries and organisations can be combined. "
            "Coordinators invite trainers, and coordinators within their own scope. "
            "The link works once, for 7 days.",
            trainer=_code("/invite trainer"),
            coordinator=_code("/invite coordinator"),
            by_country=_code("/invite coordinator XK RS"),
            by_organisation=_code('/invite coordinator org:"Civic Lab" org:Forum'),
            admin=_code("/invite admin"),
            codes=_code(" ".join(learners.COUNTRIES)),
        )
        + "\n"
        + tr._(
            "{by_programme} – only for this programme (it can be combined with the others)",
            by_programme=_code('/invite coordinator programme:"SOE-3"'),
        )
        + "\n"
        + tr._(
            "{editor} – a content editor, for all languages or only those named (admins only)",
            editor=_code("/invite editor sq mk"),
        )
    )


def languages_text(tr: Translator, languages: str | None) -> str:
    """An editor's languages by name; all of them when none is named."""
    if not languages:
        return tr._("all languages")
    return ", ".join(
        LANGUAGES[code].native_name for code in languages.split(",") if code in LANGUAGES
    )


def _code(text: str) -> Html:
    return Html(f"<code>{html.escape(text, quote=False)}</code>")


def error_text(tr: Translator, error: RoleError) -> str:
    """What a refused invitation or revocation says; an invitation's comes with the usage."""
    value = error.value or ""
    match error.reason:
        case Reason.NOT_ALLOWED:
            return tr._(NOT_ALLOWED_TEXT)
        case Reason.SETTINGS_ADMIN:
            return tr._("The admins from the settings cannot be revoked here.")
        case Reason.ALREADY_REVOKED | Reason.UNKNOWN_GRANT:
            return tr._("This role was already revoked.")
        case Reason.UNKNOWN_ROLE if not value:
            return usage_text(tr)
        case Reason.UNKNOWN_ROLE:
            problem = tr._("There is no role “{value}”.", value=value)
        case Reason.UNKNOWN_COUNTRY:
            problem = tr._("“{value}” is not one of the country codes.", value=value)
        case Reason.UNKNOWN_LANGUAGE:
            problem = tr._("“{value}” is not one of the bot's languages.", value=value)
        case Reason.UNKNOWN_PROGRAMME:
            problem = tr._("There is no programme called “{value}”.", value=value)
        case Reason.BAD_QUOTES:
            problem = tr._("A quotation mark is not closed.")
        case Reason.RESERVED_ORGANISATION:
            problem = tr._("“{value}” cannot be the name of an organisation here.", value=value)
        case Reason.EMPTY_ORGANISATION:
            problem = tr._(
                "The name of an organisation is missing after {prefix}", prefix=_code("org:")
            )
        case Reason.ORGANISATION_TOO_LONG:
            problem = tr._(
                "The name of an organisation can have at most {limit} characters.",
                limit=roles.MAX_ORGANISATION,
            )
        case Reason.TOO_MANY_ORGANISATIONS:
            problem = tr._("That is too many organisations for one invitation.")
        case Reason.SCOPE_NOT_FOR_ROLE:
            problem = tr._("Only a coordinator can be limited to countries or organisations.")
        case Reason.SCOPE_TOO_WIDE:
            problem = tr._(
                "You can only invite within your own scope; “{value}” is outside it.",
                value=value,
            )
        case _:
            problem = tr._("That did not work.")
    return f"{problem}\n\n{usage_text(tr)}"


def invite_link(bot_username: str, code: str) -> str:
    return RoleInviteLink(code).url(bot_username)


@on_command("invite", roles=INVITERS)
async def invite_command(update: Update, context: BotContext, current: Turn) -> None:
    """``/invite <role> [country codes] [org:"Name" ...]``."""
    message = update.effective_message
    assert message is not None
    words = (message.text or "").split(maxsplit=1)
    arguments = words[1] if len(words) > 1 else ""
    tr = current.tr
    if not arguments.strip():
        await show(update, usage_text(tr))
        return
    try:
        request = roles.parse_invite_arguments(arguments)
        invite = await roles.create_invite(
            current.db,
            current.learner,
            request.role,
            request.countries,
            request.organisations,
            request.programmes,
            now=context.deps.clock.now(),
            admin_ids=context.deps.settings.admin_telegram_ids,
            languages=request.languages,
        )
    except RoleError as error:
        await show(update, error_text(tr, error))
        return
    role = Role(invite.role)
    lines = [tr._("<b>Invitation: {role}</b>", role=role_name(tr, role))]
    if role == Role.EDITOR:
        lines.append(tr._("Languages: {languages}", languages=languages_text(tr, invite.languages)))
    if role == Role.COORDINATOR:
        scope = await roles.named_invite_scope(current.db, invite)
        lines.append(tr._("Scope: {scope}", scope=scope_text(tr, scope)))
    lines += [
        "",
        tr._(
            "Send this link to the person. It works once, until {expires}:",
            expires=tr.date_time(invite.expires_at),
        ),
        invite_link(context.bot.username, invite.code),
    ]
    await show(update, "\n".join(lines))


def holder_name(tr: Translator, learner: Learner) -> str:
    """Who holds a role: the name they agreed to show, else their number; their organisation
    if they agreed to give it."""
    shown = learners.shown_name(learner)
    if shown:
        name = tr._("{name} (#{id})", name=shown, id=str(learner.id))
    else:
        name = tr._("#{id}", id=str(learner.id))
    organisation = learner.organisation
    if learners.records_allowed(learner) and organisation and organisation != learners.UNDISCLOSED:
        return tr._("{name} · {organisation}", name=Html(name), organisation=organisation)
    return name


def holder_line(tr: Translator, holder: Holder) -> str:
    role = role_name(tr, holder.role)
    if holder.grant is None:
        if holder.learner is None:
            return tr._("• {role} (from the settings), has not written to the bot yet", role=role)
        return tr._(
            "• {name}: {role} (from the settings)",
            name=Html(holder_name(tr, holder.learner)),
            role=role,
        )
    assert holder.learner is not None
    since = tr.date(holder.grant.granted_at)
    if holder.role == Role.COORDINATOR:
        return tr._(
            "• {name}: {role} ({scope}), since {date}",
            name=Html(holder_name(tr, holder.learner)),
            role=role,
            scope=scope_text(tr, holder.scope),
            date=since,
        )
    return tr._(
        "• {name}: {role}, since {date}",
        name=Html(holder_name(tr, holder.learner)),
        role=role,
        date=since,
    )


async def roles_view(
    context: BotContext, current: Turn, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /roles list, as far as the viewer's scope reaches, with a [Revoke] button for
    each grant they may revoke."""
    tr = current.tr
    admin_ids = context.deps.settings.admin_telegram_ids
    holders = await role_holders.list_holders(current.db, current.learner, admin_ids)
    lines = [notice, ""] if notice else []
    lines.append(tr._("<b>Roles</b>"))
    buttons: list[InlineKeyboardButton] = []
    size = sum(len(line) for line in lines)
    for number, holder in enumerate(holders):
        line = holder_line(tr, holder)
        if size + len(line) > MAX_LIST:
            lines.append(tr._("… and {count} more", count=len(holders) - number))
            break
        size += len(line) + 1
        lines.append(line)
        grant = holder.grant
        if (
            holder.revocable
            and grant is not None
            and grant.id is not None
            and holder.learner is not None
        ):
            label = tr._(
                "Revoke: {name}, {role}",
                name=f"#{holder.learner.id}",
                role=role_name(tr, holder.role),
            )
            buttons.append(keyboards.button(label, AskRevoke(grant.id)))
    if not any(holder.grant is not None for holder in holders):
        lines += ["", tr._("Nobody else holds a role yet. Invite people with /invite.")]
    return "\n".join(lines), keyboards.markup(keyboards.rows(buttons, 1)) if buttons else None


@on_command("roles", roles=INVITERS)
async def roles_command(update: Update, context: BotContext, current: Turn) -> None:
    text, keyboard = await roles_view(context, current)
    await show(update, text, keyboard)


@on_button(AskRevoke, roles=INVITERS)
async def ask_revoke(update: Update, context: BotContext, current: Turn, data: AskRevoke) -> None:
    tr = current.tr
    try:
        found = await role_holders.revocable(
            current.db, current.learner, data.grant, context.deps.settings.admin_telegram_ids
        )
    except RoleError as error:
        await answer_query(update, error_text(tr, error), alert=True)
        return
    await answer_query(update)
    await show(
        update,
        tr._(
            "Revoke the role {role} from {name}?",
            role=role_name(tr, found.grant.role),
            name=Html(holder_name(tr, found.holder)),
        ),
        keyboards.markup(
            [
                [keyboards.button(tr._("Yes, revoke"), ConfirmRevoke(data.grant, True))],
                [keyboards.button(tr._("Cancel"), ConfirmRevoke(data.grant, False))],
            ]
        ),
    )


@on_button(ConfirmRevoke, roles=INVITERS)
async def confirm_revoke(
    update: Update, context: BotContext, current: Turn, data: ConfirmRevoke
) -> None:
    tr = current.tr
    if not data.confirmed:
        await answer_query(update)
        text, keyboard = await roles_view(context, current)
        await show(update, text, keyboard)
        return
    admin_ids = context.deps.settings.admin_telegram_ids
    try:
        found = await role_holders.revocable(current.db, current.learner, data.grant, admin_ids)
        await role_holders.revoke(
            current.db, current.learner, data.grant, context.deps.clock.now(), admin_ids
        )
    except RoleError as error:
        await answer_query(update, error_text(tr, error), alert=True)
        return
    await refresh_command_menu(context, current.db, found.holder)
    notice = tr._(
        "✅ {name} no longer holds the role {role}.",
        name=Html(holder_name(tr, found.holder)),
        role=role_name(tr, found.grant.role),
    )
    await answer_query(update)
    text, keyboard = await roles_view(context, current, notice)
    await show(update, text, keyboard)


def granted_text(tr: Translator, result: Redemption) -> str:
    if result.role == Role.TRAINER:
        return tr._(
            "✅ You are now a trainer. Schedule a training session with /newsession "
            "and find your sessions in /sessions."
        )
    if result.role == Role.COORDINATOR:
        return tr._(
            "✅ You are now a coordinator ({scope}). Invite trainers with /invite "
            "and see who holds which role with /roles.",
            scope=scope_text(tr, result.scope),
        )
    if result.role == Role.EDITOR:
        grant = result.grant
        return tr._(
            "✅ You are now a content editor ({languages}). Get a module's workbook, change it "
            "and send it back with /content.",
            languages=languages_text(tr, grant.languages if grant else None),
        )
    return tr._(
        "✅ You are now an admin. Invite trainers, coordinators and admins with /invite "
        "and see who holds which role with /roles."
    )


def refused_text(tr: Translator, outcome: Redeemed, role: Role | None) -> str:
    """Why an invite link gives nothing (used, expired or revoked, unknown, own, held)."""
    if outcome == Redeemed.ALREADY_HELD and role is not None:
        return tr._("You already hold this role: {role}.", role=role_name(tr, role))
    if outcome == Redeemed.OWN:
        return tr._("This is your own invitation. Send the link to the person it is for.")
    if outcome == Redeemed.EXPIRED:
        return tr._("This invitation has expired. Please ask for a new link.")
    if outcome == Redeemed.USED:
        return tr._("This invitation has already been used. Please ask for a new link.")
    return tr._("This invitation link is not valid. Please check that you copied it whole.")


async def preview_invite(
    update: Update, context: BotContext, current: Turn, link: RoleInviteLink
) -> LinkPreview:
    """The first reply to someone new who opened a role invitation: which role, for where,
    from whom; or, at once, that the link was used, has expired or is not valid."""
    tr = current.tr
    found = await roles.preview_invite(
        current.db,
        current.learner,
        link.code,
        context.deps.clock.now(),
        context.deps.settings.admin_telegram_ids,
    )
    if found.outcome != Redeemed.GRANTED or found.role is None:
        return LinkPreview(refused_text(tr, found.outcome, found.role), False)
    maker = learners.shown_name(found.maker) if found.maker is not None else None
    role = role_name(tr, found.role)
    # Only a coordinator's role has a scope (trainers and admins are not limited).
    scope = scope_text(tr, found.scope) if found.role == Role.COORDINATOR else None
    if maker and scope:
        text = tr._(
            "🔑 {name} invited you to be a {role} ({scope}).", role=role, scope=scope, name=maker
        )
    elif maker:
        text = tr._("🔑 {name} invited you to be a {role}.", role=role, name=maker)
    elif scope:
        text = tr._("🔑 You were invited to be a {role} ({scope}).", role=role, scope=scope)
    else:
        text = tr._("🔑 You were invited to be a {role}.", role=role)
    more = tr._("First a few short questions (your language and privacy); then the role is yours.")
    return LinkPreview(f"{text}\n\n{more}", True)


async def open_invite(
    update: Update, context: BotContext, current: Turn, link: RoleInviteLink
) -> None:
    """``/start r_<code>``: the invite link, opened (after onboarding for a new learner)."""
    code = link.code
    tr = current.tr
    try:
        result = await roles.redeem_invite(
            current.db,
            current.learner,
            code,
            context.deps.clock.now(),
            context.deps.settings.admin_telegram_ids,
        )
    except RoleError:
        result = Redemption(Redeemed.UNKNOWN)
    if result.outcome == Redeemed.GRANTED:
        text = granted_text(tr, result)
        await refresh_command_menu(context, current.db, current.learner)
    else:
        text = refused_text(tr, result.outcome, result.role)
    # After onboarding the last message is the "thank you": answer below it.
    await show(update, text, edit=False)


HANDLERS: Handlers = (invite_command, roles_command, ask_revoke, confirm_revoke)

__all__ = ["HANDLERS", "AskRevoke", "ConfirmRevoke", "invite_link", "open_invite", "preview_invite"]
