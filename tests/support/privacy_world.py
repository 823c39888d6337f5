"""The privacy tests' world: one person, Zorana, touched by every feature of the bot, so that
``/mydata`` must show, and ``/forget`` must erase or re-key, a row in every table that refers
to her; and a walk-in, Ana, whom a trainer added, for the admin's ``/walkins``.

Zorana (Telegram :data:`ZORANA`) is a learner with a full profile and special consent, a
trainer and a coordinator (granted by the admin, audited), who:

- learned: module progress, a quiz with its answers, a certificate in her name;
- took part: registered at, attended and rated (with a comment holding her phone number) a
  session of another trainer, who marked her; the bot sent her a reminder; she is locked out
  of check-in after wrong codes;
- ran a session whose title names her, with its check-in code shown in her chat; marked a
  participant there; added a walk-in;
- granted a role and revoked one, made an invite and used one, made an export;
- wrote an announcement still being sent (its summary to her chat) and received one;
- has a conversation in progress, and a message the bot failed to handle (kept 14 days);
- reported a problem with a card, answered and closed another's report, chose a study
  nudge, was nudged, and has a missed question waiting for review;
- wrote to the other trainer (answered) and has a text offered but not sent; as a trainer,
  answered and closed a participant's conversation.

Everything she typed holds one of :data:`MARKERS`; nothing of anyone else does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import read_files
from bot.db import Database
from bot.models import (
    Announcement,
    Certificate,
    CheckinGuard,
    Delivery,
    Draft,
    InboundUpdate,
    InboxConversation,
    InboxMessage,
    Learner,
    ModuleProgress,
    ModuleVersion,
    NudgeDelivery,
    NudgePlan,
    OutboxMessage,
    ProblemReport,
    QuizKind,
    ReportSubscription,
    ReviewItem,
    Role,
    RoleGrant,
    RoleInvite,
    TranslationState,
    TranslationStatus,
)
from bot.paths import CONTENT_DIR
from bot.services import audit, content_versions
from tests.factories import (
    grant,
    make_attempt,
    make_feedback,
    make_learner,
    make_trainer,
    make_training,
    make_walk_in,
    record_attendance,
    register,
)

ZORANA, ADMIN, OTHER_TRAINER, PARTICIPANT = 424_242, 424_200, 424_201, 424_202
"""Telegram ids: the person, the admin who made her staff, the trainer of the session she
attended, a learner at her own session."""
OLD_ID = 987_654
"""Zorana's learner id: a number found nowhere else, so that a test can look for it in every
cell of the database after her erasure."""
NAME = "Zorana Mišković"
PHONE = "+382 69 555 0142"
MARKERS = ("Zorana", "Mišković", PHONE, str(ZORANA))
"""What identifies her in text: her names, her phone number, her Telegram id."""
WALK_IN_NAME = "Ana Petrović"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class PrivacyWorld:
    zorana: int
    """Her learner id."""
    own_session: int
    attended_session: int
    walk_in: int
    """Ana's learner id (added by the other trainer)."""


def user_update(update_id: int, telegram_id: int, first_name: str, text: str) -> str:
    """A stored update: a private message as Telegram sends it (``Update.to_dict()``)."""
    person = {"id": telegram_id, "is_bot": False, "first_name": first_name}
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(NOW.timestamp()),
                "chat": {"id": telegram_id, "type": "private", "first_name": first_name},
                "from": person,
                "text": text,
            },
        },
        ensure_ascii=False,
    )


async def _staff(db: AsyncSession, zorana: Learner, admin: Learner) -> None:
    """Her roles (given by the admin) and what she did with roles."""
    assert zorana.id is not None and admin.id is not None
    for role in (Role.TRAINER, Role.COORDINATOR):
        row = await grant(db, zorana, role)
        row.granted_by = admin.id
        assert row.id is not None
        await audit.record(
            db,
            actor_id=admin.id,
            action="role.grant",
            subject_type="role_grant",
            subject_id=row.id,
            details={"role": role.value, "learner_id": zorana.id},
            now=NOW,
        )
    given = await make_learner(db)
    taken = await make_learner(db)
    assert given.id is not None and taken.id is not None
    db.add(RoleGrant(learner_id=given.id, role=Role.TRAINER, granted_by=zorana.id))
    db.add(
        RoleGrant(
            learner_id=taken.id,
            role=Role.TRAINER,
            granted_by=admin.id,
            revoked_by=zorana.id,
            revoked_at=NOW,
        )
    )
    db.add(
        RoleInvite(
            code="ZINVITE1",
            role=Role.TRAINER,
            created_by=zorana.id,
            expires_at=NOW + timedelta(days=7),
        )
    )
    db.add(
        RoleInvite(
            code="ZINVITE2",
            role=Role.COORDINATOR,
            created_by=admin.id,
            expires_at=NOW + timedelta(days=7),
            used_by=zorana.id,
            used_at=NOW,
        )
    )
    await audit.record(
        db,
        actor_id=zorana.id,
        action="export.create",  # as bot.services.exports.record writes it
        subject_type="export",
        subject_id=zorana.id,
        details={"format": "xlsx"},
        now=NOW,
    )
    await audit.record(
        db,
        actor_id=zorana.id,
        action="role.revoke",
        subject_type="role_grant",
        subject_id=0,
        details={"role": "trainer", "learner_id": taken.id},
        now=NOW,
    )


async def _learning(db: AsyncSession, zorana: Learner) -> None:
    assert zorana.id is not None
    db.add(ModuleProgress(learner_id=zorana.id, module_id="passwords-2fa", cards_total=7))
    # Four answers, all right (the factory writes them).
    await make_attempt(db, zorana, "passwords-2fa", QuizKind.POST, 4, started_at=NOW)
    db.add(
        Certificate(
            code="ZCERT001",
            learner_id=zorana.id,
            module_id="passwords-2fa",
            name=NAME,
            language="en",
            score_percent=100,
        )
    )


async def _announcements(db: AsyncSession, zorana: Learner, admin: Learner) -> None:
    """Hers, still being sent to a participant, and the admin's, sent to her."""
    assert zorana.id is not None and admin.id is not None
    participant = await make_learner(db)
    mine = Announcement(
        created_by=zorana.id,
        text=f"Questions? Call {NAME} at {PHONE}",
        status="sending",
        report_chat_id=ZORANA,
    )
    theirs = Announcement(created_by=admin.id, text="The new module is out", status="done")
    db.add_all([mine, theirs])
    await db.flush()
    assert mine.id is not None and theirs.id is not None and participant.id is not None
    # Waiting (as after Telegram's "retry after"), so that the outbox leaves it pending.
    db.add(
        OutboxMessage(
            announcement_id=mine.id,
            learner_id=participant.id,
            not_before=datetime(2100, 1, 1, tzinfo=UTC),
        )
    )
    db.add(OutboxMessage(announcement_id=theirs.id, learner_id=zorana.id, status="sent"))


async def _content_and_study(db: AsyncSession, zorana: Learner, participant: Learner) -> None:
    """She reported a problem (her sentence names her phone), answered and closed another
    person's as staff, chose a study nudge, got one, and has a missed question to review."""
    assert zorana.id is not None and participant.id is not None
    report = {
        "module_id": "passwords-2fa",
        "item_kind": "card",
        "item_id": "why-passwords-break",
        "language": "en",
        "content_version": "2025-06-01#0123456789ab",
        "category": "fact",
        "created_at": NOW,
    }
    db.add(ProblemReport(learner_id=zorana.id, comment=f"Call me on {PHONE}", **report))
    db.add(
        ProblemReport(
            learner_id=participant.id,
            answer="Fixed in the next version, thank you.",
            answered_by=zorana.id,
            answered_at=NOW,
            closed_by=zorana.id,
            closed_at=NOW,
            status="closed",
            **report,
        )
    )
    db.add(
        ModuleVersion(
            module_id="passwords-2fa",
            number=2,
            state="published",
            files=content_versions.dump(read_files(CONTENT_DIR / "passwords-2fa")),
            created_by=zorana.id,
            published_by=zorana.id,
            created_at=NOW,
            changed_at=NOW,
            published_at=NOW,
        )
    )
    db.add(NudgePlan(learner_id=zorana.id, zone="Europe/Podgorica", created_at=NOW))
    db.add(NudgeDelivery(learner_id=zorana.id, due_at=NOW, status="sent", created_at=NOW))
    db.add(
        ReviewItem(
            learner_id=zorana.id,
            module_id="passwords-2fa",
            question_id="q-passphrase",
            due_at=NOW + timedelta(days=3),
            created_at=NOW,
        )
    )
    db.add(
        TranslationStatus(
            module_id="passwords-2fa",
            language="cnr",
            key="cards.passphrase",
            state=TranslationState.REVIEWED,
            source_hash="0123456789abcdef",
            changed_by=zorana.id,
            changed_at=NOW,
        )
    )
    await db.flush()


async def _inbox(
    db: AsyncSession, zorana: Learner, other_trainer: Learner, participant: Learner
) -> None:
    """Her conversation with the other trainer (her question names her phone), a text she
    did not send; a participant's conversation with her, which she answered and closed."""
    assert zorana.id is not None and participant.id is not None
    hers = InboxConversation(
        learner_id=zorana.id, trainer_id=other_trainer.id, opened_at=NOW, last_at=NOW
    )
    theirs = InboxConversation(
        learner_id=participant.id,
        trainer_id=zorana.id,
        status="closed",
        opened_at=NOW,
        last_at=NOW,
        closed_by=zorana.id,
        closed_at=NOW,
    )
    db.add_all([hers, theirs])
    await db.flush()
    for conversation, author, text in (
        (hers, zorana, f"Can you call me on {PHONE}?"),
        (hers, other_trainer, "Yes, tomorrow."),
        (None, zorana, f"{NAME} again"),
        (theirs, participant, "Is there parking?"),
        (theirs, zorana, f"Yes. {NAME}"),
    ):
        owner = zorana if conversation is hers or conversation is None else participant
        db.add(
            InboxMessage(
                learner_id=owner.id or 0,
                conversation_id=conversation.id if conversation is not None else None,
                author_id=author.id,
                at=NOW,
                text=text,
            )
        )
    await db.flush()


async def build_privacy_world(database: Database) -> PrivacyWorld:
    async with database.session() as db:
        admin = await make_learner(db, telegram_id=ADMIN)
        await grant(db, admin, Role.ADMIN)
        zorana = await make_learner(
            db,
            id=OLD_ID,
            telegram_id=ZORANA,
            display_name=NAME,
            organisation="Zorana Mišković Foundation",
            country="ME",
            gender="female",
            age_band="25-34",
            special_consent=True,
            special_consent_at=NOW,
            vulnerable_group="other-minority",
        )
        assert zorana.id is not None
        await _staff(db, zorana, admin)
        await _learning(db, zorana)

        other_trainer = await make_trainer(db, telegram_id=OTHER_TRAINER)
        attended = await make_training(db, other_trainer, NOW - timedelta(days=1), country="ME")
        await register(db, attended, zorana)
        await record_attendance(db, attended, zorana, marked_by=other_trainer.id)
        await make_feedback(db, attended, zorana, 4, f"Great! Call me on {PHONE}")
        assert attended.id is not None
        db.add(
            Delivery(
                session_id=attended.id,
                learner_id=zorana.id,
                kind="reminder-1440",
                session_start=attended.starts_at,
                status="sent",
            )
        )
        db.add(CheckinGuard(learner_id=zorana.id, failures=5, locked_until=NOW))
        db.add(ReportSubscription(learner_id=zorana.id, frequency="monthly", created_at=NOW))

        own = await make_training(
            db,
            zorana,
            NOW + timedelta(hours=1),
            title=f"{NAME}'s workshop",
            checkin_chat_id=ZORANA,
            checkin_message_id=77,
        )
        participant = await make_learner(db, telegram_id=PARTICIPANT)
        await register(db, own, participant)
        await record_attendance(db, own, participant, marked_by=zorana.id)
        await make_walk_in(db, "Boris Walker", added_by=zorana.id)

        walk_in = await make_walk_in(
            db, WALK_IN_NAME, added_by=other_trainer.id, organisation="Roma Women Forum"
        )
        await record_attendance(db, attended, walk_in)

        await _announcements(db, zorana, admin)
        db.add(
            Draft(
                learner_id=zorana.id,
                kind="announce",
                step="text",
                data=json.dumps({"text": f"Hi, {NAME} here"}, ensure_ascii=False),
            )
        )
        for update_id, telegram_id, name, text in (
            (9_001, ZORANA, "Zorana", f"My phone is {PHONE}"),
            (9_002, PARTICIPANT, "Ivo", "/help"),
            (9_003, OTHER_TRAINER, "Vesna", WALK_IN_NAME),
        ):
            db.add(
                InboundUpdate(
                    update_id=update_id,
                    payload=user_update(update_id, telegram_id, name, text),
                    status="failed",
                    processed_at=NOW,
                )
            )
        assert own.id is not None and walk_in.id is not None
        await _content_and_study(db, zorana, participant)
        await _inbox(db, zorana, other_trainer, participant)
        return PrivacyWorld(zorana.id, own.id, attended.id, walk_in.id)
