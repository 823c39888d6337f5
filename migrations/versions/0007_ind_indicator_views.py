"""indicator views: trained_view, completion_view, knowledge_gain_view, satisfaction_view

One view per kind of fact a donor indicator counts (bot/services/indicators/registry.py
names, for each indicator, its view and the SQL that counts it; docs/reporting.md
describes every column). Every row carries the person's own breakdown values, since every
figure about people counts a person by their own country: person_country, gender,
age_band, organisation (only with consent and before erasure, else NULL, which the bot
reports as "unknown"), and vulnerable_group (only with the special consent as well).
Plain SQL that SQLite and PostgreSQL both run. The views of 0004 are unchanged.

Revision ID: 0007_ind
Revises: 0006_intake
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007_ind'
down_revision: str | None = '0006_intake'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_PERSONAL = "l.consent = 'given' AND l.erased_at IS NULL"

_PERSON = f"""
        CASE WHEN l.erased_at IS NULL THEN 0 ELSE 1 END AS erased,
        CASE WHEN {_PERSONAL} THEN l.country END AS person_country,
        CASE WHEN {_PERSONAL} THEN l.gender END AS gender,
        CASE WHEN {_PERSONAL} THEN l.age_band END AS age_band,
        CASE WHEN {_PERSONAL} THEN l.organisation END AS organisation,
        CASE WHEN {_PERSONAL} AND l.special_consent THEN l.vulnerable_group END
            AS vulnerable_group"""

TRAINED_VIEW = f"""
CREATE VIEW trained_view AS
SELECT
    a.session_id AS session_id,
    s.starts_at AS session_starts_at,
    s.country AS session_country,
    s.module_id AS module_id,
    a.learner_id AS learner_id,
    a.status AS attendance_status,{_PERSON}
FROM attendance a
JOIN training_session s ON s.id = a.session_id
JOIN learner l ON l.id = a.learner_id
WHERE a.status IN ('present', 'late') AND s.cancelled_at IS NULL
"""

COMPLETION_VIEW = f"""
CREATE VIEW completion_view AS
SELECT c.learner_id AS learner_id, c.module_id AS module_id, c.completed_at AS completed_at,
    c.how AS how,{_PERSON}
FROM (
    SELECT learner_id, module_id, passed_at AS completed_at, 'progress' AS how
    FROM module_progress WHERE passed_at IS NOT NULL
    UNION ALL
    SELECT learner_id, module_id, finished_at AS completed_at, 'post-test' AS how
    FROM quiz_attempt
    WHERE kind = 'post' AND passed IS TRUE AND finished_at IS NOT NULL
) c
JOIN learner l ON l.id = c.learner_id
"""

_SCORED = "q.finished_at IS NOT NULL AND q.passed IS NOT NULL"

KNOWLEDGE_GAIN_VIEW = f"""
CREATE VIEW knowledge_gain_view AS
SELECT
    post.learner_id AS learner_id,
    post.module_id AS module_id,
    post.id AS attempt_id,
    post.finished_at AS finished_at,
    100.0 * pre.correct_count / NULLIF(pre.question_count, 0) AS pre_percent,
    100.0 * post.correct_count / NULLIF(post.question_count, 0) AS post_percent,{_PERSON}
FROM quiz_attempt post
JOIN quiz_attempt pre ON pre.id = (
    SELECT q.id FROM quiz_attempt q
    WHERE q.learner_id = post.learner_id AND q.module_id = post.module_id
        AND q.kind = 'pre' AND {_SCORED}
    ORDER BY q.started_at, q.id LIMIT 1
)
JOIN learner l ON l.id = post.learner_id
WHERE post.kind = 'post' AND post.finished_at IS NOT NULL AND post.passed IS NOT NULL
"""

SATISFACTION_VIEW = f"""
CREATE VIEW satisfaction_view AS
SELECT
    f.session_id AS session_id,
    s.starts_at AS session_starts_at,
    s.country AS session_country,
    f.learner_id AS learner_id,
    f.rating AS rating,{_PERSON}
FROM feedback f
JOIN training_session s ON s.id = f.session_id
JOIN learner l ON l.id = f.learner_id
WHERE s.cancelled_at IS NULL
"""

VIEWS = {
    "trained_view": TRAINED_VIEW,
    "completion_view": COMPLETION_VIEW,
    "knowledge_gain_view": KNOWLEDGE_GAIN_VIEW,
    "satisfaction_view": SATISFACTION_VIEW,
}


def upgrade() -> None:
    for sql in VIEWS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
