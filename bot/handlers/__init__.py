"""Telegram handlers: one module or package per feature, each ending with ``HANDLERS``;
``common/`` holds what several features use. ``bot.app`` wires them."""
