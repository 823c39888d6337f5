"""``/content``: editors get a module's workbook or a language's PO file, send it back,
preview and publish the draft; and the catalogue kept up to date with what is published
(``refresh``)."""

from bot.handlers.common.entry import Handlers
from bot.handlers.content import editor, po_file

HANDLERS: Handlers = (*editor.HANDLERS, *po_file.HANDLERS)

__all__ = ["HANDLERS"]
