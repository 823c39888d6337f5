"""translation status: machine-drafted, translated or reviewed, per module, language and text

Each row holds the fingerprint of the English text the translation was made from, so that a
change of the English marks the translation as needing review.

Revision ID: 0010_po
Revises: 0010_inbox
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_po'
down_revision: str | None = '0010_inbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('translation_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=24), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('source_hash', sa.String(length=16), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['learner.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('module_id', 'language', 'key')
    )
    op.create_index(
        'ix_translation_status_module_id', 'translation_status', ['module_id']
    )


def downgrade() -> None:
    op.drop_index('ix_translation_status_module_id', table_name='translation_status')
    op.drop_table('translation_status')
