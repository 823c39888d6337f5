"""Drive a real PTB Application through :class:`bot.simulator.fake_bot_api.FakeBotApi`.

``TelegramUser`` plays one person in a private chat with the bot.  Every action pushes an update
to the fake server and then waits until the bot has completely handled it:

1. :meth:`FakeBotApi.wait_fetched` resolves once PTB's ``Updater`` asked ``getUpdates`` with an
   ``offset`` past the update.  The updater puts fetched updates into
   ``Application.update_queue`` *before* it polls again, so at that point the update is queued.
2. ``Application.update_queue.join()`` resolves once ``task_done()`` was called for every queued
   update.  PTB calls it in a ``finally`` after ``process_update`` returned, i.e. after all
   *blocking* handlers (the default, ``block=True``) and error handlers ran, also with
   ``concurrent_updates``.
3. Handlers with ``block=False`` run in tasks made by ``Application.create_task``; PTB marks the
   update done before they finish.  The driver also waits for the tasks created while the
   update was handled (``bot.runtime.ptb.pending_tasks``, which reads PTB's private attribute;
   best effort).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from bot.runtime.ptb import pending_tasks
from bot.simulator.fake_bot_api import CallbackAnswer, FakeBotApi, SentMessage, StoredFile

__all__ = ["TelegramUser", "bot_texts", "running_application"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class TelegramUser:
    """One user chatting privately with the bot under test."""

    def __init__(
        self,
        api: FakeBotApi,
        application: AnyApplication,
        user_id: int,
        first_name: str = "Test",
        language_code: str = "en",
        *,
        username: str | None = None,
        last_name: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.api = api
        self.application = application
        self.user_id = user_id
        self.timeout = timeout
        self.profile = api.add_user(
            user_id,
            first_name=first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
        )
        self._last_query_id: str | None = None

    @property
    def chat_id(self) -> int:
        return self.user_id

    # -- actions --------------------------------------------------------------------------------

    async def send(self, text: str) -> list[SentMessage]:
        """Write ``text`` to the bot; returns the bot messages that were sent in response."""
        before = self._last_message_id()
        tasks_before = pending_tasks(self.application)
        update_id = self.api.push_message(self.user_id, text)
        await self._settle(update_id, tasks_before)
        return [m for m in self.bot_messages() if m.message_id > before]

    async def send_location(self, latitude: float, longitude: float) -> list[SentMessage]:
        """Send a location (📎 → Location); returns the bot messages sent in response."""
        before = self._last_message_id()
        tasks_before = pending_tasks(self.application)
        update_id = self.api.push_location(self.user_id, latitude, longitude)
        await self._settle(update_id, tasks_before)
        return [m for m in self.bot_messages() if m.message_id > before]

    async def send_document(self, content: bytes, filename: str) -> list[SentMessage]:
        """Send a file to the bot; returns the bot messages that were sent in response."""
        before = self._last_message_id()
        tasks_before = pending_tasks(self.application)
        update_id = self.api.push_document(self.user_id, content, filename)
        await self._settle(update_id, tasks_before)
        return [m for m in self.bot_messages() if m.message_id > before]

    async def tap(self, button_text: str, message: SentMessage | int | None = None) -> str:
        """Tap the inline button labelled ``button_text``; returns the callback query id.

        The button is looked up on the last bot message that has an inline keyboard, or on
        ``message``: given by id, its current keyboard is used; given as a :class:`SentMessage`
        snapshot, the keyboard as it was in that snapshot (a user tapping a stale keyboard that
        the bot has since edited away, e.g. a double tap).
        """
        target = self._keyboard_message(message)
        return await self.tap_data(self._data_of(target, button_text), target.message_id)

    async def tap_data(self, data: str, message_id: int) -> str:
        """Send a callback query with arbitrary (possibly forged or stale) data."""
        tasks_before = pending_tasks(self.application)
        update_id, query_id = self.api.push_callback(self.user_id, message_id, data)
        self._last_query_id = query_id
        await self._settle(update_id, tasks_before)
        return query_id

    async def deliver(self, push: Callable[[], int]) -> None:
        """Pushes an update of another kind (``push`` returns its id: a message in a group,
        the bot added to one) and waits until the bot has handled it."""
        tasks_before = pending_tasks(self.application)
        await self._settle(push(), tasks_before)

    async def _settle(self, update_id: int, tasks_before: set[asyncio.Task[Any]]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        await self.api.wait_fetched(update_id, timeout=self.timeout)
        try:
            async with asyncio.timeout(max(deadline - loop.time(), 0.01)):
                await self.application.update_queue.join()
        except TimeoutError:
            raise AssertionError(
                f"update {update_id} was fetched but its handling did not finish within "
                f"{self.timeout} s (is the Application started?)"
            ) from None
        current = asyncio.current_task()
        while True:
            spawned = pending_tasks(self.application) - tasks_before - {current}
            if not spawned:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"non-blocking tasks started for update {update_id} did not finish within "
                    f"{self.timeout} s: {sorted(t.get_name() for t in spawned)}"
                )
            await asyncio.wait(spawned, timeout=remaining)

    # -- inspection -----------------------------------------------------------------------------

    def messages(self) -> list[SentMessage]:
        """All current messages of the chat, the user's included."""
        return self.api.messages(self.chat_id)

    def bot_messages(self) -> list[SentMessage]:
        return [m for m in self.messages() if m.from_bot]

    def last_message(self, *, text: bool = False) -> SentMessage:
        """The last (not deleted) message the bot sent in this chat; ``text``: the last one
        with text (not a file, a photo or a map pin sent after it)."""
        messages = self.bot_messages()
        if text:
            messages = [m for m in messages if m.text is not None]
        if not messages:
            raise AssertionError(f"the bot has sent no message to user {self.user_id}")
        return messages[-1]

    def buttons(self, message: SentMessage | int | None = None) -> list[list[str]]:
        """Inline button labels by row, of ``message`` (see :meth:`tap`) or of the last bot
        message with a keyboard."""
        target = self._keyboard_message(message)
        return [[button["text"] for button in row] for row in target.inline_keyboard]

    def button_data(self, button_text: str, message: SentMessage | int | None = None) -> str:
        """The callback data of the button labelled ``button_text``, looked up as :meth:`tap`
        does: to replay it elsewhere, or as someone else."""
        return self._data_of(self._keyboard_message(message), button_text)

    def last_document(self) -> StoredFile:
        for message in reversed(self.bot_messages()):
            if message.document is not None:
                return message.document
        raise AssertionError(f"the bot has sent no document to user {self.user_id}")

    def documents(self) -> list[StoredFile]:
        """Every document the bot sent in this chat, oldest first."""
        return [m.document for m in self.bot_messages() if m.document is not None]

    def last_callback_answer(self) -> CallbackAnswer | None:
        """The bot's answer to this user's last tap (``None`` if it did not answer)."""
        if self._last_query_id is None:
            raise AssertionError(f"user {self.user_id} has not tapped any button yet")
        return self.api.callback_answers.get(self._last_query_id)

    @staticmethod
    def _data_of(target: SentMessage, button_text: str) -> str:
        labels: list[str] = []
        for row in target.inline_keyboard:
            for button in row:
                labels.append(button["text"])
                if button["text"] != button_text:
                    continue
                if "callback_data" not in button:
                    raise AssertionError(
                        f"button {button_text!r} is not a callback button: {button}"
                    )
                return str(button["callback_data"])
        raise AssertionError(
            f"no button {button_text!r} on message {target.message_id} "
            f"({(target.text or target.caption or '')[:60]!r}); available buttons: {labels}"
        )

    def _last_message_id(self) -> int:
        messages = self.messages()
        return messages[-1].message_id if messages else 0

    def _keyboard_message(self, message: SentMessage | int | None) -> SentMessage:
        if isinstance(message, SentMessage):
            if message.chat_id != self.chat_id:
                raise AssertionError(f"message {message.message_id} is from another chat")
            return message
        if message is not None:
            found = self.api.message(self.chat_id, message)
            if found is None or found.deleted:
                raise AssertionError(f"message {message} is not in chat {self.chat_id}")
            return found
        for candidate in reversed(self.bot_messages()):
            if candidate.inline_keyboard:
                return candidate
        raise AssertionError(f"no bot message with an inline keyboard in chat {self.chat_id}")


def bot_texts(api: FakeBotApi, chat_id: int) -> list[str]:
    """The texts of the bot's messages in a chat, as the person sees them now."""
    return [m.text or "" for m in api.messages(chat_id) if m.from_bot]


@asynccontextmanager
async def running_application(
    application: AnyApplication,
    api: FakeBotApi,
    *,
    poll_timeout: int = 1,
) -> AsyncIterator[AnyApplication]:
    """Run ``application`` against ``api`` with polling, like ``run_polling`` would.

    Calls ``post_init``, ``post_stop`` and ``post_shutdown`` in the same places as
    ``Application.run_polling`` (``initialize``/``start``/``stop``/``shutdown`` alone do not).
    """
    if not application.bot.base_url.startswith(api.base_url):
        raise ValueError(
            f"the application talks to {application.bot.base_url}, not to the fake API at "
            f"{api.base_url}; build it with .base_url(api.base_url)"
        )
    updater = application.updater
    if updater is None:
        raise ValueError("the application has no Updater; do not build it with .updater(None)")
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await updater.start_polling(poll_interval=0, timeout=poll_timeout, bootstrap_retries=0)
        await application.start()
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
