"""Quizzes: a pre-test before the lessons, a post-test after, retries; one answer per question.

*Parallel forms.* A module's bank holds two questions per learning objective; a quiz asks
one question of each objective (:func:`draw`): of the two, the one this learner saw less
recently (never seen counts as longest ago; a tie is drawn at random). The pre-test therefore
asks one form, the quiz after the lessons the other, and each retake alternates. A module
not yet written in parallel forms has one question per objective: every quiz asks them all.

*Shuffled options.* Each question's options are shuffled for each attempt; the letters A-D
are given after shuffling. The questions asked and their order of options (the attempt's
*form*) are stored with the attempt when it starts, so a restart shows the same, and a button
of an earlier question or attempt is recognised as such.

With consent, the attempt and every answer are stored and the stored attempt decides what
counts: an answer to any question but the current one is stale. Without consent nothing is
stored: the running score and a random ``seed``, from which the form is drawn again on every
answer, travel in the button (the seed where a stored attempt's id goes: the learner's
consent says which it is, so buttons sent before forms existed still decode).

The post-test needs the lessons read (every card seen) for learners whose progress is kept.
"""

from __future__ import annotations

import json
import random
import secrets
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.content.catalogue import Catalogue, Module, Question
from bot.db import utcnow
from bot.models import Learner, QuizAnswer, QuizAttempt, QuizKind
from bot.services import progress
from bot.services.errors import ServiceError
from bot.services.learners import records_allowed

MAX_SEED = 99_999
"""The seed of an unstored attempt's form (it travels in every button of the quiz)."""
_CHECK = 97
"""A seed is ``base x 97 + check``, the check made from the learner, module and kind: a
forged or mistyped seed is refused (all but 1 in 97 of them), not played."""
LETTERS = "ABCD"


class Reason(StrEnum):
    LESSONS_NOT_READ = "lessons-not-read"
    """The quiz after the lessons, before every card was seen."""


class QuizError(ServiceError):
    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


class AnswerOutcome(StrEnum):
    """What became of an answer to a quiz question."""

    ACCEPTED = "accepted"
    STALE = "stale"
    """Not the question being asked now (answered already, or an old message)."""
    FINISHED = "finished"
    """The attempt is over."""
    ABANDONED = "abandoned"
    """The attempt was left unfinished for a newer one."""
    INVALID = "invalid"
    """Not an option of this question, or not this learner's attempt."""


@dataclass(frozen=True)
class Item:
    """A question as one attempt asks it: its options in the order shown (A, B, C, D)."""

    question: Question
    order: tuple[str, ...]

    def letter(self, option: str) -> str:
        return LETTERS[self.order.index(option)]


Form = tuple[Item, ...]


@dataclass(frozen=True)
class QuizState:
    """What to show next: question ``index`` of an attempt (``attempt_id`` 0 when unstored)."""

    module_id: str
    kind: QuizKind
    attempt_id: int
    index: int
    correct_count: int
    question_count: int
    form: Form
    seed: int = 0
    """The unstored attempt's seed (0 for a stored attempt)."""

    @property
    def item(self) -> Item:
        return self.form[self.index]

    @property
    def reference(self) -> int:
        """What an answer names the attempt by: its id, or the unstored attempt's seed."""
        return self.attempt_id or self.seed


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    correct: bool = False
    item: Item | None = None
    """The question answered, as it was shown."""
    state: QuizState | None = None
    finished: bool = False
    passed: bool = False
    score_percent: int = 0
    module: Module | None = None
    """The version of the module the attempt was taken on (render the question from it)."""


def percent(correct: int, total: int) -> int:
    """A quiz score in whole percent (0 for a quiz without questions)."""
    return round(100 * correct / total) if total else 0


# -- forms ------------------------------------------------------------------------------------


def draw(
    module: Module, rng: random.Random, last_seen: Mapping[str, datetime] | None = None
) -> Form:
    """One question per objective, the one seen less recently (``last_seen``: question id to
    when it was last asked of this learner), each with its options shuffled."""
    seen = last_seen or {}
    items: list[Item] = []
    for questions in module.objectives.values():
        never = [q for q in questions if q.id not in seen]
        if never:
            question = rng.choice(never)
        else:
            oldest = min(seen[q.id] for q in questions)
            question = rng.choice([q for q in questions if seen[q.id] == oldest])
        items.append(Item(question, tuple(rng.sample(question.options, len(question.options)))))
    return tuple(items)


def _seeded(module: Module, kind: QuizKind, seed: int) -> Form:
    return draw(module, random.Random(f"{module.id}:{kind.value}:{seed}"))


def _check(learner: Learner, module: Module, kind: QuizKind, base: int) -> int:
    return zlib.crc32(f"{learner.id}:{module.id}:{kind.value}:{base}".encode()) % _CHECK


def _new_seed(learner: Learner, module: Module, kind: QuizKind) -> int:
    base = 1 + secrets.randbelow(MAX_SEED // _CHECK - 1)
    return base * _CHECK + _check(learner, module, kind, base)


def _valid_seed(learner: Learner, module: Module, kind: QuizKind, seed: int) -> bool:
    base, check = divmod(seed, _CHECK)
    return base >= 1 and seed <= MAX_SEED and check == _check(learner, module, kind, base)


def _stored_form(module: Module, attempt: QuizAttempt) -> Form | None:
    """The attempt's form; None when a question of it is no longer in the content."""
    if attempt.form is None:  # made before forms were stored: every question, as written
        return tuple(Item(question, question.options) for question in module.questions)
    items: list[Item] = []
    for question_id, order in json.loads(attempt.form):
        question = module.question_by_id(question_id)
        if question is None or sorted(order) != sorted(question.options):
            return None
        items.append(Item(question, tuple(order)))
    return tuple(items)


def _encoded(form: Form) -> str:
    return json.dumps([[item.question.id, "".join(item.order)] for item in form])


async def _last_seen(db: AsyncSession, learner_id: int, module_id: str) -> dict[str, datetime]:
    """When each question of the module was last asked of the learner (by their attempts'
    forms: a question shown counts as seen even when left unanswered)."""
    rows = (
        await db.exec(
            select(QuizAttempt.form, QuizAttempt.started_at).where(
                QuizAttempt.learner_id == learner_id, QuizAttempt.module_id == module_id
            )
        )
    ).all()
    seen: dict[str, datetime] = {}
    for form, started_at in rows:
        if form is None:
            continue
        for question_id, _order in json.loads(form):
            if question_id not in seen or seen[question_id] < started_at:
                seen[question_id] = started_at
    return seen


# -- attempts ---------------------------------------------------------------------------------


async def has_finished(db: AsyncSession, learner: Learner, module_id: str, kind: QuizKind) -> bool:
    if not records_allowed(learner) or learner.id is None:
        return False
    result = await db.exec(
        select(QuizAttempt.id).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.module_id == module_id,
            QuizAttempt.kind == kind,
            col(QuizAttempt.finished_at).is_not(None),
        )
    )
    return result.first() is not None


async def may_take_quiz(db: AsyncSession, learner: Learner, module: Module) -> bool:
    """Whether the quiz after the lessons is open: every card read (or nothing is kept about
    the learner: then the quiz is offered at the last card, and no certificate follows)."""
    if not records_allowed(learner) or learner.id is None:
        return True
    return await progress.lessons_read(db, learner, module)


async def start(db: AsyncSession, learner: Learner, module: Module, kind: QuizKind) -> QuizState:
    """A fresh attempt; an unfinished earlier attempt of the same module is abandoned.

    Raises QuizError ``lessons-not-read`` for a post-test before every card was seen."""
    count = module.quiz_length
    if not records_allowed(learner) or learner.id is None:
        seed = _new_seed(learner, module, kind)
        return QuizState(module.id, kind, 0, 0, 0, count, _seeded(module, kind, seed), seed)
    if kind == QuizKind.POST and not await progress.lessons_read(db, learner, module):
        raise QuizError(Reason.LESSONS_NOT_READ)
    form = draw(module, random.SystemRandom(), await _last_seen(db, learner.id, module.id))
    open_attempts = await db.exec(
        select(QuizAttempt).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.module_id == module.id,
            col(QuizAttempt.finished_at).is_(None),
        )
    )
    for stale in open_attempts.all():
        # Closed without a score: it never counts in results or reports.
        stale.finished_at = utcnow()
        stale.current_index = stale.question_count
        db.add(stale)
    attempt = QuizAttempt(
        learner_id=learner.id,
        module_id=module.id,
        kind=kind,
        question_count=count,
        pass_mark=module.pass_mark,
        form=_encoded(form),
        module_version=module.version or None,
    )
    db.add(attempt)
    await db.flush()
    assert attempt.id is not None
    return QuizState(module.id, kind, attempt.id, 0, 0, count, form)


async def answer(
    db: AsyncSession,
    learner: Learner,
    module: Module,
    kind: QuizKind,
    attempt_id: int,
    index: int,
    carried_correct: int,
    option: str,
    versions: Catalogue | None = None,
) -> AnswerResult:
    """The answer ``option`` (an option id, whatever letter it was shown under) to question
    ``index`` of the attempt ``attempt_id`` (:attr:`QuizState.reference`: for a learner
    without consent, the seed of the unstored attempt)."""
    if not records_allowed(learner) or learner.id is None:
        seed = attempt_id
        if not _valid_seed(learner, module, kind, seed):
            return AnswerResult(AnswerOutcome.INVALID)
        form = _seeded(module, kind, seed)
        if not 0 <= index < len(form) or not 0 <= carried_correct <= index:
            return AnswerResult(AnswerOutcome.INVALID)
        item = form[index]
        if option not in item.order:
            return AnswerResult(AnswerOutcome.INVALID)
        is_correct = option == item.question.correct
        correct = carried_correct + int(is_correct)
        state = QuizState(module.id, kind, 0, index + 1, correct, len(form), form, seed)
        return _result(module, state, item, is_correct)

    attempt = await db.get(QuizAttempt, attempt_id, with_for_update=True)
    if (
        attempt is None
        or attempt.learner_id != learner.id
        or attempt.module_id != module.id
        or attempt.kind != kind
    ):
        return AnswerResult(AnswerOutcome.INVALID)
    if attempt.finished_at is not None:
        if attempt.passed is None:
            return AnswerResult(AnswerOutcome.ABANDONED)
        return AnswerResult(AnswerOutcome.FINISHED)
    if attempt.current_index != index:
        return AnswerResult(AnswerOutcome.STALE)
    if versions is not None and attempt.module_version is not None:
        # Finished on the version it started on, whatever was published meanwhile.
        module = versions.version(module.id, attempt.module_version) or module
    stored = _stored_form(module, attempt)
    if stored is None or not 0 <= index < len(stored):
        return AnswerResult(AnswerOutcome.INVALID)
    item = stored[index]
    if option not in item.order:
        return AnswerResult(AnswerOutcome.INVALID)
    is_correct = option == item.question.correct
    db.add(
        QuizAnswer(
            attempt_id=attempt_id,
            question_id=item.question.id,
            option=option,
            correct=is_correct,
            objective=item.question.objective_key,
        )
    )
    attempt.current_index = index + 1
    attempt.correct_count += int(is_correct)
    total = attempt.question_count
    if attempt.current_index >= total:
        attempt.finished_at = utcnow()
        attempt.passed = percent(attempt.correct_count, total) >= module.pass_mark
        if attempt.passed and kind == QuizKind.POST:
            await progress.mark_passed(db, learner, module)
    db.add(attempt)
    await db.flush()
    state = QuizState(
        module.id, kind, attempt_id, attempt.current_index, attempt.correct_count, total, stored
    )
    return _result(module, state, item, is_correct)


def _result(module: Module, state: QuizState, item: Item, is_correct: bool) -> AnswerResult:
    finished = state.index >= state.question_count
    score = percent(state.correct_count, state.question_count)
    return AnswerResult(
        outcome=AnswerOutcome.ACCEPTED,
        correct=is_correct,
        item=item,
        state=state,
        finished=finished,
        passed=finished and score >= module.pass_mark,
        score_percent=score,
        module=module,
    )
