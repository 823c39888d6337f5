"""problem reports, study nudges and spaced review

Revision ID: 0007_learn2
Revises: 0007_mech
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_learn2'
# Branched from mech's 0007 (on 0006_intake); the lead re-chains at merge.
down_revision: str | None = '0007_exp'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('problem_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=24), nullable=False),
    sa.Column('item_kind', sa.String(length=8), nullable=False),
    sa.Column('item_id', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('content_version', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    _when('created_at'),
    sa.Column('answer', sa.String(length=1000), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    _when('answered_at', nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    _when('closed_at', nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['answered_by'], ['learner.id']),
    sa.ForeignKeyConstraint(['closed_by'], ['learner.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_problem_report_learner_id', 'problem_report', ['learner_id'])
    op.create_index('ix_problem_report_module_id', 'problem_report', ['module_id'])
    op.create_index('ix_problem_report_status', 'problem_report', ['status'])
    op.create_table('nudge_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=8), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('minute_of_day', sa.Integer(), nullable=False),
    sa.Column('zone', sa.String(length=40), nullable=False),
    _when('created_at'),
    _when('stopped_at', nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id')
    )
    op.create_table('nudge_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    _when('due_at'),
    sa.Column('status', sa.String(length=12), nullable=False),
    _when('created_at'),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'due_at')
    )
    op.create_table('review_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=24), nullable=False),
    sa.Column('question_id', sa.String(length=40), nullable=False),
    _when('due_at'),
    _when('created_at'),
    _when('answered_at', nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_review_item_learner_id', 'review_item', ['learner_id'])


def downgrade() -> None:
    op.drop_index('ix_review_item_learner_id', table_name='review_item')
    op.drop_table('review_item')
    op.drop_table('nudge_delivery')
    op.drop_table('nudge_plan')
    op.drop_index('ix_problem_report_status', table_name='problem_report')
    op.drop_index('ix_problem_report_module_id', table_name='problem_report')
    op.drop_index('ix_problem_report_learner_id', table_name='problem_report')
    op.drop_table('problem_report')
