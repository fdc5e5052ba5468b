"""Telegram I/O every handler shares: downloading a photo, keyboards from button specs,
editing a message in place (text, caption or picture), dropping answered buttons, and sending
a long text (split, plus a .txt file when it does not fit one message)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import tempfile
import uuid
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TypeVar, cast

import aiofiles
from telegram import (
    Bot,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
    WebAppInfo,
)
from telegram.error import BadRequest, TelegramError

from bot.errors import DownloadFailed, ImageTooLarge
from bot.review.render import ButtonSpec, MessageSpec

log = logging.getLogger(__name__)
T = TypeVar("T")
HTML = "HTML"


def button(spec: ButtonSpec) -> InlineKeyboardButton:
    if spec.copy_text is not None:
        # Copies the text to the user's clipboard; the bot hears nothing of the tap.
        return InlineKeyboardButton(spec.text, copy_text=CopyTextButton(spec.copy_text))
    if spec.web_app is not None:
        return InlineKeyboardButton(spec.text, web_app=WebAppInfo(spec.web_app))
    return InlineKeyboardButton(spec.text, callback_data=spec.callback_data)


def markup(buttons: Sequence[Sequence[ButtonSpec]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[button(b) for b in row] for row in buttons])


# --------------------------------------------------------------------------- downloads


async def download(bot: Bot, file_id: str, folder: Path) -> bytes:
    """getFile, download, and keep a copy in this job's folder (written with aiofiles); the
    bytes already in memory are returned, not read back from the disk.

    Any Telegram failure on the way (getFile refused, 429 after retries, a cut-off or timed-out
    download) becomes a BotError, so every caller tells the user the same."""
    try:
        tg_file = await bot.get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        if "too big" in exc.message.lower():
            # Telegram omitted file_size, so the size check before getFile could not stop it.
            raise ImageTooLarge(detail=f"getFile of {file_id}: {exc.message}") from exc
        raise DownloadFailed(detail=f"download of {file_id}: {exc!r}") from exc
    # The name is ours, never the user's file name.
    path = folder / f"{uuid.uuid4().hex}.img"
    async with aiofiles.open(path, "wb") as fh:
        await fh.write(data)
    return data


async def download_all(bot: Bot, file_ids: Sequence[str]) -> list[bytes]:
    """Every page of an album at once; the job's folder is removed only after all are done."""
    with tempfile.TemporaryDirectory(prefix="notes-ocr-") as tmp:
        return await all_done([download(bot, fid, Path(tmp)) for fid in file_ids])


async def all_done(jobs: Sequence[Awaitable[T]]) -> list[T]:
    """Every result in order, once every job has ended (none left running), or the first
    error among them."""
    got = await asyncio.gather(*jobs, return_exceptions=True)
    for item in got:
        if isinstance(item, BaseException):
            raise item
    return cast("list[T]", got)


# --------------------------------------------------------------------------- in place


def _not_modified(exc: BadRequest) -> bool:
    return "not modified" in exc.message.lower()


async def edit_text(bot: Bot, chat_id: int, message_id: int, spec: MessageSpec) -> None:
    """The message now reads ``spec`` (HTML), with its buttons or none."""
    try:
        await bot.edit_message_text(
            spec.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=HTML,
            reply_markup=markup(spec.buttons),
        )
    except BadRequest as exc:
        if not _not_modified(exc):
            raise


async def edit_caption(bot: Bot, chat_id: int, message_id: int, spec: MessageSpec) -> None:
    """A photo message's caption (and buttons) now read ``spec``; the picture stays."""
    try:
        await bot.edit_message_caption(
            chat_id=chat_id,
            message_id=message_id,
            caption=spec.text,
            parse_mode=HTML,
            reply_markup=markup(spec.buttons),
        )
    except BadRequest as exc:
        if not _not_modified(exc):
            raise


async def edit_photo(
    bot: Bot, chat_id: int, message_id: int, picture: bytes, spec: MessageSpec
) -> None:
    """A photo message shows a new picture with ``spec`` as its caption: one editMessageMedia."""
    # attach=True: the file goes in its own multipart field, named in the media JSON; without
    # it the upload would take the "media" field itself and Telegram could not parse the JSON.
    upload = InputFile(io.BytesIO(picture), filename="line.jpg", attach=True)
    media = InputMediaPhoto(upload, caption=spec.text, parse_mode=HTML)
    await bot.edit_message_media(
        media, chat_id=chat_id, message_id=message_id, reply_markup=markup(spec.buttons)
    )


async def send_photo(bot: Bot, chat_id: int, picture: bytes, spec: MessageSpec) -> Message:
    return await bot.send_photo(
        chat_id,
        InputFile(io.BytesIO(picture), filename="line.jpg"),
        caption=spec.text,
        parse_mode=HTML,
        reply_markup=markup(spec.buttons),
    )


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """An answered question keeps no live buttons; one already without them is fine."""
    with contextlib.suppress(BadRequest):
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def say(bot: Bot, chat_id: int, spec: MessageSpec, in_place_of: int | None = None) -> int:
    """``spec`` in place of message ``in_place_of`` when given, else as a new message; the
    message id it ended up in."""
    if in_place_of is not None:
        await edit_text(bot, chat_id, in_place_of, spec)
        return in_place_of
    sent = await bot.send_message(
        chat_id, spec.text, parse_mode=HTML, reply_markup=markup(spec.buttons)
    )
    return sent.message_id


# --------------------------------------------------------------------------- long text


async def send_long_text(
    bot: Bot,
    chat_id: int,
    chunks: Sequence[str],
    *,
    document: tuple[str, str, str] | None = None,
    buttons: Sequence[Sequence[ButtonSpec]] = (),
) -> None:
    """HTML ``chunks`` (already split to Telegram's limit) in order, ``buttons`` under the last;
    when they are more than one and ``document`` (file name, content, caption) is given, the
    whole text follows as a file, which is easier to keep than a run of messages."""
    for n, chunk in enumerate(chunks, start=1):
        keyboard = markup(buttons) if n == len(chunks) else None
        await bot.send_message(chat_id, chunk, parse_mode=HTML, reply_markup=keyboard)
    if document is not None and len(chunks) > 1:
        filename, content, caption = document
        await bot.send_document(
            chat_id,
            InputFile(io.BytesIO(content.encode("utf-8")), filename=filename),
            caption=caption,
        )
