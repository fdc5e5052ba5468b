"""The searchable PDF of notes, sent as a file: for /export pdf and a note's 📄 PDF button."""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from telegram import InputFile
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.export.pages import gather, page_count
from bot.export.pdf import write_pdf
from bot.handlers.services import services
from bot.handlers.telegram_io import download
from bot.i18n import Translator
from bot.storage.notes import Note

log = logging.getLogger(__name__)

# Pages in one PDF: each is fetched from Telegram again, and the file must stay under the
# 50 MB a bot may send. /export pdf takes the newest notes that fit.
MAX_EXPORT_PAGES = 100
MAX_SEND_BYTES = 50 * 1024 * 1024


def newest_that_fit(notes: Sequence[Note], limit: int = MAX_EXPORT_PAGES) -> list[Note]:
    """The newest of ``notes`` (given oldest first) whose pages add up to at most ``limit``,
    oldest first again; always at least the newest one."""
    chosen: list[Note] = []
    total = 0
    for note in reversed(notes):
        total += page_count(note)
        if chosen and total > limit:
            break
        chosen.append(note)
    return chosen[::-1]


async def send_pdf(
    context: ContextTypes.DEFAULT_TYPE, t: Translator, chat_id: int, notes: Sequence[Note]
) -> None:
    """The user gets one PDF of ``notes`` whose text they can search, select and copy."""
    svc = services(context)
    chosen = newest_that_fit(notes)
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    except Exception as exc:  # only a hint
        log.info("upload indicator not shown: %r", exc)
    with tempfile.TemporaryDirectory(prefix="notes-pdf-") as tmp:

        async def fetch(file_id: str) -> bytes:
            return await download(context.bot, file_id, Path(tmp))

        gathered = await gather(chosen, fetch, max_pixels=svc.settings.max_pixels)
    title = t("export-title") if len(chosen) > 1 else t("pdf-title-note", id=chosen[0].id)
    data = await asyncio.to_thread(write_pdf, gathered.pages, title=title)
    if len(data) > MAX_SEND_BYTES:
        await context.bot.send_message(chat_id, t("pdf-too-large"))
        return
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    name = f"notes-{stamp}.pdf" if len(chosen) > 1 else f"note-{chosen[0].id}.pdf"
    caption = t("pdf-caption")
    if len(chosen) < len(notes):
        caption = t("pdf-caption-newest", pages=MAX_EXPORT_PAGES)
    await context.bot.send_document(
        chat_id, InputFile(io.BytesIO(data), filename=name), caption=caption
    )
    if gathered.missing:
        where = ", ".join(
            t("pdf-missing-page", note=note, page=page) for note, page in gathered.missing
        )
        await context.bot.send_message(chat_id, t("pdf-missing", pages=where))
