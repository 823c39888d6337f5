"""What the fuzzer does to the running bot: people, actions and the strategies that draw them.

An action names a person by role and carries only plain, drawn values; anything that only
exists at run time (an invitation link, the check-in code, the buttons the bot last showed)
is looked up when the action runs (:class:`tests.support.fuzz_world.World`), so that a
failing example can be replayed and shrunk.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import get_type_hints

from hypothesis import strategies as st

from bot.handlers.common.callback_data import MAX_BYTES, CallbackData
from bot.handlers.common.menus import (
    ADMIN_COMMANDS,
    COORDINATOR_COMMANDS,
    EDITOR_COMMANDS,
    LEARNER_COMMANDS,
    TRAINER_COMMANDS,
)

# Importing the handlers registers every button codec in CallbackData._registry.
from bot import app as _app  # noqa: F401  isort: skip

NEWCOMER, LEARNER, DECLINED, TRAINER, COORDINATOR, ADMIN = (
    "newcomer",
    "learner",
    "declined",
    "trainer",
    "coordinator",
    "admin",
)
PEOPLE = (NEWCOMER, LEARNER, DECLINED, TRAINER, COORDINATOR, ADMIN)
"""Someone who never wrote; an onboarded learner (consent given); one who declined consent;
a trainer and a coordinator (both through an admin's invitation link); an admin from the
settings."""

COMMANDS = tuple(
    dict.fromkeys(
        name
        for name, _ in (
            *LEARNER_COMMANDS,
            *TRAINER_COMMANDS,
            *COORDINATOR_COMMANDS,
            *ADMIN_COMMANDS,
            *EDITOR_COMMANDS,
        )
    )
)
ROLE_LINK = re.compile(r"\?start=(r_[A-Za-z0-9_-]+)")
SESSION_LINK = re.compile(r"\?start=(s_[A-Za-z0-9_-]+)")
CHECKIN_CODE = re.compile(r"🔑 ([A-Z0-9]{5})")
BUTTON_TOKENS = re.compile(r"[A-Za-z0-9_-]{1,24}")


# -- values known only at run time ---------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class RoleLink:
    """The payload of the ``pick``-th role invitation link shown to anyone so far."""

    pick: int


@dataclass(frozen=True)
class SessionLink:
    pick: int


@dataclass(frozen=True)
class CheckinCode:
    """The check-in code the trainer's chat shows now (or showed last)."""


@dataclass(frozen=True)
class LocalTime:
    """A date and time as a trainer types it, ``minutes`` from now in the bot's zone."""

    minutes: int


Value = Literal | RoleLink | SessionLink | CheckinCode | LocalTime


# -- actions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    who: str
    name: str
    argument: Value | None = None


@dataclass(frozen=True)
class Text:
    who: str
    text: Value


@dataclass(frozen=True)
class TapShown:
    """A button of the person's last keyboard (``stale``: of any keyboard they were ever
    shown, on the message it was shown on, also when the bot has edited it since)."""

    who: str
    pick: int
    stale: bool = False


@dataclass(frozen=True)
class Wander:
    """A command (if any), then several taps in a row on whatever the person's last keyboard
    shows (``picks`` choose the buttons): a walk through menus, lessons, quizzes and
    conversations."""

    who: str
    command: str | None
    picks: tuple[int, ...]


@dataclass(frozen=True)
class TapForeign:
    """A button shown to someone else, tapped by ``who`` on their own last message."""

    who: str
    pick: int


@dataclass(frozen=True)
class TapMutated:
    """A button shown to anyone, with one field replaced (other ids, other words)."""

    who: str
    pick: int
    position: int
    replacement: str


@dataclass(frozen=True)
class TapForged:
    """Button data in the codec's format for any known prefix, fields drawn by type."""

    who: str
    data: str


@dataclass(frozen=True)
class TapRaw:
    """Anything at all as button data: random text, oversized, near misses."""

    who: str
    data: str
    message_id: int | None = None
    """A message that is not in the chat; None: the person's last bot message."""


@dataclass(frozen=True)
class Odd:
    """Something other than a text or a tap: a shared location, an edited message (its
    text drawn), or a command in a group chat the bot was added to."""

    who: str
    kind: str
    text: str = ""


ODD_KINDS = ("location", "edited", "group")


@dataclass(frozen=True)
class Tick:
    """The clock moves on and the background work runs (reminders, codes, feedback)."""

    minutes: int


@dataclass(frozen=True)
class Block:
    """The person blocks the bot (until they write to it again)."""

    who: str


Action = (
    Command | Text | TapShown | Wander | TapForeign | TapMutated | TapForged | TapRaw | Tick | Block
)


# -- strategies ----------------------------------------------------------------------------------

people = st.sampled_from(PEOPLE)
actors = st.sampled_from((LEARNER, LEARNER, TRAINER, TRAINER, COORDINATOR, *PEOPLE))
"""Who wanders through the menus: mostly those with the most to do."""
picks = st.integers(min_value=0, max_value=3) | st.integers(min_value=0, max_value=1_000)
"""Which button (modulo their number): often one of the first, where "Start" and "Next" are."""
WANDER_STARTS = (
    "lessons",
    "lessons",
    "progress",
    "mysessions",
    "certificates",
    "privacy",
    "newsession",
    "sessions",
    "attendance",
    "announce",
    "export",
    "stats",
    "items",
    "roles",
)

oversized_text = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["x", "Ж", "ë", "🙂", "<b>&amp;", "\u200b"]),
    st.integers(min_value=4_000, max_value=5_000),
)
odd_texts = st.sampled_from(
    [
        "",
        " ",
        "\n\n",
        "\u200b",
        "\u202e",
        "\x00",
        "0",
        "1",
        "5",
        "-1",
        "1000",
        "1001",
        "99999999999999999999",
        "3.5",
        "<b>bold</b>",
        "<script>",
        "&amp; &lt;",
        "{name}",
        "%s %d",
        "https://meet.example.org/room",
        "http://meet.example.org/room",
        "Hotel Park, Skopje",
        "31.02.2027 10:00",
        "29.03.2026 02:30",
        "next Friday",
        "Ana Marković",
        "ЖЖЖ",
        "A" * 121,
        "A" * 1_001,
        "/",
        "//start",
        "/start@kapacitet_bot",
        "/START",
    ]
)
texts: st.SearchStrategy[Value] = st.one_of(
    st.builds(Literal, st.text(max_size=40)),
    st.builds(Literal, odd_texts),
    st.builds(Literal, oversized_text),
    st.builds(LocalTime, st.integers(min_value=-120, max_value=60 * 24 * 400)),
    st.just(CheckinCode()),
    st.builds(RoleLink, picks),
    st.builds(SessionLink, picks),
)
invite_arguments = st.sampled_from(
    [
        "trainer",
        "coordinator",
        "admin",
        "coordinator XK RS",
        'coordinator org:"Civic Lab"',
        "coordinator org:",
        'coordinator org:"unclosed',
        "trainer XK",
        "wizard",
        "coordinator " + "org:" + "x" * 130,
        "coordinator " + " ".join(f'org:"Org {n}"' for n in range(40)),
    ]
)
arguments: st.SearchStrategy[Value | None] = st.one_of(
    st.none(),
    texts,
    st.builds(Literal, invite_arguments),
    st.builds(Literal, st.sampled_from(["r_", "s_", "r_nosuchcode", "s_NOSUCH", "x_y", "s_" * 40])),
)


def _field_values(kind: object) -> st.SearchStrategy[str]:
    if kind is bool:
        return st.sampled_from(["0", "1"])
    if kind is int:
        return st.one_of(
            st.integers(min_value=0, max_value=12).map(str),
            st.integers(min_value=0, max_value=999_999_999_999).map(str),
        )
    return st.one_of(
        st.sampled_from(
            [
                "passwords-2fa",
                "eu-accession",
                "pre",
                "post",
                "a",
                "b",
                "z",
                "en",
                "sr-Cyrl",
                "XK",
                "RS",
                "country",
                "organisation",
                "create",
                "cancel",
                "menu",
                "all",
                "xlsx",
                "csv",
            ]
        ),
        st.from_regex(BUTTON_TOKENS, fullmatch=True),
    )


def _forged_for(codec: type[CallbackData]) -> st.SearchStrategy[str]:
    hints = get_type_hints(codec)
    parts = [_field_values(hints[item.name]) for item in dataclasses.fields(codec)]  # type: ignore[arg-type]
    return st.tuples(*parts).map(lambda values: ":".join((codec.prefix, *values)))


forged_data = st.one_of(
    *(_forged_for(codec) for _, codec in sorted(CallbackData._registry.items()))
)
raw_data = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="latin-1"), min_size=1, max_size=64),
    st.integers(min_value=MAX_BYTES + 1, max_value=300).map(lambda n: "x" * n),
    st.sampled_from(sorted(CallbackData._registry)).map(lambda prefix: f"{prefix}:"),
    st.sampled_from(sorted(CallbackData._registry)).map(lambda prefix: f"{prefix}:1:2:3:4:5:6:7"),
    st.sampled_from(sorted(CallbackData._registry)).map(lambda prefix: f"{prefix}:" + "9" * 60),
    st.sampled_from(sorted(CallbackData._registry)).map(lambda prefix: f"{prefix}:Ж:-1"),
)

commands = st.builds(Command, people, st.sampled_from(COMMANDS), arguments)
typed = st.builds(Text, people, texts)
shown = st.builds(TapShown, people, picks, st.booleans())
wanders = st.builds(
    Wander,
    actors,
    st.none() | st.sampled_from(WANDER_STARTS) | st.sampled_from(COMMANDS),
    st.lists(picks, min_size=2, max_size=25).map(tuple),
)
actions: st.SearchStrategy[Action] = st.one_of(
    # What people mostly do: commands, typing, and tapping what they see (weighted by
    # repetition), then the odd and the hostile.
    commands,
    typed,
    shown,
    wanders,
    commands,
    typed,
    shown,
    wanders,
    wanders,
    st.builds(Command, people, st.sampled_from(["nosuchcommand", "Start", "start"]), arguments),
    st.builds(TapForeign, people, picks),
    st.builds(
        TapMutated, people, picks, st.integers(0, 7), _field_values(int) | _field_values(str)
    ),
    st.builds(TapForged, people, forged_data),
    st.builds(TapRaw, people, raw_data, st.none() | st.integers(min_value=1, max_value=10**6)),
    st.builds(
        Odd,
        people,
        st.sampled_from(ODD_KINDS),
        st.sampled_from(["/start", "/lessons", "/attendance"]) | st.text(max_size=20),
    ),
    st.builds(Tick, st.sampled_from([1, 2, 10, 30, 61, 60 * 3, 60 * 25])),
    st.builds(Block, st.sampled_from(PEOPLE[1:])),
)
