"""Erasure (``/forget``, and an admin for a walk-in): nothing that identifies the person
stays, and what stays for the totals can no longer be joined to anything held about them.

What goes: the learner row itself (name and name consent, Telegram id, the person id of
the exports, profile, consent), and everything
only they or their messages hold: the stored updates from them, their conversation in
progress, their check-in lock, the bot's messages to them (deliveries, announcement rows),
the options they chose in quizzes, their study nudge and review questions, their
conversations with a trainer or the programme team (every message of them), the comments of
their ratings and the sentences of their problem reports, the texts they wrote
(announcements; the titles of the sessions they run; their replies to others' messages) and
their chat where a check-in code or an announcement summary was shown.

What stays, for the programme's totals only: registrations and attendance, ratings without
comments, lesson progress and quiz scores (with whether each answer was right: the knowledge
gain on matched items and the item analysis count them), revoked certificates without a
name (and the old codes of corrected ones, which hold no name), the problem reports they
sent (the content team still needs them), the roles they
held (revoked) and the audit log of what they did, and the sessions they ran (place, time
and who attended). Those rows move to a new learner row with a new id, marked erased and
holding nothing else, with a new random person id (``pseudonym``): an export or SQL view
taken before shows the old ids, which then belong to nobody.

The runtime's tables (``inbound_update``, ``outbox``) are written here through the models:
the runtime owns them, but erasing a person's rows is a rule about people, and services
never import ``bot.runtime``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import utcnow
from bot.models import (
    Announcement,
    CheckinGuard,
    Consent,
    Delivery,
    Draft,
    Feedback,
    InboxConversation,
    InboxMessage,
    Learner,
    NudgeDelivery,
    NudgePlan,
    OutboxMessage,
    ProblemReport,
    QuizAnswer,
    QuizAttempt,
    ReportSubscription,
    ReviewItem,
    RoleGrant,
    TrainingSession,
)
from bot.services import announcements, audit, certificates, roles
from bot.services.privacy.references import (
    LEARNER_SUBJECT,
    about,
    audit_entries,
    learner_columns,
    names_as_subject,
    stored_updates,
)

ERASED_TITLE = "—"
"""What the title of a session run by an erased trainer becomes: the title was their text,
and may hold their name; the session itself stays for those who attended."""
ERASE_ACTION = "person.erase"


async def _revoke_roles(db: AsyncSession, learner: Learner, now: datetime) -> None:
    """An erased person holds no role; each revocation is audited like any other."""
    grants = await db.exec(
        select(RoleGrant).where(
            RoleGrant.learner_id == learner.id, col(RoleGrant.revoked_at).is_(None)
        )
    )
    for grant in grants.all():
        grant.revoked_at = now
        grant.revoked_by = learner.id
        db.add(grant)
        assert grant.id is not None
        await audit.record(
            db,
            actor_id=learner.id,
            action="role.revoke",
            subject_type="role_grant",
            subject_id=grant.id,
            details={"role": grant.role, "learner_id": grant.learner_id, "erased": True},
            now=now,
        )


async def _delete_own_rows(db: AsyncSession, learner: Learner) -> None:
    """Rows that serve nobody once the person is gone: no count needs them."""
    learner_id = learner.id
    attempts = select(col(QuizAttempt.id)).where(QuizAttempt.learner_id == learner_id)
    # An answer keeps only whether it was right, for the knowledge gain on matched items and
    # the item analysis (quiz scores stay too); the option the person chose goes.
    await db.exec(
        sa.update(QuizAnswer).where(col(QuizAnswer.attempt_id).in_(attempts)).values(option="")
    )
    for model, column in (
        (NudgePlan, NudgePlan.learner_id),
        (NudgeDelivery, NudgeDelivery.learner_id),
        (ReviewItem, ReviewItem.learner_id),
        (CheckinGuard, CheckinGuard.learner_id),
        (Draft, Draft.learner_id),
        (Delivery, Delivery.learner_id),
        (OutboxMessage, OutboxMessage.learner_id),
        (ReportSubscription, ReportSubscription.learner_id),
        # Their conversations with a person, every message of them (staff replies too: they
        # were written to this person only), and a text offered but not sent.
        (InboxMessage, InboxMessage.learner_id),
        (InboxConversation, InboxConversation.learner_id),
    ):
        await db.exec(sa.delete(model).where(col(column) == learner_id))
    updates = await stored_updates(
        db,
        telegram_id=learner.telegram_id,
        name=learner.display_name if learner.telegram_id is None else None,
    )
    for row in updates:
        await db.delete(row)


async def _blank_texts(db: AsyncSession, learner: Learner, now: datetime) -> None:
    """Free text the person wrote, and their chat id where it is kept for a screen."""
    learner_id = learner.id
    await db.exec(
        sa.update(Feedback).where(col(Feedback.learner_id) == learner_id).values(comment=None)
    )
    # A problem report stays for the content team, without the sentence the person typed.
    await db.exec(
        sa.update(ProblemReport)
        .where(col(ProblemReport.learner_id) == learner_id)
        .values(comment=None)
    )
    await db.exec(
        sa.update(TrainingSession)
        .where(col(TrainingSession.trainer_id) == learner_id)
        .values(title=ERASED_TITLE)
    )
    # Their replies as staff stay in the other person's conversation, without the text.
    await db.exec(
        sa.update(InboxMessage)
        .where(col(InboxMessage.author_id) == learner_id)
        .values(text=ERASED_TITLE)
    )
    # An announcement still being written or sent stops: its text is gone.
    await db.exec(
        sa.update(Announcement)
        .where(
            col(Announcement.created_by) == learner_id,
            col(Announcement.status).in_((announcements.DRAFT, announcements.SENDING)),
        )
        .values(status=announcements.CANCELLED, finished_at=now)
    )
    await db.exec(
        sa.update(Announcement)
        .where(col(Announcement.created_by) == learner_id)
        .values(text="", report_chat_id=None)
    )
    if learner.telegram_id is not None:
        await db.exec(
            sa.update(TrainingSession)
            .where(col(TrainingSession.checkin_chat_id) == learner.telegram_id)
            .values(checkin_chat_id=None, checkin_message_id=None)
        )
        await db.exec(
            sa.update(Announcement)
            .where(col(Announcement.report_chat_id) == learner.telegram_id)
            .values(report_chat_id=None)
        )


async def _move(db: AsyncSession, old_id: int, new_id: int) -> None:
    """Every reference to ``old_id`` now points at ``new_id``: each column with a foreign
    key to the learner, and the audit entries that name the person in their details."""
    for column in learner_columns():
        await db.exec(sa.update(column.table).where(column == old_id).values({column.name: new_id}))
    for entry in await audit_entries(db, old_id):
        if not about(entry, old_id):
            continue
        details = audit.details_of(entry)
        if details.get("learner_id") == old_id:
            details["learner_id"] = new_id
            entry.details = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
        if names_as_subject(entry, old_id):
            entry.subject_id = new_id
        db.add(entry)


def _blank_object(learner: Learner, now: datetime) -> None:
    """The caller's object of the deleted row (the turn's person) now reads as erased, so
    that nothing later in the same update treats them as known."""
    for name in (
        "telegram_id",
        "display_name",
        "name_consent",
        "name_consent_at",
        "pseudonym",
        "organisation",
        "country",
        "gender",
        "age_band",
        "special_consent",
        "special_consent_at",
        "vulnerable_group",
        "awaiting",
        "pending_start",
    ):
        setattr(learner, name, None)
    learner.consent = Consent.DECLINED
    learner.erased_at = now


async def erase(
    db: AsyncSession,
    learner: Learner,
    now: datetime | None = None,
    *,
    actor_id: int | None = None,
    admin_ids: Iterable[int] = (),
) -> Learner:
    """Erases the person (see the module's docstring) and returns the anonymous row that
    now holds what stays. ``actor_id``: the admin who erased a walk-in; None when the
    person asked themselves.

    The erasure is audited under the new id, with the roles the person held (an admin
    from the settings too: ``admin_ids``), so that the audit log still shows that what
    the new id did, it was allowed to do."""
    assert learner.id is not None
    now = now or utcnow()
    old_id = learner.id
    held = sorted(await roles.roles_of(db, learner, admin_ids))
    await _revoke_roles(db, learner, now)
    await certificates.revoke_all(db, learner, now)
    await _delete_own_rows(db, learner)
    await _blank_texts(db, learner, now)
    anonymous = Learner(
        telegram_id=None,
        language=learner.language,
        consent=Consent.DECLINED,
        source=learner.source,
        reachable=False,
        created_at=learner.created_at,
        erased_at=now,
    )
    db.add(anonymous)
    await db.flush()
    assert anonymous.id is not None
    await _move(db, old_id, anonymous.id)
    await db.flush()
    await db.delete(learner)
    await db.flush()
    _blank_object(learner, now)
    await audit.record(
        db,
        actor_id=anonymous.id if actor_id is None else actor_id,
        action=ERASE_ACTION,
        subject_type=LEARNER_SUBJECT,
        subject_id=anonymous.id,
        details={"source": anonymous.source, "by_admin": actor_id is not None, "roles": held},
        now=now,
    )
    return anonymous
