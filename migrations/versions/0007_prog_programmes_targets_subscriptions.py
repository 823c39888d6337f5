"""programmes, targets, scheduled reports: sessions get a programme, coordinators a
programme limit; every session there is goes to a default programme

Revision ID: 0007_prog
Revises: 0007_ind
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op


revision: str = '0007_prog'
down_revision: str | None = '0007_mech'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_NAME = "Default programme"


def upgrade() -> None:
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('donor', sa.String(length=200), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('countries', sa.String(length=100), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('programme_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'module_id')
    )
    op.create_index('ix_programme_module_programme_id', 'programme_module', ['programme_id'], unique=False)
    op.create_table('report_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'frequency')
    )
    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=32), nullable=False),
    sa.Column('country', sa.String(length=12), nullable=False),
    sa.Column('counts_from', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'indicator', 'country', 'due_on')
    )
    op.create_index('ix_target_programme_id', 'target', ['programme_id'], unique=False)
    op.create_table('report_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['report_subscription.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'period_start')
    )
    # Plain ALTERs, also on SQLite: rebuilding these tables (batch mode) would drop them
    # first, and with foreign keys on that deletes what refers to them.
    op.add_column('role_grant', sa.Column('programmes', sa.String(length=200), nullable=True))
    op.add_column('role_invite', sa.Column('programmes', sa.String(length=200), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a reference only with the column (NULL by default: allowed).
        op.execute(
            'ALTER TABLE training_session ADD COLUMN programme_id INTEGER REFERENCES programme (id)'
        )
    else:
        op.add_column('training_session', sa.Column('programme_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'fk_training_session_programme', 'training_session', 'programme', ['programme_id'], ['id']
        )
    op.create_index('ix_training_session_programme_id', 'training_session', ['programme_id'], unique=False)
    _default_programme()


def _default_programme() -> None:
    """Every session there is goes to one default programme, from the day of the first
    session (or today) to the end of the year after the last one (or after today)."""
    bind = op.get_bind()
    today = datetime.now(UTC).date()
    first, last = bind.execute(
        sa.text('SELECT MIN(starts_at), MAX(starts_at) FROM training_session')
    ).one()

    def day(value: object) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        return datetime.fromisoformat(str(value)).date()

    starts_on = min(day(first) or today, today)
    ends_on = date(max(day(last) or today, today).year + 1, 12, 31)
    programme = sa.table(
        'programme',
        sa.column('name', sa.String),
        sa.column('starts_on', sa.Date),
        sa.column('ends_on', sa.Date),
        sa.column('is_default', sa.Boolean),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    bind.execute(
        programme.insert().values(
            name=DEFAULT_NAME,
            starts_on=starts_on,
            ends_on=ends_on,
            is_default=True,
            created_at=datetime.now(UTC),
        )
    )
    bind.execute(
        sa.text(
            'UPDATE training_session SET programme_id = '
            '(SELECT id FROM programme WHERE is_default = :yes) WHERE programme_id IS NULL'
        ),
        {'yes': True},
    )


def downgrade() -> None:
    op.drop_index('ix_training_session_programme_id', table_name='training_session')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE training_session DROP COLUMN programme_id')
    else:
        op.drop_constraint('fk_training_session_programme', 'training_session', type_='foreignkey')
        op.drop_column('training_session', 'programme_id')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE role_invite DROP COLUMN programmes')
        op.execute('ALTER TABLE role_grant DROP COLUMN programmes')
    else:
        op.drop_column('role_invite', 'programmes')
        op.drop_column('role_grant', 'programmes')
    op.drop_table('report_delivery')
    op.drop_index('ix_target_programme_id', table_name='target')
    op.drop_table('target')
    op.drop_table('report_subscription')
    op.drop_index('ix_programme_module_programme_id', table_name='programme_module')
    op.drop_table('programme_module')
    op.drop_table('programme')
