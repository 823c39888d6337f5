"""The webhook's server checks the secret before it reads a body, in constant time, and reads
no body above a quarter of a megabyte.

Before, python-telegram-bot's server (tornado) read every body up to 100 MB before it looked
at the secret: one POST of 90 MB from anyone grew the process by 160 MB."""

from __future__ import annotations

from sqlmodel import select

from bot.models import InboundUpdate
from bot.runtime.intake import DurableUpdater
from bot.runtime.webhook import MAX_BODY_BYTES, SECRET_HEADER
from tests.support.harness import Harness
from tests.support.updates import help_update
from tests.support.webhook import WEBHOOK_SECRET, post_update, raw_request, webhook_bot

HUGE = 90 * 1024 * 1024
ANA = 7301


def head(secret: str | None, length: int | None) -> str:
    lines = ["POST /hook HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        lines.append(f"{SECRET_HEADER}: {secret}")
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    return "\r\n".join(lines) + "\r\n\r\n"


def chunked(size: int) -> bytes:
    piece = b"x" * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(size // len(piece))]
    return b"".join(chunks) + b"0\r\n\r\n"


async def test_a_huge_body_is_refused_before_it_is_read(harness: Harness):
    harness.api.add_user(ANA, first_name="Ana", language_code="en")
    async with webhook_bot(harness):
        updater = harness.application and harness.application.updater
        assert isinstance(updater, DurableUpdater) and updater.webhook_port is not None
        port = updater.webhook_port
        # 90 MB promised, nothing sent: answered at once, without waiting for the body.
        assert (await raw_request(port, head(None, HUGE))).startswith(b"HTTP/1.1 403")
        assert (await raw_request(port, head("wrong", HUGE))).startswith(b"HTTP/1.1 403")
        assert (await raw_request(port, head(WEBHOOK_SECRET, HUGE))).startswith(b"HTTP/1.1 413")
        # A body that does not say its size is read up to the bound only.
        answer = await raw_request(port, head(WEBHOOK_SECRET, None), chunked(4 * MAX_BODY_BYTES))
        assert answer.startswith(b"HTTP/1.1 413") or answer == b""
        # Telegram's own updates are taken as before.
        assert await post_update(f"http://127.0.0.1:{port}/hook", help_update(1, ANA)) == 200
        assert harness.application is not None
        await harness.application.update_queue.join()
    async with harness.deps.database.session() as db:
        stored = (await db.exec(select(InboundUpdate.update_id))).all()
    assert stored == [1]
    assert len([m for m in harness.api.messages(ANA) if m.from_bot]) == 1
