"""Helpers shared by the tests: the Telegram test driver."""
