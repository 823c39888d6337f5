"""Kapacitet: a Telegram bot for capacity building of civil-society organisations."""
