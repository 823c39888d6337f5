"""The buttons of the lessons and the quizzes (a card offers the quiz, a result the lessons)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.handlers.common.callback_data import CallbackData
from bot.models import QuizKind


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
    kind: QuizKind


@dataclass(frozen=True)
class AnswerQuestion(CallbackData):
    """An answer to question ``index`` of ``attempt``: ``option`` is the option's id, not the
    letter it was shown under (the letters follow the attempt's shuffled order).

    For a learner without consent nothing is stored, so ``attempt`` is the seed of the
    unstored attempt's form and the running score travels in ``correct``; for everyone else
    ``attempt`` is the stored attempt, the truth, and ``correct`` is 0 and ignored. (The
    fields are those of the buttons sent before options were shuffled: those still decode.)
    """

    prefix = "ans"
    module: str
    kind: QuizKind
    attempt: int
    index: int
    correct: int
    option: str
