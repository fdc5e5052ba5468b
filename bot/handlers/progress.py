"""A photo's status message: sent at once, then edited with its place in line and the page
being read, until it becomes the summary (or says what went wrong)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Message
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.i18n import Translator

log = logging.getLogger(__name__)

# The status message shows a new queue place or page at most this often (see Status).
PROGRESS_EDIT_SECONDS = 1.0


class Status:
    """The status message of one photo job.

    Sent at once, but nothing waits for it until the result or an error is shown in it. Queue
    places and page numbers are edits sent one at a time in the background, the newest text
    winning: the engine calls ``on_queue`` right before it starts, and a worker must not sit
    idle for a round trip to Telegram. At most one such edit per PROGRESS_EDIT_SECONDS: each
    photo that finishes moves every waiting photo up one place, and an edit for each of them
    every time is load (and Telegram's flood limits) for news a second later is as good."""

    def __init__(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        t: Translator,
        count: int,
        ahead: int,
        reply_to: Message | None,
    ) -> None:
        self._context, self._chat_id, self._t = context, chat_id, t
        text = progress_text(t, 1, count, ahead)
        self._sending = asyncio.ensure_future(
            context.bot.send_message(
                chat_id, text, reply_to_message_id=reply_to.message_id if reply_to else None
            )
        )
        self._shown = self._wanted = text
        self._editing: asyncio.Future[None] | None = None
        self._typing: asyncio.Future[None] | None = None
        self._final = False
        # The message now shows what was read (the summary): errors go to a new message.
        self.is_summary = False
        self._in_flight = False
        self._next_edit = 0.0

    def queued(self, page: int, pages: int, ahead: int) -> None:
        self.show(progress_text(self._t, page, pages, ahead))

    def reading(self) -> None:
        """Show "typing…" while the engine reads (after the status: a message from the bot
        clears the indicator; and not during the download, which it would only slow down)."""
        if self._typing is None:
            self._typing = asyncio.ensure_future(self._send_typing())

    async def _send_typing(self) -> None:
        try:
            await asyncio.shield(self._sending)
        except Exception:  # the status failed: that error is the one the user is told
            return
        await show_typing(self._context, self._chat_id)

    def show(self, text: str) -> None:
        if self._final:
            return
        self._wanted = text
        if self._editing is None or self._editing.done():
            self._editing = asyncio.ensure_future(self._edit())

    async def _edit(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            # Shielded: dropping this edit must not cancel the status message itself.
            message = await asyncio.shield(self._sending)
            while not self._final and self._wanted != self._shown:
                wait = self._next_edit - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                text = self._wanted
                self._in_flight = True
                try:
                    await message.edit_text(text)
                finally:
                    self._in_flight = False
                self._shown = text
                self._next_edit = loop.time() + PROGRESS_EDIT_SECONDS
        except Exception as exc:  # a missed progress notice must not fail the photo
            log.info("progress not shown: %r", exc)

    async def settled(self) -> Message:
        """The message, once no progress edit can land after what is shown next. A status
        that could not be sent raises here."""
        self._final = True
        if self._editing is not None and not self._editing.done():
            if self._in_flight:
                await self._editing  # an edit on its way lands first
            else:
                drop(self._editing)  # one waiting for its turn is simply not sent
        return await self._sending

    def abandon(self) -> None:
        """The job is over: stop what is still on its way (shutdown, unexpected errors)."""
        self._final = True
        for job in (self._editing, self._typing, self._sending):
            if job is not None:
                drop(job)


def progress_text(t: Translator, number: int, count: int, ahead: int) -> str:
    """What the status says: being read, or the place in line (``ahead`` photos first)."""
    if count > 1:
        if ahead:
            return t("status-queued-page", page=number, pages=count, ahead=ahead)
        return t("status-reading-page", page=number, pages=count)
    if ahead:
        return t("status-queued", ahead=ahead)
    return t("status-reading")


async def show_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except Exception as exc:  # only a hint: never worth failing the photo for
        log.info("typing indicator not shown: %r", exc)


def drop(job: asyncio.Future[Any]) -> None:
    """A background job nobody needs any more: stopped, and its error (if any) not reported
    as "never retrieved" (whoever needed the result has seen it)."""
    if not job.done():
        job.cancel()
    elif not job.cancelled():
        job.exception()
