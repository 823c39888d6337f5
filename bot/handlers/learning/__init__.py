"""Learning: the lessons (``/lessons``, a module, its cards) and the quizzes that go with
them. The two are one feature: a card offers the quiz, a quiz result the lessons."""

from __future__ import annotations

from bot.handlers.common.entry import Handlers
from bot.handlers.learning import lessons, quizzes

HANDLERS: Handlers = (*lessons.HANDLERS, *quizzes.HANDLERS)
