"""parallel forms: the questions and option order of an attempt, the objective of an answer,
the cards a learner has seen

Revision ID: 0007_mech
Revises: 0006_intake
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_mech'
down_revision: str | None = "0007_ind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (no batch copy): SQLite (3.35+) adds and drops these columns in place,
# and a table copy would break the reporting views that read these tables.


def upgrade() -> None:
    op.add_column('quiz_attempt', sa.Column('form', sa.Text(), nullable=True))
    op.add_column('quiz_answer', sa.Column('objective', sa.String(length=40), nullable=True))
    op.add_column('module_progress', sa.Column('cards_seen', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('module_progress', 'cards_seen')
    op.drop_column('quiz_answer', 'objective')
    op.drop_column('quiz_attempt', 'form')
