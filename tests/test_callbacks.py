from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import pytest

from bot.handlers.account import ConfirmForget
from bot.handlers.certificates.data import CertificateName, NameAction
from bot.handlers.common.callback_data import (
    Between,
    CallbackData,
    ChangeConsent,
    ConsentAction,
    MenuTarget,
    OpenMenu,
)
from bot.handlers.common.deep_links import RoleInviteLink, SessionInviteLink, parse
from bot.handlers.learning.data import AnswerQuestion, ShowCard, StartQuiz
from bot.handlers.onboarding import AnswerConsent, AnswerProfile, PickLanguage
from bot.models import QuizKind
from bot.services.learners import ProfileField


def test_round_trip_of_every_kind():
    values = [
        PickLanguage("sr-Cyrl", True),
        AnswerConsent(False),
        AnswerProfile(ProfileField.COUNTRY, "XK"),
        ShowCard("passwords-2fa", 6),
        StartQuiz("eu-accession", QuizKind.PRE),
        AnswerQuestion("eu-accession", QuizKind.POST, 123456789, 7, 6, "d"),
        ConfirmForget(True),
        ChangeConsent(ConsentAction.WITHDRAW),
        OpenMenu(MenuTarget.PROGRESS),
        CertificateName("eu-accession", NameAction.LATER),
    ]
    for value in values:
        data = value.encode()
        assert len(data.encode()) <= 64
        assert type(value).decode(data) == value


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "card",
        "card:eu-accession",
        "card:eu-accession:3:extra",
        "card:eu-accession:-1",
        "card:eu-accession:03",
        "card:eu accession:1",
        "card:<script>:1",
        "quiz:eu-accession:pre:" + "x" * 60,
        "lang:sq:2",
        "card:" + "a" * 25 + ":1",
        "mod:eu-accession",
    ],
)
def test_forged_or_stale_data_decodes_to_none(data):
    assert ShowCard.decode(data) is None or data == "mod:eu-accession"
    assert PickLanguage.decode(data) is None


def test_buttons_already_in_peoples_chats_still_decode():
    sent_before = {
        "quiz:eu-accession:pre": StartQuiz("eu-accession", QuizKind.PRE),
        "ans:eu-accession:post:12:3:2:b": AnswerQuestion(
            "eu-accession", QuizKind.POST, 12, 3, 2, "b"
        ),
        "prof:special-consent:yes": AnswerProfile(ProfileField.SPECIAL_CONSENT, "yes"),
        "menu:language": OpenMenu(MenuTarget.LANGUAGE),
        "cn:passwords-2fa:make": CertificateName("passwords-2fa", NameAction.MAKE),
    }
    for data, value in sent_before.items():
        assert type(value).decode(data) == value
        assert value.encode() == data


@pytest.mark.parametrize(
    ("codec", "data"),
    [
        (StartQuiz, "quiz:eu-accession:mid"),
        (AnswerQuestion, "ans:eu-accession:final:1:0:0:a"),
        (AnswerProfile, "prof:criminal-record:yes"),
        (OpenMenu, "menu:settings"),
        (CertificateName, "cn:passwords-2fa:maybe"),
    ],
)
def test_a_value_outside_a_fields_choices_decodes_to_none(codec: type[CallbackData], data: str):
    assert codec.decode(data) is None


def test_values_that_would_not_fit_are_refused_when_encoding():
    with pytest.raises(ValueError, match="cannot be encoded"):
        ShowCard("a:b", 1).encode()
    with pytest.raises(ValueError, match="cannot be encoded"):
        ShowCard("x" * 30, 1).encode()


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Rated(CallbackData):
    prefix = "test-rated"
    colour: Colour
    stars: Annotated[int, Between(1, 5)]


def test_enum_and_bounded_fields_accept_only_their_values():
    assert Rated.decode("test-rated:red:5") == Rated(Colour.RED, 5)
    assert isinstance(Rated.decode("test-rated:blue:1").colour, Colour)  # type: ignore[union-attr]
    for forged in (
        "test-rated:green:3",
        "test-rated:red:0",
        "test-rated:red:6",
        "test-rated:RED:3",
    ):
        assert Rated.decode(forged) is None, forged
    with pytest.raises(ValueError, match="cannot be encoded"):
        Rated(Colour.RED, 9).encode()
    with pytest.raises(ValueError, match="cannot be encoded"):
        Rated("green", 3).encode()  # type: ignore[arg-type]


def test_a_field_of_a_type_the_codec_cannot_check_is_refused():
    @dataclass(frozen=True)
    class Floating(CallbackData):
        prefix = "test-float"
        value: float

    with pytest.raises(TypeError, match="cannot be carried"):
        Floating(1.5).encode()


def test_deep_links_round_trip_and_refuse_what_they_do_not_know():
    assert SessionInviteLink("K7Q2M9").payload() == "s_K7Q2M9"
    assert (
        RoleInviteLink("a_b-c").url("kapacitet_bot") == "https://t.me/kapacitet_bot?start=r_a_b-c"
    )
    assert parse("s_K7Q2M9") == SessionInviteLink("K7Q2M9")
    assert parse("r_a_b-c") == RoleInviteLink("a_b-c")
    assert SessionInviteLink.decode("r_abc") is None
    for forged in (None, "", "s_", "s", "x_abc", "s_ab cd", "s_" + "a" * 70, "s_<b>"):
        assert parse(forged) is None, forged
