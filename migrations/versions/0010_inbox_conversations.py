"""a person behind the bot: inbox conversations and messages, groups answered once

Revision ID: 0010_inbox
Revises: 0010_invite
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_inbox'
down_revision: str | None = '0010_invite'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('inbox_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    _when('opened_at'),
    _when('last_at'),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    _when('closed_at', nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainer_id'], ['learner.id']),
    sa.ForeignKeyConstraint(['closed_by'], ['learner.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_inbox_conversation_learner_id', 'inbox_conversation', ['learner_id'])
    op.create_index('ix_inbox_conversation_trainer_id', 'inbox_conversation', ['trainer_id'])
    op.create_index('ix_inbox_conversation_status', 'inbox_conversation', ['status'])
    op.create_table('inbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    _when('at'),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(
        ['conversation_id'], ['inbox_conversation.id'], ondelete='CASCADE'
    ),
    sa.ForeignKeyConstraint(['author_id'], ['learner.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_inbox_message_learner_id', 'inbox_message', ['learner_id'])
    op.create_index('ix_inbox_message_conversation_id', 'inbox_message', ['conversation_id'])
    op.create_table('group_greeting',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    _when('greeted_at'),
    sa.PrimaryKeyConstraint('chat_id')
    )


def downgrade() -> None:
    op.drop_table('group_greeting')
    op.drop_index('ix_inbox_message_conversation_id', table_name='inbox_message')
    op.drop_index('ix_inbox_message_learner_id', table_name='inbox_message')
    op.drop_table('inbox_message')
    op.drop_index('ix_inbox_conversation_status', table_name='inbox_conversation')
    op.drop_index('ix_inbox_conversation_trainer_id', table_name='inbox_conversation')
    op.drop_index('ix_inbox_conversation_learner_id', table_name='inbox_conversation')
    op.drop_table('inbox_conversation')
