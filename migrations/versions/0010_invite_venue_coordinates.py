"""venue coordinates: training_session.venue_latitude, venue_longitude

A session's venue may be set on the map (the trainer sends a Telegram location or types
"42.44, 19.26" from the session's screen); registered people then get it as a map pin next
to the calendar file. Both columns are empty for online sessions and for venues not set.

Revision ID: 0010_invite
Revises: 0009_day1
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_invite'
down_revision: str | None = "0009_day1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds a column in place, while a batch would rebuild the table
    # under the reporting views that read it.
    op.add_column('training_session', sa.Column('venue_latitude', sa.Float(), nullable=True))
    op.add_column('training_session', sa.Column('venue_longitude', sa.Float(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) and PostgreSQL drop a column in place; no view reads these.
    op.execute('ALTER TABLE training_session DROP COLUMN venue_longitude')
    op.execute('ALTER TABLE training_session DROP COLUMN venue_latitude')
