"""The review card's pictures: a review's photos (kept in memory while it is fresh, else
fetched again from Telegram by file_id) and a line's crop from them."""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import ContextTypes

from bot.documents.refs import files
from bot.errors import BotError
from bot.handlers import telegram_io as io
from bot.handlers.services import services
from bot.review.annotate import blank_card, line_crop
from bot.review.session import ReviewSession

log = logging.getLogger(__name__)


async def photos_of(context: ContextTypes.DEFAULT_TYPE, s: ReviewSession) -> list[bytes]:
    """The review's photos: kept in memory while it is fresh, else fetched again by file_id."""
    svc = services(context)
    kept = svc.photos.get(s.id)
    if kept is None:
        # A reading sent through the API: its pages are in the database, for every instance.
        kept = await svc.db.pages.all(s.id)
        if kept is not None:
            svc.keep_photos(s.id, kept)
    if kept is None:
        # The pages are references into the files sent (a PDF's page, a TIFF's frame): the
        # files are fetched again and split into pages as when they were first read.
        ids = files(s.pages)
        data = await io.download_all(context.bot, ids)
        sources = await svc.reader.pages(list(zip(ids, data, strict=True)), s.language)
        by_ref = {source.ref: source.image for source in sources}
        kept = [by_ref.get(ref, b"") for ref in s.pages]
        svc.keep_photos(s.id, kept)
    return kept


async def crop(context: ContextTypes.DEFAULT_TYPE, s: ReviewSession, i: int) -> bytes:
    """Line ``i``'s picture for the card: its crop from the page, or a blank card."""
    line = s.line(i)
    try:
        photos = await photos_of(context, s)
    except BotError as exc:  # e.g. Telegram no longer serves a saved note's photo
        log.info("no photo for review %s: %r", s.id, exc)
        photos = []
    image = photos[line.page] if line.page < len(photos) else b""
    if not image:  # a page taken from a PDF's text layer: no picture of it is kept
        return await asyncio.to_thread(blank_card)
    try:
        # Decoding and cropping is CPU work: in a thread, so it never stalls other chats.
        return await asyncio.to_thread(line_crop, image, line.box)
    except Exception:  # the picture helps, it is never a reason to fail the review
        log.exception("could not crop line %s of review %s", i, s.id)
        return await asyncio.to_thread(blank_card)
