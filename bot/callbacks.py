"""Button data: one small typed codec, at most 64 bytes, checked on the way in.

Every button's ``callback_data`` is ``<prefix>:<field>:<field>...``. Decoding
accepts only a known prefix with the right number of fields, each of the right
type and shape; anything else (stale, forged, oversized) decodes to ``None``.
Decoding says nothing about permission: every handler re-checks who may do what.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import ClassVar, Self, TypeVar, get_type_hints

MAX_BYTES = 64
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,24}$")
_INT = re.compile(r"^(0|[1-9][0-9]{0,11})$")
MAX_INT = 2**31 - 1
"""The largest number a field carries: ids and counters are PostgreSQL ``integer`` columns,
and a bigger (forged) one would make the query fail instead of finding nothing."""


class CallbackData:
    prefix: ClassVar[str]
    _registry: ClassVar[dict[str, type[CallbackData]]] = {}
    _shapes: ClassVar[dict[type[CallbackData], tuple[tuple[str, object], ...]]] = {}
    """Each class's fields and their types, worked out once (on every tap it was the codec's
    biggest cost)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.prefix in CallbackData._registry:
            raise TypeError(f"callback prefix {cls.prefix!r} is used twice")
        CallbackData._registry[cls.prefix] = cls

    def encode(self) -> str:
        parts = [self.prefix]
        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, item.name)
            if isinstance(value, bool):
                parts.append("1" if value else "0")
            else:
                text = str(value)
                if not (_INT if isinstance(value, int) else _TOKEN).match(text):
                    raise ValueError(
                        f"{type(self).__name__}.{item.name}={text!r} cannot be encoded"
                    )
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
        for (name, kind), text in zip(shape, parts, strict=True):
            if kind is bool:
                if text not in ("0", "1"):
                    return None
                values[name] = text == "1"
            elif kind is int:
                if not _INT.match(text) or int(text) > MAX_INT:
                    return None
                values[name] = int(text)
            else:
                if not _TOKEN.match(text):
                    return None
                values[name] = text
        return cls(**values)

    @classmethod
    def _shape(cls) -> tuple[tuple[str, object], ...]:
        shape = CallbackData._shapes.get(cls)
        if shape is None:
            hints = get_type_hints(cls)
            shape = tuple(
                (item.name, hints[item.name])
                for item in dataclasses.fields(cls)  # type: ignore[arg-type]
            )
            CallbackData._shapes[cls] = shape
        return shape

    @classmethod
    def pattern(cls) -> str:
        """For PTB's CallbackQueryHandler: route by prefix, validate in the handler."""
        return f"^{re.escape(cls.prefix)}(:|$)"


Data = TypeVar("Data", bound=CallbackData)


@dataclass(frozen=True)
class PickLanguage(CallbackData):
    prefix = "lang"
    code: str
    onboarding: bool


@dataclass(frozen=True)
class AnswerConsent(CallbackData):
    prefix = "consent"
    given: bool


@dataclass(frozen=True)
class AnswerProfile(CallbackData):
    """One profile answer; ``value`` is checked against the field's choices in the service."""

    prefix = "prof"
    field: str
    value: str


@dataclass(frozen=True)
class OpenMenu(CallbackData):
    prefix = "menu"
    target: str


@dataclass(frozen=True)
class OpenModule(CallbackData):
    prefix = "mod"
    module: str


@dataclass(frozen=True)
class ShowCard(CallbackData):
    """Navigation carries the card index, so a button still works after a restart."""

    prefix = "card"
    module: str
    index: int


@dataclass(frozen=True)
class StartQuiz(CallbackData):
    prefix = "quiz"
    module: str
    kind: str


@dataclass(frozen=True)
class AnswerQuestion(CallbackData):
    """An answer to question ``index`` of ``attempt``.

    For a learner without consent nothing is stored, so ``attempt`` is 0 and
    the running score travels in ``correct``; for everyone else the stored
    attempt is the truth and ``correct`` is ignored.
    """

    prefix = "ans"
    module: str
    kind: str
    attempt: int
    index: int
    correct: int
    option: str


@dataclass(frozen=True)
class ConfirmForget(CallbackData):
    prefix = "forget"
    confirmed: bool


@dataclass(frozen=True)
class ChangeConsent(CallbackData):
    prefix = "privacy"
    action: str
