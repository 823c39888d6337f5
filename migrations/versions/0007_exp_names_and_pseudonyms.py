"""names and person ids: the name consent, the pseudonymous person id of the exports

Revision ID: 0007_exp
Revises: 0006_intake
Create Date: 2026-12-07
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_exp'
down_revision: str | None = '0007_prog'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _pseudonym() -> str:
    """As ``bot.models.new_pseudonym`` (copied: a migration keeps working when the code moves)."""
    return "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy on SQLite: the reporting views read this table).
    op.add_column('learner', sa.Column('name_consent', sa.Boolean(), nullable=True))
    op.add_column(
        'learner', sa.Column('name_consent_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column('learner', sa.Column('pseudonym', sa.String(length=12), nullable=True))
    learner = sa.table('learner', sa.column('id', sa.Integer), sa.column('pseudonym', sa.String))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.select(learner.c.id))]
    given: set[str] = set()
    for learner_id in ids:
        value = _pseudonym()
        while value in given:
            value = _pseudonym()
        given.add(value)
        connection.execute(
            sa.update(learner).where(learner.c.id == learner_id).values(pseudonym=value)
        )
    op.create_index('ix_learner_pseudonym', 'learner', ['pseudonym'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_learner_pseudonym', table_name='learner')
    # ALTER TABLE … DROP COLUMN: PostgreSQL, and SQLite since 3.35 (no table copy).
    for column in ('pseudonym', 'name_consent_at', 'name_consent'):
        op.execute(f'ALTER TABLE learner DROP COLUMN {column}')
