"""A tiny PTB bot for the fake Bot API's end-to-end test: a greeting with buttons, an echo
(slow enough for two users to interleave), a non-blocking slow command and a tap that edits."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.simulator.fake_bot_api import FakeBotApi

GREETING = {"sr": "Zdravo, {name}!", "en": "Hello, {name}!"}


def echo_application(api: FakeBotApi, errors: list[BaseException]) -> Any:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        language = update.effective_user.language_code or "en"
        await update.effective_message.reply_html(
            GREETING.get(language, GREETING["en"]).format(name=update.effective_user.first_name),
            reply_markup=InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton("Da", callback_data="answer:yes")],
                    [
                        InlineKeyboardButton("Ne", callback_data="answer:no"),
                        InlineKeyboardButton("Sajt", url="https://example.com"),
                    ],
                ]
            ),
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await asyncio.sleep(0.05)  # let the two users interleave
        await update.effective_message.reply_html(f"<b>Echo:</b> {update.effective_message.text}")

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await asyncio.sleep(0.2)
        await update.effective_message.reply_text("slow done")

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer(f"OK {query.data}")
        await query.edit_message_text(f"Izabrano: <i>{query.data}</i>", parse_mode="HTML")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("slow", slow, block=False))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(tapped))
    application.add_error_handler(on_error)
    return application
