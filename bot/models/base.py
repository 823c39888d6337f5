"""What every table module shares: the id limit and timestamp columns."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.db import UTCDateTime

MAX_ID = 2**31 - 1
"""The largest id (and counter) a row can have: they are PostgreSQL ``integer`` columns, and
a bigger number in a query makes PostgreSQL fail instead of finding nothing."""


def _timestamp(nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(UTCDateTime(), nullable=nullable)
