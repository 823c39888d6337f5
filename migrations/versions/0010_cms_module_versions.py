"""content in the database: module_version; the version of progress, attempts and
certificates; the editor role's languages

A module's files are stored as data, one row per version (draft, published, superseded,
retired); learners finish on the version they started (module_progress.module_version),
quiz attempts and certificates record theirs. An editor may be scoped to languages.

Revision ID: 0010_cms
Revises: 0010_cert
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010_cms"
down_revision: str | None = "0010_cert"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VERSIONED = ("module_progress", "quiz_attempt", "certificate")
_SCOPED = ("role_grant", "role_invite")


def upgrade() -> None:
    op.create_table(
        "module_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("from_files", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["learner.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["published_by"], ["learner.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("module_id", "number"),
    )
    op.create_index("ix_module_version_module_id", "module_version", ["module_id"])
    # Not in batch mode: SQLite adds a column in place, while a batch would rebuild the
    # tables under the reporting views that read them.
    for table in _VERSIONED:
        op.add_column(table, sa.Column("module_version", sa.Integer(), nullable=True))
    for table in _SCOPED:
        op.add_column(table, sa.Column("languages", sa.String(length=100), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) and PostgreSQL drop a column in place.
    for table in _SCOPED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN languages")
    for table in _VERSIONED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN module_version")
    op.drop_index("ix_module_version_module_id", table_name="module_version")
    op.drop_table("module_version")
