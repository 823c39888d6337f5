"""reporting views: knowledge gain on matched items; the programme of a session's rows

``knowledge_gain_view`` gets, for each scored post-test and the pair's first scored
pre-test, the items both asked (matched by objective: an answer's ``objective``, or its
question id for an answer stored without one), right in each, and the pair's gain in
points on them, as bot/services/indicators/gain.py computes it. The best post-test in a
period is chosen by the registry's SQL among the rows of the period (a view cannot know the
period). ``learning_view.gain_points`` becomes the same matched gain, of the first pre-test
and the best post-test of all time, with ``matched_items``, ``matched_pre_correct`` and
``matched_post_correct`` beside it. ``attendance_view``, ``trained_view`` and
``satisfaction_view`` get the session's ``programme_id`` and ``programme_name``. Plain SQL
that SQLite and PostgreSQL both run; the downgrade restores the views of 0004 and 0007_ind.
On PostgreSQL whoever could read a view made again (the reporting role of
``python -m bot reporting-role``) still can.

Revision ID: 0008_views
Revises: 0007_learn2
Create Date: 2026-12-07
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0008_views"
down_revision: str | None = "0007_learn2"
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

_PROGRAMME = """
    s.programme_id AS programme_id,
    pg.name AS programme_name,"""


def _matched(pre: str, post: str, prefix: str) -> str:
    """The items attempts ``pre`` and ``post`` both asked (one answer per objective in an
    attempt; an answer without an objective: its question is its objective), and how many
    of them each got right."""
    source = f"""FROM quiz_answer pa
        JOIN quiz_answer qa ON qa.attempt_id = {post}.id
            AND COALESCE(qa.objective, qa.question_id) = COALESCE(pa.objective, pa.question_id)
        WHERE pa.attempt_id = {pre}.id)"""
    return f"""
    (SELECT COUNT(*) {source} AS matched_items,
    (SELECT COALESCE(SUM(CASE WHEN pa.correct THEN 1 ELSE 0 END), 0) {source}
        AS {prefix}pre_correct,
    (SELECT COALESCE(SUM(CASE WHEN qa.correct THEN 1 ELSE 0 END), 0) {source}
        AS {prefix}post_correct"""


def _gain(prefix: str) -> str:
    return f"""CASE WHEN m.matched_items > 0
        THEN 100.0 * (m.{prefix}post_correct - m.{prefix}pre_correct) / m.matched_items
    END AS gain_points"""


TRAINED_VIEW = f"""
CREATE VIEW trained_view AS
SELECT
    a.session_id AS session_id,
    s.starts_at AS session_starts_at,
    s.country AS session_country,
    s.module_id AS module_id,{_PROGRAMME}
    a.learner_id AS learner_id,
    a.status AS attendance_status,{_PERSON}
FROM attendance a
JOIN training_session s ON s.id = a.session_id
LEFT JOIN programme pg ON pg.id = s.programme_id
JOIN learner l ON l.id = a.learner_id
WHERE a.status IN ('present', 'late') AND s.cancelled_at IS NULL
"""

SATISFACTION_VIEW = f"""
CREATE VIEW satisfaction_view AS
SELECT
    f.session_id AS session_id,
    s.starts_at AS session_starts_at,
    s.country AS session_country,{_PROGRAMME}
    f.learner_id AS learner_id,
    f.rating AS rating,{_PERSON}
FROM feedback f
JOIN training_session s ON s.id = f.session_id
LEFT JOIN programme pg ON pg.id = s.programme_id
JOIN learner l ON l.id = f.learner_id
WHERE s.cancelled_at IS NULL
"""

def _person_columns() -> str:
    return f"""
        CASE WHEN {_PERSONAL} THEN l.display_name END AS name,
        CASE WHEN {_PERSONAL} THEN l.organisation END AS organisation,
        CASE WHEN {_PERSONAL} THEN l.country END AS country,
        CASE WHEN {_PERSONAL} THEN l.gender END AS gender,
        CASE WHEN {_PERSONAL} THEN l.age_band END AS age_band"""


def _attendance_select(registration: str, source: str) -> str:
    """As in 0004, with the session's programme after ``trainer_id``."""
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
        s.trainer_id AS trainer_id,{_PROGRAMME}
        l.id AS learner_id,
        l.source AS learner_source,
        {registration} AS registration_status,
        a.status AS attendance_status,
        a.method AS attendance_method,
        a.marked_at AS attendance_marked_at,
        CASE WHEN a.status IN ('present', 'late') THEN 1 ELSE 0 END AS attended,
        CASE WHEN l.erased_at IS NULL THEN 0 ELSE 1 END AS erased,{_person_columns()}
    {source}"""


ATTENDANCE_VIEW = (
    "CREATE VIEW attendance_view AS"
    + _attendance_select(
        "r.status",
        """FROM registration r
    JOIN training_session s ON s.id = r.session_id
    LEFT JOIN programme pg ON pg.id = s.programme_id
    JOIN learner l ON l.id = r.learner_id
    LEFT JOIN attendance a ON a.session_id = r.session_id AND a.learner_id = r.learner_id""",
    )
    + "\n    UNION ALL"
    + _attendance_select(
        "NULL",
        """FROM attendance a
    JOIN training_session s ON s.id = a.session_id
    LEFT JOIN programme pg ON pg.id = s.programme_id
    JOIN learner l ON l.id = a.learner_id
    WHERE NOT EXISTS (
        SELECT 1 FROM registration r2
        WHERE r2.session_id = a.session_id AND r2.learner_id = a.learner_id
    )""",
    )
)

_SCORED = "q.finished_at IS NOT NULL AND q.passed IS NOT NULL"

KNOWLEDGE_GAIN_VIEW = f"""
CREATE VIEW knowledge_gain_view AS
SELECT
    m.learner_id AS learner_id,
    m.module_id AS module_id,
    m.attempt_id AS attempt_id,
    m.started_at AS started_at,
    m.finished_at AS finished_at,
    m.pre_attempt_id AS pre_attempt_id,
    m.pre_percent AS pre_percent,
    m.post_percent AS post_percent,
    m.matched_items AS matched_items,
    m.pre_correct AS pre_correct,
    m.post_correct AS post_correct,
    {_gain("")},{_PERSON}
FROM (
    SELECT
        post.learner_id AS learner_id,
        post.module_id AS module_id,
        post.id AS attempt_id,
        post.started_at AS started_at,
        post.finished_at AS finished_at,
        pre.id AS pre_attempt_id,
        100.0 * pre.correct_count / NULLIF(pre.question_count, 0) AS pre_percent,
        100.0 * post.correct_count / NULLIF(post.question_count, 0) AS post_percent,
        {_matched("pre", "post", "")}
    FROM quiz_attempt post
    JOIN quiz_attempt pre ON pre.id = (
        SELECT q.id FROM quiz_attempt q
        WHERE q.learner_id = post.learner_id AND q.module_id = post.module_id
            AND q.kind = 'pre' AND {_SCORED}
        ORDER BY q.started_at, q.id LIMIT 1
    )
    WHERE post.kind = 'post' AND post.finished_at IS NOT NULL AND post.passed IS NOT NULL
) m
JOIN learner l ON l.id = m.learner_id
"""

# As in 0004, with the first pre-test and the best post-test matched by objective. The best
# post-test: the highest score, then the earlier (as gain.py).
_OF_PAIR = "q.learner_id = p.learner_id AND q.module_id = p.module_id AND q.passed IS NOT NULL"

LEARNING_VIEW = f"""
CREATE VIEW learning_view AS
SELECT
    m.learner_id AS learner_id,
    m.module_id AS module_id,
    m.started_at AS started_at,
    m.lessons_done_at AS lessons_done_at,
    m.completed_at AS completed_at,
    m.completed AS completed,
    m.pre_correct AS pre_correct,
    m.pre_questions AS pre_questions,
    m.pre_percent AS pre_percent,
    m.post_attempts AS post_attempts,
    m.best_post_correct AS best_post_correct,
    m.best_post_questions AS best_post_questions,
    m.best_post_percent AS best_post_percent,
    m.matched_items AS matched_items,
    m.matched_pre_correct AS matched_pre_correct,
    m.matched_post_correct AS matched_post_correct,
    {_gain("matched_")}
FROM (
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
        (SELECT COUNT(*) FROM quiz_attempt q WHERE {_OF_PAIR} AND q.kind = 'post')
            AS post_attempts,
        post.correct_count AS best_post_correct,
        post.question_count AS best_post_questions,
        100.0 * post.correct_count / NULLIF(post.question_count, 0) AS best_post_percent,
        {_matched("pre", "post", "matched_")}
    FROM (
        SELECT learner_id, module_id FROM module_progress
        UNION
        SELECT learner_id, module_id FROM quiz_attempt WHERE passed IS NOT NULL
    ) p
    LEFT JOIN module_progress mp ON mp.learner_id = p.learner_id AND mp.module_id = p.module_id
    LEFT JOIN quiz_attempt fa ON fa.id = (
        SELECT q.id FROM quiz_attempt q WHERE {_OF_PAIR}
        ORDER BY q.started_at, q.id LIMIT 1
    )
    LEFT JOIN quiz_attempt pre ON pre.id = (
        SELECT q.id FROM quiz_attempt q WHERE {_OF_PAIR} AND q.kind = 'pre'
        ORDER BY q.started_at, q.id LIMIT 1
    )
    LEFT JOIN quiz_attempt post ON post.id = (
        SELECT q.id FROM quiz_attempt q WHERE {_OF_PAIR} AND q.kind = 'post'
        ORDER BY COALESCE(1.0 * q.correct_count / NULLIF(q.question_count, 0), 0) DESC,
            q.started_at, q.id
        LIMIT 1
    )
) m
"""

_DROPPED = (
    "attendance_view",
    "participants_view",
    "learning_view",
    "knowledge_gain_view",
    "satisfaction_view",
    "trained_view",
)
"""participants_view reads learning_view: dropped first, made again as it was."""


def _earlier(name: str) -> ModuleType:
    """An earlier migration's module (its views, to make them again as they were)."""
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(f"_kapacitet_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _drop() -> list[tuple[str, str]]:
    """Drops the views; returns who may read which (PostgreSQL forgets a dropped view's
    grants)."""
    readers: list[tuple[str, str]] = []
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        rows = bind.execute(
            sa.text(
                "SELECT DISTINCT grantee, table_name FROM information_schema.table_privileges "
                "WHERE privilege_type = 'SELECT' AND table_schema = current_schema() "
                "AND table_name IN :views AND grantee <> current_user"
            ).bindparams(sa.bindparam("views", expanding=True)),
            {"views": list(_DROPPED)},
        )
        readers = [(str(grantee), str(view)) for grantee, view in rows]
    for name in _DROPPED:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    return readers


def _grant(readers: list[tuple[str, str]]) -> None:
    for grantee, view in readers:
        who = "PUBLIC" if grantee == "PUBLIC" else '"' + grantee.replace('"', '""') + '"'
        op.execute(f"GRANT SELECT ON {view} TO {who}")


def upgrade() -> None:
    reporting = _earlier("0004_reporting_views.py")
    readers = _drop()
    for sql in (
        ATTENDANCE_VIEW,
        TRAINED_VIEW,
        SATISFACTION_VIEW,
        KNOWLEDGE_GAIN_VIEW,
        LEARNING_VIEW,
        reporting.PARTICIPANTS_VIEW,
    ):
        op.execute(sql)
    _grant(readers)


def downgrade() -> None:
    reporting = _earlier("0004_reporting_views.py")
    indicator = _earlier("0007_ind_indicator_views.py")
    readers = _drop()
    for sql in (
        reporting.ATTENDANCE_VIEW,
        indicator.TRAINED_VIEW,
        indicator.SATISFACTION_VIEW,
        indicator.KNOWLEDGE_GAIN_VIEW,
        reporting.LEARNING_VIEW,
        reporting.PARTICIPANTS_VIEW,
    ):
        op.execute(sql)
    _grant(readers)
