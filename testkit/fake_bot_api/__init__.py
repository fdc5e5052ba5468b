"""A fake Telegram Bot API server for end-to-end tests.

The real python-telegram-bot ``Application`` talks to this server over real HTTP on 127.0.0.1,
so the tests exercise the same request/response path as production (HTTPX, JSON parsing, error
mapping, rate limiter, webhook server) without touching the network.

Two sides:

* the *server* side answers Bot API methods (``getUpdates``, ``sendMessage``, ``editMessageText``,
  ``getFile``, file downloads, ...) with Telegram-shaped JSON and Telegram's error texts;
* the *user* side (``user_sends_text``, ``user_sends_photo``, ``user_presses`` ...) is what a
  test calls to play the human, and the observation helpers (``bot_messages``, ``wait_for`` ...)
  are what it asserts on.

The server is a ``ThreadingHTTPServer`` in a daemon thread: it needs nothing beyond the stdlib,
and blocking long-polls (``getUpdates``) cannot stall the test's event loop. All state sits behind
one re-entrant lock; every change wakes long-polls (``threading.Condition``) and async waiters
(``loop.call_soon_threadsafe``), so tests wait on events instead of sleeping.

The rooms: ``server`` (HTTP, downloads, webhook delivery), ``methods`` and ``messages`` (the
Bot API methods), ``state`` (chats, messages, files, updates), ``user_side`` (what a test does
as the user), ``observation`` (what it asserts on), ``faults`` (the fault switches), and
``records``, ``params``, ``text_rules``, ``errors`` beneath them.

Fault switches (``rate_limit``, ``fail_method``, ``fail_get_file``, ``truncate_downloads``,
``delay_method``) let tests provoke the failures the bot must survive.

Usage::

    async with FakeBotApi("123:abc") as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        async with running_bot(app):                      # testkit/harness.py
            fake.user_sends_photo(chat_id=1, user_id=1, image_bytes=png)
            reply = await fake.wait_for(lambda: fake.last_bot_message(1))
"""

from __future__ import annotations

from testkit.fake_bot_api.errors import JSON, ApiError
from testkit.fake_bot_api.faults import FaultSwitches
from testkit.fake_bot_api.observation import Observation
from testkit.fake_bot_api.records import (
    AnsweredCallback,
    BotMessage,
    SentFile,
    Upload,
    WebhookDelivery,
)
from testkit.fake_bot_api.server import ApiServer
from testkit.fake_bot_api.text_rules import html_to_plain
from testkit.fake_bot_api.user_side import UserSide

__all__ = [
    "JSON",
    "AnsweredCallback",
    "ApiError",
    "BotMessage",
    "FakeBotApi",
    "SentFile",
    "Upload",
    "WebhookDelivery",
    "html_to_plain",
]


class FakeBotApi(UserSide, Observation, FaultSwitches, ApiServer):
    """Fake Telegram Bot API. ``start()`` it (or ``async with``), point PTB at ``base_url``."""
