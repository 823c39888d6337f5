"""``/stats`` end to end: the figures of the coordinator's scope, the chart, and refusals."""

from __future__ import annotations

from bot.handlers.common.texts import scope_text
from bot.handlers.stats import StatsPeriod, StatsPeriodName
from bot.services.roles import Scope
from bot.simulator.fake_bot_api import SentMessage
from tests.support.harness import Harness
from tests.support.images import png_size
from tests.support.indicator_world import build_stats_world
from tests.support.reporting import Askers, add_askers

COORDINATOR, KOSOVO_COORDINATOR, TRAINER, LEARNER = 950, 951, 952, 953
NOT_ALLOWED = "Sorry, you are not allowed to do that."
ASKERS = Askers(COORDINATOR, KOSOVO_COORDINATOR, TRAINER, LEARNER)


async def setup(bot: Harness) -> None:
    trainer = await add_askers(bot.deps.database, ASKERS, kosovo_language="bs")
    await build_stats_world(bot.deps.database, bot.clock.now(), trainer)


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
    # Two people, rounded to a multiple of 5; their two ratings (4 and 5) give no average.
    assert tr._("👥 People trained: {n}", n=0) in text
    assert tr._("🏫 Sessions held: {n}", n=1) in text  # sessions, not people
    assert "4,5" not in text
    assert (
        tr.ngettext(
            "⭐ Average feedback: not shown (fewer than {n} rating)",
            "⭐ Average feedback: not shown (fewer than {n} ratings)",
            5,
        )
        in text
    )
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
