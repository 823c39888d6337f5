"""The sections of the ``/mydata`` file about what a person did as staff (sessions run,
announcements written, roles given, walk-ins added, content edited) and the records kept
about them (roles, certificates, announcements received, the audit log, the check-in lock,
a conversation in progress, the stored messages); :mod:`bot.services.privacy.access` puts
the file together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Announcement,
    CheckinGuard,
    Draft,
    Learner,
    ModuleVersion,
    OutboxMessage,
    ReportSubscription,
    RoleGrant,
    RoleInvite,
    TrainingSession,
)
from bot.services import audit, certificates
from bot.services.privacy.references import (
    audit_entries,
    payload_of,
    stored_updates,
    typed_text,
)
from bot.services.privacy.values import all_rows, iso, parsed_json


def _session_run(training: TrainingSession) -> dict[str, Any]:
    return {
        "title": training.title,
        "module": training.module_id,
        "starts": iso(training.starts_at),
        "minutes": training.duration_minutes,
        "venue": training.venue,
        "online_link": training.online_url,
        "country": training.country,
        "language": training.language,
        "places": training.capacity,
        "created": iso(training.created_at),
        "cancelled": iso(training.cancelled_at),
        "checkin_opened": iso(training.checkin_opened_at),
        "checkin_closed": iso(training.checkin_closed_at),
    }


async def staff_work(db: AsyncSession, learner: Learner) -> dict[str, Any]:
    """What the person did as a trainer, coordinator or admin."""
    learner_id = learner.id
    run = await all_rows(
        db,
        select(TrainingSession)
        .where(TrainingSession.trainer_id == learner_id)
        .order_by(col(TrainingSession.starts_at)),
    )
    screens: Sequence[TrainingSession] = []
    if learner.telegram_id is not None:
        screens = await all_rows(
            db,
            select(TrainingSession).where(TrainingSession.checkin_chat_id == learner.telegram_id),
        )
    written = await all_rows(
        db,
        select(Announcement)
        .where(
            sa.or_(
                col(Announcement.created_by) == learner_id,
                sa.and_(
                    col(Announcement.report_chat_id).is_not(None),
                    col(Announcement.report_chat_id) == learner.telegram_id,
                ),
            )
        )
        .order_by(col(Announcement.id)),
    )
    invites = await all_rows(
        db,
        select(RoleInvite)
        .where(
            sa.or_(col(RoleInvite.created_by) == learner_id, col(RoleInvite.used_by) == learner_id)
        )
        .order_by(col(RoleInvite.id)),
    )
    granted = await all_rows(
        db,
        select(RoleGrant)
        .where(
            RoleGrant.learner_id != learner_id,
            sa.or_(
                col(RoleGrant.granted_by) == learner_id, col(RoleGrant.revoked_by) == learner_id
            ),
        )
        .order_by(col(RoleGrant.id)),
    )
    added = await all_rows(
        db, select(Learner).where(Learner.added_by == learner_id).order_by(col(Learner.id))
    )
    return {
        "sessions_you_run": [_session_run(training) for training in run],
        "checkin_code_shown_in_your_chat": [
            {"session": training.title, "starts": iso(training.starts_at)} for training in screens
        ],
        "announcements_you_wrote": [
            {
                "text": announcement.text,
                "audience": parsed_json(announcement.audience),
                "status": announcement.status,
                "written": iso(announcement.created_at),
                "confirmed": iso(announcement.confirmed_at),
                "finished": iso(announcement.finished_at),
                "summary_to_your_chat": announcement.report_chat_id is not None
                and announcement.report_chat_id == learner.telegram_id,
            }
            for announcement in written
        ],
        "role_invites": [
            {
                "role": invite.role,
                "countries": invite.countries,
                "organisations": invite.organisations,
                "programmes": invite.programmes,
                "made_by_you": invite.created_by == learner_id,
                "made": iso(invite.created_at),
                "expires": iso(invite.expires_at),
                "used_by_you": invite.used_by == learner_id,
                "used": iso(invite.used_at),
            }
            for invite in invites
        ],
        "roles_you_granted_or_revoked": [
            {
                "person": grant.learner_id,
                "role": grant.role,
                "granted": iso(grant.granted_at) if grant.granted_by == learner_id else None,
                "revoked": iso(grant.revoked_at) if grant.revoked_by == learner_id else None,
            }
            for grant in granted
        ],
        "walk_ins_you_added": [
            {"person": person.id, "added": iso(person.created_at)} for person in added
        ],
    }


async def records(db: AsyncSession, learner: Learner) -> dict[str, Any]:
    """Roles, certificates, announcements received, the audit log, the check-in lock, a
    conversation in progress and the stored messages."""
    learner_id = learner.id or 0
    grants = await all_rows(db, select(RoleGrant).where(RoleGrant.learner_id == learner_id))
    received = await all_rows(
        db,
        select(OutboxMessage)
        .where(OutboxMessage.learner_id == learner_id)
        .order_by(col(OutboxMessage.id)),
    )
    guard = await db.get(CheckinGuard, learner_id)
    draft = await db.get(Draft, learner_id)
    reports = await all_rows(
        db, select(ReportSubscription).where(ReportSubscription.learner_id == learner_id)
    )
    edited = await all_rows(
        db,
        select(ModuleVersion)
        .where(
            sa.or_(
                col(ModuleVersion.created_by) == learner_id,
                col(ModuleVersion.published_by) == learner_id,
            )
        )
        .order_by(col(ModuleVersion.id)),
    )
    return {
        "content_versions": [
            {
                "module": row.module_id,
                "version": row.number,
                "made_by_you": row.created_by == learner_id,
                "published_by_you": row.published_by == learner_id,
                "published": iso(row.published_at),
            }
            for row in edited
        ],
        "scheduled_reports": [
            {
                "frequency": report.frequency,
                "programme": report.programme_id,
                "subscribed": iso(report.created_at),
                "stopped": iso(report.cancelled_at),
            }
            for report in reports
        ],
        "roles": [
            {
                "role": grant.role,
                "countries": grant.countries,
                "organisations": grant.organisations,
                "programmes": grant.programmes,
                "languages": grant.languages,
                "granted_by_person": grant.granted_by,
                "granted": iso(grant.granted_at),
                "revoked": iso(grant.revoked_at),
            }
            for grant in grants
        ],
        "certificates": [
            {
                "code": certificates.format_code(certificate.code),
                "module": certificate.module_id,
                "name": certificate.name,
                "language": certificate.language,
                "score_percent": certificate.score_percent,
                "issued": iso(certificate.issued_at),
                "revoked": iso(certificate.revoked_at),
                "earlier_codes_replaced_by_a_corrected_name": [
                    {
                        "code": certificates.format_code(replacement.code),
                        "issued": iso(replacement.issued_at),
                        "replaced": iso(replacement.replaced_at),
                    }
                    for replacement in await certificates.replacements_of(db, certificate)
                ],
            }
            for certificate in await certificates.list_for(db, learner)
        ],
        "announcements_to_you": [
            {
                "announcement": row.announcement_id,
                "status": row.status,
                "attempts": row.attempts,
                "sent": iso(row.sent_at),
            }
            for row in received
        ],
        "audit_log": [
            {
                "at": iso(entry.at),
                "action": entry.action,
                "subject": entry.subject_type,
                "subject_number": entry.subject_id,
                "by_you": entry.actor_id == learner_id,
                "by_person": entry.actor_id,
                "details": audit.details_of(entry),
            }
            for entry in await audit_entries(db, learner_id)
        ],
        "checkin_lock": {
            "wrong_codes_in_a_row": guard.failures,
            "locked_until": iso(guard.locked_until),
        }
        if guard is not None
        else None,
        "conversation_in_progress": {
            "kind": draft.kind,
            "step": draft.step,
            "answers": parsed_json(draft.data),
            "updated": iso(draft.updated_at),
        }
        if draft is not None
        else None,
        "stored_messages": await _stored_messages(db, learner),
    }


async def _stored_messages(db: AsyncSession, learner: Learner) -> list[dict[str, Any]]:
    """A person's own updates in full; for a walk-in, only the text that gave their name
    (the rest of that update is the trainer's)."""
    if learner.telegram_id is not None:
        rows = await stored_updates(db, telegram_id=learner.telegram_id)
    elif learner.display_name:
        rows = await stored_updates(db, name=learner.display_name)
    else:
        rows = []
    return [
        {
            "update": row.update_id,
            "received": iso(row.received_at),
            "status": row.status,
            "content": payload_of(row)
            if learner.telegram_id is not None
            else typed_text(payload_of(row)),
        }
        for row in rows
    ]
