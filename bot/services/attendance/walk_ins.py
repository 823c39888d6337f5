"""Walk-ins: participants without Telegram whom the trainer adds on the spot, and the
conversation (name, organisation, country, gender, age) that adds one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AttendanceStatus, Consent, Draft, Learner, TrainingSession
from bot.services import learners
from bot.services.attendance.errors import AttendanceError, Reason
from bot.services.attendance.marks import (
    METHOD_WALK_IN,
    ensure_registered,
    managed_training,
    set_status,
)
from bot.services.attendance.window import window
from bot.services.drafts import draft_data, end_conversation, get_draft, save_draft
from bot.services.learners import MAX_ORGANISATION, PROFILE_CHOICES, UNDISCLOSED, clean_text

MAX_NAME = 120

WALK_IN = "walkin"
"""The Draft kind and the ``learner.awaiting`` text step of the walk-in conversation."""


class WalkInStep(StrEnum):
    """The questions of the walk-in conversation, in order."""

    NAME = "name"
    ORGANISATION = "organisation"
    COUNTRY = "country"
    GENDER = "gender"
    AGE = "age"

    @property
    def typed(self) -> bool:
        """Answered by typing (the others by a button)."""
        return self in (WalkInStep.NAME, WalkInStep.ORGANISATION)


STEPS = tuple(WalkInStep)


def clean_name(text: str) -> str:
    """The cleaned name; raises ``empty`` or ``too-long``."""
    name = clean_text(text)
    if not name:
        raise AttendanceError(Reason.EMPTY)
    if len(name) > MAX_NAME:
        raise AttendanceError(Reason.TOO_LONG)
    return name


def clean_organisation(text: str | None) -> str:
    """The cleaned organisation (None: "prefer not to say"); raises ``empty``/``too-long``."""
    if text is None:
        return UNDISCLOSED
    name = clean_text(text)
    if not name:
        raise AttendanceError(Reason.EMPTY)
    if len(name) > MAX_ORGANISATION:
        raise AttendanceError(Reason.TOO_LONG)
    return name


def check_choice(field: str, value: str) -> str:
    """A profile answer for a walk-in: ``country``, ``gender`` or ``age`` (as in onboarding)."""
    if field not in ("country", "gender", "age") or value not in PROFILE_CHOICES[field]:
        raise AttendanceError(Reason.UNKNOWN_CHOICE, value)
    return value


def _check_may_add(training: TrainingSession, now: datetime) -> None:
    if training.cancelled_at is not None:
        raise AttendanceError(Reason.CANCELLED)
    if now < window(training)[0]:
        raise AttendanceError(Reason.TOO_EARLY)


async def add_walk_in(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    name: str,
    organisation: str | None,
    country: str,
    gender: str,
    age_band: str,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> Learner:
    """A participant without Telegram, added by the trainer (who asked for their consent):
    a learner of their own, registered and present, counted like everyone else. Raises
    ``not-found`` or ``not-allowed`` (``actor`` does not manage the session) first."""
    training = await managed_training(db, actor, session_id, admin_ids)
    _check_may_add(training, now)
    person = Learner(
        telegram_id=None,
        language=training.language,
        language_chosen=False,
        consent=Consent.GIVEN,
        consent_at=now,
        organisation=clean_organisation(organisation),
        country=check_choice("country", country),
        gender=check_choice("gender", gender),
        age_band=check_choice("age", age_band),
        special_consent=False,
        display_name=clean_name(name),
        source="walk_in",
        added_by=actor.id,
        created_at=now,
    )
    db.add(person)
    await db.flush()
    assert person.id is not None
    await ensure_registered(db, session_id, person.id, now, walk_in=True)
    await set_status(
        db,
        actor_id=actor.id,
        session_id=session_id,
        learner_id=person.id,
        status=AttendanceStatus.PRESENT,
        method=METHOD_WALK_IN,
        now=now,
    )
    return person


# -- the conversation --------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkInDraft:
    session_id: int
    step: WalkInStep
    data: dict[str, str]

    @property
    def name(self) -> str:
        return self.data.get("name", "")


def _draft_value(draft: Draft) -> WalkInDraft | None:
    data = draft_data(draft)
    try:
        session_id = int(data.pop("session_id"))
        step = WalkInStep(draft.step)
    except (ValueError, KeyError, TypeError):
        return None
    return WalkInDraft(session_id, step, {k: str(v) for k, v in data.items()})


async def begin_walk_in(
    db: AsyncSession,
    actor: Learner,
    session_id: int,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> WalkInDraft:
    """Starts the conversation (replacing any other draft of the actor's). Raises like
    ``add_walk_in`` would for a session the actor does not manage, a cancelled one or one
    whose window has not begun."""
    _check_may_add(await managed_training(db, actor, session_id, admin_ids), now)
    await save_draft(db, actor, WALK_IN, WalkInStep.NAME, {"session_id": session_id}, now)
    await learners.await_input(db, actor, WALK_IN)
    await db.flush()
    return WalkInDraft(session_id, WalkInStep.NAME, {})


async def walk_in_draft(db: AsyncSession, actor: Learner) -> WalkInDraft | None:
    draft = await get_draft(db, actor, WALK_IN)
    return _draft_value(draft) if draft is not None else None


async def cancel_walk_in(db: AsyncSession, actor: Learner) -> bool:
    """Drops the walk-in draft (if any) and stops waiting for typed text; True if there was one."""
    return await end_conversation(db, actor, WALK_IN)


async def walk_in_answer(
    db: AsyncSession,
    actor: Learner,
    step: WalkInStep,
    value: str | None,
    now: datetime,
    *,
    admin_ids: Iterable[int] = (),
) -> WalkInDraft | Learner:
    """Stores the answer to ``step`` (``None``: skipped / prefer not to say) and returns the
    draft at its next step, or the new walk-in learner after the last one.

    Raises ``no-draft``, ``not-found`` or ``not-allowed`` (the actor no longer manages the
    session), ``stale`` (not the step being asked), ``empty``, ``too-long`` or
    ``unknown-choice``; and whatever ``add_walk_in`` raises at the end.
    """
    current = await walk_in_draft(db, actor)
    if current is None:
        raise AttendanceError(Reason.NO_DRAFT)
    await managed_training(db, actor, current.session_id, admin_ids)
    if step != current.step:
        raise AttendanceError(Reason.STALE)
    data = dict(current.data)
    if step == WalkInStep.NAME:
        if value is None:
            raise AttendanceError(Reason.EMPTY)
        data["name"] = clean_name(value)
    elif step == WalkInStep.ORGANISATION:
        data["organisation"] = clean_organisation(value)
    else:
        data[step.value] = check_choice(step, value if value is not None else UNDISCLOSED)
    following = STEPS.index(step) + 1
    if following < len(STEPS):
        await save_draft(
            db, actor, WALK_IN, STEPS[following], {"session_id": current.session_id, **data}, now
        )
        return WalkInDraft(current.session_id, STEPS[following], data)
    organisation = data.get("organisation")
    person = await add_walk_in(
        db,
        actor,
        current.session_id,
        data["name"],
        None if organisation in (None, UNDISCLOSED) else organisation,
        data["country"],
        data["gender"],
        data["age"],
        now,
        admin_ids=admin_ids,
    )
    await cancel_walk_in(db, actor)
    return person
