"""reporting views for BI tools: attendance_view, participants_view, learning_view

Plain SQL that SQLite and PostgreSQL both run (CASE, COALESCE, NULLIF, UNION, scalar
subqueries with ORDER BY ... LIMIT 1; no dialect functions). Personal data (name and
profile) appears only for people who gave consent and have not erased their data; the
vulnerable group only with the separate special consent as well. docs/reporting.md
describes every column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A person's name and profile are shown only with consent and before erasure.
_PERSONAL = "l.consent = 'given' AND l.erased_at IS NULL"


def _person_columns() -> str:
    return f"""
        CASE WHEN {_PERSONAL} THEN l.display_name END AS name,
        CASE WHEN {_PERSONAL} THEN l.organisation END AS organisation,
        CASE WHEN {_PERSONAL} THEN l.country END AS country,
        CASE WHEN {_PERSONAL} THEN l.gender END AS gender,
        CASE WHEN {_PERSONAL} THEN l.age_band END AS age_band"""


def _attendance_select(registration: str, attendance: str, source: str) -> str:
    return f"""
    SELECT
        s.id AS session_id,
        s.title AS session_title,
        s.starts_at AS session_starts_at,
        s.duration_minutes AS session_duration_minutes,
        s.country AS session_country,
        s.module_id AS module_id,
        s.language AS session_language,
        s.cancelled_at AS session_cancelled_at,
        s.trainer_id AS trainer_id,
        l.id AS learner_id,
        l.source AS learner_source,
        {registration} AS registration_status,
        {attendance}.status AS attendance_status,
        {attendance}.method AS attendance_method,
        {attendance}.marked_at AS attendance_marked_at,
        CASE WHEN {attendance}.status IN ('present', 'late') THEN 1 ELSE 0 END AS attended,
        CASE WHEN l.erased_at IS NULL THEN 0 ELSE 1 END AS erased,{_person_columns()}
    {source}"""


ATTENDANCE_VIEW = (
    "CREATE VIEW attendance_view AS"
    + _attendance_select(
        "r.status",
        "a",
        """FROM registration r
    JOIN training_session s ON s.id = r.session_id
    JOIN learner l ON l.id = r.learner_id
    LEFT JOIN attendance a ON a.session_id = r.session_id AND a.learner_id = r.learner_id""",
    )
    + "\n    UNION ALL"
    + _attendance_select(
        "NULL",
        "a",
        """FROM attendance a
    JOIN training_session s ON s.id = a.session_id
    JOIN learner l ON l.id = a.learner_id
    WHERE NOT EXISTS (
        SELECT 1 FROM registration r2
        WHERE r2.session_id = a.session_id AND r2.learner_id = a.learner_id
    )""",
    )
)

_SCORED = "q.learner_id = p.learner_id AND q.module_id = p.module_id AND q.passed IS NOT NULL"

LEARNING_VIEW = f"""
CREATE VIEW learning_view AS
SELECT
    p.learner_id AS learner_id,
    p.module_id AS module_id,
    CASE
        WHEN mp.started_at IS NULL THEN fa.started_at
        WHEN fa.started_at IS NOT NULL AND fa.started_at < mp.started_at THEN fa.started_at
        ELSE mp.started_at
    END AS started_at,
    mp.lessons_done_at AS lessons_done_at,
    mp.passed_at AS completed_at,
    CASE WHEN mp.passed_at IS NULL THEN 0 ELSE 1 END AS completed,
    pre.correct_count AS pre_correct,
    pre.question_count AS pre_questions,
    100.0 * pre.correct_count / NULLIF(pre.question_count, 0) AS pre_percent,
    (SELECT COUNT(*) FROM quiz_attempt q WHERE {_SCORED} AND q.kind = 'post') AS post_attempts,
    post.correct_count AS best_post_correct,
    post.question_count AS best_post_questions,
    100.0 * post.correct_count / NULLIF(post.question_count, 0) AS best_post_percent,
    100.0 * post.correct_count / NULLIF(post.question_count, 0)
        - 100.0 * pre.correct_count / NULLIF(pre.question_count, 0) AS gain_points
FROM (
    SELECT learner_id, module_id FROM module_progress
    UNION
    SELECT learner_id, module_id FROM quiz_attempt WHERE passed IS NOT NULL
) p
LEFT JOIN module_progress mp ON mp.learner_id = p.learner_id AND mp.module_id = p.module_id
LEFT JOIN quiz_attempt fa ON fa.id = (
    SELECT q.id FROM quiz_attempt q WHERE {_SCORED}
    ORDER BY q.started_at, q.id LIMIT 1
)
LEFT JOIN quiz_attempt pre ON pre.id = (
    SELECT q.id FROM quiz_attempt q WHERE {_SCORED} AND q.kind = 'pre'
    ORDER BY q.started_at, q.id LIMIT 1
)
LEFT JOIN quiz_attempt post ON post.id = (
    SELECT q.id FROM quiz_attempt q WHERE {_SCORED} AND q.kind = 'post'
    ORDER BY 1.0 * q.correct_count / NULLIF(q.question_count, 0) DESC, q.started_at, q.id
    LIMIT 1
)
"""

# Counts come from grouped subqueries joined once, not from a subquery per person:
# registration and attendance have no index on the person.
PARTICIPANTS_VIEW = f"""
CREATE VIEW participants_view AS
SELECT
    l.id AS learner_id,
    l.source AS source,
    l.language AS language,
    l.consent AS consent,
    CASE WHEN l.erased_at IS NULL THEN 0 ELSE 1 END AS erased,
    l.created_at AS first_seen_at,{_person_columns()},
    CASE WHEN {_PERSONAL} AND l.special_consent THEN l.vulnerable_group END
        AS vulnerable_group,
    COALESCE(reg.sessions, 0) AS sessions_registered,
    COALESCE(att.sessions, 0) AS sessions_attended,
    COALESCE(lv.modules, 0) AS modules_started,
    COALESCE(lv.completed, 0) AS modules_completed
FROM learner l
LEFT JOIN (
    SELECT learner_id, COUNT(*) AS sessions FROM registration
    WHERE status = 'registered' GROUP BY learner_id
) reg ON reg.learner_id = l.id
LEFT JOIN (
    SELECT a.learner_id, COUNT(*) AS sessions FROM attendance a
    JOIN training_session s ON s.id = a.session_id
    WHERE a.status IN ('present', 'late') AND s.cancelled_at IS NULL
    GROUP BY a.learner_id
) att ON att.learner_id = l.id
LEFT JOIN (
    SELECT learner_id, COUNT(*) AS modules, SUM(completed) AS completed
    FROM learning_view GROUP BY learner_id
) lv ON lv.learner_id = l.id
WHERE l.id IN (
    SELECT learner_id FROM registration
    UNION SELECT learner_id FROM attendance
    UNION SELECT learner_id FROM module_progress
    UNION SELECT learner_id FROM quiz_attempt WHERE passed IS NOT NULL
)
"""


def upgrade() -> None:
    op.execute(ATTENDANCE_VIEW)
    op.execute(LEARNING_VIEW)
    op.execute(PARTICIPANTS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS participants_view")
    op.execute("DROP VIEW IF EXISTS learning_view")
    op.execute("DROP VIEW IF EXISTS attendance_view")
