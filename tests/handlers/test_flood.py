"""Per-person flood control: one polite notice, then a pause until the window clears."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.models import InboundUpdate
from tests.support.harness import Harness

NOTICE = "You are sending a lot at once; please wait a few seconds."


@pytest.fixture
def flood_max_updates() -> int:
    return 20


async def test_too_many_updates_at_once_get_one_notice_then_a_pause(bot: Harness):
    ana = bot.user(8001)
    bob = bot.user(8002)
    for _ in range(20):
        answer = await ana.send("/help")
        assert answer and all(NOTICE not in (m.text or "") for m in answer)
    notice = await ana.send("/help")
    assert [m.text for m in notice] == [NOTICE]
    for _ in range(5):
        assert await ana.send("/help") == []
    # Somebody else is not affected.
    assert await bob.send("/help")
    # Once the window has cleared, Ana is answered again (and would be warned again).
    bot.clock.advance(timedelta(seconds=11))
    answer = await ana.send("/help")
    assert answer and NOTICE not in (answer[0].text or "")
    # The dropped updates are done too: nothing to handle again after a restart.
    async with bot.deps.database.session() as db:
        statuses = set((await db.exec(select(InboundUpdate.status))).all())
    assert statuses == {"done"}
