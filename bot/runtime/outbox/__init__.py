"""The outbox: delivers announcements row by row, within Telegram's limits, at most once.

Confirming an announcement writes one ``outbox`` row per recipient (``pending``); the worker
(started in ``post_init``, stopped in ``post_stop``, woken when an announcement is confirmed)
sends them and tells the author how it went. A message that may have gone out is never sent
again. The parts: :mod:`.pacing` (Telegram's limits), :mod:`.rows` (the database side),
:mod:`.sending`, :mod:`.summary` (the author's summary) and :mod:`.worker`.
"""

from bot.runtime.outbox.pacing import PACE, backoff, certainly_not_sent, retry_seconds
from bot.runtime.outbox.sending import SENDERS, DrainReport
from bot.runtime.outbox.summary import summary_text
from bot.runtime.outbox.worker import (
    Worker,
    drain,
    sending_bot,
    start_worker,
    stop_worker,
    wake,
    wake_on_commit,
)

__all__ = [
    "PACE",
    "SENDERS",
    "DrainReport",
    "Worker",
    "backoff",
    "certainly_not_sent",
    "drain",
    "retry_seconds",
    "sending_bot",
    "start_worker",
    "stop_worker",
    "summary_text",
    "wake",
    "wake_on_commit",
]
