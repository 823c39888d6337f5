"""Offline stand-ins for Telegram: a fake Bot API server for tests and the simulator."""
