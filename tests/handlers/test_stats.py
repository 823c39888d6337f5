"""``/stats`` end to end: the figures of the coordinator's scope, a chart per breakdown whose
figures are those of the message and add up to the headline, and refusals."""

from __future__ import annotations

import re

from bot.handlers.common.texts import scope_text
from bot.handlers.stats import BREAKDOWN_LINES, StatsPeriod, StatsPeriodName
from bot.services import charts
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


def photos_of(messages: list[SentMessage]) -> list[SentMessage]:
    return [message for message in messages if message.photo is not None]


def breakdown(text: str, title: str) -> dict[str, int]:
    """``By country: Serbia 11 · Kosovo 2`` -> {"Serbia": 11, "Kosovo": 2}."""
    found = re.search(rf"^{title}: (.+)$", text, re.MULTILINE)
    assert found is not None, (title, text)
    groups = {}
    for group in found.group(1).split(" · "):
        name, _, number = group.rpartition(" ")
        groups[name] = int(number)
    return groups


def headline(text: str) -> int:
    found = re.search(r"👥 People trained: (\d+)", text)
    assert found is not None
    return int(found.group(1))


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
    # Each breakdown adds up to the headline: each person under their own country.
    assert breakdown(text, "By country") == {"Serbia": 11, "Kosovo": 2}
    assert breakdown(text, "By gender") == {"Woman": 8, "Man": 5}
    assert breakdown(text, "By age band") == {"18–24": 1, "25–34": 11, "35–44": 1}
    for title in ("By country", "By gender", "By age band"):
        assert sum(breakdown(text, title).values()) == headline(text) == 13
    photos = photos_of(replies)
    assert [photo.caption for photo in photos] == [
        "People trained by country: this year",
        "People trained by gender: this year",
        "People trained by age band: this year",
    ]
    for photo in photos:
        assert photo.photo is not None
        width, height = png_size(photo.photo.content)
        assert width == charts.PHONE_WIDTH and height >= 400

    # All time: last year's participant too; the figures are edited in place, new charts.
    before = len(coordinator.bot_messages())
    await coordinator.tap("All time", replies[0])
    edited = bot.api.message(COORDINATOR, replies[0].message_id)
    assert edited is not None and edited.edited == 1
    text = edited.text or ""
    assert text.startswith("📊 Figures: all time")
    assert "👥 People trained: 14" in text
    assert "🏫 Sessions held: 3" in text
    assert breakdown(text, "By gender") == {"Woman": 8, "Man": 6}
    new = photos_of(coordinator.bot_messages()[before:])
    assert new[0].caption == "People trained by country: all time"
    assert len(new) == 3


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
    # No breakdown: its one group, rounded to 0, is left out.
    for line in BREAKDOWN_LINES.values():
        assert tr._(line, groups="").strip() not in text


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
    [reply, *_photos] = await coordinator.send("/stats")
    before = len(coordinator.bot_messages())
    await coordinator.tap_data("is:next-decade", reply.message_id)
    answer = coordinator.last_callback_answer()
    assert answer is not None and answer.text == "This button is no longer valid."
    assert len(coordinator.bot_messages()) == before
