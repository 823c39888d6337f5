from __future__ import annotations

import pytest

from bot import callbacks as cb


def test_round_trip_of_every_kind():
    values = [
        cb.PickLanguage("sr-Cyrl", True),
        cb.AnswerConsent(False),
        cb.AnswerProfile("country", "XK"),
        cb.ShowCard("passwords-2fa", 6),
        cb.StartQuiz("eu-accession", "pre"),
        cb.AnswerQuestion("eu-accession", "post", 123456789, 7, 6, "d"),
        cb.ConfirmForget(True),
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
    assert cb.ShowCard.decode(data) is None or data == "mod:eu-accession"
    assert cb.PickLanguage.decode(data) is None


def test_values_that_would_not_fit_are_refused_when_encoding():
    with pytest.raises(ValueError, match="cannot be encoded"):
        cb.ShowCard("a:b", 1).encode()
    with pytest.raises(ValueError, match="cannot be encoded"):
        cb.ShowCard("x" * 30, 1).encode()
