"""Button data: one small typed codec, at most 64 bytes, checked on the way in.

Every button's ``callback_data`` is ``<prefix>:<field>:<field>...``. Decoding accepts only a
known prefix with the right number of fields, each of the right type and shape, and anything
else (stale, forged, oversized) decodes to ``None``. The field types say what is allowed:

- ``int``: 0 to :data:`MAX_INT`; ``Annotated[int, Between(1, 5)]`` narrows it;
- ``bool``: ``0`` or ``1``;
- a ``StrEnum``: one of its values, nothing else;
- ``str``: a token of letters, digits, ``_`` and ``-`` (at most 24).

Decoding says nothing about permission: the declaration of the button's handler
(``bot.handlers.common.entry.on_button``) checks who may press it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, ClassVar, Self, TypeVar, get_args, get_origin, get_type_hints

from bot.models import MAX_ID
from bot.services.session_state import TrainingUse

MAX_BYTES = 64
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,24}$")
_INT = re.compile(r"^(0|[1-9][0-9]{0,11})$")
MAX_INT = MAX_ID
"""The largest number a field carries: ids and counters are PostgreSQL ``integer`` columns,
and a bigger (forged) one would make the query fail instead of finding nothing."""


def whole_number(text: str, low: int = 0, high: int = MAX_INT) -> int | None:
    """A number carried in a ``str`` field (a field that holds a number or a word), checked
    like an ``int`` field: digits only, within ``low..high``; else None."""
    if not _INT.match(text) or not low <= int(text) <= high:
        return None
    return int(text)


@dataclass(frozen=True)
class Between:
    """``Annotated[int, Between(low, high)]``: an int field that accepts only low..high."""

    low: int
    high: int


@dataclass(frozen=True)
class _Field:
    name: str
    kind: type
    low: int = 0
    high: int = MAX_INT


@dataclass(frozen=True)
class AboutTraining:
    """What a button says about its training session, for the one check of outdated taps."""

    session_id: int
    use: TrainingUse
    shown_version: int | None = None
    """The session's version when the button was shown, where the button carries it."""


class CallbackData:
    prefix: ClassVar[str]
    training_use: ClassVar[TrainingUse | None] = None
    """Set on a button about a training session (with a ``session_id`` field): what it does
    with it. A tap on such a button once the session no longer fits that use (cancelled,
    started, over, moved) is answered with what is true now and loses its keyboard, by the
    declaration (``bot.handlers.common.entry``) before the feature runs."""
    _registry: ClassVar[dict[str, type[CallbackData]]] = {}
    _shapes: ClassVar[dict[type[CallbackData], tuple[_Field, ...]]] = {}
    """Each class's fields and their types, worked out once (on every tap it was the codec's
    biggest cost)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.prefix in CallbackData._registry:
            raise TypeError(f"callback prefix {cls.prefix!r} is used twice")
        CallbackData._registry[cls.prefix] = cls

    @classmethod
    def registered(cls) -> dict[str, type[CallbackData]]:
        """Every button data class, by prefix (for the authorisation test)."""
        return dict(CallbackData._registry)

    def about_training(self) -> AboutTraining | None:
        """The session this button is about and what it does with it (None: not checked)."""
        session_id = getattr(self, "session_id", None)
        if self.training_use is None or not isinstance(session_id, int):
            return None
        version = getattr(self, "version", None)
        return AboutTraining(
            session_id, self.training_use, version if isinstance(version, int) else None
        )

    def encode(self) -> str:
        parts = [self.prefix]
        for field in self._shape():
            value = getattr(self, field.name)
            if field.kind is bool:
                parts.append("1" if value else "0")
                continue
            text = value.value if isinstance(value, StrEnum) else str(value)
            ok = (
                field.low <= value <= field.high
                if field.kind is int
                else bool(_TOKEN.match(text))
                and (not issubclass(field.kind, StrEnum) or isinstance(value, field.kind))
            )
            if not ok:
                raise ValueError(f"{type(self).__name__}.{field.name}={text!r} cannot be encoded")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: object) -> Self | None:
        """The typed value, or None when the data is not a valid ``cls``."""
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        prefix, _, rest = data.partition(":")
        if prefix != cls.prefix:
            return None
        shape = cls._shape()
        parts = rest.split(":") if rest else []
        if len(parts) != len(shape):
            return None
        values: dict[str, object] = {}
        for field, text in zip(shape, parts, strict=True):
            if field.kind is bool:
                if text not in ("0", "1"):
                    return None
                values[field.name] = text == "1"
            elif field.kind is int:
                number = whole_number(text, field.low, field.high)
                if number is None:
                    return None
                values[field.name] = number
            elif issubclass(field.kind, StrEnum):
                try:
                    values[field.name] = field.kind(text)
                except ValueError:
                    return None
            else:
                if not _TOKEN.match(text):
                    return None
                values[field.name] = text
        return cls(**values)

    @classmethod
    def _shape(cls) -> tuple[_Field, ...]:
        shape = CallbackData._shapes.get(cls)
        if shape is None:
            hints = get_type_hints(cls, include_extras=True)
            shape = tuple(
                _field(item.name, hints[item.name])
                for item in dataclasses.fields(cls)  # type: ignore[arg-type]
            )
            CallbackData._shapes[cls] = shape
        return shape

    @classmethod
    def pattern(cls) -> str:
        """For PTB's CallbackQueryHandler: route by prefix, validate in the handler."""
        return f"^{re.escape(cls.prefix)}(:|$)"


def _field(name: str, hint: object) -> _Field:
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        bounds = [extra for extra in extras if isinstance(extra, Between)]
        if base is not int or len(bounds) != 1:
            raise TypeError(f"field {name}: only Annotated[int, Between(low, high)] is known")
        return _Field(name, int, max(0, bounds[0].low), min(MAX_INT, bounds[0].high))
    if hint in (int, bool, str) or (isinstance(hint, type) and issubclass(hint, StrEnum)):
        return _Field(name, hint)
    raise TypeError(f"field {name}: {hint!r} cannot be carried by button data")


Data = TypeVar("Data", bound=CallbackData)


class MenuTarget(StrEnum):
    LESSONS = "lessons"
    PROGRESS = "progress"
    LANGUAGE = "language"


@dataclass(frozen=True)
class OpenMenu(CallbackData):
    """A button of the main menu; "« All lessons" under the lessons and quizzes too."""

    prefix = "menu"
    target: MenuTarget


class ConsentAction(StrEnum):
    GIVE = "give"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class ChangeConsent(CallbackData):
    """Under the privacy notice (``/privacy``, and when registering needs consent)."""

    prefix = "privacy"
    action: ConsentAction


@dataclass(frozen=True)
class ReadNotice(CallbackData):
    """Under the short privacy notice (onboarding, ``/privacy``, consent to register): the
    full notice, as a new message (``bot.handlers.privacy_notice``)."""

    prefix = "notice"
