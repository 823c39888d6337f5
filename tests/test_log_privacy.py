"""A busy bot, logging at DEBUG (``python -m bot run -v``), writes no token in any form, no
Telegram id of a person and nothing anyone typed.

The world and burst of the crash test (:mod:`tests.support.burst_world`) with 10 people:
quiz answers, lesson taps, ``/checkin CODE`` and other commands, a reminder and an
announcement; on top, each person writes a sentence of their own, one of them with a lone
surrogate, and one update comes malformed. Every line the process writes is read.

Before, ``-v`` turned on python-telegram-bot's debug records (every update and every message
sent, with names, ids and texts), a malformed update was logged at CRITICAL with its whole
batch, and a token was recognised only with its colon, never URL-encoded or by its secret
half alone.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.i18n.translator import Translators
from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.burst_world import (
    ADMIN,
    TOKEN,
    TRAINER,
    ZONE,
    bot_environment,
    checkin_code,
    log_records,
    prepare_world,
    push_burst,
    start_bot,
    updates_and_announcement_done,
)
from tests.support.processes import kill_left, stop
from tests.support.updates import malformed, with_lone_surrogate
from tests.support.waiting import wait_until

PEOPLE = tuple(range(8401, 8411))


def typed(person: int) -> str:
    return f"Dear bot, I live at Rruga e Durrësit {person - 8000} with my two children"


async def test_a_busy_bot_logs_no_token_no_person_and_nothing_typed(
    database: Database, database_url: str, catalogue: Catalogue, tmp_path: Path
):
    tr = Translators(ZoneInfo(ZONE))("en")
    api = FakeBotApi(token=TOKEN)
    api.callback_query_timeout = 600.0
    await api.start()
    log = tmp_path / "bot.log"
    process: asyncio.subprocess.Process | None = None
    try:
        world = await prepare_world(database, catalogue, api, tr, PEOPLE)
        code = await checkin_code(database, world)
        pushed = push_burst(api, world, code)
        ids = [update.update_id for update in pushed]
        ids += [api.push_message(person, typed(person)) for person in PEOPLE[1:]]
        next_id = ids[-1] + 1
        api.push_update(with_lone_surrogate(next_id, PEOPLE[0], typed(PEOPLE[0])))
        api.push_update(malformed(next_id + 1, PEOPLE[1], typed(PEOPLE[1])))
        process = await start_bot(bot_environment(api, database_url), tmp_path, log, "-v")

        async def finished() -> bool:
            return await updates_and_announcement_done(api, database, ids, world)

        await wait_until(finished, 180, "all work to be finished", process)
        await stop(process, log)
    finally:
        await kill_left(process)
        await api.stop()

    text = log.read_text(encoding="utf-8", errors="replace")
    records = log_records(log)
    assert any(record["level"] == "DEBUG" for record in records), "no debug records at -v"
    for form in (TOKEN, TOKEN.split(":")[1], quote(TOKEN, safe="")):
        assert form not in text
    for person in (ADMIN, TRAINER, *PEOPLE):
        found = re.search(rf"(?<!\d){person}(?!\d)", text)
        assert found is None, text[max(found.start() - 300, 0) : found.end() + 100]
    for person in PEOPLE:
        assert typed(person) not in text
    assert re.search(rf"(?<![0-9A-Z]){code}(?![0-9A-Z])", text) is None  # /checkin CODE
