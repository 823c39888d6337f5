"""Deep links: ``https://t.me/<bot>?start=<prefix>_<code>``, one small codec.

Telegram hands the part after ``start=`` to ``/start`` as its argument (at most 64
characters of letters, digits, ``_`` and ``-``). A link is a typed value with a prefix and
one code; decoding accepts only a known prefix and a code of the allowed shape, anything
else decodes to ``None``. ``bot.app`` routes each kind of link to the feature that opens it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

MAX_PAYLOAD = 64
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


@dataclass(frozen=True)
class DeepLink:
    prefix: ClassVar[str]
    public: ClassVar[bool] = False
    """Opened for anyone, before onboarding, with nothing stored about who opens it
    (``bot.app.PUBLIC_LINKS``); the others are opened once the person is onboarded."""
    _registry: ClassVar[dict[str, type[DeepLink]]] = {}

    code: str

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.prefix in DeepLink._registry:
            raise TypeError(f"deep-link prefix {cls.prefix!r} is used twice")
        if "_" in cls.prefix:
            raise TypeError(f"deep-link prefix {cls.prefix!r} may not hold '_'")
        DeepLink._registry[cls.prefix] = cls

    def payload(self) -> str:
        """What follows ``start=``."""
        text = f"{self.prefix}_{self.code}"
        if not _CODE.match(self.code) or len(text) > MAX_PAYLOAD:
            raise ValueError(f"{type(self).__name__} cannot carry {self.code!r}")
        return text

    def url(self, bot_username: str | None) -> str:
        return f"https://t.me/{bot_username}?start={self.payload()}"

    @classmethod
    def decode(cls, payload: object) -> Self | None:
        """``cls`` for a payload of its prefix, else None."""
        link = parse(payload)
        return link if isinstance(link, cls) else None


def parse(payload: object) -> DeepLink | None:
    """The link a ``/start`` argument stands for, of any known kind, or None."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD:
        return None
    prefix, separator, code = payload.partition("_")
    kind = DeepLink._registry.get(prefix)
    if kind is None or not separator or not _CODE.match(code):
        return None
    return kind(code)


@dataclass(frozen=True)
class SessionInviteLink(DeepLink):
    """Registers whoever opens it for a training session (onboarding first if new)."""

    prefix = "s"


@dataclass(frozen=True)
class RoleInviteLink(DeepLink):
    """A one-time link that gives a role."""

    prefix = "r"


@dataclass(frozen=True)
class CheckinLink(DeepLink):
    """The trainer's check-in QR code: ``<session id>-<minute>-<token>``; checks in whoever
    opens it while it is fresh (onboarding first if new). Build it with :meth:`of`."""

    prefix = "c"

    @classmethod
    def of(cls, session_id: int, minute: int, token: str) -> CheckinLink:
        return cls(f"{session_id}-{minute}-{token}")

    def parts(self) -> tuple[int, int, str] | None:
        """(session id, minute, token), or None for a code of another shape."""
        session, _, rest = self.code.partition("-")
        minute, _, token = rest.partition("-")
        if not (session.isdigit() and minute.isdigit() and token.isalnum()):
            return None
        if len(session) > 12 or len(minute) > 12:
            return None
        return int(session), int(minute), token


@dataclass(frozen=True)
class VerifyLink(DeepLink):
    """A certificate's verification link (its QR code): ``v_<code>``, the code as stored
    (ungrouped). Anyone may open it, new to the bot or not."""

    prefix = "v"
    public = True
