"""Photos in: download, show progress, recognise off the event loop, start a review."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.documents.sources import Limits, pages_for
from bot.errors import BotError, ImageTooLarge, PhotoLost, QueueFull, UnsupportedImage
from bot.handlers import card, review
from bot.handlers import telegram_io as io
from bot.handlers.services import Asker, asker_of, services
from bot.i18n import Translator
from bot.ocr.model import Page
from bot.shared import AlbumPage, LostPhoto, Refusal

log = logging.getLogger(__name__)

# Telegram delivers an album as separate messages sharing a media_group_id, close together.
ALBUM_WAIT_SECONDS = 1.5
# The status message shows a new queue place or page at most this often (see _Status).
PROGRESS_EDIT_SECONDS = 1.0
IMAGE_MIME_PREFIX = "image/"
PDF_MIME = "application/pdf"
# Some clients send these as application/octet-stream; the bytes decide in the end anyway.
DOCUMENT_SUFFIXES = (".pdf", ".heic", ".heif", ".tif", ".tiff")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees a status message, then the text and the lines to check."""
    msg = update.effective_message
    assert msg and msg.photo and update.effective_user
    biggest = msg.photo[-1]
    await _take_image(update, context, biggest.file_id, biggest.file_size)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An image (HEIC too) or a PDF sent as a file is read at full quality, a PDF page by
    page; other files get a short refusal."""
    msg = update.effective_message
    assert msg and msg.document
    doc = msg.document
    mime = (doc.mime_type or "").lower()
    named = (doc.file_name or "").lower().endswith(DOCUMENT_SUFFIXES)
    if not (mime.startswith(IMAGE_MIME_PREFIX) or mime == PDF_MIME or named):
        t = (await asker_of(update, context)).t
        await msg.reply_text(t.error(UnsupportedImage()))
        return
    await _take_image(update, context, doc.file_id, doc.file_size)


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers and animations get a short hint."""
    assert update.effective_message
    t = (await asker_of(update, context)).t
    await update.effective_message.reply_text(t("photo-sticker"))


async def _take_image(
    update: Update, context: ContextTypes.DEFAULT_TYPE, file_id: str, file_size: int | None
) -> None:
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg and user and chat
    svc = services(context)
    prefetched: asyncio.Future[list[bytes]] | None = None
    too_big = bool(file_size and file_size > svc.settings.max_image_bytes)
    if not too_big and await svc.shared.limits.admits(user.id):
        # Whatever the photo turns out to be, it is downloaded: the download goes out while
        # the database says who is asking and whether it replaces a line, or while an album
        # gathers. (A photo the limits refuse is still never fetched.)
        prefetched = asyncio.ensure_future(io.download_all(context.bot, [file_id]))
    try:
        who = await asker_of(update, context)
        if file_size and file_size > svc.settings.max_image_bytes:
            await msg.reply_text(who.t.error(ImageTooLarge()))
            return
        # A photo while a line waits for its replacement is that replacement.
        if await review.take_replacement_photo(
            update, context, who, file_id, prefetched=prefetched
        ):
            return
        if msg.media_group_id:
            # The album takes the download over; it is dropped with the album.
            page, prefetched = prefetched, None
            await _collect_album(
                update, context, who, msg.media_group_id, file_id, file_size, page
            )
            return
        await process_images(context, chat.id, who, [file_id], reply_to=msg, prefetched=prefetched)
    finally:
        if prefetched is not None:
            _drop(prefetched)


async def _collect_album(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    who: Asker,
    group_id: str,
    file_id: str,
    file_size: int | None,
    download: asyncio.Future[list[bytes]] | None,
) -> None:
    """The first page of an album to arrive (at any instance) gathers it; the others join."""
    svc = services(context)
    msg, chat = update.effective_message, update.effective_chat
    assert msg and chat
    # This instance's downloads of the album's pages, for whichever handler here gathers it.
    mine = svc.album_downloads.setdefault(group_id, {})
    if download is not None:
        mine[file_id] = download
    if not await svc.shared.albums.join(group_id, AlbumPage(msg.message_id, file_id, file_size)):
        # Gathered elsewhere (or by an earlier page here): a download the gatherer here did
        # not take is dropped once the album is surely taken.
        await asyncio.sleep(2 * ALBUM_WAIT_SECONDS)
        left = svc.album_downloads.get(group_id, {}).pop(file_id, None)
        if left is not None:
            _drop(left)
        return
    pages: asyncio.Future[list[bytes]] | None = None
    typing = None
    if download is not None:
        # The album gathers in silence for a moment: "typing…" says it was received.
        typing = asyncio.ensure_future(_typing(context, chat.id))
    taken: dict[str, asyncio.Future[list[bytes]]] = {}
    try:
        # The first photo of the album waits for the rest, then reads them all as one note.
        await asyncio.sleep(ALBUM_WAIT_SECONDS)
        album = await svc.shared.albums.take(group_id)
        here = svc.album_downloads.get(group_id, {})
        taken = {page.file_id: here.pop(page.file_id) for page in album if page.file_id in here}
        if not here:
            svc.album_downloads.pop(group_id, None)
        # Pages downloaded here while the album gathered; pages that reached another instance
        # (or that the limits held back) are fetched now.
        started = [
            taken.get(page.file_id)
            or asyncio.ensure_future(io.download_all(context.bot, [page.file_id]))
            for page in album
        ]
        taken = {str(n): job for n, job in enumerate(started)}
        pages = asyncio.ensure_future(_pages(started))
        await process_images(
            context,
            chat.id,
            who,
            [page.file_id for page in album],
            reply_to=msg,
            prefetched=pages,
        )
    finally:
        for job in [pages, typing, *taken.values()]:
            if job is not None:
                _drop(job)


async def _typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except Exception as exc:  # only a hint: never worth failing the photo for
        log.info("typing indicator not shown: %r", exc)


async def _pages(downloads: list[asyncio.Future[list[bytes]]]) -> list[bytes]:
    """The album's pages in order, once every download is done (the first error raised)."""
    return [image for page in await io.all_done(downloads) for image in page]


def _drop(job: asyncio.Future[Any]) -> None:
    """A background job nobody needs any more: stopped, and its error (if any) not reported
    as "never retrieved" (whoever needed the result has seen it)."""
    if not job.done():
        job.cancel()
    elif not job.cancelled():
        job.exception()


async def process_images(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    who: Asker,
    file_ids: list[str],
    *,
    reply_to: Message | None = None,
    prefetched: asyncio.Future[list[bytes]] | None = None,
) -> None:
    """Read every page, then hand the result to the review flow. Errors become one sentence.
    ``prefetched``: the download of ``file_ids``, already on its way."""
    svc = services(context)
    user_id, t = who.user_id, who.t
    refused = await svc.shared.limits.acquire(user_id)
    if refused is not None:
        await context.bot.send_message(
            chat_id,
            t("photo-too-fast") if refused is Refusal.TOO_FAST else t("photo-in-flight"),
        )
        return
    count = len(file_ids)
    # The download is on the way to the first result, so its request goes out first.
    download_job = (
        prefetched
        if prefetched is not None
        else asyncio.ensure_future(io.download_all(context.bot, file_ids))
    )
    # The user sees at once that the photo is being read, or where it waits in line: the
    # status says so straight away (downloading is part of reading to the user), so the
    # engine's first notice costs no edit. Reading does not wait for this message.
    status = _Status(context, chat_id, _progress(t, 1, count, svc.recognizer.ahead()), reply_to)
    errors_to_status = True
    language = who.language
    # Should this instance die while reading, another one tells the user to send it again.
    in_flight = await svc.shared.inflight.add(
        LostPhoto(chat_id, reply_to.message_id if reply_to else None, t.language)
    )
    lost = told = False  # shutting down before the reading came back; its user asked again
    try:
        downloaded = await download_job
        settings = svc.settings
        limits = Limits(settings.max_pdf_pages, settings.ocr_max_side, settings.max_pixels)
        # A PDF or a multi-page TIFF is several pages; any other file one, as it is.
        sources = await pages_for(list(zip(file_ids, downloaded, strict=True)), language, limits)
        count = len(sources)
        status.typing()
        pages: list[Page] = []
        for number, source in enumerate(sources, start=1):
            if source.read is not None:  # a PDF page's text layer: nothing to read
                pages.append(source.read)
                continue

            async def on_queue(ahead: int, number: int = number) -> None:
                status.show(_progress(t, number, count, ahead))

            pages.append(
                await svc.drain.guard(
                    svc.recognizer.recognize(source.image, language, on_queue=on_queue)
                )
            )
        # A status message that could not be sent ends the photo here, as an error the user
        # is told about (bot/handlers/errors.py); nothing is saved.
        message = await status.settled()
        if not any(p.lines for p in pages):
            await message.edit_text(t("photo-no-text"))
            return
        # From here the status message is the summary's first message (no "Done" edit, one
        # round trip fewer); anything that goes wrong later is told in a new message.
        errors_to_status = False
        await card.start_review(
            context,
            t,
            chat_id,
            user_id,
            pages,
            [source.ref for source in sources],
            threshold=who.threshold,
            # Pages taken from a text layer have no lines to box: no crop is ever made of them.
            images=[source.image for source in sources],
            status=message.message_id,
        )
    except QueueFull as exc:
        await _tell(
            context, chat_id, await status.settled() if errors_to_status else None, t.error(exc)
        )
    except BotError as exc:
        log.info("photo from user %s failed: %s %s", user_id, type(exc).__name__, exc.detail)
        lost = isinstance(exc, PhotoLost)
        await _tell(
            context, chat_id, await status.settled() if errors_to_status else None, t.error(exc)
        )
        told = True
    finally:
        status.abandon()
        if lost:
            svc.drain.lose(chat_id, told=told)
        # A lost photo whose user could not be told stays listed: another instance tells them.
        if told or not lost:
            await svc.shared.inflight.remove(in_flight)
        await svc.shared.limits.release(user_id)


class _Status:
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
        text: str,
        reply_to: Message | None,
    ) -> None:
        self._context, self._chat_id = context, chat_id
        self._sending = asyncio.ensure_future(
            context.bot.send_message(
                chat_id, text, reply_to_message_id=reply_to.message_id if reply_to else None
            )
        )
        self._shown = self._wanted = text
        self._editing: asyncio.Future[None] | None = None
        self._typing: asyncio.Future[None] | None = None
        self._final = False
        self._in_flight = False
        self._next_edit = 0.0

    def typing(self) -> None:
        """Show "typing…" while the engine reads (after the status: a message from the bot
        clears the indicator; and not during the download, which it would only slow down)."""
        if self._typing is None:
            self._typing = asyncio.ensure_future(self._send_typing())

    async def _send_typing(self) -> None:
        try:
            await asyncio.shield(self._sending)
        except Exception:  # the status failed: that error is the one the user is told
            return
        await _typing(self._context, self._chat_id)

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
                _drop(self._editing)  # one waiting for its turn is simply not sent
        return await self._sending

    def abandon(self) -> None:
        """The job is over: stop what is still on its way (shutdown, unexpected errors)."""
        self._final = True
        for job in (self._editing, self._typing, self._sending):
            if job is not None:
                _drop(job)


def _progress(t: Translator, number: int, count: int, ahead: int) -> str:
    """What the status says: being read, or the place in line (``ahead`` photos first)."""
    if count > 1:
        if ahead:
            return t("status-queued-page", page=number, pages=count, ahead=ahead)
        return t("status-reading-page", page=number, pages=count)
    if ahead:
        return t("status-queued", ahead=ahead)
    return t("status-reading")


async def _tell(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, status: Message | None, text: str
) -> None:
    if status is not None:
        await status.edit_text(f"⚠️ {text}")
    else:
        await context.bot.send_message(chat_id, f"⚠️ {text}")
