"""The fake Bot API server itself: :class:`FakeBotApi`, an aiohttp app on 127.0.0.1.

It routes each call to its method (:mod:`.messages`, :mod:`.profile`, :mod:`.updates`) after the
token check, the planned and random faults and the flood limits (:mod:`.faults`), records it,
serves the files the bot sent, and offers the tests their side of Telegram: users who write and
tap, and a view of every chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping

from aiohttp import web

from bot.simulator.fake_bot_api.faults import Faults, InjectedFault, RateLimits
from bot.simulator.fake_bot_api.messages import MessageMethods
from bot.simulator.fake_bot_api.profile import BotProfile
from bot.simulator.fake_bot_api.protocol import (
    MAX_UPLOAD_BYTES,
    ApiError,
    JSONDict,
    MethodHandler,
    read_params,
)
from bot.simulator.fake_bot_api.state import (
    CallbackAnswer,
    ChangeListener,
    ChangeListeners,
    SentMessage,
    Store,
    StoredFile,
    keep_last,
)
from bot.simulator.fake_bot_api.updates import UpdateQueue

_log = logging.getLogger(__name__)


async def _true(params: JSONDict) -> bool:
    return True


class FakeBotApi:
    """An in-process fake Telegram Bot API server for one bot token.

    Use ``await api.start()`` / ``await api.stop()`` (or ``async with api:``).  All state lives in
    memory and is meant to be touched from the event loop the server runs on.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "kapacitet_bot",
        clock: Callable[[], float] | None = None,
        rate_limit_per_second: float | None = None,
        chat_rate_limit_per_second: float | None = None,
        history: int | None = None,
    ) -> None:
        """``rate_limit_per_second`` and ``chat_rate_limit_per_second`` (both off by default)
        enforce Telegram's flood limits on the methods that send messages: overall, and per
        chat. A call over a limit is answered 429 "Too Many Requests: retry after N" with
        ``parameters.retry_after`` (see :meth:`set_rate_limits`).

        ``history`` bounds what is kept for inspection: the last ``history`` :attr:`calls`,
        messages of each chat, callback queries and answers, :attr:`sent_times` and
        :attr:`injected_faults`; a file is kept while a kept message shows it. ``None`` (the
        default) keeps everything, as a test or a benchmark that reads its whole run needs; a
        server that runs for days (the simulator) sets a bound."""
        self._token = token
        self._host = host
        self._port = port
        self.history = history
        bot_id = token.split(":", 1)[0]
        bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Kapacitet",
            "username": bot_username,
        }
        #: Every call (method name, decoded parameters), oldest first.
        self.calls: list[tuple[str, JSONDict]] = []
        self._changes = ChangeListeners()
        self._store = Store(bot_user, clock or time.time, history, self._changes.emit)
        self._updates = UpdateQueue()
        self._messages = MessageMethods(self._store)
        self._profile = BotProfile(self._store)
        self._faults = Faults(history)
        self._limits = RateLimits(history)
        table: dict[str, MethodHandler] = {
            **self._updates.table(),
            **self._messages.table(),
            **self._profile.table(),
            "logOut": _true,
            "close": _true,
        }
        self._methods = {name.lower(): (name, handler) for name, handler in table.items()}
        self._runner: web.AppRunner | None = None
        self.set_rate_limits(rate_limit_per_second, chat_rate_limit_per_second)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening; :attr:`base_url` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._updates.open()
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        if self._runner is None:
            return
        self._updates.close()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        await self._changes.drain()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if self._runner is None:
            raise RuntimeError("FakeBotApi is not running; await start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:PORT/bot``; PTB appends the token."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """E.g. ``http://127.0.0.1:PORT/file/bot``; PTB appends the token."""
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def clock(self) -> Callable[[], float]:
        """Seconds since the epoch, for message dates and callback query ages."""
        return self._store.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._store.clock = clock

    @property
    def bot_user(self) -> JSONDict:
        return self._store.bot_user

    @property
    def callback_query_timeout(self) -> float:
        """Seconds after which a callback query can no longer be answered (by :attr:`clock`)."""
        return self._messages.callback_query_timeout

    @callback_query_timeout.setter
    def callback_query_timeout(self, seconds: float) -> None:
        self._messages.callback_query_timeout = seconds

    @property
    def delete_message_limit(self) -> float:
        """Age in seconds after which the bot may no longer delete a message."""
        return self._messages.delete_message_limit

    @delete_message_limit.setter
    def delete_message_limit(self, seconds: float) -> None:
        self._messages.delete_message_limit = seconds

    # -- users and chats ------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """Register a user and their private chat with the bot (chat id == user id)."""
        return self._store.add_user(user_id, first_name, language_code, username, last_name)

    def add_group(self, chat_id: int, title: str) -> JSONDict:
        """Register a group the bot is a member of (ids from -100… are supergroups)."""
        return self._store.add_group(chat_id, title)

    def user(self, user_id: int) -> JSONDict:
        return dict(self._store.users[user_id])

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to their chat answers 403."""
        self._store.private_chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        self._store.private_chat(user_id).blocked = False

    # -- pushing updates ------------------------------------------------------------------------

    def push_update(self, update: JSONDict) -> int:
        """Queue a raw update; ``update_id`` is assigned unless given (it must then grow)."""
        return self._updates.push(update)

    def push_message(self, user_id: int, text: str, chat_id: int | None = None) -> int:
        """A user writes ``text``; returns the update id."""
        return self.push_update({"message": self._store.user_writes(user_id, text, chat_id)})

    def push_location(
        self, user_id: int, latitude: float, longitude: float, chat_id: int | None = None
    ) -> int:
        """A user sends a location (a map pin); returns the update id."""
        message = self._store.user_sends_location(user_id, latitude, longitude, chat_id)
        return self.push_update({"message": message})

    def push_document(self, user_id: int, content: bytes, filename: str) -> int:
        """A user sends a file; returns the update id."""
        return self.push_update(
            {"message": self._store.user_sends_document(user_id, content, filename)}
        )

    def push_callback(
        self, user_id: int, message_id: int, data: str, chat_id: int | None = None
    ) -> tuple[int, str]:
        """A user taps an inline button carrying ``data``; returns (update id, query id)."""
        query = self._store.user_taps(user_id, message_id, data, chat_id)
        return self.push_update({"callback_query": query}), str(query["id"])

    def push_bot_membership(self, user_id: int, chat_id: int, status: str) -> int:
        """A user adds the bot to a group (``status`` "member") or removes it ("left"): the
        ``my_chat_member`` update Telegram sends the bot; returns the update id."""
        store = self._store
        was = "left" if status in ("member", "administrator") else "member"
        change: JSONDict = {
            "chat": store.chat_json(store.chat(chat_id)),
            "from": dict(store.known_user(user_id)),
            "date": int(store.clock()),
            "old_chat_member": {"user": dict(store.bot_user), "status": was},
            "new_chat_member": {"user": dict(store.bot_user), "status": status},
        }
        return self.push_update({"my_chat_member": change})

    async def wait_fetched(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates call confirmed ``update_id`` (its offset went past it)."""
        await self._updates.wait_fetched(
            update_id,
            timeout,
            lambda: self.base_url if self._runner else "this FakeBotApi",
        )

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot."""
        return self._updates.pending

    # -- inspection -----------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Snapshots of the chat's messages (bot's and users'), oldest first, without deleted."""
        return self._store.messages(chat_id)

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        return self._store.message(chat_id, message_id)

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSONDict]:
        """The command list set for exactly this scope and language (empty if none)."""
        return self._profile.commands((scope_type, chat_id, user_id, language_code))

    def bot_text(self, key: str, language_code: str = "") -> str | None:
        """What setMyDescription / setMyShortDescription / setMyName stored."""
        return self._profile.text(key, language_code)

    def file(self, file_id: str) -> StoredFile:
        return self._store.files[file_id]

    def calls_of(self, method: str) -> list[JSONDict]:
        """Parameters of every call to ``method`` (case-insensitive), in order."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    @property
    def callback_answers(self) -> dict[str, CallbackAnswer]:
        """What the bot answered to each callback query, by query id."""
        return self._store.callback_answers

    @property
    def webhook_url(self) -> str:
        return self._updates.webhook_url

    @property
    def menu_buttons(self) -> dict[int | None, JSONDict]:
        """The chat menu buttons set, by chat id (``None``: the default)."""
        return self._profile.menu_buttons

    # -- fault injection and change notification ------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with this error instead."""
        self._faults.fail_next(method, error_code, description, retry_after, count)

    def delay_next(self, method: str, seconds: float) -> None:
        """Hold the next call of ``method`` for ``seconds`` before handling it."""
        self._faults.delay_next(method, seconds)

    def random_faults(
        self,
        seed: int,
        rate: float = 0.2,
        kinds: Iterable[str] = ("429", "502", "timeout"),
        *,
        methods: Iterable[str] | None = None,
        retry_after: int = 1,
        timeout_seconds: float = 6.0,
        max_in_a_row: int = 2,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        """From now on, answer a random share ``rate`` of the calls with a fault, drawn from
        ``kinds`` by a ``random.Random(seed)``:

        - ``"429"``: "Too Many Requests: retry after N" with ``parameters.retry_after``
          (``retry_after`` seconds); the call is not carried out.
        - ``"502"``: "Bad Gateway" (Telegram's front end could not reach the Bot API); the call
          is not carried out.
        - ``"timeout"``: the call is carried out, but its answer is held for
          ``timeout_seconds``, longer than the client waits (PTB's default read timeout is
          5 s), so the client gives up without knowing that it worked. Never on
          ``getUpdates``, a long poll whose client waits for as long as the poll itself.

        ``methods`` limits the faults to those Bot API methods (default: all of them).
        ``max_in_a_row`` caps the faults in a row for one method and chat (or callback
        query): the next such call gets through, as after a passing disturbance.
        ``limits`` caps how many of a kind are injected in all (``{"timeout": 2}``).
        403 is not random: :meth:`block` a user and every message to them is refused.
        Every injected fault is listed in :attr:`injected_faults`; call
        :meth:`stop_random_faults` to end the mode.
        """
        self._faults.random_faults(
            seed,
            rate,
            kinds,
            methods=methods,
            retry_after=retry_after,
            timeout_seconds=timeout_seconds,
            max_in_a_row=max_in_a_row,
            limits=limits,
        )

    def stop_random_faults(self) -> None:
        self._faults.stop_random_faults()

    @property
    def injected_faults(self) -> list[InjectedFault]:
        """Every fault :meth:`random_faults` injected, in order."""
        return self._faults.injected

    def set_rate_limits(
        self,
        per_second: float | None = None,
        per_chat_per_second: float | None = None,
        *,
        edits: bool = False,
    ) -> None:
        """Enforce Telegram's flood limits (``None`` switches one off); with ``edits``, the
        calls that edit a message count as much as those that send one (``editMessageText``,
        ``editMessageCaption``, ``editMessageMedia``, ``editMessageReplyMarkup``).

        A limit of ``r`` messages a second allows at most ``max(1, floor(r))`` sending calls
        in any sliding window of ``max(1, floor(r)) / r`` seconds (30/s: 30 in any second;
        1/s: one a second), counted on the server's arrival of each call, by
        ``time.monotonic()`` when the server takes the call (after any :meth:`delay_next`). A call
        over a limit is not carried out and is answered 429
        with ``retry_after``: the whole seconds until the window has room again (at least 1).
        """
        self._limits.set(per_second, per_chat_per_second, edits=edits)

    @property
    def rate_limited(self) -> int:
        """429 answers given by the rate limits (not by :meth:`fail_next`)."""
        return self._limits.rate_limited

    @property
    def sent_times(self) -> list[tuple[str, float]]:
        """``time.monotonic()`` of every sending call that passed the rate limits (while any
        limit is set), with its method."""
        return self._limits.sent_times

    def on_change(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(event)`` on every message sent, edited or deleted and every callback
        answer.  Coroutine listeners are scheduled as tasks.  Returns an unsubscribe function."""
        return self._changes.add(listener)

    # -- HTTP -----------------------------------------------------------------------------------

    def _record(self, name: str, params: JSONDict) -> None:
        self.calls.append((name, params))
        keep_last(self.calls, self.history)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        known = self._methods.get(method.lower())
        name = known[0] if known else method
        try:
            params = await read_params(request)
        except ApiError as error:
            self._record(name, {})
            return error.response()
        self._record(name, params)
        if request.match_info["token"] != self._token:
            return ApiError(401, "Unauthorized").response()

        delay = self._faults.delay(name)
        if delay is not None:
            await asyncio.sleep(delay)
        planned = self._faults.planned(name)
        if planned is not None:
            return planned.response()
        injected = self._faults.draw(name, params)
        if isinstance(injected, ApiError):
            return injected.response()
        response = await self._carry_out(name, known, params)
        if injected is not None:
            # Carried out; the answer comes after the client has stopped waiting for it.
            await asyncio.sleep(injected)
        return response

    async def _carry_out(
        self, name: str, known: tuple[str, MethodHandler] | None, params: JSONDict
    ) -> web.Response:
        limited = self._limits.check(name, params)
        if limited is not None:
            return limited.response()
        if known is None:
            _log.warning("FakeBotApi: method %s is not implemented", name)
            return ApiError(404, "Not Found").response()
        try:
            result = await known[1](params)
        except ApiError as error:
            return error.response()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._store.files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self._token or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )
