"""Anything unexpected: full traceback in the log, one short sentence to the user; and the log
redaction that keeps the bot token (part of every Bot API URL) out of log records."""

from __future__ import annotations

import contextlib
import logging
import re

from telegram import Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ContextTypes

from bot.errors import BotError
from bot.handlers.services import asker, translator_of
from bot.i18n import N_, Translator
from bot.storage.tokens import PREFIX as API_TOKEN_PREFIX

log = logging.getLogger(__name__)

REDACTED = "<bot-token>"
# Loggers that see Bot API URLs (https://.../bot<token>/method, .../file/bot<token>/path).
# httpcore creates its loggers on first use, so they are named here, not discovered.
_URL_LOGGERS = ("httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")
_URL_LOGGER_ROOTS = ("httpx", "httpcore", "telegram", "bot")

FALLBACK = N_("error-fallback")
BUSY = N_("error-busy")
NETWORK = N_("error-network")


async def _translator(update: object, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The user's language as chosen, or Telegram's when even the database is the problem."""
    if isinstance(update, Update) and update.effective_user:
        try:
            return (await asker(context, update.effective_user)).t
        except Exception as exc:
            log.info("error reply in Telegram's language: %r", exc)
    return translator_of(update, context)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user reads one sentence; the bot keeps serving everyone else."""
    error = context.error
    key = FALLBACK
    if isinstance(error, BotError):
        key = ""
        log.info("user-facing error: %s %s", type(error).__name__, error.detail)
    elif isinstance(error, Forbidden):
        # The user blocked the bot or left the chat: there is nobody to tell.
        log.info("forbidden: %s", error)
        return
    elif isinstance(error, RetryAfter):
        key = BUSY
        log.warning("rate limited by Telegram beyond the limiter's retries: %s", error)
    elif isinstance(error, (BadRequest, InvalidToken)):
        # PTB derives these from NetworkError, but they are our bugs (bad HTML, a stale
        # message id...), not the network: full traceback, and no blaming the connection.
        log.error("Telegram refused a request: %s", error, exc_info=error)
    elif isinstance(error, NetworkError):
        key = NETWORK
        log.warning("network error: %s", error)
    else:
        # exc_info carries the traceback; Bot API URLs (with the token) are redacted by
        # redact_token_in_logs, and httpx's URL logging is silenced in setup_logging.
        log.error("unhandled error", exc_info=error)
    if not isinstance(update, Update):
        return
    t = await _translator(update, context)
    text = t.error(error) if isinstance(error, BotError) else t(key)
    if update.callback_query:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(text[:190])
        return
    if update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            log.warning("could not tell the user about an error")


_API_TOKEN = re.compile(re.escape(API_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,}")


class TokenRedactor(logging.Filter):
    """Replaces the token (and its secret half) in a record's message and traceback.

    The message is formatted here, once, and frozen into ``record.msg``: PTB logs API results
    lazily (``%s`` of a dict it later rewrites to a full file URL with the token), so a handler
    that formats later would otherwise print what the dict became, not what it was."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, token: str) -> None:
        # Longest first: the whole token, then the part after "id:" in case a URL was split.
        self.secrets.update(s for s in (token, token.partition(":")[2]) if len(s) >= 8)

    def _clean(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        # Personal API tokens (/api shows one; PTB logs what is sent at DEBUG).
        return _API_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg, record.args = self._clean(message), None
        if record.exc_info and record.exc_info[1] is not None:
            # Formatted here so the traceback text can be cleaned; handlers reuse exc_text.
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_redactor: TokenRedactor | None = None


def redact_token_in_logs(token: str) -> TokenRedactor:
    """Attach one shared redactor to every logger that can see Bot API URLs (idempotent).

    Filters on a logger only see records created on that very logger, so each existing
    logger under httpx/httpcore/telegram/bot gets it; call after telegram is imported."""
    global _redactor
    if _redactor is None:
        _redactor = TokenRedactor()
    _redactor.add(token)
    names = {
        name
        for name in logging.Logger.manager.loggerDict
        if name.split(".", 1)[0] in _URL_LOGGER_ROOTS
    }
    for name in sorted(names | set(_URL_LOGGERS) | set(_URL_LOGGER_ROOTS)):
        logger = logging.getLogger(name)
        if _redactor not in logger.filters:
            logger.addFilter(_redactor)
    return _redactor
