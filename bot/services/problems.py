"""Problems learners report about the content ("Report a problem" on a card or a question):
stored with the module, the item, the language and the content version; listed, answered
and closed by the content team (coordinators in their scope, admins everywhere)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Module
from bot.models import Learner, ProblemReport, Role, RoleGrant
from bot.services import drafts, learners, roles
from bot.services.errors import NOT_ALLOWED, NOT_FOUND, ServiceError
from bot.services.roles import Scope
from bot.services.scope import NO_FILTERS, person_conditions

MAX_COMMENT = 500
MAX_ANSWER = 1000
LIST_LIMIT = 10
OPEN = "open"
CLOSED = "closed"
STEP = "problem"
"""The text step while a learner may add a sentence to their report."""
ANSWER_STEP = "problem-answer"
"""The text step while a staff member types the answer to a report."""


class Category(StrEnum):
    FACT = "fact"
    LANGUAGE = "language"
    UNCLEAR = "unclear"


class ItemKind(StrEnum):
    CARD = "card"
    QUESTION = "question"


class Reason(StrEnum):
    NOT_FOUND = NOT_FOUND
    NOT_ALLOWED = NOT_ALLOWED
    EMPTY = "empty"
    TOO_LONG = "too-long"
    CLOSED = "closed"


class ProblemError(ServiceError):
    reason: Reason


def item_text(module: Module, kind: ItemKind, item_id: str, language: str) -> str:
    """The item as the learner saw it (a card; a question with its options)."""
    text = module.text(language)
    if kind == ItemKind.CARD:
        return text.cards[item_id]
    question = text.questions[item_id]
    return "\n".join([question.text, *question.options.values(), question.explanation])


def content_version(module: Module, kind: ItemKind, item_id: str, language: str) -> str:
    """The module's "facts checked" date and a short hash of the item's text."""
    digest = hashlib.sha256(item_text(module, kind, item_id, language).encode()).hexdigest()
    return f"{module.as_of.isoformat()}#{digest[:12]}"


def item_id_at(module: Module, kind: ItemKind, index: int) -> str | None:
    """The id of the card or question at ``index`` (buttons carry indexes: ids are long)."""
    ids = module.card_ids if kind == ItemKind.CARD else tuple(q.id for q in module.questions)
    return ids[index] if 0 <= index < len(ids) else None


async def report(
    db: AsyncSession,
    learner: Learner,
    module: Module,
    kind: ItemKind,
    item_id: str,
    category: Category,
    now: datetime,
) -> ProblemReport:
    """Stores the report, in the learner's language, and waits for their sentence."""
    assert learner.id is not None
    row = ProblemReport(
        learner_id=learner.id,
        module_id=module.id,
        item_kind=kind,
        item_id=item_id,
        language=learner.language,
        content_version=content_version(module, kind, item_id, learner.language),
        category=category,
        created_at=now,
    )
    db.add(row)
    await db.flush()
    await learners.await_input(db, learner, f"{STEP}:{row.id}")
    return row


def awaited_report(learner: Learner) -> int | None:
    step, _, value = (learner.awaiting or "").partition(":")
    return int(value) if step == STEP and value.isdigit() else None


async def add_comment(db: AsyncSession, learner: Learner, text: str) -> ProblemReport:
    """The sentence the learner adds to the report they are writing."""
    report_id = awaited_report(learner)
    row = await db.get(ProblemReport, report_id) if report_id is not None else None
    if row is None or row.learner_id != learner.id or row.comment is not None:
        await learners.await_input(db, learner, None)
        raise ProblemError(Reason.NOT_FOUND)
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ProblemError(Reason.EMPTY)
    if len(cleaned) > MAX_COMMENT:
        raise ProblemError(Reason.TOO_LONG, str(MAX_COMMENT))
    row.comment = cleaned
    db.add(row)
    await learners.await_input(db, learner, None)
    return row


async def finish_writing(db: AsyncSession, learner: Learner) -> None:
    """The learner tapped Done: no sentence is awaited any more."""
    if awaited_report(learner) is not None:
        await learners.await_input(db, learner, None)


def _scope_conditions(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The reporters a scope covers: the same people as its learning figures (their own
    country and organisation, and for a programme limit the programme's people)."""
    return list(person_conditions(scope, NO_FILTERS, learning=True))


async def _covers(db: AsyncSession, scope: Scope, reporter: Learner) -> bool:
    if scope.is_full:
        return True
    found = await db.exec(
        select(Learner.id).where(col(Learner.id) == reporter.id, *_scope_conditions(scope))
    )
    return found.first() is not None


async def open_reports(db: AsyncSession, scope: Scope) -> tuple[list[ProblemReport], int]:
    """The oldest open reports in ``scope`` (at most :data:`LIST_LIMIT`) and how many there
    are in all."""
    where = [col(ProblemReport.status) == OPEN, *_scope_conditions(scope)]
    joined = select(ProblemReport).join(Learner, col(Learner.id) == ProblemReport.learner_id)
    rows = await db.exec(joined.where(*where).order_by(col(ProblemReport.id)).limit(LIST_LIMIT))
    counted = (
        select(sa.func.count())
        .select_from(ProblemReport)
        .join(Learner, col(Learner.id) == ProblemReport.learner_id)
    )
    total = (await db.exec(counted.where(*where))).one()
    return list(rows.all()), int(total)


async def in_scope(db: AsyncSession, report_id: int, scope: Scope) -> tuple[ProblemReport, Learner]:
    """The report and who wrote it; refused when the reporter is outside ``scope``."""
    row = await db.get(ProblemReport, report_id)
    if row is None:
        raise ProblemError(Reason.NOT_FOUND)
    reporter = await db.get(Learner, row.learner_id)
    assert reporter is not None
    if not await _covers(db, scope, reporter):
        raise ProblemError(Reason.NOT_ALLOWED)
    return row, reporter


async def answer(
    db: AsyncSession, report_id: int, scope: Scope, staff: Learner, text: str, now: datetime
) -> tuple[ProblemReport, Learner]:
    """Stores the answer to an open report; the caller sends it to the reporter."""
    row, reporter = await in_scope(db, report_id, scope)
    if row.status != OPEN:
        raise ProblemError(Reason.CLOSED)
    cleaned = text.strip()
    if not cleaned:
        raise ProblemError(Reason.EMPTY)
    if len(cleaned) > MAX_ANSWER:
        raise ProblemError(Reason.TOO_LONG, str(MAX_ANSWER))
    row.answer, row.answered_by, row.answered_at = cleaned, staff.id, now
    db.add(row)
    await drafts.end_conversation(db, staff, ANSWER_STEP)
    return row, reporter


async def close(
    db: AsyncSession, report_id: int, scope: Scope, staff: Learner, now: datetime
) -> ProblemReport:
    row, _reporter = await in_scope(db, report_id, scope)
    if row.status != OPEN:
        raise ProblemError(Reason.CLOSED)
    row.status, row.closed_by, row.closed_at = CLOSED, staff.id, now
    db.add(row)
    return row


async def awaited_answer(db: AsyncSession, staff: Learner) -> int | None:
    """The report whose answer ``staff`` is typing (their conversation in progress)."""
    draft = await drafts.get_draft(db, staff, ANSWER_STEP)
    report_id = drafts.draft_data(draft).get("report") if draft is not None else None
    return report_id if isinstance(report_id, int) else None


async def start_answer(
    db: AsyncSession, report_id: int, scope: Scope, staff: Learner, now: datetime
) -> None:
    row, _reporter = await in_scope(db, report_id, scope)
    if row.status != OPEN:
        raise ProblemError(Reason.CLOSED)
    await drafts.save_draft(db, staff, ANSWER_STEP, "answer", {"report": report_id}, now)
    await learners.await_input(db, staff, ANSWER_STEP)


async def staff_to_tell(
    db: AsyncSession, reporter: Learner, admin_ids: Iterable[int]
) -> list[Learner]:
    """Coordinators whose scope covers the reporter, and admins (granted or from the
    settings): the content team. The reporter is never told about their own report."""
    grants = await db.exec(
        select(RoleGrant, Learner)
        .join(Learner, col(Learner.id) == RoleGrant.learner_id)
        .where(
            col(RoleGrant.revoked_at).is_(None),
            col(RoleGrant.role).in_((Role.COORDINATOR, Role.ADMIN)),
            col(Learner.telegram_id).is_not(None),
        )
    )
    chosen: dict[int, Learner] = {}
    for grant, person in grants.all():
        scope = roles.grant_scope(grant) if grant.role == Role.COORDINATOR else roles.FULL_SCOPE
        if person.id is not None and await _covers(db, scope, reporter):
            chosen[person.id] = person
    admin_list = sorted(set(admin_ids))
    if admin_list:
        admins = await db.exec(select(Learner).where(col(Learner.telegram_id).in_(admin_list)))
        for person in admins.all():
            assert person.id is not None
            chosen[person.id] = person
    chosen.pop(reporter.id or -1, None)
    return [chosen[key] for key in sorted(chosen)]


async def open_counts(db: AsyncSession) -> dict[str, int]:
    """Open reports per module (``content problems``)."""
    rows = await db.exec(
        select(ProblemReport.module_id, sa.func.count())
        .where(col(ProblemReport.status) == OPEN)
        .group_by(col(ProblemReport.module_id))
        .order_by(col(ProblemReport.module_id))
    )
    return {module_id: int(count) for module_id, count in rows.all()}


async def of_learner(db: AsyncSession, learner_id: int) -> list[ProblemReport]:
    """A person's own reports (``/mydata``)."""
    rows = await db.exec(
        select(ProblemReport)
        .where(ProblemReport.learner_id == learner_id)
        .order_by(col(ProblemReport.id))
    )
    return list(rows.all())
