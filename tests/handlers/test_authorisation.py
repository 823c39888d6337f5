"""Who may use what: EVERY command, button and typed step of the running bot, against every
kind of actor, decided in ONE table (below).

The actors: a learner, the trainer who runs the session, another trainer, a coordinator of
another country, a coordinator of another organisation, a coordinator of another programme,
and an admin. Every button is
tapped with valid data pointing at a real session, grant, announcement, certificate or quiz
attempt that is not the actor's (only the trainer runs the session): a refused tap must say
so ("Sorry, you are not allowed to do that." or "This button is no longer valid.", or the
feature's own refusal) and change nothing in the database. A button class, command or text
step that the table does not decide fails the test: a new one cannot be added without
deciding who may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import app
from bot.app import build_application, build_deps
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.handlers.account import ConfirmForget
from bot.handlers.announce import (
    CancelAnnouncement,
    ChooseAudience,
    Filter,
    PickAudience,
    Screen,
    SendAnnouncement,
)
from bot.handlers.attendance.data import (
    AskRestAbsent,
    CancelCheckin,
    CancelWalkIn,
    CloseCheckin,
    ConfirmRestAbsent,
    MarkPerson,
    OpenAttendance,
    OpenCheckin,
    PickPerson,
    ShowRoster,
    StartWalkIn,
    WalkInAnswer,
)
from bot.handlers.certificates.data import (
    CancelVerify,
    CertificateName,
    CorrectName,
    NameAction,
    SendCertificate,
)
from bot.handlers.common.callback_data import (
    CallbackData,
    ChangeConsent,
    ConsentAction,
    MenuTarget,
    OpenMenu,
    ReadNotice,
)
from bot.handlers.common.deep_links import (
    CheckinLink,
    DeepLink,
    RoleInviteLink,
    SessionInviteLink,
    VerifyLink,
)
from bot.handlers.common.entry import ButtonRoute, CommandRoute
from bot.handlers.content.data import (
    ContentModule,
    ContentWorkbook,
    PreviewDraft,
    PreviewLanguages,
    PublishDraft,
    RetireModule,
)
from bot.handlers.exports.data import (
    Action,
    ExportAction,
    ExportCountry,
    ExportFilter,
    ExportFormatPick,
    ExportModule,
    ExportPeriod,
    FilterField,
    PeriodChoice,
)
from bot.handlers.exports.programme_filter import ExportProgramme, ExportProgrammes
from bot.handlers.feedback import RateSession, SkipComment
from bot.handlers.inbox import (
    CloseConversation,
    DropMessage,
    ListConversations,
    OpenConversation,
    ReplyConversation,
    SendMessage,
)
from bot.handlers.learning.data import AnswerQuestion, OpenModule, ShowCard, StartQuiz
from bot.handlers.mysessions import Apology, ApologyStep, MySessions, Register
from bot.handlers.nudges import (
    AnswerReview,
    OpenStudyTime,
    PickFrequency,
    PickTime,
    PickWeekday,
    PickZone,
    StartReview,
    StopNudges,
)
from bot.handlers.onboarding import (
    AnswerConsent,
    AnswerName,
    AnswerProfile,
    NameAnswer,
    PickLanguage,
)
from bot.handlers.problems import (
    AnswerProblem,
    CloseProblem,
    ListProblems,
    OpenProblem,
    ReportCategory,
    ReportDone,
    ReportProblem,
)
from bot.handlers.roles import AskRevoke, ConfirmRevoke
from bot.handlers.sessions.data import (
    CancelEdit,
    DraftAction,
    DraftChoice,
    DraftEdit,
    DraftField,
    DraftMove,
    DraftPick,
    DraftStep,
    EditMove,
    EditPick,
    EditStep,
    ListSessions,
    Move,
    OpenSession,
    SessionAction,
    ShowRosterPage,
    ViewAction,
)
from bot.handlers.stats import StatsPeriod, StatsPeriodName
from bot.handlers.subscriptions import ReportFrequency, ReportSubscribe, ReportUnsubscribe
from bot.handlers.targets import StatsProgramme
from bot.handlers.walk_in_data import EraseWalkIn, SendWalkInData, ShowWalkIn
from bot.models import AttendanceStatus, QuizKind, TrainingSession
from bot.services.attendance import WalkInStep
from bot.services.exports import ExportFormat
from bot.services.learners import ProfileField
from bot.services.nudges import Frequency as StudyFrequency
from bot.services.problems import Category, ItemKind
from bot.services.subscriptions import Frequency
from tests.support.driver import TelegramUser
from tests.support.harness import CONTROLLER, TOKEN, Harness
from tests.support.scope_world import (
    ADMIN,
    COUNTRY_COORDINATOR,
    LEARNER,
    MODULE,
    ORGANISATION_COORDINATOR,
    OTHER_TRAINER,
    PERSON,
    PROGRAMME_COORDINATOR,
    TRAINER,
    AuthorisationWorld,
    authorisation_world,
    enter_step,
    snapshot,
)

ACTORS = (
    LEARNER,
    TRAINER,
    OTHER_TRAINER,
    COUNTRY_COORDINATOR,
    ORGANISATION_COORDINATOR,
    PROGRAMME_COORDINATOR,
    ADMIN,
)
"""The columns of the table, in this order."""

OK = "allowed"
NO = "Sorry, you are not allowed to do that."
GONE = "This button is no longer valid."
NOT_ATTENDED = "You can only rate a session you attended."
STARTED = "This session has already started."
ENDED = "That export has ended. /export starts a new one."
"""What an actor sees: allowed, or refused with one of these texts (and nothing changes)."""

EVERYONE = (OK,) * 7
NOBODY_STALE = (GONE,) * 7
STAFF = (NO, OK, OK, OK, OK, OK, OK)
"""Trainers, coordinators and admins."""
MANAGERS = (NO, OK, NO, NO, NO, NO, OK)
"""Who manages the session: the trainer who runs it and the admin; the other trainer and the
coordinators of another country, of another organisation and of another programme may not."""
COORDINATION = (NO, NO, NO, OK, OK, OK, OK)
"""Coordinators and admins."""
OF_THE_PROGRAMME = (NO, NO, NO, OK, OK, NO, OK)
"""Coordinators and admins who see the sessions' programme (not the other programme's)."""
ADMIN_ONLY = (NO, NO, NO, NO, NO, NO, OK)
STAFF_STALE = (NO, GONE, GONE, GONE, GONE, GONE, GONE)
COORDINATION_STALE = (NO, NO, NO, GONE, GONE, GONE, GONE)
COORDINATION_ENDED = (NO, NO, NO, ENDED, ENDED, ENDED, ENDED)

World = AuthorisationWorld
Forge = Callable[[World], CallbackData]


@dataclass(frozen=True)
class Row:
    """A button: the data each actor taps, and what each sees (in the order of ACTORS).
    ``harmless`` is what the allowed actors tap instead, where ``forged`` would destroy what
    later taps need (cancelling the session, revoking the trainer)."""

    forged: Forge
    outcomes: tuple[str, ...]
    harmless: Forge | None = None


# -- THE TABLE ---------------------------------------------------------------------------------

BUTTONS: dict[type[CallbackData], Row] = {
    # A learner's own things: open to everyone; someone else's are stale.
    PickLanguage: Row(lambda w: PickLanguage("en", False), EVERYONE),
    AnswerConsent: Row(lambda w: AnswerConsent(True), NOBODY_STALE),
    AnswerProfile: Row(lambda w: AnswerProfile(ProfileField.COUNTRY, "XK"), NOBODY_STALE),
    # One's own name (everyone in the world consented and was not asked yet).
    AnswerName: Row(lambda w: AnswerName(NameAnswer.HIDE, True), EVERYONE),
    OpenMenu: Row(lambda w: OpenMenu(MenuTarget.LESSONS), EVERYONE),
    ChangeConsent: Row(lambda w: ChangeConsent(ConsentAction.GIVE), NOBODY_STALE),
    ConfirmForget: Row(lambda w: ConfirmForget(False), EVERYONE),
    OpenModule: Row(lambda w: OpenModule(MODULE), EVERYONE),
    ShowCard: Row(lambda w: ShowCard(MODULE, 0), EVERYONE),
    StartQuiz: Row(lambda w: StartQuiz(MODULE, QuizKind.POST), EVERYONE),
    AnswerQuestion: Row(
        lambda w: AnswerQuestion(MODULE, QuizKind.POST, w.attempt, 0, 0, "a"), NOBODY_STALE
    ),
    CertificateName: Row(lambda w: CertificateName(MODULE, NameAction.MAKE), NOBODY_STALE),
    # Correcting the name on a certificate: only one's own (issued again, the old code revoked).
    CorrectName: Row(lambda w: CorrectName(w.certificate), NOBODY_STALE),
    SendCertificate: Row(lambda w: SendCertificate(w.certificate), NOBODY_STALE),
    CancelVerify: Row(lambda w: CancelVerify(), EVERYONE),
    RateSession: Row(lambda w: RateSession(w.past_session, 5), (NOT_ATTENDED,) * 7),
    SkipComment: Row(lambda w: SkipComment(w.past_session), NOBODY_STALE),
    MySessions: Row(lambda w: MySessions(), EVERYONE),
    # The session is under way: an apology, and a registration, come too late for anyone.
    Apology: Row(lambda w: Apology(w.session, ApologyStep.YES), (STARTED,) * 7),
    Register: Row(lambda w: Register(w.session), EVERYONE),
    CancelCheckin: Row(lambda w: CancelCheckin(), EVERYONE),
    CancelWalkIn: Row(lambda w: CancelWalkIn(), NOBODY_STALE),
    # The trainer's screens.
    DraftPick: Row(lambda w: DraftPick(DraftField.COUNTRY, "RS"), STAFF_STALE),
    DraftAction: Row(lambda w: DraftAction(DraftChoice.CREATE), STAFF_STALE),
    # Back, keep, yes/no and the summary's Edit: only a step the tapper's own draft is at.
    DraftMove: Row(lambda w: DraftMove(DraftStep.DATE, Move.BACK), STAFF_STALE),
    DraftEdit: Row(lambda w: DraftEdit(DraftStep.PLACE), STAFF_STALE),
    ListSessions: Row(lambda w: ListSessions(), STAFF),
    OpenSession: Row(lambda w: OpenSession(w.session), MANAGERS),
    # Every action of the session's screen (the map location too: test_invitations.py).
    SessionAction: Row(
        lambda w: SessionAction(w.session, w.version, ViewAction.CANCEL_YES),
        MANAGERS,
        harmless=lambda w: SessionAction(w.session, w.version, ViewAction.ROSTER),
    ),
    ShowRosterPage: Row(lambda w: ShowRosterPage(w.session, 0), MANAGERS),
    # Ends the tapper's own edit conversation; the session is not touched.
    CancelEdit: Row(lambda w: CancelEdit(w.session), STAFF),
    # A reschedule's day, time and yes: only within the tapper's own reschedule of it.
    EditPick: Row(lambda w: EditPick(w.session, DraftField.DATE, "20300101"), STAFF_STALE),
    EditMove: Row(lambda w: EditMove(w.session, EditStep.WHEN, Move.YES), STAFF_STALE),
    OpenAttendance: Row(lambda w: OpenAttendance(w.session), MANAGERS),
    OpenCheckin: Row(lambda w: OpenCheckin(w.session), MANAGERS),
    CloseCheckin: Row(lambda w: CloseCheckin(w.session), MANAGERS),
    AskRestAbsent: Row(lambda w: AskRestAbsent(w.session), MANAGERS),
    ConfirmRestAbsent: Row(lambda w: ConfirmRestAbsent(w.session, 1), MANAGERS),
    ShowRoster: Row(lambda w: ShowRoster(w.session, 0), MANAGERS),
    PickPerson: Row(lambda w: PickPerson(w.session, w.person), MANAGERS),
    MarkPerson: Row(
        lambda w: MarkPerson(w.session, w.person, AttendanceStatus.ABSENT),
        MANAGERS,
        harmless=lambda w: MarkPerson(w.session, w.person, AttendanceStatus.PRESENT),
    ),
    StartWalkIn: Row(lambda w: StartWalkIn(w.session), MANAGERS),
    WalkInAnswer: Row(lambda w: WalkInAnswer(WalkInStep.COUNTRY, "RS"), STAFF_STALE),
    # Roles: the trainer's grant; only an admin reaches it (not in the coordinators' scope).
    AskRevoke: Row(lambda w: AskRevoke(w.trainer_grant), ADMIN_ONLY),
    ConfirmRevoke: Row(
        lambda w: ConfirmRevoke(w.trainer_grant, True),
        ADMIN_ONLY,
        harmless=lambda w: ConfirmRevoke(w.trainer_grant, False),
    ),
    # The full privacy notice: anyone may read it.
    ReadNotice: Row(lambda w: ReadNotice(), EVERYONE),
    # A walk-in's data (they have no Telegram to ask with /mydata or /forget): admins only.
    ShowWalkIn: Row(lambda w: ShowWalkIn(w.walk_in), ADMIN_ONLY),
    SendWalkInData: Row(lambda w: SendWalkInData(w.walk_in), ADMIN_ONLY),
    EraseWalkIn: Row(
        lambda w: EraseWalkIn(w.walk_in, True),
        ADMIN_ONLY,
        harmless=lambda w: EraseWalkIn(w.walk_in, False),
    ),
    # Coordination: figures in one's own scope; exports and announcements of one's own.
    StatsPeriod: Row(lambda w: StatsPeriod(StatsPeriodName.THIS_YEAR), COORDINATION),
    # Programmes: the figures of a programme only for who sees it; one's own reports only.
    StatsProgramme: Row(lambda w: StatsProgramme(w.programme), OF_THE_PROGRAMME),
    ReportFrequency: Row(lambda w: ReportFrequency(Frequency.WEEKLY), COORDINATION),
    ReportSubscribe: Row(
        lambda w: ReportSubscribe(Frequency.MONTHLY, w.programme), OF_THE_PROGRAMME
    ),
    ReportUnsubscribe: Row(lambda w: ReportUnsubscribe(w.subscription), COORDINATION_STALE),
    ExportPeriod: Row(lambda w: ExportPeriod(PeriodChoice.THIS_YEAR), COORDINATION_ENDED),
    ExportFormatPick: Row(lambda w: ExportFormatPick(ExportFormat.XLSX), COORDINATION_ENDED),
    ExportFilter: Row(lambda w: ExportFilter(FilterField.COUNTRY), COORDINATION_ENDED),
    ExportCountry: Row(lambda w: ExportCountry("RS"), COORDINATION_ENDED),
    ExportModule: Row(lambda w: ExportModule(MODULE), COORDINATION_ENDED),
    ExportAction: Row(lambda w: ExportAction(Action.MAKE), COORDINATION_ENDED),
    ExportProgrammes: Row(lambda w: ExportProgrammes(), COORDINATION_ENDED),
    ExportProgramme: Row(lambda w: ExportProgramme(w.programme), COORDINATION_ENDED),
    ChooseAudience: Row(lambda w: ChooseAudience(w.announcement, Screen.MENU), COORDINATION_STALE),
    PickAudience: Row(
        lambda w: PickAudience(w.announcement, Filter.SESSION, str(w.session)), COORDINATION_STALE
    ),
    SendAnnouncement: Row(lambda w: SendAnnouncement(w.announcement), COORDINATION_STALE),
    CancelAnnouncement: Row(lambda w: CancelAnnouncement(w.announcement), COORDINATION_STALE),
    # "Report a problem": anyone, about any card or question; the content team's screens for
    # coordinators in the reporter's scope and admins (the report is outside both scopes).
    ReportProblem: Row(lambda w: ReportProblem(MODULE, ItemKind.CARD, 0), EVERYONE),
    ReportCategory: Row(
        lambda w: ReportCategory(MODULE, ItemKind.QUESTION, 0, Category.UNCLEAR), EVERYONE
    ),
    ReportDone: Row(lambda w: ReportDone(w.report), EVERYONE),
    ListProblems: Row(lambda w: ListProblems(), COORDINATION),
    # Study reminders and reviews: each person's own; someone else's review is stale.
    OpenStudyTime: Row(lambda w: OpenStudyTime(), EVERYONE),
    PickFrequency: Row(lambda w: PickFrequency(StudyFrequency.WEEKLY), EVERYONE),
    PickWeekday: Row(lambda w: PickWeekday(2), EVERYONE),
    PickTime: Row(lambda w: PickTime(StudyFrequency.DAILY, 0, 18 * 60, False), EVERYONE),
    PickZone: Row(lambda w: PickZone(StudyFrequency.DAILY, 0, 18 * 60, False, 0), EVERYONE),
    StopNudges: Row(lambda w: StopNudges(), EVERYONE),
    StartReview: Row(lambda w: StartReview(), EVERYONE),
    AnswerReview: Row(lambda w: AnswerReview(w.review, "a"), NOBODY_STALE),
    # A person behind the bot: one's own offered text (someone else's is stale); the
    # conversation of PERSON with TRAINER for that trainer and admins (it is outside the
    # coordinators' scopes); /inbox for all staff.
    SendMessage: Row(lambda w: SendMessage(w.offer), NOBODY_STALE),
    DropMessage: Row(lambda w: DropMessage(w.offer), NOBODY_STALE),
    ListConversations: Row(lambda w: ListConversations(), STAFF),
    OpenConversation: Row(lambda w: OpenConversation(w.conversation), MANAGERS),
    ReplyConversation: Row(lambda w: ReplyConversation(w.conversation), MANAGERS),
    CloseConversation: Row(
        lambda w: CloseConversation(w.conversation),
        MANAGERS,
        harmless=lambda w: OpenConversation(w.conversation),
    ),
    OpenProblem: Row(lambda w: OpenProblem(w.report), ADMIN_ONLY),
    AnswerProblem: Row(lambda w: AnswerProblem(w.report), ADMIN_ONLY),
    CloseProblem: Row(
        lambda w: CloseProblem(w.report), ADMIN_ONLY, harmless=lambda w: OpenProblem(w.report)
    ),
    # Content: editors (none among the actors) and admins.
    ContentModule: Row(lambda w: ContentModule(MODULE), ADMIN_ONLY),
    ContentWorkbook: Row(lambda w: ContentWorkbook(MODULE), ADMIN_ONLY),
    PreviewLanguages: Row(lambda w: PreviewLanguages(MODULE), ADMIN_ONLY),
    PreviewDraft: Row(lambda w: PreviewDraft(MODULE, "sq", 2), ADMIN_ONLY),
    PublishDraft: Row(
        lambda w: PublishDraft(MODULE, w.content_draft),
        ADMIN_ONLY,
        harmless=lambda w: PreviewDraft(MODULE, "mk", 0),
    ),
    # Retiring: admins and editors of every language (an editor scoped to some: below).
    RetireModule: Row(
        lambda w: RetireModule(MODULE, True),
        ADMIN_ONLY,
        harmless=lambda w: RetireModule(MODULE, False),
    ),
}

FORGED_LINK = (
    "This check-in link is not valid. Scan the QR code on the trainer's screen, or send "
    "/checkin with the code shown under it."
)
UNKNOWN_CODE = (
    "❓ There is no certificate with the code K7QX2M9PRT. Please check the code and send it again."
)
LINKS: dict[type[DeepLink], tuple[Callable[[World], str], tuple[str, ...]] | None] = {
    # Played in tests/handlers/test_sessions.py and test_roles.py (anyone holding the link).
    SessionInviteLink: None,
    RoleInviteLink: None,
    # Anyone in the room holding a fresh token checks in (test_checkin_qr.py); a token that is
    # not the session's (forged, guessed, or of another session) is refused for everyone.
    CheckinLink: (
        lambda w: CheckinLink.of(w.session, 0, "A" * 16).payload(),
        (FORGED_LINK,) * len(ACTORS),
    ),
    # A certificate's QR code: anyone may verify, before any onboarding, and nothing about
    # them is stored (a stranger opens one in test_certificate_verification.py).
    VerifyLink: (
        lambda w: VerifyLink("K7QX2M9PRT").payload(),
        (UNKNOWN_CODE,) * len(ACTORS),
    ),
}
"""``/start <payload>``: who may open each kind of deep link."""

COMMANDS: dict[str, tuple[str, ...]] = {
    **{
        command: EVERYONE
        for command in (
            "start",
            "language",
            "lessons",
            "progress",
            "profile",
            "help",
            "privacy",
            "mydata",
            "forget",
            "checkin",
            "mysessions",
            "certificates",
            "verify",
            "studytime",
        )
    },
    "newsession": STAFF,
    "sessions": STAFF,
    "attendance": STAFF,
    "invite": COORDINATION,
    "roles": COORDINATION,
    "stats": COORDINATION,
    "items": COORDINATION,
    "announce": COORDINATION,
    "export": COORDINATION,
    "targets": COORDINATION,
    "reports": COORDINATION,
    "walkins": ADMIN_ONLY,
    "problems": COORDINATION,
    "inbox": STAFF,
    # Translation coverage and review: the content team (without arguments /review explains
    # itself and changes nothing).
    "coverage": COORDINATION,
    "review": COORDINATION,
    "translate": COORDINATION,
    "content": ADMIN_ONLY,
}

Conversation = Callable[[World, int], tuple[str, str, dict[str, object]] | None]


@dataclass(frozen=True)
class Step:
    """A typed step: the person is in it (with the draft ``conversation`` makes from the world
    and the session's current version), types ``text``, and sees the outcome."""

    text: str
    outcomes: tuple[str, ...]
    conversation: Conversation = lambda w, version: None


STEPS: dict[str, Step] = {
    "organisation": Step("Forum", EVERYONE),
    "name": Step("Ana Person", EVERYONE),
    "checkin": Step("ABCDE", EVERYONE),
    "feedback": Step("Very useful", EVERYONE),
    f"certname:{MODULE}": Step("Ana Person", EVERYONE),
    "verify": Step("K7QX2M9PRT", EVERYONE),
    "newsession": Step("Rule of law", STAFF, lambda w, v: ("newsession", "title", {})),
    "session-edit": Step(
        "Civic Hall, Belgrade",
        MANAGERS,
        lambda w, v: ("session-edit", "venue", {"session_id": w.session, "version": v}),
    ),
    "walkin": Step(
        "Besa Krasniqi", MANAGERS, lambda w, v: ("walkin", "name", {"session_id": w.session})
    ),
    "announce": Step("Hello everyone", COORDINATION),
    "export": Step("01.01.2026 31.01.2026", COORDINATION),
    # Without a report of their own being written, typed text is just text.
    "problem": Step("The date is wrong", EVERYONE),
    "problem-answer": Step(
        "Thank you, fixed.",
        ADMIN_ONLY,
        lambda w, v: ("problem-answer", "answer", {"report": w.report}),
    ),
    "inbox-reply": Step(
        "The room is 4B.",
        MANAGERS,
        lambda w, v: ("inbox-reply", "reply", {"conversation": w.conversation}),
    ),
}


# -- playing it ----------------------------------------------------------------------------------


@pytest.fixture
def admin_telegram_ids() -> tuple[int, ...]:
    return (ADMIN,)


def edits(person: TelegramUser, target: int) -> int:
    message = person.api.message(person.chat_id, target)
    return message.edited if message is not None else 0


def shown(person: TelegramUser, target: int, before: tuple[int, int]) -> set[str]:
    """What the person saw of the last tap: the answer on the button, the message it edited
    (if it did), and the messages sent since; ``before``: the last message id and the
    target's edits before the tap."""
    answer = person.last_callback_answer()
    seen = {answer.text or ""} if answer is not None else set()
    message = person.api.message(person.chat_id, target)
    if message is not None and message.edited > before[1]:
        seen.add(message.text or "")
    seen.update(m.text or "" for m in person.bot_messages() if m.message_id > before[0])
    return seen


async def version_of(bot: Harness, world: World) -> int:
    async with bot.deps.database.session() as db:
        training = await db.get(TrainingSession, world.session)
        assert training is not None
        return training.version


def test_the_table_decides_every_command_button_and_step(tmp_path: Path, catalogue: Catalogue):
    settings = Settings(
        bot_token=TOKEN, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", **CONTROLLER
    )
    application = build_application(build_deps(settings, catalogue), background_jobs=False)
    routes = application.handlers[0]
    buttons = {route.data for route in routes if isinstance(route, ButtonRoute)}
    commands = {c for route in routes if isinstance(route, CommandRoute) for c in route.commands}
    assert set(BUTTONS) == buttons, "decide in BUTTONS who may press each button"
    assert set(COMMANDS) == commands, "decide in COMMANDS who may use each command"
    links = set(app.DEEP_LINKS) | set(app.PUBLIC_LINKS)
    assert set(LINKS) == links, "decide in LINKS who may open each deep link"
    steps = {step.split(":")[0] for step in STEPS}
    assert steps == {route.step for route in app.TEXT_STEPS}, "decide in STEPS who may type"


async def test_every_actor_against_every_command_button_and_typed_step(bot: Harness):
    world = await authorisation_world(bot.deps.database, bot.clock.now())
    bot.user(PERSON)
    people = {actor: bot.user(actor) for actor in ACTORS}
    targets = {}
    for actor, person in people.items():
        [reply] = await person.send("/help")
        targets[actor] = reply.message_id

    async def tap(actor: int, data: CallbackData) -> set[str]:
        person = people[actor]
        before = (person.bot_messages()[-1].message_id, edits(person, targets[actor]))
        await person.tap_data(data.encode(), targets[actor])
        seen = shown(person, targets[actor], before)
        if edits(person, targets[actor]) > before[1]:
            # A fresh message to tap on: an edit to the same text would not show.
            [reply] = await person.send("/help")
            targets[actor] = reply.message_id
        return seen

    # Refusals first, while the world is as built: each changes nothing.
    for kind, row in BUTTONS.items():
        before = await snapshot(bot.deps.database)
        for actor, outcome in zip(ACTORS, row.outcomes, strict=True):
            if outcome != OK:
                seen = await tap(actor, row.forged(world))
                assert outcome in seen, (kind.__name__, actor, seen)
        assert await snapshot(bot.deps.database) == before, kind.__name__
    for kind, row in BUTTONS.items():
        for actor, outcome in zip(ACTORS, row.outcomes, strict=True):
            if outcome == OK:
                seen = await tap(actor, (row.harmless or row.forged)(world))
                answer = people[actor].last_callback_answer()
                assert answer is not None and not seen & {NO, GONE}, (kind.__name__, actor, seen)

    for step, typed in STEPS.items():
        for actor, outcome in zip(ACTORS, typed.outcomes, strict=True):
            version = await version_of(bot, world)
            await enter_step(
                bot.deps.database,
                actor,
                step,
                typed.conversation(world, version),
                now=bot.clock.now(),
            )
            before = await snapshot(bot.deps.database, conversations=False)
            replies = [reply.text for reply in await people[actor].send(typed.text)]
            if outcome == OK:
                assert replies and NO not in replies, (step, actor, replies)
            else:
                assert replies == [outcome], (step, actor, replies)
                assert await snapshot(bot.deps.database, conversations=False) == before, step

    for kind, link in LINKS.items():
        if link is None:
            continue
        payload, link_outcomes = link
        # /start ends whatever answer the bot was waiting for (an earlier step of this test
        # left some): that is not the link's doing, so conversations are left out.
        before = await snapshot(bot.deps.database, conversations=False)
        for actor, outcome in zip(ACTORS, link_outcomes, strict=True):
            replies = [r.text for r in await people[actor].send(f"/start {payload(world)}")]
            assert replies[-1:] == [outcome], (kind.__name__, actor, replies)
        assert await snapshot(bot.deps.database, conversations=False) == before, kind.__name__

    for command, outcomes in COMMANDS.items():
        for actor, outcome in zip(ACTORS, outcomes, strict=True):
            replies = [r.text or r.caption for r in await people[actor].send(f"/{command}")]
            if outcome == OK:
                assert replies and NO not in replies, (command, actor, replies)
            else:
                assert replies == [outcome], (command, actor, replies)


# -- content editors scoped to languages ------------------------------------------------------

SCOPED_EDITOR = 9301
EDITOR_LANGUAGE = "mk"
EDITOR_COMMANDS: dict[str, str] = {
    # The translators' commands: for the editor's languages only.
    f"/translate {MODULE} mk": OK,
    f"/translate {MODULE} sq": "You may work only on these languages: Македонски.",
    f"/review {MODULE} mk": OK,
    f"/review {MODULE} sq": "You may work only on these languages: Македонски.",
    "/coverage": OK,
    "/content": OK,
}
"""What an editor invited for Macedonian sees (their language is English here)."""


async def test_an_editor_scoped_to_a_language_works_on_it_and_is_refused_the_others(
    bot: Harness,
):
    from bot.content.po import export_po
    from bot.content.texts import load_files
    from bot.paths import CONTENT_DIR
    from tests.support.roles import invite

    admin = bot.user(ADMIN)
    await admin.send("/start")
    editor = await bot.onboarded(SCOPED_EDITOR, "en")
    await editor.send(f"/start {await invite(admin, f'editor {EDITOR_LANGUAGE}')}")
    for command, outcome in EDITOR_COMMANDS.items():
        before = await snapshot(bot.deps.database)
        replies = [r.text or r.caption or "" for r in await editor.send(command)]
        if outcome == OK:
            assert replies and NO not in replies, (command, replies)
        else:
            assert replies == [outcome], (command, replies)
            assert await snapshot(bot.deps.database) == before, command
    [coverage] = await editor.send("/coverage")
    assert "Македонски:" in (coverage.text or "") and "Shqip:" not in (coverage.text or "")

    # A PO file of another language is refused and changes nothing.
    before = await snapshot(bot.deps.database)
    po = export_po(load_files(CONTENT_DIR / MODULE), "sq")
    [refused] = await editor.send_document(po, f"{MODULE}-sq.po")
    assert (refused.text or "").startswith("You may change only these languages: Македонски.")
    assert await snapshot(bot.deps.database) == before

    # Retiring hides the module in every language: not for an editor of one.
    [menu] = await editor.send("/help")
    await editor.tap_data(RetireModule(MODULE, True).encode(), menu.message_id)
    answer = editor.last_callback_answer()
    assert answer is not None and answer.text == NO
    assert await snapshot(bot.deps.database) == before

    # A learner may send no PO file at all.
    learner = await bot.onboarded(SCOPED_EDITOR + 1, "en")
    [refused] = await learner.send_document(po, f"{MODULE}-sq.po")
    assert refused.text == NO
