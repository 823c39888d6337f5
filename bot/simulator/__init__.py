"""Offline stand-ins for Telegram: a fake Bot API server (:mod:`.fake_bot_api`) for the tests
and the simulator, and the simulator itself (:mod:`.simulator`), the real bot with a chat page."""
