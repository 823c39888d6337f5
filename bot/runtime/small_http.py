"""A small HTTP/1.1 server for reading pages (GET and HEAD), over asyncio's streams with h11.

The ops server (``/health``, ``/metrics``, ``/verify/<code>``) runs in every deployment and
answers a few requests a minute. aiohttp served it until its import was measured at some
10 MiB of an idle bot of about 100 (docs/benchmarks.md, "Idle memory"); h11, the HTTP/1.1
protocol library python-telegram-bot's httpx already loads, parses and writes the messages
here, and this module only routes. Each connection carries one request and is closed
(``Connection: close``); a request that is not HTTP, too large or too slow is refused
without reaching a route. The webhook, which takes bodies from Telegram, keeps aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import h11

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024
"""Bytes of a request line and headers: a page's GET needs a few hundred."""
READ_SECONDS = 10.0
"""A client that has not sent its whole request by then is let go."""
ANSWER_SECONDS = 30.0
"""A route still working by then (a database that hangs) answers 503."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = field(default=())


Route = Callable[[str], Awaitable[Reply | None]]
"""Given the path (percent-decoded, without the query), a reply; None: not found."""


def text_reply(status: int, text: str) -> Reply:
    return Reply(status, text.encode(), "text/plain; charset=utf-8")


class SmallServer:
    """Listens on ``host:port`` (0: a free port, see :attr:`port`) and answers with ``route``."""

    def __init__(self, route: Route, host: str, port: int) -> None:
        self._route = route
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Raises OSError when the address cannot be listened on."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away: nothing to answer
        except asyncio.CancelledError:
            # The server stops (:meth:`stop`): the task ends here, quietly (asyncio logs a
            # connection's task that ends cancelled as an error).
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        try:
            async with asyncio.timeout(READ_SECONDS):
                request = await _read_request(connection, reader)
        except TimeoutError:
            return  # nothing sensible to say to a client that says nothing
        except h11.RemoteProtocolError as error:
            status = error.error_status_hint
            with contextlib.suppress(h11.LocalProtocolError):
                await _send(writer, connection, text_reply(status, f"{status}: Bad Request"), True)
            return
        if request is None:
            return
        method = request.method.decode("ascii", "replace")
        if method not in ("GET", "HEAD"):
            reply = text_reply(405, "405: Method Not Allowed")
            reply = Reply(405, reply.body, reply.content_type, (("Allow", "GET, HEAD"),))
        else:
            path = unquote(urlsplit(request.target.decode("ascii", "replace")).path)
            try:
                async with asyncio.timeout(ANSWER_SECONDS):
                    reply = await self._route(path) or text_reply(404, "404: Not Found")
            except TimeoutError:
                reply = text_reply(503, "503: Service Unavailable")
            except Exception:
                log.exception("the ops server could not answer")
                reply = text_reply(500, "500: Internal Server Error")
        await _send(writer, connection, reply, method != "HEAD")


async def _read_request(
    connection: h11.Connection, reader: asyncio.StreamReader
) -> h11.Request | None:
    """The request's head, its body (if any) read and left; None if the client closed. A
    method other than GET or HEAD is returned at once, its body unread (it gets 405)."""
    request: h11.Request | None = None
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await reader.read(MAX_HEAD))
        elif isinstance(event, h11.Request):
            if event.method not in (b"GET", b"HEAD"):
                return event
            request = event
        elif isinstance(event, h11.EndOfMessage):
            return request
        elif isinstance(event, h11.ConnectionClosed):
            return None
        # h11.Data: a body nobody here reads


async def _send(
    writer: asyncio.StreamWriter, connection: h11.Connection, reply: Reply, with_body: bool
) -> None:
    headers = [
        ("Content-Type", reply.content_type),
        ("Content-Length", str(len(reply.body))),
        ("Connection", "close"),
        *reply.headers,
    ]
    parts = [connection.send(h11.Response(status_code=reply.status, headers=headers))]
    if with_body and reply.body:
        parts.append(connection.send(h11.Data(data=reply.body)))
    parts.append(connection.send(h11.EndOfMessage()))
    writer.write(b"".join(part for part in parts if part))
    await writer.drain()
