"""Photos in: download, show progress, recognise off the event loop, start a review."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.errors import BotError, ImageTooLarge, PhotoRefused, QueueFull, UnsupportedImage
from bot.handlers import card, review
from bot.handlers import telegram_io as io
from bot.handlers.progress import Status, drop, show_typing
from bot.handlers.services import Asker, asker_of, services
from bot.reading import ReadJob
from bot.shared import AlbumPage, LostPhoto

log = logging.getLogger(__name__)

# Telegram delivers an album as separate messages sharing a media_group_id, close together.
ALBUM_WAIT_SECONDS = 1.5
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
    if not too_big and await svc.reader.admits(user.id):
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
            drop(prefetched)


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
            drop(left)
        return
    pages: asyncio.Future[list[bytes]] | None = None
    typing_shown = None
    if download is not None:
        # The album gathers in silence for a moment: "typing…" says it was received.
        typing_shown = asyncio.ensure_future(show_typing(context, chat.id))
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
        for job in [pages, typing_shown, *taken.values()]:
            if job is not None:
                drop(job)


async def _pages(downloads: list[asyncio.Future[list[bytes]]]) -> list[bytes]:
    """The album's pages in order, once every download is done (the first error raised)."""
    return [image for page in await io.all_done(downloads) for image in page]


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
    t, reader = who.t, services(context).reader
    # Should this instance die while reading, another one tells the user to send it again.
    lost = LostPhoto(chat_id, reply_to.message_id if reply_to else None, t.language)
    status: Status | None = None
    try:
        async with reader.admit(who.user_id, lost) as job:
            # The download is on the way to the first result, so its request goes out first.
            download = (
                prefetched
                if prefetched is not None
                else asyncio.ensure_future(io.download_all(context.bot, file_ids))
            )
            # The user sees at once that the photo is being read, or where it waits in line:
            # the status says so straight away (downloading is part of reading to the user),
            # so the engine's first notice costs no edit. Reading does not wait for it.
            status = Status(context, chat_id, t, len(file_ids), reader.ahead(), reply_to)
            try:
                await _read_and_review(context, who, chat_id, job, file_ids, download, status)
            except BotError as exc:
                if not isinstance(exc, QueueFull):
                    log.info(
                        "photo of user %s failed: %s %s",
                        who.user_id,
                        type(exc).__name__,
                        exc.detail,
                    )
                # Until it became the summary, the status says what went wrong.
                shown = None if status.is_summary else await status.settled()
                await _tell(context, chat_id, shown, t.error(exc))
                job.told()
    except PhotoRefused as exc:
        await context.bot.send_message(chat_id, t.error(exc))
    finally:
        if status is not None:
            status.abandon()


async def _read_and_review(
    context: ContextTypes.DEFAULT_TYPE,
    who: Asker,
    chat_id: int,
    job: ReadJob,
    file_ids: list[str],
    download: asyncio.Future[list[bytes]],
    status: Status,
) -> None:
    t = who.t
    note = await job.read(file_ids, download, who.language, progress=status)
    # A status message that could not be sent ends the photo here, as an error the user is
    # told about (bot/handlers/errors.py); nothing is saved.
    message = await status.settled()
    if not note.has_text:
        await message.edit_text(t("photo-no-text"))
        return
    # From here the status message is the summary's first message (no "Done" edit, one round
    # trip fewer); anything that goes wrong later is told in a new message.
    status.is_summary = True
    await card.start_review(
        context,
        t,
        chat_id,
        who.user_id,
        note,
        threshold=who.threshold,
        status=message.message_id,
    )


async def _tell(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, status: Message | None, text: str
) -> None:
    if status is not None:
        await status.edit_text(f"⚠️ {text}")
    else:
        await context.bot.send_message(chat_id, f"⚠️ {text}")
