"""What a test asserts on: the messages the bot sent, the calls it made, answered buttons,
commands, webhook deliveries; and ``wait_for``, which waits on changes instead of sleeping."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from testkit.fake_bot_api.errors import JSON
from testkit.fake_bot_api.methods import scope_key
from testkit.fake_bot_api.records import AnsweredCallback, BotMessage, WebhookDelivery
from testkit.fake_bot_api.state import ApiState

T = TypeVar("T")


class Observation(ApiState):
    @property
    def revision(self) -> int:
        """Increases on every change; compare against ``BotMessage.revision``."""
        with self._lock:
            return self._revision

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._bot_messages.get(chat_id, {}).values()
                if include_deleted or not m.deleted
            ]

    def bot_message(self, chat_id: int, message_id: int) -> BotMessage | None:
        with self._lock:
            msg = self._bot_messages.get(chat_id, {}).get(message_id)
            return copy.deepcopy(msg) if msg is not None else None

    def last_bot_message(self, chat_id: int) -> BotMessage | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        with self._lock:
            return list(self._answered)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        """``(chat_id, action)`` for every sendChatAction, in order."""
        with self._lock:
            return list(self._chat_actions)

    @property
    def commands(self) -> list[tuple[str, str]]:
        """Commands set for the default scope and no language."""
        return self.commands_for()

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._commands.get((scope_key(scope), language_code), []))

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        """Every API call as ``(method, params)``; uploads appear as ``Upload``."""
        with self._lock:
            return list(self._calls)

    def call_count(self, method: str) -> int:
        with self._lock:
            return sum(1 for name, _ in self._calls if name.lower() == method.lower())

    @property
    def webhook_url(self) -> str | None:
        with self._lock:
            return self._webhook_url

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._webhook_log)

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy and return its value.

        Re-checked on every server change (no polling); raises ``TimeoutError`` naming what the
        bot had sent so far, which is usually what you need to debug the test."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        with self._lock:
            self._async_waiters.add(waiter)
        deadline = loop.time() + timeout
        try:
            while True:
                event.clear()  # clear first: a change during predicate() re-sets it
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(
                        f"condition not met within {timeout}s; bot messages: {self._summary()}"
                    )
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    continue  # one last predicate check, then the deadline check raises
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    def _summary(self) -> str:
        with self._lock:
            return repr(
                {
                    chat: [(m.message_id, m.body[:80], m.button_texts) for m in msgs.values()]
                    for chat, msgs in self._bot_messages.items()
                }
            )
