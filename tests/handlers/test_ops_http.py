"""The ops server's HTTP, played by a client that misbehaves: other methods, requests that
are not HTTP, too large or too slow, unknown paths, HEAD. Each is answered (or dropped) and
reaches no route: the database holds no health mark afterwards."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.runtime import marks, small_http
from tests.handlers.test_ops import ops_server
from tests.support.harness import Harness


async def exchange(port: int, raw: bytes) -> bytes:
    """Sends ``raw`` as it is and reads until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 15)
    finally:
        writer.close()


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


async def health_marks(harness: Harness) -> int:
    async with harness.deps.database.session() as db:
        return 0 if await marks.when(db, marks.HEALTH) is None else 1


async def test_what_is_not_a_get_of_a_known_page_is_refused_before_any_route(
    harness: Harness,
) -> None:
    async with ops_server(harness.deps) as server:
        post = await exchange(
            server.port, b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
        )
        # A body announced but never sent: refused without waiting for it.
        upload = await exchange(
            server.port, b"PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"
        )
        garbage = await exchange(server.port, b"HELLO THERE\r\n\r\n")
        huge = await exchange(
            server.port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
        )
        unknown = [
            await exchange(server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            for path in ("/", "/etc/passwd", "/verify/", "/verify/a/b", "/healthz")
        ]
    assert status_of(post) == 405 and b"\r\nAllow: GET, HEAD\r\n" in post
    assert status_of(upload) == 405
    assert status_of(garbage) == 400
    assert status_of(huge) == 431
    assert [status_of(answer) for answer in unknown] == [404] * 5
    assert all(answer.endswith(b"404: Not Found") for answer in unknown)
    assert await health_marks(harness) == 0


async def test_head_answers_the_headers_of_get_without_the_body(harness: Harness) -> None:
    async with ops_server(harness.deps) as server:
        head = await exchange(server.port, b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n")
        get = await exchange(server.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(head) == status_of(get) == 200
    assert head.endswith(b"\r\n\r\n") and get.endswith(b'{"status": "ok", "database": "ok"}')
    assert b"Content-Type: application/json; charset=utf-8" in head
    assert b"Connection: close" in head


async def test_a_client_that_sends_nothing_is_let_go_and_does_not_hold_the_stop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(small_http, "READ_SECONDS", 0.5)
    async with ops_server(harness.deps) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /hea")  # and nothing more
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed, nothing said
        writer.close()
        _idle_reader, idle = await asyncio.open_connection("127.0.0.1", server.port)
        started = time.monotonic()
    assert time.monotonic() - started < 5  # stopped with a connection open
    idle.close()
    assert await health_marks(harness) == 0
