"""``/stats`` end to end: the figures of the coordinator's scope, the chart, and refusals."""

from __future__ import annotations

import itertools
import struct
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.handlers.common.texts import scope_text
from bot.handlers.stats import StatsPeriod, StatsPeriodName
from bot.models import Attendance, Feedback, Learner, RoleGrant, TrainingSession
from bot.services.roles import Scope
from bot.simulator.fake_bot_api import SentMessage
from tests.factories import make_learner
from tests.handlers.conftest import Harness

COORDINATOR, KOSOVO_COORDINATOR, TRAINER, LEARNER = 950, 951, 952, 953
NOT_ALLOWED = "Sorry, you are not allowed to do that."
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZONE = ZoneInfo("Europe/Belgrade")
_codes = itertools.count(1)


def month_start(now: datetime) -> datetime:
    """Midnight on the first of this month in Belgrade: always in this month, quarter and
    year, and never in the future."""
    local = now.astimezone(ZONE)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=ZONE)


async def session_in(
    db: AsyncSession, trainer: Learner, country: str, starts_at: datetime
) -> TrainingSession:
    assert trainer.id is not None
    training = TrainingSession(
        code=f"ST{next(_codes)}",
        trainer_id=trainer.id,
        title="Training",
        starts_at=starts_at,
        duration_minutes=60,
        venue="Hall",
        country=country,
        language="en",
        capacity=50,
        checkin_secret=f"secret-{next(_codes)}",
    )
    db.add(training)
    await db.flush()
    return training


async def attended(
    db: AsyncSession, training: TrainingSession, rating: int | None = None, **profile: str
) -> None:
    person = await make_learner(db, **profile)
    assert training.id is not None and person.id is not None
    db.add(Attendance(session_id=training.id, learner_id=person.id, status="present", method="x"))
    if rating is not None:
        db.add(Feedback(session_id=training.id, learner_id=person.id, rating=rating))
    await db.flush()


async def setup(bot: Harness) -> None:
    """This month: 6 women and 5 men in Serbia, 2 women in Kosovo (rated 4 and 5); one man in
    Serbia last year. Totals this year: 13 people, 13 attendances, 2 sessions."""
    now = bot.clock.now()
    async with bot.deps.database.session() as db:
        coordinator = await make_learner(db, telegram_id=COORDINATOR)
        db.add(RoleGrant(learner_id=coordinator.id or 0, role="coordinator"))
        kosovo = await make_learner(db, telegram_id=KOSOVO_COORDINATOR, language="bs")
        db.add(RoleGrant(learner_id=kosovo.id or 0, role="coordinator", countries="XK"))
        trainer = await make_learner(db, telegram_id=TRAINER)
        db.add(RoleGrant(learner_id=trainer.id or 0, role="trainer"))
        await make_learner(db, telegram_id=LEARNER)

        serbia = await session_in(db, trainer, "RS", month_start(now))
        for gender, count in (("female", 6), ("male", 5)):
            for _ in range(count):
                await attended(db, serbia, country="RS", gender=gender, age_band="25-34")
        kosovo_session = await session_in(db, trainer, "XK", month_start(now))
        await attended(db, kosovo_session, 4, country="XK", gender="female", age_band="18-24")
        await attended(db, kosovo_session, 5, country="XK", gender="female", age_band="35-44")
        last_year = month_start(now).replace(month=1) - timedelta(days=20)
        old = await session_in(db, trainer, "RS", last_year)
        await attended(db, old, country="RS", gender="male", age_band="45-54")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def the_photo(messages: list[SentMessage]) -> SentMessage:
    photos = [message for message in messages if message.photo is not None]
    assert len(photos) == 1, messages
    return photos[0]


async def test_a_coordinator_gets_the_figures_and_a_chart(bot: Harness):
    await setup(bot)
    coordinator = bot.user(COORDINATOR)

    replies = await coordinator.send("/stats")
    text = replies[0].text or ""
    assert text.startswith("📊 Figures: this year")
    assert "Scope: all countries · all organisations" in text
    assert "👥 People trained: 13" in text
    assert "🧾 Attendances: 13" in text
    assert "🏫 Sessions held: 2" in text
    assert "🎓 People who completed a module: 0" in text
    assert "📈 Average knowledge gain: no pre- and post-tests yet" in text
    assert "⭐ Average feedback: 4.5 of 5 (2 ratings)" in text
    assert coordinator.buttons(replies[0]) == [
        ["This month", "This quarter"],
        ["• This year", "All time"],
    ]
    photo = the_photo(replies)
    assert photo.caption == "People trained per month: this year"
    assert photo.photo is not None
    content = photo.photo.content
    width, height = png_size(content)
    assert width >= 600 and height >= 600
    assert len(content) > 15_000  # two panels with bars, legends and labels

    # All time: last year's participant too; the figures are edited in place, a new chart.
    before = len(coordinator.bot_messages())
    await coordinator.tap("All time", replies[0])
    edited = bot.api.message(COORDINATOR, replies[0].message_id)
    assert edited is not None and edited.edited == 1
    assert (edited.text or "").startswith("📊 Figures: all time")
    assert "👥 People trained: 14" in (edited.text or "")
    assert "🏫 Sessions held: 3" in (edited.text or "")
    new = coordinator.bot_messages()[before:]
    second = the_photo(new)
    assert second.caption == "People trained per month: all time"
    assert second.photo is not None and png_size(second.photo.content)[0] >= 600


async def test_a_scoped_coordinator_sees_only_their_countries_and_no_small_groups(bot: Harness):
    await setup(bot)
    kosovo = bot.user(KOSOVO_COORDINATOR, language_code="bs")
    tr = bot.tr("bs")

    replies = await kosovo.send("/stats")
    assert len(replies) == 1  # two people only: no chart that could single them out
    text = replies[0].text or ""
    assert tr._("👥 People trained: {n}", n=2) in text
    assert tr._("🏫 Sessions held: {n}", n=1) in text
    assert "4,5" in text  # the average rating, written the Bosnian way
    assert tr._("Scope: {scope}", scope=scope_text(tr, Scope(countries=frozenset({"XK"})))) in text
    assert tr._("Serbia") not in text
    assert all(message.photo is None for message in replies)


async def test_learners_and_trainers_are_refused(bot: Harness):
    await setup(bot)
    for telegram_id in (LEARNER, TRAINER):
        person = bot.user(telegram_id)
        replies = await person.send("/stats")
        assert [message.text for message in replies] == [NOT_ALLOWED]
        # A forged period button is refused as well, and nothing is sent.
        before = len(person.bot_messages())
        await person.tap_data(StatsPeriod(StatsPeriodName.ALL_TIME).encode(), replies[0].message_id)
        answer = person.last_callback_answer()
        assert answer is not None and answer.text == NOT_ALLOWED and answer.show_alert
        assert len(person.bot_messages()) == before


async def test_a_forged_period_is_refused_politely(bot: Harness):
    await setup(bot)
    coordinator = bot.user(COORDINATOR)
    [reply, _photo] = await coordinator.send("/stats")
    before = len(coordinator.bot_messages())
    await coordinator.tap_data("is:next-decade", reply.message_id)
    answer = coordinator.last_callback_answer()
    assert answer is not None and answer.text == "This button is no longer valid."
    assert len(coordinator.bot_messages()) == before
