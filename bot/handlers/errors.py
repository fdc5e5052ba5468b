"""Anything unexpected: full traceback in the log, one short sentence to the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.errors import BotError

log = logging.getLogger(__name__)

FALLBACK = "Sorry, something went wrong on my side. Please try again."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user reads one sentence; the bot keeps serving everyone else."""
    error = context.error
    if isinstance(error, BotError):
        text = str(error)
        log.info("user-facing error: %s %s", type(error).__name__, error.detail)
    elif isinstance(error, NetworkError):
        text = "I could not reach Telegram's servers just now. Please send it again."
        log.warning("network error: %s", error)
    else:
        text = FALLBACK
        # exc_info carries the traceback; the token is never part of our messages and
        # httpx's URL logging is silenced in setup_logging.
        log.error("unhandled error", exc_info=error)
    if not isinstance(update, Update):
        return
    if update.callback_query:
        try:
            await update.callback_query.answer(text[:190])
        except TelegramError:
            pass
        return
    if update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            log.warning("could not tell the user about an error")
