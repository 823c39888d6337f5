"""The world of the small-numbers attack (tests/handlers/test_small_numbers.py): a small
organisation whose figures, shown as they were (exact totals beside ``<5`` cells, averages
beside exact counts), gave away single people; built through the models the bot uses.

All sessions start at midnight on the first of this month (Belgrade), so that ``/stats``
("this year") and an export of this year cover them all. Nobody is in two cells of a table
(one session each), so a reader may rightly take every table to add up exactly.

Sessions
    RS-1  "Small Org, Belgrade I"   RS
    RS-2  "Small Org, Belgrade II"  RS
    XK-1  "Small Org, Prishtina"    XK

People (organisation, country, gender, age band): present, rating; learning
    6 × Small Org RS female 25-34   RS-1, rating 4; five of them eu-accession pre 2/4,
                                     post 4/4 passed (gain 50)
    3 × Other Org RS male 35-44     RS-1, rating 3
    5 × Small Org RS male 25-34     RS-2, rating 5
    1 × Small Org XK female 65+     XK-1, rating 1; special consent, Roma, Egyptian or
                                     Ashkali; eu-accession pre 1/4, post 4/4 passed (gain 75)
    1 × Small Org XK male 18-24     XK-1, no rating
    1 × Other Org XK female 25-34   XK-1, rating 2

Small Org, as it was shown: 13 people trained beside cells of 6 and 5 (the two of Kosovo,
1 each, by subtraction); 12 ratings averaging 4.2 beside 6 averaging 4.0 and 5 averaging
5.0 (the woman of 65 rated 1); 6 pairs averaging 54.2 beside 5 averaging 50 (her gain, 75).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import Learner, QuizKind, TrainingSession
from tests.factories import (
    make_attempt,
    make_feedback,
    make_learner,
    make_training,
    record_attendance,
    register,
)
from tests.support.indicator_world import month_start, passed
from tests.support.reporting import EU

SMALL_ORG = "Small Org"
OTHER_ORG = "Other Org"
TITLES = ("Small Org, Belgrade I", "Small Org, Belgrade II", "Small Org, Prishtina")


async def _person(
    db: AsyncSession,
    training: TrainingSession,
    rating: int | None,
    organisation: str,
    country: str,
    gender: str,
    age_band: str,
    **extra: object,
) -> Learner:
    """A new person, registered for and present at ``training``, who rated it ``rating``."""
    person = await make_learner(
        db, organisation=organisation, country=country, gender=gender, age_band=age_band, **extra
    )
    await register(db, training, person)
    await record_attendance(db, training, person)
    if rating is not None:
        await make_feedback(db, training, person, rating)
    return person


async def _learned(db: AsyncSession, person: Learner, pre: int, at: datetime) -> None:
    """``person`` took eu-accession's pre-test (``pre`` of 4) and passed its post-test."""
    await make_attempt(db, person, EU, QuizKind.PRE, pre, started_at=at)
    later = at + timedelta(hours=1)
    await make_attempt(db, person, EU, QuizKind.POST, 4, started_at=later)
    await passed(db, person, EU, later)


async def build_small_world(database: Database, now: datetime, trainer: Learner) -> None:
    start = month_start(now)
    async with database.session() as db:
        belgrade, belgrade_again, prishtina = [
            await make_training(db, trainer, start, country=country, title=title)
            for country, title in zip(("RS", "RS", "XK"), TITLES, strict=True)
        ]
        women = [
            await _person(db, belgrade, 4, SMALL_ORG, "RS", "female", "25-34") for _ in range(6)
        ]
        for woman in women[:5]:
            await _learned(db, woman, 2, start)
        for _ in range(3):
            await _person(db, belgrade, 3, OTHER_ORG, "RS", "male", "35-44")
        for _ in range(5):
            await _person(db, belgrade_again, 5, SMALL_ORG, "RS", "male", "25-34")
        singled_out = await _person(
            db,
            prishtina,
            1,
            SMALL_ORG,
            "XK",
            "female",
            "65-plus",
            special_consent=True,
            vulnerable_group="roma-egyptian-ashkali",
        )
        await _learned(db, singled_out, 1, start)
        await _person(db, prishtina, None, SMALL_ORG, "XK", "male", "18-24")
        await _person(db, prishtina, 2, OTHER_ORG, "XK", "female", "25-34")
