"""walk-in registrations: registration.walk_in

Someone with Telegram who checks in (by the QR code or a typed code) without having
registered is registered on the spot as a walk-in, like the people the trainer adds without
Telegram: the roster marks them, the trainer's reminder counts them apart.

Revision ID: 0009_day1
Revises: 0008_views
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009_day1'
down_revision: str | None = "0008_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds a column in place, while a batch would rebuild the table
    # under the reporting views that read it.
    op.add_column(
        'registration',
        sa.Column('walk_in', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # SQLite (3.35 and later) and PostgreSQL drop a column in place; no view reads this one.
    op.execute('ALTER TABLE registration DROP COLUMN walk_in')
