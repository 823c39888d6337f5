"""The buttons of ``/content``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.handlers.common.callback_data import CallbackData


@dataclass(frozen=True)
class ContentModule(CallbackData):
    """A module picked in /content: its versions and what can be done."""

    prefix = "cmm"
    module: str


@dataclass(frozen=True)
class ContentWorkbook(CallbackData):
    prefix = "cmw"
    module: str


@dataclass(frozen=True)
class PreviewLanguages(CallbackData):
    prefix = "cml"
    module: str


@dataclass(frozen=True)
class PreviewDraft(CallbackData):
    """Item ``index`` of the draft (its cards, then its questions) in ``language``."""

    prefix = "cmp"
    module: str
    language: str
    index: int


@dataclass(frozen=True)
class PublishDraft(CallbackData):
    """Publishes draft version ``number`` (a button of an older draft is stale)."""

    prefix = "cmx"
    module: str
    number: int


@dataclass(frozen=True)
class RetireModule(CallbackData):
    """Asks (``confirmed`` false), then retires the module: hidden from the catalogue, kept
    for reports. Admins and editors of every language."""

    prefix = "cmr"
    module: str
    confirmed: bool
