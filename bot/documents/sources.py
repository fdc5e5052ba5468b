"""The files of one message (or album) as the pages of one note.

A photo, a JPEG/PNG/HEIC sent as a file: one page, read by the engine as it is. A PDF: its
pages (text layer or rendered). A multi-page TIFF: its frames. The bytes decide, not the
file name or MIME type the user's client claims.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.documents.images import tiff_frames
from bot.documents.pdf import is_pdf, read_pdf
from bot.documents.refs import PageRef
from bot.errors import TooManyPages
from bot.ocr.model import Page


@dataclass(frozen=True, slots=True)
class Limits:
    max_pages: int  # MAX_PDF_PAGES: pages of documents in one note
    max_side: int  # OCR_MAX_SIDE: a PDF page is rendered no larger
    max_pixels: int  # MAX_PIXELS: per TIFF frame, checked before decoding


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One page of the note to be: ``read`` already (a PDF text layer), or ``image`` bytes
    for the engine. ``ref`` is what the note stores for the page (see bot/documents/refs)."""

    ref: str
    image: bytes = b""
    read: Page | None = None


def needs_splitting(data: bytes) -> bool:
    """Whether :func:`pages_of` does more than pass the bytes on (cheap: the magic bytes)."""
    return is_pdf(data) or data.startswith((b"II*\x00", b"MM\x00*"))


async def pages_for(
    files: list[tuple[str, bytes]], language: str, limits: Limits
) -> list[SourcePage]:
    """:func:`pages_of` without blocking the event loop: rendering a PDF is CPU work, done in
    a thread; a photo (the usual case) passes straight through."""
    if not any(needs_splitting(data) for _, data in files):
        return [SourcePage(file_id, data) for file_id, data in files]
    return await asyncio.to_thread(pages_of, files, language=language, limits=limits)


def pages_of(files: list[tuple[str, bytes]], *, language: str, limits: Limits) -> list[SourcePage]:
    """The pages of ``files`` ((file_id, bytes) in the order sent), or an InputError."""
    pages: list[SourcePage] = []
    split = 0  # pages that came out of documents, against the limit
    for file_id, data in files:
        room = limits.max_pages - split
        try:
            if is_pdf(data):
                found = read_pdf(
                    data,
                    file_id,
                    language=language,
                    max_pages=room,
                    max_side=limits.max_side,
                    max_pixels=limits.max_pixels,
                )
                pages += [SourcePage(str(p.ref), p.image, p.page) for p in found]
                split += len(found)
                continue
            frames = tiff_frames(data, file_id, max_pages=room, max_pixels=limits.max_pixels)
        except TooManyPages as exc:
            # Counted over the whole album, against the one limit the user can know.
            raise TooManyPages(split + exc.pages, limits.max_pages) from exc
        if frames is None:
            pages.append(SourcePage(str(PageRef(file_id)), data))
            continue
        pages += [SourcePage(str(f.ref), f.image) for f in frames]
        split += len(frames)
    return pages
