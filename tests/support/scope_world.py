"""Worlds of trainers' and coordinators' scopes, and what the database holds of them.

- :func:`organisation_world`: a coordinator limited to the organisation Civic Lab, a session
  of a Civic Lab trainer, a session of a Forum trainer that a Civic Lab person registered
  for, and one with Forum people only (the organisation scope tests);
- :func:`authorisation_world`: one of every kind of actor (learner, trainer, another trainer,
  a coordinator of another country, a coordinator of another organisation, an admin) and one
  of every kind of thing a button points at, none of it theirs (the authorisation test);
- :func:`enter_step`: a person put into a typed conversation as the bot would leave them;
- :func:`snapshot`: every row the trainers' and coordinators' buttons could change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import (
    Announcement,
    Attendance,
    AuditEntry,
    Certificate,
    Draft,
    Feedback,
    GroupGreeting,
    InboxConversation,
    InboxMessage,
    Learner,
    ModuleVersion,
    NudgePlan,
    OutboxMessage,
    ProblemReport,
    Programme,
    QuizAttempt,
    Registration,
    ReportDelivery,
    ReportSubscription,
    ReviewItem,
    Role,
    RoleGrant,
    RoleInvite,
    Target,
    TrainingSession,
    TranslationStatus,
)
from bot.services import announcements, drafts, learners
from tests.factories import (
    grant,
    make_attempt,
    make_conversation,
    make_learner,
    make_offer,
    make_problem_report,
    make_programme,
    make_training,
    make_walk_in,
    record_attendance,
    register,
)
from tests.support.content_versions import make_content_draft


async def make_person(db: AsyncSession, telegram_id: int | None, organisation: str) -> Learner:
    """Someone with a whole profile (consent, organisation, Serbia, a woman of 25–34)."""
    return await make_learner(
        db,
        telegram_id=telegram_id,
        organisation=organisation,
        country="RS",
        gender="female",
        age_band="25-34",
        special_consent=False,
    )


# -- the organisation scope -------------------------------------------------------------------

CIVIC_LAB, FORUM = "Civic Lab", "Forum"
ORG_COORDINATOR, CIVIC_TRAINER, FORUM_TRAINER, CIVIC_PERSON, FORUM_PERSON = (
    7101,
    7102,
    7103,
    7111,
    7112,
)
"""Telegram ids of :func:`organisation_world`."""
OURS, MIXED, THEIRS = "Civic Lab day", "Mixed day", "Closed day"
"""Titles of its sessions: the Civic Lab trainer's; the Forum trainer's with a Civic Lab
person registered; the Forum trainer's with Forum people only."""


@dataclass(frozen=True)
class OrganisationWorld:
    ours: int
    mixed: int
    theirs: int
    civic_person: int
    forum_person: int
    """Learner ids; the sessions' ids."""


async def organisation_world(database: Database, now: datetime) -> OrganisationWorld:
    """The coordinator of Civic Lab (:data:`ORG_COORDINATOR`, limited to that organisation),
    the trainers of Civic Lab and of Forum, and a person of each; :data:`OURS` (Kosovo) and
    :data:`MIXED` (Serbia) are under way, :data:`THEIRS` (Serbia) is in three days."""
    async with database.session() as db:
        coordinator = await make_person(db, ORG_COORDINATOR, CIVIC_LAB)
        await grant(db, coordinator, Role.COORDINATOR, organisations=[CIVIC_LAB])
        civic_trainer = await make_person(db, CIVIC_TRAINER, CIVIC_LAB)
        forum_trainer = await make_person(db, FORUM_TRAINER, FORUM)
        for trainer in (civic_trainer, forum_trainer):
            await grant(db, trainer, Role.TRAINER)
        civic = await make_person(db, CIVIC_PERSON, CIVIC_LAB)
        forum = await make_person(db, FORUM_PERSON, FORUM)
        under_way = now - timedelta(minutes=10)
        ours = await make_training(
            db, civic_trainer, under_way, title=OURS, country="XK", language="en"
        )
        mixed = await make_training(db, forum_trainer, under_way, title=MIXED, language="en")
        theirs = await make_training(
            db, forum_trainer, now + timedelta(days=3), title=THEIRS, language="en"
        )
        for training, people in (
            (ours, (civic, forum)),
            (mixed, (forum, civic)),
            (theirs, (forum,)),
        ):
            for person in people:
                await register(db, training, person)
        assert ours.id and mixed.id and theirs.id and civic.id and forum.id
        return OrganisationWorld(ours.id, mixed.id, theirs.id, civic.id, forum.id)


# -- every kind of actor, and things that are not theirs --------------------------------------

LEARNER, TRAINER, OTHER_TRAINER, COUNTRY_COORDINATOR, ORGANISATION_COORDINATOR, ADMIN = (
    7301,
    7302,
    7303,
    7304,
    7305,
    7306,
)
PROGRAMME_COORDINATOR = 7307
"""A coordinator limited to another programme (:data:`OTHER_PROGRAMME`) than the sessions'."""
OTHER_PROGRAMME = "SMART Balkans"
"""Telegram ids of the actors of :func:`authorisation_world` (``ADMIN``: from the settings)."""
PERSON, AUTHOR = 7310, 7311
"""The person on the session's roster, and the coordinator whose draft announcement it is."""
MODULE = "passwords-2fa"


@dataclass(frozen=True)
class AuthorisationWorld:
    """What the buttons point at; none of it belongs to an actor but :data:`TRAINER`, who
    runs the session."""

    session: int
    """Under way in Serbia, run by :data:`TRAINER` (of Forum), :data:`PERSON` registered."""
    version: int
    past_session: int
    """Over, run by :data:`TRAINER`; :data:`PERSON` attended it."""
    person: int
    trainer_grant: int
    certificate: int
    """:data:`PERSON`'s."""
    attempt: int
    """:data:`PERSON`'s quiz attempt."""
    announcement: int
    """:data:`AUTHOR`'s draft."""
    walk_in: int
    """A participant without Telegram, added at the past session."""
    programme: int
    """The sessions' programme (the default one); not :data:`PROGRAMME_COORDINATOR`'s."""
    subscription: int
    """:data:`AUTHOR`'s monthly report."""
    report: int
    """:data:`PERSON`'s problem report (Serbia, Forum: outside both coordinators' scopes)."""
    review: int
    """:data:`PERSON`'s missed question, due for review."""
    conversation: int
    """:data:`PERSON`'s open conversation with :data:`TRAINER` (outside the coordinators'
    scopes)."""
    offer: int
    """A text :data:`PERSON` was offered to send to a person, not sent yet."""
    content_draft: int = 0
    """The number of the draft of :data:`MODULE` (its English title changed by the admin)."""


async def authorisation_world(database: Database, now: datetime) -> AuthorisationWorld:
    """The actors: a learner, the trainer (Forum), another trainer (Forum), a coordinator of
    Kosovo, a coordinator of Civic Lab, and an admin from the settings; all with a whole
    profile. The things: :class:`AuthorisationWorld`."""
    async with database.session() as db:
        await make_person(db, LEARNER, FORUM)
        trainer = await make_person(db, TRAINER, FORUM)
        trainer_grant = await grant(db, trainer, Role.TRAINER)
        other = await make_person(db, OTHER_TRAINER, FORUM)
        await grant(db, other, Role.TRAINER)
        kosovo = await make_person(db, COUNTRY_COORDINATOR, FORUM)
        await grant(db, kosovo, Role.COORDINATOR, countries=["XK"])
        civic = await make_person(db, ORGANISATION_COORDINATOR, CIVIC_LAB)
        await grant(db, civic, Role.COORDINATOR, organisations=[CIVIC_LAB])
        other_programme = await make_programme(db, OTHER_PROGRAMME)
        assert other_programme.id is not None
        smart = await make_person(db, PROGRAMME_COORDINATOR, FORUM)
        await grant(db, smart, Role.COORDINATOR, programmes=[other_programme.id])
        admin = await make_person(db, ADMIN, FORUM)
        author = await make_person(db, AUTHOR, FORUM)
        await grant(db, author, Role.COORDINATOR)
        person = await make_person(db, PERSON, FORUM)
        training = await make_training(
            db, trainer, now - timedelta(minutes=10), title="Security day", country="RS"
        )
        await register(db, training, person)
        past = await make_training(
            db, trainer, now - timedelta(days=3), title="Earlier day", country="RS"
        )
        await record_attendance(db, past, person)
        certificate = Certificate(
            code="AUTH000001",
            learner_id=person.id,
            module_id=MODULE,
            name="Ana Person",
            language="en",
            score_percent=90,
            issued_at=now,
        )
        db.add(certificate)
        attempt = await make_attempt(db, person, MODULE, "post", None, started_at=now)
        draft = await announcements.create_draft(
            db, author, "Hello", report_chat_id=AUTHOR, now=now, admin_ids=()
        )
        await db.flush()
        assert training.id and past.id and person.id and trainer_grant.id
        assert certificate.id and attempt.id and draft.id
        walk_in = await make_walk_in(db, "Besa Krasniqi", organisation="Forum", country="RS")
        assert walk_in.id is not None
        subscription = ReportSubscription(learner_id=author.id, frequency="monthly", created_at=now)
        db.add(subscription)
        await db.flush()
        report = await make_problem_report(db, person, MODULE)
        review = ReviewItem(
            learner_id=person.id,
            module_id=MODULE,
            question_id="q-passphrase",
            due_at=now,
            created_at=now,
        )
        db.add(review)
        await db.flush()
        assert report.id is not None and review.id is not None
        conversation = await make_conversation(db, person, trainer, now=now)
        offer = await make_offer(db, person, "Is there parking?", now=now)
        assert conversation.id is not None and offer.id is not None
        assert subscription.id is not None and training.programme_id is not None
        content_draft = await make_content_draft(db, admin, MODULE)
        return AuthorisationWorld(
            training.id,
            training.version,
            past.id,
            person.id,
            trainer_grant.id,
            certificate.id,
            attempt.id,
            draft.id,
            walk_in.id,
            training.programme_id,
            subscription.id,
            report.id,
            review.id,
            conversation.id,
            offer.id,
            content_draft,
        )


async def enter_step(
    database: Database,
    telegram_id: int,
    step: str,
    conversation: tuple[str, str, dict[str, Any]] | None = None,
    *,
    now: datetime,
) -> None:
    """Leaves the person waiting for typed text at ``step``, with the draft
    ``conversation`` (kind, step, data) if given, as the bot would have left them."""
    async with database.session() as db:
        found = await db.exec(select(Learner).where(Learner.telegram_id == telegram_id))
        learner = found.one()
        if conversation is not None:
            kind, draft_step, data = conversation
            await drafts.save_draft(db, learner, kind, draft_step, data, now)
        await learners.await_input(db, learner, step)


# -- what the database holds ------------------------------------------------------------------

WATCHED: tuple[type[SQLModel], ...] = (
    ModuleVersion,
    TrainingSession,
    Registration,
    Attendance,
    RoleGrant,
    RoleInvite,
    AuditEntry,
    Announcement,
    OutboxMessage,
    Certificate,
    QuizAttempt,
    Feedback,
    Learner,
    Draft,
    Programme,
    Target,
    ReportSubscription,
    ReportDelivery,
    ProblemReport,
    NudgePlan,
    ReviewItem,
    InboxConversation,
    InboxMessage,
    GroupGreeting,
    TranslationStatus,
)


async def snapshot(database: Database, *, conversations: bool = True) -> list[object]:
    """Every row of the tables a trainer's or a coordinator's action could change;
    ``conversations`` False leaves out the drafts and what people are typing (a conversation
    ended for someone who may no longer be in it)."""
    rows: list[object] = []
    async with database.session() as db:
        for model in WATCHED:
            if model is Draft and not conversations:
                continue
            keys = list(model.__table__.primary_key.columns)  # type: ignore[attr-defined]
            found = await db.exec(select(model).order_by(*keys))
            for row in found.all():
                values = row.model_dump()
                if model is Learner and not conversations:
                    values.pop("awaiting")
                rows.append((model.__name__, sorted(values.items())))
    return rows
