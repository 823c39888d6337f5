"""Learners: who they are, their language, their consent and their reporting profile."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import utcnow
from bot.i18n.languages import guess_language, is_language
from bot.models import Consent, Learner
from bot.services.errors import ServiceError

UNDISCLOSED = "undisclosed"
"""Every profile question can be answered "prefer not to say"."""
OTHER = "other"

COUNTRIES = ("AL", "BA", "XK", "ME", "MK", "RS")
"""ISO 3166 codes; XK is the code in common use for Kosovo."""
GENDERS = ("female", "male", "other")
AGE_BANDS = ("under-18", "18-24", "25-34", "35-44", "45-54", "55-64", "65-plus")
VULNERABLE_GROUPS = ("disability", "roma-egyptian-ashkali", "other-minority", "none")


class ProfileField(StrEnum):
    """The onboarding questions after consent, in the order they are asked."""

    NAME = "name"
    """How trainers and certificates name the person (or "don't show my name")."""
    ORGANISATION = "organisation"
    COUNTRY = "country"
    GENDER = "gender"
    AGE = "age"
    SPECIAL_CONSENT = "special-consent"
    """Whether we may ask about a vulnerable group: a separate, explicit consent."""
    VULNERABLE = "vulnerable"


PROFILE_CHOICES: dict[str, tuple[str, ...]] = {
    ProfileField.COUNTRY: (*COUNTRIES, OTHER, UNDISCLOSED),
    ProfileField.GENDER: (*GENDERS, UNDISCLOSED),
    ProfileField.AGE: (*AGE_BANDS, UNDISCLOSED),
    ProfileField.VULNERABLE: (*VULNERABLE_GROUPS, UNDISCLOSED),
}
"""The answers a button may give, by field (the organisation is typed)."""


class SpecialConsentAnswer(StrEnum):
    YES = "yes"
    NO = "no"


MAX_ORGANISATION = 120
MAX_NAME = 120

COUNTRY_ZONES = {
    "AL": "Europe/Tirane",
    "BA": "Europe/Sarajevo",
    "XK": "Europe/Belgrade",
    "ME": "Europe/Podgorica",
    "MK": "Europe/Skopje",
    "RS": "Europe/Belgrade",
}
"""All on CET/CEST today; each country's own zone keeps it right if that ever changes."""


def zone_name(learner: Learner, default: str) -> str:
    """The time zone to show this learner times in: their country's, else the bot's."""
    return COUNTRY_ZONES.get(learner.country or "", default)


class Reason(StrEnum):
    UNKNOWN_LANGUAGE = "unknown-language"
    NO_CONSENT = "no-consent"
    """The profile is kept only with consent."""
    EMPTY = "empty"
    TOO_LONG = "too-long"
    UNKNOWN_CHOICE = "unknown-choice"
    """Not one of the field's answers."""
    NO_SPECIAL_CONSENT = "no-special-consent"
    """A vulnerable group without the separate consent to be asked about it."""


class ProfileError(ServiceError):
    """An answer that cannot be stored."""

    reason: Reason

    def __init__(self, reason: Reason, value: str | None = None) -> None:
        super().__init__(reason, value)


@dataclass(frozen=True)
class Seen:
    learner: Learner
    is_new: bool


_BY_TELEGRAM_ID = select(Learner).where(Learner.telegram_id == sa.bindparam("telegram_id"))
"""Built once: every update looks its person up (statement building was a tenth of a tap)."""


async def find(db: AsyncSession, telegram_id: int) -> Learner | None:
    result = await db.exec(_BY_TELEGRAM_ID, params={"telegram_id": telegram_id})
    return result.first()


async def get_or_create(
    db: AsyncSession, telegram_id: int, telegram_language: str | None, default_language: str
) -> Seen:
    """The learner behind a Telegram user; new ones get a first guess of their language."""
    learner = await find(db, telegram_id)
    if learner is not None:
        if not learner.reachable:
            # They wrote to the bot, so they no longer block it (403 had marked them).
            learner.reachable = True
            db.add(learner)
        return Seen(learner, is_new=False)
    learner = Learner(
        telegram_id=telegram_id, language=guess_language(telegram_language, default_language)
    )
    db.add(learner)
    await db.flush()
    return Seen(learner, is_new=True)


def records_allowed(learner: Learner) -> bool:
    """Progress, answers and profile are only kept with consent."""
    return learner.consent == Consent.GIVEN and learner.erased_at is None


async def set_language(db: AsyncSession, learner: Learner, code: str) -> None:
    if not is_language(code):
        raise ProfileError(Reason.UNKNOWN_LANGUAGE)
    learner.language = code
    learner.language_chosen = True
    db.add(learner)


async def record_consent(db: AsyncSession, learner: Learner, given: bool) -> None:
    learner.consent = Consent.GIVEN if given else Consent.DECLINED
    learner.consent_at = utcnow()
    if not given:
        _clear_profile(learner)
    db.add(learner)


def _clear_profile(learner: Learner) -> None:
    learner.display_name = None
    learner.name_consent = None
    learner.name_consent_at = None
    learner.organisation = None
    learner.country = None
    learner.gender = None
    learner.age_band = None
    learner.special_consent = None
    learner.special_consent_at = None
    learner.vulnerable_group = None
    learner.awaiting = None


def clean_text(text: str) -> str:
    """NFC, single spaces, no control characters: what we store of typed answers."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    return " ".join(text.split())


async def set_organisation(db: AsyncSession, learner: Learner, text: str | None) -> None:
    """``None`` means "prefer not to say"."""
    if not records_allowed(learner):
        raise ProfileError(Reason.NO_CONSENT)
    if text is None:
        learner.organisation = UNDISCLOSED
    else:
        name = clean_text(text)
        if not name:
            raise ProfileError(Reason.EMPTY)
        if len(name) > MAX_ORGANISATION:
            raise ProfileError(Reason.TOO_LONG)
        learner.organisation = name
    learner.awaiting = None
    db.add(learner)


def clean_name(text: str) -> str:
    """A typed name as we keep it; raises ``empty`` or ``too-long``."""
    name = clean_text(text)
    if not name:
        raise ProfileError(Reason.EMPTY)
    if len(name) > MAX_NAME:
        raise ProfileError(Reason.TOO_LONG)
    return name


def telegram_name(first_name: str | None, last_name: str | None) -> str | None:
    """The name Telegram shows for a person (first and last), cleaned, as the name step
    offers it; None when there is nothing usable."""
    joined = clean_text(" ".join(part for part in (first_name, last_name) if part))
    return joined[:MAX_NAME].strip() or None


async def set_name(db: AsyncSession, learner: Learner, text: str, now: datetime) -> str:
    """The person's name, to be shown to their trainers, on rosters and exports, and
    offered for certificates: kept only with consent."""
    if not records_allowed(learner):
        raise ProfileError(Reason.NO_CONSENT)
    name = clean_name(text)
    learner.display_name = name
    learner.name_consent = True
    learner.name_consent_at = now
    learner.awaiting = None
    db.add(learner)
    return name


async def hide_name(db: AsyncSession, learner: Learner, now: datetime) -> None:
    """ "Don't show my name": the name is erased and rosters and exports say
    "Participant #N" (a certificate still asks for the name it should print)."""
    if not records_allowed(learner):
        raise ProfileError(Reason.NO_CONSENT)
    learner.display_name = None
    learner.name_consent = False
    learner.name_consent_at = now
    learner.awaiting = None
    db.add(learner)


def named(learner: Learner) -> bool:
    """Whether others (trainers, rosters, exports) may see the person's name: they said so
    (walk-ins gave it to the trainer for that), with consent, and not erased."""
    return (
        records_allowed(learner)
        and learner.display_name is not None
        and (learner.name_consent is True or learner.source == "walk_in")
    )


def shown_name(learner: Learner) -> str | None:
    """The name others may see, else None ("Participant #N")."""
    return learner.display_name if named(learner) else None


async def set_profile_choice(
    db: AsyncSession, learner: Learner, field: ProfileField, value: str
) -> None:
    if not records_allowed(learner):
        raise ProfileError(Reason.NO_CONSENT)
    if value not in PROFILE_CHOICES.get(field, ()):
        raise ProfileError(Reason.UNKNOWN_CHOICE)
    if field == ProfileField.VULNERABLE and learner.special_consent is not True:
        raise ProfileError(Reason.NO_SPECIAL_CONSENT)
    if field == ProfileField.COUNTRY:
        learner.country = value
    elif field == ProfileField.GENDER:
        learner.gender = value
    elif field == ProfileField.AGE:
        learner.age_band = value
    else:
        learner.vulnerable_group = value
    db.add(learner)


async def answer_profile(
    db: AsyncSession, learner: Learner, field: ProfileField, value: str
) -> None:
    """A tapped answer to ``field``: "prefer not to say" for the organisation (a name is
    typed), yes or no for the special consent, else one of the field's choices."""
    if field == ProfileField.ORGANISATION:
        if value != UNDISCLOSED:
            raise ProfileError(Reason.UNKNOWN_CHOICE)
        await set_organisation(db, learner, None)
    elif field == ProfileField.SPECIAL_CONSENT:
        if value not in tuple(SpecialConsentAnswer):
            raise ProfileError(Reason.UNKNOWN_CHOICE)
        await record_special_consent(db, learner, value == SpecialConsentAnswer.YES)
    else:
        await set_profile_choice(db, learner, field, value)


async def record_special_consent(db: AsyncSession, learner: Learner, given: bool) -> None:
    """Separate, explicit consent to be asked about vulnerable-group membership."""
    if not records_allowed(learner):
        raise ProfileError(Reason.NO_CONSENT)
    learner.special_consent = given
    learner.special_consent_at = utcnow()
    if not given:
        learner.vulnerable_group = None
    db.add(learner)


async def await_input(db: AsyncSession, learner: Learner, what: str | None) -> None:
    learner.awaiting = what
    db.add(learner)


async def remember_start(db: AsyncSession, learner: Learner, payload: str | None) -> None:
    """The deep link that brought a person who must first be onboarded (None: forget it);
    it is opened when onboarding ends."""
    learner.pending_start = payload
    db.add(learner)


async def mark_unreachable(
    db: AsyncSession, *, telegram_id: int | None = None, learner_id: int | None = None
) -> None:
    """Telegram refused to deliver to this person (they blocked the bot, or the chat is
    gone): later announcements and reminders leave them out until they write again."""
    if (telegram_id is None) == (learner_id is None):
        raise ValueError("give the telegram_id or the learner_id")
    where = (
        col(Learner.telegram_id) == telegram_id
        if telegram_id is not None
        else col(Learner.id) == learner_id
    )
    await db.exec(
        sa.update(Learner)
        .where(where)
        .values(reachable=False)
        .execution_options(synchronize_session=False)
    )


def next_profile_question(learner: Learner) -> ProfileField | None:
    """The first unanswered onboarding question, or None when the profile is complete."""
    if not records_allowed(learner):
        return None
    if learner.name_consent is None and learner.source == "telegram":
        return ProfileField.NAME
    if learner.organisation is None:
        return ProfileField.ORGANISATION
    if learner.country is None:
        return ProfileField.COUNTRY
    if learner.gender is None:
        return ProfileField.GENDER
    if learner.age_band is None:
        return ProfileField.AGE
    if learner.special_consent is None:
        return ProfileField.SPECIAL_CONSENT
    if learner.special_consent and learner.vulnerable_group is None:
        return ProfileField.VULNERABLE
    return None
