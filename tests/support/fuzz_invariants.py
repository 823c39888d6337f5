"""What must hold after the fuzzer's every example (:func:`broken_invariants`), and what it
reached (:func:`note_what_was_reached`, for ``--hypothesis-show-statistics``).

The invariants are SQL queries whose rows are the offenders: no row left without its session
or person, no duplicate marks or progress rows, every role explained by an invitation its
holder used and by the audit log, and nobody without the role doing what it takes (replayed
from the audit log itself, :func:`acts_without_the_role`).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from hypothesis import event

from tests.support.fuzz_world import World
from tests.support.harness import Harness

MANAGING_ROLES = "('trainer', 'coordinator', 'admin')"
INVITING_ROLES = "('coordinator', 'admin')"


def _holder(column: str, roles: str) -> str:
    """SQL: ``column`` (a learner id) is the admin from the settings (``:admins``, their
    learner ids), or was granted one of ``roles`` (maybe revoked since: the row stays)."""
    return (
        f"({column} IN :admins OR EXISTS (SELECT 1 FROM role_grant h"
        f" WHERE h.learner_id = {column} AND h.role IN {roles}))"
    )


INVARIANTS: dict[str, str] = {
    "attendance without a session": """
        SELECT a.id FROM attendance a
        LEFT JOIN training_session s ON s.id = a.session_id WHERE s.id IS NULL""",
    "attendance without a person": """
        SELECT a.id FROM attendance a
        LEFT JOIN learner l ON l.id = a.learner_id WHERE l.id IS NULL""",
    "registration without a session": """
        SELECT r.id FROM registration r
        LEFT JOIN training_session s ON s.id = r.session_id WHERE s.id IS NULL""",
    "more than one attendance per person and session": """
        SELECT session_id, learner_id FROM attendance
        GROUP BY session_id, learner_id HAVING COUNT(*) > 1""",
    "more than one progress row per person and module": """
        SELECT learner_id, module_id FROM module_progress
        GROUP BY learner_id, module_id HAVING COUNT(*) > 1""",
    "a progress row without a person": """
        SELECT p.id FROM module_progress p
        LEFT JOIN learner l ON l.id = p.learner_id WHERE l.id IS NULL""",
    # Roles live only in role_grant (and the settings): each grant comes from an invitation
    # that its holder used, made by the grant's granter, and is in the audit log.
    "a grant that no invitation used by its holder explains": """
        SELECT g.id FROM role_grant g WHERE NOT EXISTS (
            SELECT 1 FROM role_invite i WHERE i.used_by = g.learner_id AND i.role = g.role
            AND i.created_by = g.granted_by AND i.used_at IS NOT NULL)""",
    "a grant without its audit entry": """
        SELECT g.id FROM role_grant g WHERE NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'role.grant'
            AND e.subject_type = 'role_grant' AND e.subject_id = g.id)""",
    "a revocation without its audit entry": """
        SELECT g.id FROM role_grant g WHERE g.revoked_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'role.revoke'
            AND e.subject_type = 'role_grant' AND e.subject_id = g.id)""",
    "an invitation made by someone who may not invite": f"""
        SELECT i.id FROM role_invite i WHERE NOT {_holder("i.created_by", INVITING_ROLES)}
        OR (i.role = 'admin' AND NOT {_holder("i.created_by", "('admin')")})""",
    "an invitation without its audit entry": """
        SELECT i.id FROM role_invite i WHERE NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'role.invite'
            AND e.subject_type = 'role_invite' AND e.subject_id = i.id)""",
    # Nobody without a grant did what only trainers and coordinators may do.
    "a session scheduled by someone without a trainer's role": f"""
        SELECT s.id FROM training_session s WHERE NOT {_holder("s.trainer_id", MANAGING_ROLES)}""",
    "attendance marked by someone without a trainer's role": f"""
        SELECT a.id FROM attendance a WHERE CASE WHEN a.method = 'code'
            THEN a.marked_by IS NULL OR a.marked_by <> a.learner_id
            ELSE a.marked_by IS NULL OR NOT {_holder("a.marked_by", MANAGING_ROLES)} END""",
    "an attendance change without its audit entry": """
        SELECT a.id FROM attendance a WHERE NOT EXISTS (
            SELECT 1 FROM audit_log e WHERE e.action = 'attendance.mark'
            AND e.subject_type = 'attendance' AND e.subject_id = a.id)""",
    "an announcement by someone who is not a coordinator": f"""
        SELECT n.id FROM announcement n WHERE NOT {_holder("n.created_by", INVITING_ROLES)}""",
    "an export by someone who is not a coordinator": f"""
        SELECT e.id FROM audit_log e WHERE e.action = 'export.create'
        AND (e.actor_id IS NULL OR NOT {_holder("e.actor_id", INVITING_ROLES)})""",
    "an update stored but not handled": """
        SELECT update_id FROM inbound_update WHERE status <> 'done'""",
}


MANAGERS = frozenset({"trainer", "coordinator", "admin"})
INVITERS = frozenset({"coordinator", "admin"})
NEEDED: dict[str, frozenset[str]] = {
    "session.create": MANAGERS,
    "session.reschedule": MANAGERS,
    "session.venue": MANAGERS,
    "session.cancel": MANAGERS,
    "attendance.mark": MANAGERS,
    "announcement.send": INVITERS,
    "export.create": INVITERS,
    "role.invite": INVITERS,
    "role.revoke": INVITERS,
}
"""The roles one of which the actor of an audited action must hold at that moment."""


def acts_without_the_role(
    entries: list[tuple[int, int | None, str, str]], admins: set[int]
) -> list[tuple[int, str]]:
    """Audited actions (id, action) whose actor did not hold the role at that moment.

    The roles over time are replayed from the audit log itself (grants and revocations, in
    order); the admin from the settings holds "admin" throughout. A learner checking in
    with the code marks only themselves; a person erasing their data ends their own role.
    """
    held: dict[int, set[str]] = {}
    wrong: list[tuple[int, str]] = []
    for entry_id, actor, action, text in entries:
        details = json.loads(text)
        roles = held.get(actor, set()) | ({"admin"} if actor in admins else set())
        needed = NEEDED.get(action)
        if action == "attendance.mark" and details.get("method") == "code":
            needed = None if actor == details.get("learner_id") else frozenset()
        elif action == "role.revoke":
            if actor == details.get("learner_id") and details.get("erased"):
                needed = None
            elif details.get("role") != "trainer":
                needed = frozenset({"admin"})
        elif action == "role.invite" and details.get("role") == "admin":
            needed = frozenset({"admin"})
        if needed is not None and not roles & needed:
            wrong.append((entry_id, action))
        if action == "role.grant":
            held.setdefault(details["learner_id"], set()).add(details["role"])
        elif action == "role.revoke":
            held.get(details["learner_id"], set()).discard(details["role"])
    return wrong


async def broken_invariants(bot: Harness, world: World) -> dict[str, list[tuple[object, ...]]]:
    """Each invariant's offending rows; empty when all hold."""
    broken: dict[str, list[tuple[object, ...]]] = {}
    async with bot.deps.database.engine.connect() as connection:
        # The admin from the settings who erased their data: what they did moved to a new
        # id, which the erasure's audit entry says held the admin's role.
        erasures = await connection.execute(
            sa.text("SELECT subject_id, details FROM audit_log WHERE action = 'person.erase'")
        )
        erased_admins = {
            subject for subject, text in erasures.all() if "admin" in json.loads(text)["roles"]
        }
        admins = sorted(world.admin_learners | erased_admins) or [-1]
        for name, query in INVARIANTS.items():
            statement = sa.text(query)
            if ":admins" in query:
                statement = statement.bindparams(sa.bindparam("admins", expanding=True))
            rows = (await connection.execute(statement, {"admins": admins})).all()
            if rows:
                broken[name] = [tuple(row) for row in rows]
        entries = await connection.execute(
            sa.text("SELECT id, actor_id, action, details FROM audit_log ORDER BY id")
        )
        wrong = acts_without_the_role([tuple(row) for row in entries.all()], set(admins))
    if wrong:
        broken["an action by someone who did not hold the role then"] = list(wrong)
    return broken


async def note_what_was_reached(bot: Harness) -> None:
    """For ``--hypothesis-show-statistics``: how far the examples got."""
    async with bot.deps.database.engine.connect() as connection:
        for table in REACHED:
            found = (await connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}"))).scalar()
            event(f"{table}: {min(found or 0, 3)}")
        actions = await connection.execute(sa.text("SELECT DISTINCT action FROM audit_log"))
        for (action,) in actions.all():
            event(f"audit: {action}")


REACHED = (
    "training_session",
    "registration",
    "attendance",
    "announcement",
    "role_invite",
    "module_progress",
    "quiz_attempt",
    "certificate",
    "feedback",
    "draft",
)
