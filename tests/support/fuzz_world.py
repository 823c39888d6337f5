"""The world one fuzzing example acts on: the people and what their chats show
(:class:`World`), built through the bot itself (:func:`build_world`), and the actions
performed on it (:func:`perform`).

Before each example the database is emptied and a small world is built as people would: an
admin from the settings invites a trainer and a coordinator with links, a learner is
onboarded with consent, another declines it, the trainer schedules a session with
/newsession that starts soon, the learner opens its link and taps Register, and the trainer
opens check-in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.db import Database
from bot.runtime import outbox
from bot.simulator.fake_bot_api import SentMessage
from tests.support.driver import TelegramUser
from tests.support.fuzz_actions import (
    ADMIN,
    CHECKIN_CODE,
    COORDINATOR,
    DECLINED,
    LEARNER,
    NEWCOMER,
    ROLE_LINK,
    SESSION_LINK,
    TRAINER,
    Action,
    Block,
    CheckinCode,
    Command,
    Literal,
    Odd,
    RoleLink,
    SessionLink,
    TapForeign,
    TapForged,
    TapMutated,
    TapRaw,
    TapShown,
    Text,
    Tick,
    Value,
    Wander,
)
from tests.support.harness import Harness
from tests.support.learners import onboard

ADMIN_ID = 990_001
"""The admin from the settings (``ADMIN_TELEGRAM_IDS`` of the bot under test)."""
_people_ids = itertools.count(1_000_000, 10)


@dataclass
class Shown:
    """A button the bot showed: in whose chat, on which message, with which data."""

    chat_id: int
    message_id: int
    data: str


@dataclass
class World:
    people: dict[str, TelegramUser]
    zone_now: Callable[[], datetime]
    """Now, in the bot's time zone."""
    floor: dict[int, int] = field(default_factory=dict)
    """Per chat, the last message id before this example: older messages are not its own."""
    shown: list[Shown] = field(default_factory=list)
    seen: set[tuple[int, int, str]] = field(default_factory=set)
    role_links: list[str] = field(default_factory=list)
    session_links: list[str] = field(default_factory=list)
    checkin_code: str = "ABCDE"
    admin_learners: set[int] = field(default_factory=set)
    """Learner ids the admin from the settings has had (a new one after /forget)."""

    def messages(self, person: TelegramUser) -> list[SentMessage]:
        floor = self.floor.get(person.chat_id, 0)
        return [m for m in person.bot_messages() if m.message_id > floor]

    def observe(self) -> None:
        """Reads every chat like its person would: buttons, links and codes shown."""
        for person in self.people.values():
            for message in self.messages(person):
                for row in message.inline_keyboard:
                    for button in row:
                        data = button.get("callback_data")
                        key = (person.chat_id, message.message_id, data)
                        if data is not None and key not in self.seen:
                            self.seen.add(key)
                            self.shown.append(Shown(person.chat_id, message.message_id, data))
                text = message.text or message.caption or ""
                for link in ROLE_LINK.findall(text):
                    if link not in self.role_links:
                        self.role_links.append(link)
                for link in SESSION_LINK.findall(text):
                    if link not in self.session_links:
                        self.session_links.append(link)
                if person is self.people[TRAINER]:
                    codes = CHECKIN_CODE.findall(text)
                    if codes:
                        self.checkin_code = codes[-1]

    def resolve(self, value: Value) -> str:
        if isinstance(value, Literal):
            return value.text
        if isinstance(value, RoleLink):
            return _pick(self.role_links, value.pick, "r_none")
        if isinstance(value, SessionLink):
            return _pick(self.session_links, value.pick, "s_NONE")
        if isinstance(value, CheckinCode):
            return self.checkin_code
        moment: datetime = self.zone_now() + timedelta(minutes=value.minutes)
        return f"{moment:%d.%m.%Y %H:%M}"

    def last_keyboard(self, person: TelegramUser) -> SentMessage | None:
        for message in reversed(self.messages(person)):
            if message.inline_keyboard:
                return message
        return None

    def last_message_id(self, person: TelegramUser) -> int:
        messages = self.messages(person)
        return messages[-1].message_id if messages else 1


def _pick(items: list[str], pick: int, default: str) -> str:
    return items[pick % len(items)] if items else default


async def empty_database(database: Database) -> None:
    """Every table emptied (ids starting again from 1), the migrations' bookkeeping kept."""
    async with database.engine.begin() as connection:
        present = set(await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
        tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name in present]
        if connection.dialect.name == "postgresql":
            await connection.execute(
                sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )
        else:
            for table in reversed(tables):
                await connection.execute(sa.text(f"DELETE FROM {table}"))


async def build_world(bot: Harness) -> World:
    """An empty database, then people and a session made through the bot, as people would."""
    assert bot.application is not None
    await outbox.drain(bot.deps, bot.application.bot)
    await empty_database(bot.deps.database)
    zone = bot.deps.settings.zone
    # Every example starts at 09:00 local time, so that the session below is today.
    local = bot.clock.now().astimezone(zone)
    nine = datetime.combine(local.date() + timedelta(days=1), time(9), tzinfo=zone)
    bot.clock.advance(nine - local)

    base = next(_people_ids)
    admin = bot.users.get(ADMIN_ID) or bot.user(ADMIN_ID)
    people = {
        ADMIN: admin,
        NEWCOMER: bot.user(base + 1),
        LEARNER: bot.user(base + 2),
        DECLINED: bot.user(base + 3),
        TRAINER: bot.user(base + 4),
        COORDINATOR: bot.user(base + 5),
    }
    world = World(people, zone_now=lambda: bot.clock.now().astimezone(zone))
    world.floor = {
        person.chat_id: max((m.message_id for m in person.messages()), default=0)
        for person in people.values()
    }
    tr = bot.tr("en")

    for role in (TRAINER, COORDINATOR):
        [invitation] = await admin.send(f"/invite {role}")
        link = ROLE_LINK.search(invitation.text or "")
        assert link is not None, invitation.text
        person = people[role]
        await person.send(f"/start {link.group(1)}")
        await person.tap("English")
        await person.tap(tr._("No, thanks"))
        assert (person.last_message().text or "").startswith(f"✅ You are now a {role}")

    await onboard(bot, people[LEARNER], "en", "English", "Civic Lab", "Kosovo")
    declined = people[DECLINED]
    await declined.send("/start")
    await declined.tap("English")
    await declined.tap(tr._("No, thanks"))

    trainer = people[TRAINER]
    await trainer.send("/newsession")
    await trainer.send("Fuzzing <b>day</b>")
    await trainer.tap(trainer.buttons()[0][0])  # the first module
    await trainer.send(f"{world.zone_now() + timedelta(minutes=20):%d.%m.%Y %H:%M}")
    await trainer.tap(tr._("✅ Yes"))  # the date read back is right
    await trainer.tap(trainer.buttons()[0][0])  # the shortest duration
    await trainer.send("Hotel Park, Skopje")
    await trainer.tap(trainer.buttons()[0][0])  # a country
    await trainer.tap(trainer.buttons()[0][0])  # a language
    await trainer.send("3")
    await trainer.tap(tr._("✅ Create"))
    world.observe()
    assert world.session_links, [m.text for m in trainer.bot_messages()[-3:]]

    await people[LEARNER].send(f"/start {world.session_links[0]}")
    await people[LEARNER].tap(tr._("✅ Register"))
    await trainer.send("/attendance")
    await trainer.tap(trainer.buttons()[0][0])
    await trainer.tap("🔑 Open check-in")
    await perform(bot, world, Tick(0))
    assert world.checkin_code != "ABCDE", trainer.last_message().text
    return world


async def tap_shown(world: World, person: TelegramUser, pick: int) -> None:
    """Taps the ``pick``-th button (modulo their number) of the last keyboard shown."""
    message = world.last_keyboard(person)
    if message is None:
        return
    data = [
        button["callback_data"]
        for row in message.inline_keyboard
        for button in row
        if "callback_data" in button
    ]
    if data:
        await person.tap_data(data[pick % len(data)], message.message_id)


GROUP_CHAT = -100_500


async def odd_update(bot: Harness, person: TelegramUser, action: Odd) -> None:
    """Pushes an update the driver has no method for, and waits until it is handled."""
    assert bot.application is not None
    if action.kind == "group":
        bot.api.add_group(GROUP_CHAT, "CSO network")
        update_id = bot.api.push_message(person.user_id, action.text or "/start", GROUP_CHAT)
    else:
        chat = {"id": person.chat_id, "type": "private", "first_name": person.profile["first_name"]}
        message = {
            "message_id": max((m.message_id for m in person.messages()), default=1),
            "date": int(bot.clock.now().timestamp()),
            "chat": chat,
            "from": bot.api.user(person.user_id),
        }
        if action.kind == "location":
            message["location"] = {"latitude": 42.66, "longitude": 21.16}
            update_id = bot.api.push_update({"message": message})
        else:
            message["edit_date"] = message["date"]
            message["text"] = action.text
            update_id = bot.api.push_update({"edited_message": message})
    await bot.api.wait_fetched(update_id)
    await bot.application.update_queue.join()


async def perform(bot: Harness, world: World, action: Action) -> None:
    await act(bot, world, action)
    world.observe()
    async with bot.deps.database.engine.connect() as connection:
        found = await connection.execute(
            sa.text("SELECT id FROM learner WHERE telegram_id = :admin"), {"admin": ADMIN_ID}
        )
        world.admin_learners.update(found.scalars())


async def act(bot: Harness, world: World, action: Action) -> None:
    if isinstance(action, Tick):
        await bot.advance(minutes=action.minutes)
        return
    person = world.people[action.who]
    if isinstance(action, Block):
        bot.api.block(person.user_id)
    elif isinstance(action, Odd):
        await odd_update(bot, person, action)
    elif isinstance(action, Command):
        argument = "" if action.argument is None else f" {world.resolve(action.argument)}"
        await person.send(f"/{action.name}{argument}")
    elif isinstance(action, Text):
        await person.send(world.resolve(action.text))
    elif isinstance(action, Wander):
        if action.command is not None:
            await person.send(f"/{action.command}")
        for pick in action.picks:
            world.observe()
            await tap_shown(world, person, pick)
    elif isinstance(action, TapShown):
        if action.stale:
            mine = [shown for shown in world.shown if shown.chat_id == person.chat_id]
            if mine:
                shown = mine[action.pick % len(mine)]
                await person.tap_data(shown.data, shown.message_id)
        else:
            await tap_shown(world, person, action.pick)
    elif isinstance(action, TapForeign):
        others = [shown for shown in world.shown if shown.chat_id != person.chat_id]
        if others:
            shown = others[action.pick % len(others)]
            await person.tap_data(shown.data, world.last_message_id(person))
    elif isinstance(action, TapMutated):
        if world.shown:
            shown = world.shown[action.pick % len(world.shown)]
            parts = shown.data.split(":")
            if len(parts) > 1:
                parts[1 + action.position % (len(parts) - 1)] = action.replacement
            else:
                parts.append(action.replacement)
            message_id = (
                shown.message_id
                if shown.chat_id == person.chat_id
                else world.last_message_id(person)
            )
            await person.tap_data(":".join(parts), message_id)
    elif isinstance(action, TapForged):
        await person.tap_data(action.data, world.last_message_id(person))
    elif isinstance(action, TapRaw):
        message_id = action.message_id or world.last_message_id(person)
        await person.tap_data(action.data, message_id)
