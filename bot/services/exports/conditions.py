"""The export's SQL conditions: the sessions and people of a request, and what counts as
learning in its period (on top of :mod:`bot.services.scope`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from bot.models import ModuleProgress, QuizAttempt
from bot.services import scope
from bot.services.exports.request import ExportRequest
from bot.services.scope import in_period, select_columns


def session_conditions(request: ExportRequest, *, cancelled: bool) -> list[Any]:
    """Sessions of the request: period, country (scope and filter), module."""
    return scope.session_conditions(
        request.scope, request.filters, request.period, cancelled=cancelled
    )


def person_conditions(request: ExportRequest, *, learning: bool = False) -> list[Any]:
    """People of the request: the organisation (scope and filter) and, for learning, the
    person's country (scope and filter)."""
    return scope.person_conditions(request.scope, request.filters, learning=learning)


def progress_activity(request: ExportRequest) -> list[Any]:
    """A module_progress row with learning in the period: started or completed in it."""
    period, module = request.period, request.filters.module
    terms: list[Any] = []
    started = in_period(col(ModuleProgress.started_at), period)
    if started:
        passed = [col(ModuleProgress.passed_at).is_not(None)]
        passed += in_period(col(ModuleProgress.passed_at), period)
        terms.append(sa.or_(sa.and_(*started), sa.and_(*passed)))
    if module is not None:
        terms.append(col(ModuleProgress.module_id) == module)
    return terms


def attempt_activity(request: ExportRequest) -> list[Any]:
    """A quiz attempt that counts as learning in the period: scored and finished in it."""
    terms: list[Any] = [
        col(QuizAttempt.passed).is_not(None),
        col(QuizAttempt.finished_at).is_not(None),
    ]
    terms += in_period(col(QuizAttempt.finished_at), request.period)
    if request.filters.module is not None:
        terms.append(col(QuizAttempt.module_id) == request.filters.module)
    return terms


def learning_activity(request: ExportRequest, learner_id: Any) -> Any:
    """Learning of the person ``learner_id`` in the period: a module started or completed
    in it, or a scored quiz finished in it (in the filtered module)."""
    progress = (
        select_columns(col(ModuleProgress.id))
        .where(col(ModuleProgress.learner_id) == learner_id, *progress_activity(request))
        .exists()
    )
    attempts = (
        select_columns(col(QuizAttempt.id))
        .where(col(QuizAttempt.learner_id) == learner_id, *attempt_activity(request))
        .exists()
    )
    return sa.or_(progress, attempts)


def completed_in_period(request: ExportRequest) -> list[Any]:
    """A module_progress row passed in the period (in the filtered module)."""
    terms: list[Any] = [col(ModuleProgress.passed_at).is_not(None)]
    terms += in_period(col(ModuleProgress.passed_at), request.period)
    if request.filters.module is not None:
        terms.append(col(ModuleProgress.module_id) == request.filters.module)
    return terms
