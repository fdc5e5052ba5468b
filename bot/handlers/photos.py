"""Photos in: download, show progress, recognise off the event loop, start a review."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import aiofiles
from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.app import services
from bot.errors import BotError, ImageTooLarge, QueueFull, UnsupportedImage
from bot.handlers import review
from bot.handlers.commands import user_choices
from bot.ocr.model import Page

log = logging.getLogger(__name__)

# Telegram delivers an album as separate messages sharing a media_group_id, close together.
ALBUM_WAIT_SECONDS = 1.5
IMAGE_MIME_PREFIX = "image/"
DOWNLOAD_FAILED = "I could not download this photo from Telegram. Please send it again."


@dataclass
class _Album:
    chat_id: int
    user_id: int
    items: list[tuple[str, int | None]] = field(default_factory=list)  # (file_id, file_size)


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user sees a status message, then the text and the lines to check."""
    msg = update.effective_message
    assert msg and msg.photo and update.effective_user
    biggest = msg.photo[-1]
    await _take_image(update, context, biggest.file_id, biggest.file_size)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An image sent as a file is read at full quality; other files get a short refusal."""
    msg = update.effective_message
    assert msg and msg.document
    doc = msg.document
    if not (doc.mime_type or "").startswith(IMAGE_MIME_PREFIX):
        await msg.reply_text(UnsupportedImage().user_message)
        return
    await _take_image(update, context, doc.file_id, doc.file_size)


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers and animations get a short hint."""
    assert update.effective_message
    await update.effective_message.reply_text(
        "Animated images and stickers are not supported. Please send a still photo."
    )


async def _take_image(
    update: Update, context: ContextTypes.DEFAULT_TYPE, file_id: str, file_size: int | None
) -> None:
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg and user and chat
    svc = services(context)
    if file_size and file_size > svc.settings.max_image_bytes:
        await msg.reply_text(ImageTooLarge().user_message)
        return
    # A photo while a line waits for its replacement is that replacement.
    if await review.take_replacement_photo(update, context, file_id):
        return
    if msg.media_group_id:
        await _collect_album(update, context, msg.media_group_id, file_id, file_size)
        return
    await process_images(context, chat.id, user.id, [file_id], reply_to=msg)


async def _collect_album(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    group_id: str,
    file_id: str,
    file_size: int | None,
) -> None:
    svc = services(context)
    assert update.effective_chat and update.effective_user
    album = svc.albums.get(group_id)
    if album is None:
        album = _Album(update.effective_chat.id, update.effective_user.id)
        svc.albums[group_id] = album
        assert isinstance(album, _Album)
        album.items.append((file_id, file_size))
        # The first photo of the album waits for the rest, then reads them all as one note.
        await asyncio.sleep(ALBUM_WAIT_SECONDS)
        svc.albums.pop(group_id, None)
        await process_images(
            context,
            album.chat_id,
            album.user_id,
            [fid for fid, _ in album.items],
            reply_to=update.effective_message,
        )
        return
    assert isinstance(album, _Album)
    album.items.append((file_id, file_size))


async def download(context: ContextTypes.DEFAULT_TYPE, file_id: str, folder: Path) -> bytes:
    """getFile, then write the bytes with aiofiles into this job's folder and read them back.

    Any Telegram failure on the way (getFile refused, 429 after retries, a cut-off or timed-out
    download) becomes a BotError with one sentence, so every caller tells the user the same."""
    try:
        tg_file = await context.bot.get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        if "too big" in exc.message.lower():
            # Telegram omitted file_size, so the size check before getFile could not stop it.
            raise ImageTooLarge(detail=f"getFile of {file_id}: {exc.message}") from exc
        raise BotError(DOWNLOAD_FAILED, detail=f"download of {file_id}: {exc!r}") from exc
    # The name is ours, never the user's file name.
    path = folder / f"{uuid.uuid4().hex}.img"
    async with aiofiles.open(path, "wb") as fh:
        await fh.write(data)
    async with aiofiles.open(path, "rb") as fh:
        return await fh.read()


def _over_rate(times: deque[float], per_minute: int) -> bool:
    """Sliding one-minute window: True (and nothing recorded) when the user is over the limit."""
    now = time.monotonic()
    while times and now - times[0] > 60:
        times.popleft()
    if len(times) >= per_minute:
        return True
    times.append(now)
    return False


async def process_images(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    user_id: int,
    file_ids: list[str],
    *,
    reply_to: Message | None = None,
) -> None:
    """Read every page, then hand the result to the review flow. Errors become one sentence."""
    svc = services(context)
    if _over_rate(svc.recent.setdefault(user_id, deque()), svc.settings.user_photos_per_minute):
        await context.bot.send_message(
            chat_id, "You are sending photos very fast. Please wait a minute and send it again."
        )
        return
    in_flight = svc.in_flight.get(user_id, 0)
    if in_flight >= svc.settings.user_max_in_flight:
        await context.bot.send_message(
            chat_id, "You already have photos being read. Please wait for them to finish."
        )
        return
    svc.in_flight[user_id] = in_flight + 1
    status: Message | None = None
    try:
        language, threshold = await user_choices(context, user_id)
        # Two independent round trips to Telegram: not one after the other.
        sent, _ = await asyncio.gather(
            context.bot.send_message(
                chat_id,
                "⏳ Downloading…",
                reply_to_message_id=reply_to.message_id if reply_to else None,
            ),
            context.bot.send_chat_action(chat_id, ChatAction.TYPING),
        )
        status = sent
        pages: list[Page] = []
        with tempfile.TemporaryDirectory(prefix="notes-ocr-") as tmp:
            images = [await download(context, fid, Path(tmp)) for fid in file_ids]
        for number, image in enumerate(images, start=1):
            label = f" page {number} of {len(images)}" if len(images) > 1 else ""
            shown = {"text": ""}

            async def on_queue(
                ahead: int, label: str = label, shown: dict[str, str] = shown
            ) -> None:
                text = f"🔎 Reading{label}…" if ahead == 0 else f"⏳ Queued{label}: {ahead} ahead"
                if text != shown["text"] and status is not None:
                    shown["text"] = text
                    await status.edit_text(text)

            await on_queue(0)
            pages.append(await svc.recognizer.recognize(image, language, on_queue=on_queue))
        if not any(p.lines for p in pages):
            await sent.edit_text(review.NO_TEXT)
            return
        await sent.edit_text("✅ Done.")
        await review.start_review(
            context, chat_id, user_id, pages, file_ids, threshold=threshold, images=images
        )
    except QueueFull as exc:
        await _tell(context, chat_id, status, str(exc))
    except BotError as exc:
        log.info("photo from user %s failed: %s %s", user_id, type(exc).__name__, exc.detail)
        await _tell(context, chat_id, status, str(exc))
    finally:
        svc.in_flight[user_id] -= 1


async def _tell(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, status: Message | None, text: str
) -> None:
    if status is not None:
        await status.edit_text(f"⚠️ {text}")
    else:
        await context.bot.send_message(chat_id, f"⚠️ {text}")
