"""A person through onboarding, as they would tap it in Telegram, and who they became."""

from __future__ import annotations

from sqlmodel import select

from bot.content.catalogue import plain_text
from bot.db import Database
from bot.handlers.onboarding import consent_text
from bot.i18n.translator import Translator
from bot.models import Learner
from tests.support.driver import TelegramUser


async def onboard(
    user: TelegramUser, tr: Translator, native_name: str, organisation: str, country: str
) -> None:
    """``/start``, the language ``native_name``, consent, the organisation, the ``country``
    (its English name), and the remaining questions answered or skipped."""
    await user.send("/start")
    assert user.buttons()[0][0] == "English"
    await user.tap(native_name)
    assert user.last_message().text == plain_text(consent_text(tr))
    await user.tap(tr._("I agree"))
    await user.send(organisation)
    await user.tap(tr._(country))
    await user.tap(tr._("Woman"))
    await user.tap("25–34")
    await user.tap(tr._("Skip this question"))
    assert user.last_message().text == tr._("Thank you, that's all. You can start learning now.")


async def learner_of(database: Database, telegram_id: int) -> Learner:
    async with database.session() as db:
        learner = (await db.exec(select(Learner).where(Learner.telegram_id == telegram_id))).one()
        return learner
