"""When check-in may be open, and the rotating code it shows.

The trainer opens check-in for a session between 30 minutes before its start and 30
minutes after its end. The bot then shows a 5-character code that changes every minute;
it is derived (HMAC-SHA256) from the session's secret and the minute number, so nothing
has to be stored per minute and every bot process computes the same code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from bot.models import TrainingSession
from bot.services.codes import typed_code

WINDOW_BEFORE = timedelta(minutes=30)
"""Check-in opens at most this long before the start ..."""
WINDOW_AFTER = timedelta(minutes=30)
"""... and closes at the latest this long after the end."""

CODE_ALPHABET = "0123456789ACDEFGHJKMNPQRTUVWXY"
"""The one alphabet of typed check-in codes: digits and the letters that look like no digit.
The letters that do (O, I, L, S, B, Z) are never shown; typed, they are read as the digit
they look like (:data:`CODE_LOOKALIKES`), so any reading of a shown code is the right one."""
CODE_LOOKALIKES = str.maketrans("OILSBZ", "011582")
CODE_LENGTH = 5
LINK_TOKEN_LENGTH = 16
"""Characters of the QR link's token (base32: 80 bits, not to be guessed)."""
LINK_VALID_MINUTES = 5
"""How long a QR link stays good after its minute: time to open the bot (and, for someone
new, to choose a language and consent) after scanning; a photo of the code sent out of the
room is useless soon after."""
EXPIRED_LOOKBACK_MINUTES = 120
"""How far back a code is still recognised, to answer "expired" rather than "wrong"."""


def window(training: TrainingSession) -> tuple[datetime, datetime]:
    """From 30 minutes before the start until 30 minutes after the end, both included."""
    return training.starts_at - WINDOW_BEFORE, training.ends_at + WINDOW_AFTER


def in_window(training: TrainingSession, now: datetime) -> bool:
    opens, closes = window(training)
    return opens <= now <= closes


def is_open(training: TrainingSession, now: datetime) -> bool:
    """Check-in was opened, not closed, and the session is neither cancelled nor over."""
    return (
        training.checkin_opened_at is not None
        and training.checkin_closed_at is None
        and training.cancelled_at is None
        and in_window(training, now)
    )


def minute_of(now: datetime) -> int:
    """The minute number: floor(unix seconds / 60)."""
    return int(now.timestamp()) // 60


def minute_start(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def code_for_minute(secret: str, minute: int) -> str:
    digest = hmac.new(secret.encode(), str(minute).encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    chars: list[str] = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def current_code(training: TrainingSession, now: datetime) -> str:
    return code_for_minute(training.checkin_secret, minute_of(now))


def normalise_code(text: str) -> str:
    """What someone typed, as a code of :data:`CODE_ALPHABET` would read: see
    :func:`bot.services.codes.typed_code` (case, spaces, Cyrillic look-alikes), then the
    letters that look like a digit read as that digit."""
    return typed_code(text).translate(CODE_LOOKALIKES)


def link_token(training: TrainingSession, minute: int) -> str:
    """The QR link's token of ``minute``: an HMAC of the session's secret (apart from the
    typed codes'), so it can be neither guessed nor derived from a typed code."""
    message = f"qr:{training.id}:{minute}".encode()
    digest = hmac.new(training.checkin_secret.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:LINK_TOKEN_LENGTH]


def link_token_valid(training: TrainingSession, minute: int, token: str) -> bool:
    return hmac.compare_digest(link_token(training, minute), token)


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(char in CODE_ALPHABET for char in code)


def code_age(training: TrainingSession, code: str, now: datetime) -> int | None:
    """How many minutes old ``code`` is for this session (0 = current), or None if it is not
    one of its codes since check-in opened (at most two hours back)."""
    current = minute_of(now)
    oldest = current - EXPIRED_LOOKBACK_MINUTES
    if training.checkin_opened_at is not None:
        oldest = max(oldest, minute_of(training.checkin_opened_at) - 1)
    for age, minute in enumerate(range(current, oldest - 1, -1)):
        if hmac.compare_digest(code_for_minute(training.checkin_secret, minute), code):
            return age
    return None
