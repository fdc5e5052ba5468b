"""Helpers for end-to-end tests: run the real PTB Application against ``FakeBotApi`` and talk to
it like a user in one chat.

``running_bot`` / ``running_webhook_bot`` own the Application lifecycle (initialize, start the
updater, start, and the reverse on exit even when the test fails), so a failing test does not leave
a poller hammering the fake. ``Conversation`` keeps a "since my last action" mark so
``await_reply`` only accepts bot messages sent or edited after what the user just did.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from testkit.fake_bot_api import JSON, AnsweredCallback, BotMessage, FakeBotApi

if TYPE_CHECKING:
    # Type-only: the harness drives whatever Application the test built.
    from telegram.ext import Application, Updater

    from bot.config import Settings

    AnyApp = Application[Any, Any, Any, Any, Any, Any]

__all__ = ["Conversation", "free_port", "running_bot", "running_instance", "running_webhook_bot"]


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (for the bot's webhook server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def _lifecycle(
    app: AnyApp, start_updater: Callable[[], Awaitable[Any]]
) -> AsyncIterator[None]:
    # Same order as Application.run_polling/run_webhook, including the post_* hooks: the bot
    # opens its database and registers commands in post_init, which initialize() alone skips.
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await start_updater()
        try:
            await app.start()
            try:
                yield
            finally:
                await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def _updater(app: AnyApp) -> Updater:
    if app.updater is None:
        raise RuntimeError("the Application was built without an Updater")
    return app.updater


@asynccontextmanager
async def running_bot(app: AnyApp, *, poll_timeout: int = 1) -> AsyncIterator[AnyApp]:
    """Run ``app`` with long polling (post_init .. post_shutdown included) for the block."""
    updater = _updater(app)

    async def start() -> None:
        await updater.start_polling(poll_interval=0, timeout=poll_timeout)

    async with _lifecycle(app, start):
        yield app


@asynccontextmanager
async def running_webhook_bot(
    app: AnyApp,
    fake: FakeBotApi,
    port: int,
    secret: str,
    *,
    url_path: str = "telegram",
) -> AsyncIterator[AnyApp]:
    """Run ``app`` with PTB's webhook server on 127.0.0.1:``port``; the fake then POSTs updates
    to it with ``secret`` in X-Telegram-Bot-Api-Secret-Token."""
    updater = _updater(app)
    webhook_url = f"http://127.0.0.1:{port}/{url_path}"

    async def start() -> None:
        await updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=url_path,
            webhook_url=webhook_url,
            secret_token=secret,
        )
        if fake.webhook_url != webhook_url:
            raise RuntimeError(f"setWebhook did not reach the fake: {fake.webhook_url!r}")

    async with _lifecycle(app, start):
        yield app


class Conversation:
    """One user in one private chat with the bot."""

    def __init__(
        self,
        fake: FakeBotApi,
        chat_id: int,
        user_id: int | None = None,
        *,
        language_code: str | None = "en",
    ) -> None:
        self.fake = fake
        self.chat_id = chat_id
        self.user_id = chat_id if user_id is None else user_id
        # Telegram's language of the user's app, sent with every update.
        self.language_code = language_code
        self._mark = fake.revision

    def _act(self) -> None:
        # Replies must come after this action; earlier bot messages are not answers to it.
        self._mark = self.fake.revision

    def send_text(self, text: str, reply_to: int | None = None) -> JSON:
        self._act()
        return self.fake.user_sends_text(
            self.chat_id, self.user_id, text, reply_to, language_code=self.language_code
        )

    def send_command(self, command: str, args: str = "") -> JSON:
        self._act()
        return self.fake.user_sends_command(
            self.chat_id, self.user_id, command, args, language_code=self.language_code
        )

    def send_photo(
        self,
        image_bytes: bytes,
        caption: str | None = None,
        *,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> JSON:
        self._act()
        return self.fake.user_sends_photo(
            self.chat_id,
            self.user_id,
            image_bytes,
            caption,
            media_group_id,
            file_size=file_size,
            language_code=self.language_code,
        )

    def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str,
        *,
        caption: str | None = None,
        file_size: int | None = None,
    ) -> JSON:
        self._act()
        return self.fake.user_sends_document(
            self.chat_id,
            self.user_id,
            data,
            file_name,
            mime_type,
            caption=caption,
            file_size=file_size,
            language_code=self.language_code,
        )

    def press(self, button: str, message_id: int | None = None) -> str:
        """Press the button whose text or callback_data is ``button`` on ``message_id`` (default:
        the newest bot message that has such a button). Returns the callback query id."""
        candidates = self.fake.bot_messages(self.chat_id)
        if message_id is not None:
            candidates = [m for m in candidates if m.message_id == message_id]
        for msg in reversed(candidates):
            for row in msg.buttons:
                for text, data in row:
                    if button in (text, data) and data is not None:
                        self._act()
                        return self.fake.user_presses(
                            self.chat_id,
                            self.user_id,
                            msg.message_id,
                            data,
                            language_code=self.language_code,
                        )
        raise AssertionError(
            f"no button {button!r} on "
            f"{'message ' + str(message_id) if message_id else 'any bot message'}; have "
            f"{[(m.message_id, m.buttons) for m in candidates]}"
        )

    async def await_callback_answer(
        self,
        query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - handed to the fake's event wait
    ) -> AnsweredCallback:
        """The bot's answerCallbackQuery for a press (Telegram clients spin until it comes)."""

        def answered() -> AnsweredCallback | None:
            return next(
                (a for a in self.fake.answered_callbacks if a.callback_query_id == query_id), None
            )

        return await self.fake.wait_for(answered, timeout=timeout)

    def bot_messages(self) -> list[BotMessage]:
        return self.fake.bot_messages(self.chat_id)

    def last_bot_message(self) -> BotMessage:
        msg = self.fake.last_bot_message(self.chat_id)
        if msg is None:
            raise AssertionError(f"the bot has not written in chat {self.chat_id}")
        return msg

    async def await_reply(
        self,
        predicate: Callable[[BotMessage], bool] | None = None,
        *,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - handed to the fake's event wait
    ) -> BotMessage:
        """The newest bot message sent or edited since the user's last action that matches
        ``predicate`` and whose visible text or caption (HTML decoded) contains ``contains``.
        Does not move the mark, so several awaits after one action see the same window."""
        mark = self._mark

        def match() -> BotMessage | None:
            for msg in reversed(self.fake.bot_messages(self.chat_id)):
                if msg.revision <= mark:
                    continue
                if contains is not None and contains not in msg.visible:
                    continue
                if predicate is not None and not predicate(msg):
                    continue
                return msg
            return None

        return await self.fake.wait_for(match, timeout=timeout)

    async def await_lines(self, lines: Sequence[str], timeout: float = 90) -> None:  # noqa: ASYNC109
        """Wait until every one of ``lines`` shows in the bot's messages in this chat (in any
        of them, at any time: several photos of one user are answered in any order)."""

        def seen() -> bool:
            screen = "\n".join(m.visible for m in self.bot_messages())
            return all(line in screen for line in lines)

        await self.fake.wait_for(seen, timeout=timeout)


@asynccontextmanager
async def serving_webhook(app: AnyApp, settings: Settings) -> AsyncIterator[AnyApp]:
    """Run ``app`` as `notes-ocr-bot run` does in webhook mode (bot.app.serve_webhook): one
    ASGI server on WEBHOOK_LISTEN:WEBHOOK_PORT for the webhook, the API and /health; on the
    way out, what SIGTERM does (the drain begins, the server stops taking requests)."""
    from bot.app import serve_webhook

    stopping, serving = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve_webhook(app, settings, stopping, serving))
    started = asyncio.create_task(serving.wait())
    await asyncio.wait((task, started), timeout=120, return_when=asyncio.FIRST_COMPLETED)
    if not serving.is_set():
        started.cancel()
        task.cancel()
        raise RuntimeError(f"the webhook server did not start: {task}")
    try:
        yield app
    finally:
        stopping.set()
        await task


@asynccontextmanager
async def running_instance(
    app: AnyApp, port: int, secret: str, public_url: str
) -> AsyncIterator[AnyApp]:
    """One of several instances behind a load balancer: PTB's webhook server on
    127.0.0.1:``port``, with ``public_url`` (the balancer) registered at the fake."""
    updater = _updater(app)

    async def start() -> None:
        await updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            webhook_url=public_url,
            secret_token=secret,
        )

    async with _lifecycle(app, start):
        yield app


async def until(condition: Callable[[], object], timeout: float) -> None:  # noqa: ASYNC109
    """Wait until ``condition()`` holds (for state with no event to wait on, e.g. in Redis or
    in logs: looked at often)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.05)
