"""``/content``: editors get a module's workbook, send it back, preview and publish the
draft; and the catalogue kept up to date with what is published (``refresh``)."""

from bot.handlers.content.editor import HANDLERS

__all__ = ["HANDLERS"]
