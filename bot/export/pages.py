"""A note's pages for the searchable PDF: each original image fetched again, with its lines.

Image bytes are never stored: a note keeps each page's Telegram file_id (or a reference into
a PDF or TIFF, bot/documents/refs.py), and the export asks Telegram for it again. A page
whose file Telegram no longer serves (or that no longer decodes) becomes a text page: the
note's lines drawn on a blank page, searchable like the others, and it is counted in
``missing`` so the user can be told.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from bot.documents.images import is_plain_jpeg, open_page
from bot.documents.pdf import render_page
from bot.documents.refs import PageRef, parse
from bot.errors import BotError
from bot.export.pdf import ExportPage, PageImage, TextLine
from bot.storage.notes import Note

log = logging.getLogger(__name__)

# A photo's page is its pixels at this resolution: 150 dpi is what pdftoppm and most viewers
# render at by default, so the page comes back at the photo's own size.
PHOTO_DPI = 150.0
JPEG_QUALITY = 85
# Telegram downloads at once, per export.
FETCHES_AT_ONCE = 4
# A text page: A4 at PHOTO_DPI.
TEXT_PAGE_SIZE = (1240, 1754)
_TEXT_MARGIN, _TEXT_PX = 110, 30
# The first font found draws text pages (Noto Sans CJK covers Chinese and Vietnamese both).
TEXT_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)

Fetch = Callable[[str], Awaitable[bytes]]


@dataclass
class Gathered:
    pages: list[ExportPage] = field(default_factory=list)
    missing: list[tuple[int, int]] = field(default_factory=list)  # (note id, page 1-based)


def page_count(note: Note) -> int:
    return max(1, len(note.file_ids))


async def gather(notes: Sequence[Note], fetch: Fetch, *, max_pixels: int) -> Gathered:
    """Every page of ``notes`` in order, ready for :func:`bot.export.pdf.write_pdf`."""
    refs = {note.id: [parse(ref) for ref in note.file_ids] for note in notes}
    wanted = list(dict.fromkeys(ref.file_id for note in notes for ref in refs[note.id]))
    gate = asyncio.Semaphore(FETCHES_AT_ONCE)

    async def fetch_one(file_id: str) -> bytes:
        async with gate:
            return await fetch(file_id)

    got = await asyncio.gather(*(fetch_one(f) for f in wanted), return_exceptions=True)
    for item in got:
        # Only a BotError means "Telegram would not give it"; anything else is a bug.
        if isinstance(item, BaseException) and not isinstance(item, BotError):
            raise item
    files: dict[str, bytes | BaseException] = dict(zip(wanted, got, strict=True))
    result = Gathered()
    for note in notes:
        by_page = _lines_by_page(note)
        if not refs[note.id]:  # nothing was ever stored for its pages: the text alone
            result.pages += await asyncio.to_thread(text_pages, by_page.get(0, []))
            continue
        for number, ref in enumerate(refs[note.id]):
            lines = by_page.get(number, [])
            data = files[ref.file_id]
            try:
                if isinstance(data, BaseException):
                    raise data
                page = await asyncio.to_thread(image_page, data, ref, lines, max_pixels)
            except BotError as exc:
                log.info(
                    "note %s page %s: no image (%s %s)",
                    note.id,
                    number + 1,
                    type(exc).__name__,
                    exc.detail,
                )
                result.missing.append((note.id, number + 1))
                result.pages += await asyncio.to_thread(text_pages, lines)
                continue
            result.pages.append(page)
    return result


def _lines_by_page(note: Note) -> dict[int, list[TextLine]]:
    """The lines that are in the note (the user's text for retyped ones), by page. Notes
    stored before lines had a place put all their lines on page 1, unplaced."""
    pages: dict[int, list[TextLine]] = {}
    for line in note.lines:
        if line.get("state") == "dropped" or not str(line.get("text", "")).strip():
            continue
        box = line.get("box")
        placed = None
        if isinstance(box, list) and len(box) == 4:
            left, top, width, height = (int(v) for v in box)
            placed = (left, top, width, height)
        page = int(line.get("page") or 0)
        pages.setdefault(page, []).append(TextLine(str(line["text"]), placed))
    if not note.lines and note.text.strip():
        pages[0] = [TextLine(text) for text in note.text.splitlines() if text.strip()]
    return pages


def image_page(data: bytes, ref: PageRef, lines: list[TextLine], max_pixels: int) -> ExportPage:
    """The page ``ref`` names in ``data``, with its lines. Raises InputError."""
    if ref.kind == "pdf" and ref.size is not None:
        rendered, (width_pt, height_pt) = render_page(
            data, ref.index, ref.size, max_pixels=max_pixels
        )
        return ExportPage(_jpeg(rendered), width_pt, height_pt, lines)
    if ref.kind == "image" and is_plain_jpeg(data):
        with Image.open(io.BytesIO(data)) as img:
            image = PageImage(data, img.width, img.height, grey=img.mode == "L")
    else:
        image = _jpeg(open_page(data, ref, max_pixels=max_pixels))
    return ExportPage(image, _points(image.width), _points(image.height), lines)


def _points(pixels: int) -> float:
    """A side of ``pixels`` at PHOTO_DPI in points, a hair under (a thousandth of a point):
    renderers take the ceiling of points * dpi / 72, and 643 px must not come back 644."""
    return math.floor(pixels * 72_000 / PHOTO_DPI - 1) / 1000


def _jpeg(img: Image.Image) -> PageImage:
    grey = img.mode == "L"
    buf = io.BytesIO()
    (img if grey else img.convert("RGB")).save(buf, "JPEG", quality=JPEG_QUALITY)
    return PageImage(buf.getvalue(), img.width, img.height, grey=grey)


@cache
def _text_font() -> Any:
    for path in TEXT_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, _TEXT_PX)
    return ImageFont.load_default(_TEXT_PX)


def text_pages(lines: list[TextLine]) -> list[ExportPage]:
    """The lines drawn on blank A4 pages (as many as they need), each searchable."""
    font = _text_font()
    width, height = TEXT_PAGE_SIZE
    usable = width - 2 * _TEXT_MARGIN
    step = int(_TEXT_PX * 1.6)
    rows = [row for line in lines for row in _wrap(line.text, font, usable)] or [""]
    per_page = (height - 2 * _TEXT_MARGIN) // step
    pages: list[ExportPage] = []
    for start in range(0, len(rows), per_page):
        img = Image.new("L", TEXT_PAGE_SIZE, 255)
        draw = ImageDraw.Draw(img)
        placed: list[TextLine] = []
        for n, row in enumerate(rows[start : start + per_page]):
            top = _TEXT_MARGIN + n * step
            draw.text((_TEXT_MARGIN, top), row, fill=0, font=font)
            if row:
                row_w = max(1, int(draw.textlength(row, font=font)))
                placed.append(TextLine(row, (_TEXT_MARGIN, top, row_w, _TEXT_PX)))
        pages.append(ExportPage(_jpeg(img), _points(width), _points(height), placed))
    return pages


def _wrap(text: str, font: Any, width: int) -> list[str]:
    """``text`` cut into rows no wider than ``width`` (at spaces, or anywhere for CJK)."""
    rows: list[str] = []
    row = ""
    for char in text:
        if font.getlength(row + char) <= width or not row:
            row += char
            continue
        cut = row.rfind(" ")
        if cut > 0:
            rows.append(row[:cut])
            row = row[cut + 1 :] + char
        else:
            rows.append(row)
            row = char
    rows.append(row)
    return [r.strip() for r in rows]
