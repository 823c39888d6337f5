"""Prometheus metrics, one registry per bot (so that tests and the simulator never clash).

Served by the ops server at ``/metrics`` (see :mod:`bot.runtime.ops`). What they count:

- ``kapacitet_updates_total{type}``: updates processed, by type (message, callback_query, ...);
- ``kapacitet_handler_errors_total{error}``: exceptions that reached the error handler;
- ``kapacitet_task_errors_total{task}``: failures of the periodic background tasks;
- ``kapacitet_messages_sent_total{method}``: sendMessage, sendDocument, sendPhoto and
  editMessageText calls that Telegram accepted;
- ``kapacitet_outbox_pending``: announcement messages waiting in the outbox (read at scrape);
- ``kapacitet_reminder_lag_seconds``: from a reminder's due time to its sending;
- ``kapacitet_database_up``: 1 when the last scrape could read the database;
- the process's own: CPU, memory, open files, garbage collection, Python version.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE_LATEST
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

SENT_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})
"""Bot API methods counted as messages sent."""

REMINDER_LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600)


class Metrics:
    """The bot's counters and gauges, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.updates = Counter(
            "kapacitet_updates",
            "Updates from Telegram processed, by type.",
            ["type"],
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "kapacitet_handler_errors",
            "Exceptions raised while handling an update, by exception type.",
            ["error"],
            registry=self.registry,
        )
        self.task_errors = Counter(
            "kapacitet_task_errors",
            "Failures of periodic background tasks (reminders, feedback, ...), by task.",
            ["task"],
            registry=self.registry,
        )
        self.messages_sent = Counter(
            "kapacitet_messages_sent",
            "Messages Telegram accepted from the bot, by Bot API method.",
            ["method"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "kapacitet_outbox_pending",
            "Announcement messages waiting in the outbox (status pending), read at each scrape.",
            registry=self.registry,
        )
        self.reminder_lag = Histogram(
            "kapacitet_reminder_lag_seconds",
            "Seconds from the time a session reminder fell due to the time it was sent.",
            buckets=REMINDER_LAG_BUCKETS,
            registry=self.registry,
        )
        self.database_up = Gauge(
            "kapacitet_database_up",
            "1 when the database answered at the last scrape, else 0.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
