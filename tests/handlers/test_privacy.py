"""The rights of access and erasure, played through the bot: ``/mydata`` holds every row
that refers to the person, ``/forget`` leaves nothing that identifies them and re-keys what
stays for the totals (tests/support/privacy_world.py is the person touched by everything)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, func, select

from bot.models import (
    Announcement,
    Attendance,
    AuditEntry,
    Certificate,
    Feedback,
    InboundUpdate,
    Learner,
    ModuleProgress,
    OutboxMessage,
    QuizAnswer,
    QuizAttempt,
    Registration,
    TrainingSession,
)
from bot.services import audit, privacy
from tests.support.harness import Harness
from tests.support.privacy_world import (
    MARKERS,
    OLD_ID,
    PHONE,
    ZORANA,
    build_privacy_world,
)

Data = dict[str, Any]

SHOWN: dict[str, Callable[[Data], list[Any]]] = {
    "learner.added_by": lambda d: d["walk_ins_you_added"],
    "announcement.created_by": lambda d: d["announcements_you_wrote"],
    "audit_log.actor_id": lambda d: [e for e in d["audit_log"] if e["by_you"]],
    "certificate.learner_id": lambda d: d["certificates"],
    "checkin_guard.learner_id": lambda d: [d["checkin_lock"]] if d["checkin_lock"] else [],
    "draft.learner_id": lambda d: (
        [d["conversation_in_progress"]] if d["conversation_in_progress"] else []
    ),
    "module_progress.learner_id": lambda d: d["modules"],
    "quiz_attempt.learner_id": lambda d: d["quizzes"],
    "role_grant.learner_id": lambda d: d["roles"],
    "role_grant.granted_by": lambda d: [
        g for g in d["roles_you_granted_or_revoked"] if g["granted"]
    ],
    "role_grant.revoked_by": lambda d: [
        g for g in d["roles_you_granted_or_revoked"] if g["revoked"]
    ],
    "role_invite.created_by": lambda d: [i for i in d["role_invites"] if i["made_by_you"]],
    "role_invite.used_by": lambda d: [i for i in d["role_invites"] if i["used_by_you"]],
    "training_session.trainer_id": lambda d: d["sessions_you_run"],
    "attendance.learner_id": lambda d: [s for s in d["sessions"] if s["attendance"]],
    "attendance.marked_by": lambda d: d["attendance_you_marked"],
    "delivery.learner_id": lambda d: d["messages_from_the_bot"],
    "feedback.learner_id": lambda d: [s for s in d["sessions"] if s["feedback"]],
    "outbox.learner_id": lambda d: d["announcements_to_you"],
    "registration.learner_id": lambda d: [s for s in d["sessions"] if s["registration"]],
    "report_subscription.learner_id": lambda d: d["scheduled_reports"],
    "problem_report.learner_id": lambda d: [
        r for r in d["problem_reports"] if r["reported_by_you"]
    ],
    "problem_report.answered_by": lambda d: [
        r for r in d["problem_reports"] if r["answered_by_you"]
    ],
    "problem_report.closed_by": lambda d: [r for r in d["problem_reports"] if r["closed_by_you"]],
    "nudge_plan.learner_id": lambda d: [d["study_nudge"]] if d["study_nudge"] else [],
    "nudge_delivery.learner_id": lambda d: d["study_nudges_sent"],
    "review_item.learner_id": lambda d: d["review_questions"],
    "inbox_conversation.learner_id": lambda d: d["messages_to_people"],
    "inbox_conversation.trainer_id": lambda d: d["conversations_written_to_you"],
    "inbox_conversation.closed_by": lambda d: [
        c for c in d["conversations_written_to_you"] if c["closed_by_you"]
    ],
    "inbox_message.learner_id": lambda d: (
        [m for c in d["messages_to_people"] for m in c["messages"]] + d["message_not_sent"]
    ),
    "inbox_message.author_id": lambda d: (
        [m for c in d["messages_to_people"] for m in c["messages"] if m["by_you"]]
        + d["message_not_sent"]
        + d["replies_you_wrote_as_staff"]
    ),
    "translation_status.changed_by": lambda d: d["translation_statuses_you_set"],
    "module_version.created_by": lambda d: [v for v in d["content_versions"] if v["made_by_you"]],
    "module_version.published_by": lambda d: [
        v for v in d["content_versions"] if v["published_by_you"]
    ],
}
"""Where ``/mydata`` shows the rows of each column that points at a learner."""


async def rows_pointing_at(bot: Harness, column: sa.Column[Any], learner_id: int) -> int:
    async with bot.deps.database.session() as db:
        found = await db.exec(
            sa.select(func.count()).select_from(column.table).where(column == learner_id)
        )
        return int(found.scalar_one())


async def test_mydata_holds_every_row_that_refers_to_the_person(bot: Harness):
    world = await build_privacy_world(bot.deps.database)
    zorana = bot.user(ZORANA)
    await zorana.send("/mydata")
    data = json.loads(zorana.last_document().content)

    columns = {f"{c.table.name}.{c.name}": c for c in privacy.learner_columns()}
    assert set(columns) == set(SHOWN), "a table refers to learners: show its rows in /mydata"
    for name, column in columns.items():
        stored = await rows_pointing_at(bot, column, world.zorana)
        assert stored >= 1, f"the world does not touch {name}"
        # Every row is shown.
        assert len(SHOWN[name](data)) == stored, name

    # What refers to her without a foreign key: audit entries about her, her messages the
    # bot could not handle, her chat where a code or a summary is shown, her quiz answers.
    assert any(e["action"] == "role.grant" and not e["by_you"] for e in data["audit_log"])
    texts = {m["content"]["message"]["text"] for m in data["stored_messages"]}
    assert texts == {f"My phone is {PHONE}", "/mydata"}  # the failed one, and this one
    assert data["checkin_code_shown_in_your_chat"][0]["session"].startswith("Zorana")
    assert data["announcements_you_wrote"][0]["summary_to_your_chat"] is True
    assert data["quizzes"][0]["answers"] == [
        {"question": f"post-{n}", "option": "a", "correct": True} for n in range(1, 5)
    ]
    assert data["profile"]["country"] == "ME" and data["person_number"] == world.zorana
    assert data["sessions"][0]["feedback"]["comment"] == f"Great! Call me on {PHONE}"


def text_columns() -> list[sa.Column[Any]]:
    return [
        column
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text)
    ]


def number_columns() -> list[sa.Column[Any]]:
    return [
        column
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.Integer)
    ]


async def traces(bot: Harness) -> list[str]:
    """Every cell of the database that still names her, or holds her Telegram id or her
    learner id (as a number, or inside a text such as an audit entry's JSON)."""
    found = []
    async with bot.deps.database.session() as db:
        for column in text_columns():
            for marker in (*MARKERS, str(OLD_ID)):
                hits = await db.exec(sa.select(column).where(column.contains(marker)))
                found += [f"{column.table.name}.{column.name}: {v}" for v in hits.scalars()]
        for column in number_columns():
            hits = await db.exec(sa.select(column).where(column.in_((ZORANA, OLD_ID))))
            found += [f"{column.table.name}.{column.name}: {v}" for v in hits.scalars()]
    return found


async def counts(bot: Harness) -> dict[str, int]:
    """What the totals are made of."""
    result = {}
    async with bot.deps.database.session() as db:
        for model in (
            Registration,
            Attendance,
            Feedback,
            ModuleProgress,
            QuizAttempt,
            Certificate,
            TrainingSession,
        ):
            found = await db.exec(select(func.count()).select_from(model))
            result[model.__name__] = int(found.one())
    return result


async def participants(bot: Harness) -> dict[int, str | None]:
    """The reporting view a BI tool (or an earlier export) reads: person id → name."""
    async with bot.deps.database.session() as db:
        found = await db.exec(sa.text("SELECT learner_id, name FROM participants_view"))
        return {int(row[0]): row[1] for row in found.all()}


async def test_forget_leaves_nothing_that_identifies_her_and_rekeys_what_stays(bot: Harness):
    world = await build_privacy_world(bot.deps.database)
    before = await counts(bot)
    seen_before = await participants(bot)
    assert seen_before[world.zorana] == "Zorana Mišković"
    assert await traces(bot)

    zorana = bot.user(ZORANA)
    await zorana.send("/forget")
    await zorana.tap("Yes, erase my data")
    assert zorana.last_message().text == (
        "Your data is erased. If you write to me again, we start afresh with /start."
    )

    assert await traces(bot) == []
    # The totals keep their rows ...
    assert await counts(bot) == before
    async with bot.deps.database.session() as db:
        [anonymous] = (
            await db.exec(select(Learner).where(col(Learner.erased_at).is_not(None)))
        ).all()
        assert anonymous.id != world.zorana and await db.get(Learner, world.zorana) is None
        assert (anonymous.telegram_id, anonymous.display_name, anonymous.organisation) == (
            None,
            None,
            None,
        )
        assert anonymous.vulnerable_group is None and anonymous.special_consent is None
        mine = await db.exec(select(Attendance).where(Attendance.learner_id == anonymous.id))
        assert len(mine.all()) == 1
        [rating] = (
            await db.exec(select(Feedback).where(Feedback.learner_id == anonymous.id))
        ).all()
        assert (rating.rating, rating.comment) == (4, None)
        # ... answers keep only whether they were right (for the gain and item analysis) ...
        answers = (await db.exec(select(QuizAnswer))).all()
        assert answers and {(answer.option, answer.correct) for answer in answers} == {("", True)}
        # ... and lose what serves nobody now.
        assert (
            await db.exec(select(OutboxMessage).where(OutboxMessage.learner_id == anonymous.id))
        ).all() == []
        own = await db.get(TrainingSession, world.own_session)
        assert own is not None and own.title == privacy.ERASED_TITLE
        assert own.checkin_chat_id is None and own.venue == "Hotel Tirana, hall B"
        [hers] = (
            await db.exec(select(Announcement).where(Announcement.created_by == anonymous.id))
        ).all()
        assert (hers.status, hers.text, hers.report_chat_id) == ("cancelled", "", None)
        # Other people's stored messages stay.
        kept = (await db.exec(select(InboundUpdate.update_id))).all()
        assert 9_002 in kept and 9_001 not in kept
        # No audit entry names the old id; the erasure itself is recorded under the new one.
        for entry in (await db.exec(select(AuditEntry))).all():
            assert audit.details_of(entry).get("learner_id") != world.zorana
            assert entry.actor_id != world.zorana
        erasures = await audit.entries(db, "learner", anonymous.id)
        assert [e.action for e in erasures] == [privacy.ERASE_ACTION]
        assert erasures[0].actor_id == anonymous.id

    # An earlier export or view named her by an id that now belongs to nobody.
    seen_after = await participants(bot)
    assert world.zorana not in seen_after and seen_after[anonymous.id or 0] is None

    # Back as someone new: nothing of hers.
    await zorana.send("/mydata")
    data = json.loads(zorana.last_document().content)
    assert data["sessions"] == [] and data["roles"] == [] and data["name"] is None
