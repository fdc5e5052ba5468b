"""PDFs in: each page as lines from its text layer, or as a rendered image for the engine.

PDFium (pypdfium2) opens and renders. Everything a hostile file could abuse is checked
before a page is rendered: the byte size (by the caller), a password, whether PDFium can
open it at all, the page count, every page's size in points, and the pixel count every
image on a page claims (read from its dictionary, not decoded). A page is rendered at a
resolution chosen so its long side is at most ``max_side`` pixels (OCR_MAX_SIDE), so no
page, however large it claims to be, costs more than one ordinary photo.

PDFium is not thread-safe: every call into it here holds one process-wide lock.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

from bot.documents.refs import PageRef
from bot.errors import PageTooLarge, PdfBroken, PdfLocked, TooManyPages
from bot.ocr.decide.guess import text_language
from bot.ocr.model import Box, Line, Page

log = logging.getLogger(__name__)

# ISO 32000-1, Annex C: a page side is at most 14,400 units (200 inches). Larger claims are
# not documents but attempts to make a renderer allocate gigabytes.
MAX_PAGE_POINTS = 14_400.0
# Under this a page cannot hold a line of text (and its pixel size would round to nothing).
MIN_PAGE_POINTS = 3.0
# Small pages are rendered at most this sharp: more pixels only slow the engine down.
MAX_RENDER_DPI = 300.0
# The engine name on pages taken from a text layer (shown nowhere, stored with the note).
TEXT_LAYER_ENGINE = "pdf-text"
_MAGIC = b"%PDF-"

_PDFIUM = threading.Lock()


def is_pdf(data: bytes) -> bool:
    """PDF readers accept the header anywhere in the first 1024 bytes; so do we."""
    return _MAGIC in data[:1024]


@dataclass(frozen=True, slots=True)
class PdfPage:
    """One page as read from the PDF: ``page`` when its text layer had text, else ``image``
    (PNG, ``size`` pixels) for the engine."""

    ref: PageRef
    size: tuple[int, int]
    page: Page | None = None
    image: bytes = b""


def render_scale(width_pt: float, height_pt: float, max_side: int) -> float:
    """Pixels per point: the long side at ``max_side`` px, never above MAX_RENDER_DPI."""
    return min(max_side / max(width_pt, height_pt), MAX_RENDER_DPI / 72.0)


def pixel_size(width_pt: float, height_pt: float, scale: float) -> tuple[int, int]:
    return max(1, round(width_pt * scale)), max(1, round(height_pt * scale))


def read_pdf(
    data: bytes,
    file_id: str,
    *,
    language: str,
    max_pages: int,
    max_side: int,
    max_pixels: int = 60_000_000,
) -> list[PdfPage]:
    """Every page of the PDF in ``data``, or an InputError saying why not."""
    with _PDFIUM:
        doc = _open(data)
        try:
            count = len(doc)
            if count == 0:
                raise PdfBroken(detail="no pages")
            if count > max_pages:
                raise TooManyPages(count, max_pages)
            # All sizes first: a bad page at the end refuses the file before any rendering.
            sizes = [doc.get_page_size(i) for i in range(count)]
            for number, (width, height) in enumerate(sizes, start=1):
                _check_size(number, width, height)
            for index in range(count):
                _check_images(doc, index, max_pixels)
            scales = [render_scale(width, height, max_side) for width, height in sizes]
            return [_read_page(doc, i, file_id, language, scales[i]) for i in range(count)]
        finally:
            doc.close()


def render_page(
    data: bytes, index: int, size: tuple[int, int], *, max_pixels: int = 60_000_000
) -> tuple[Image.Image, tuple[float, float]]:
    """Page ``index`` rendered at exactly ``size`` pixels (as it was when read), and its size
    in points (for the export's page size). Raises InputError like :func:`read_pdf`."""
    with _PDFIUM:
        doc = _open(data)
        try:
            if not 0 <= index < len(doc):
                raise PdfBroken(detail=f"no page {index + 1} of {len(doc)}")
            width, height = doc.get_page_size(index)
            _check_size(index + 1, width, height)
            _check_images(doc, index, max_pixels)
            page = doc[index]
            try:
                image = _render(page, size[0] / width)
            finally:
                page.close()
        finally:
            doc.close()
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image, (width, height)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise PdfLocked(detail=str(exc)) from exc
        raise PdfBroken(detail=str(exc)) from exc


def _check_size(number: int, width: float, height: float) -> None:
    if max(width, height) > MAX_PAGE_POINTS:
        raise PageTooLarge(detail=f"page {number}: {width:.0f} x {height:.0f} pt")
    if min(width, height) < MIN_PAGE_POINTS:
        raise PageTooLarge(detail=f"page {number}: {width:.1f} x {height:.1f} pt, too small")


def _check_images(doc: pdfium.PdfDocument, index: int, max_pixels: int) -> None:
    """The decompression-bomb guard inside a page: an image whose dictionary claims more
    pixels than MAX_PIXELS would be decoded whole by the renderer, whatever the page size.
    The sizes are read from the dictionaries; nothing is decoded."""
    page = doc[index]
    try:
        for image in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
            width, height = image.get_px_size()
            if width * height > max_pixels:
                raise PageTooLarge(detail=f"page {index + 1}: an image of {width}x{height} px")
    finally:
        page.close()


def _read_page(
    doc: pdfium.PdfDocument, index: int, file_id: str, language: str, scale: float
) -> PdfPage:
    page = doc[index]
    try:
        size = pixel_size(page.get_width(), page.get_height(), scale)
        ref = PageRef(file_id, "pdf", index, size)
        lines = _text_lines(page, scale)
        if lines:
            # Written by a program, not read from pixels: sure, never put to the user.
            written_in = text_language(language, "\n".join(line.text for line in lines))
            read = Page(TEXT_LAYER_ENGINE, written_in, tuple(lines), size[0], size[1])
            return PdfPage(ref, size, page=read)
        image = _render(page, scale)
    finally:
        page.close()
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=1)  # lives for one job; lossless for the engine
    return PdfPage(ref, image.size, image=buf.getvalue())


def _render(page: pdfium.PdfPage, scale: float) -> Image.Image:
    # White paper behind transparent pages; RGB whatever the page's colour space.
    bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
    try:
        # A copy: to_pil shares the bitmap's memory, which is freed right after, under the
        # lock (not later by the garbage collector, in whatever thread it runs).
        image: Image.Image = bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()
    return image


def _text_lines(page: pdfium.PdfPage, scale: float) -> list[Line]:
    """The text layer's lines (as PDFium orders them), each boxed in rendered pixels."""
    textpage = page.get_textpage()
    try:
        place = _placer(page, scale)
        lines: list[Line] = []
        chars: list[str] = []
        box: list[float] | None = None  # left, bottom, right, top in points

        def end_line() -> None:
            text = "".join(chars).strip()
            if text and box is not None:
                lines.append(Line(" ".join(text.split()), 1.0, place(box)))
            chars.clear()

        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if char in ("\r", "\n"):
                end_line()
                box = None
                continue
            chars.append(char)
            if char.strip():
                x0, y0, x1, y1 = textpage.get_charbox(i)
                box = (
                    [x0, y0, x1, y1]
                    if box is None
                    else [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
                )
        end_line()
        if page.get_rotation():
            # PDFium's order follows the unturned page; the user reads the turned one.
            lines.sort(key=lambda line: (line.box.top, line.box.left) if line.box else (0, 0))
        return lines
    finally:
        textpage.close()


def _placer(page: pdfium.PdfPage, scale: float) -> Callable[[list[float]], Box]:
    """Maps a box in PDF points (left, bottom, right, top) to pixels of the rendered page,
    which PDFium turns by the page's /Rotate (clockwise)."""
    left, bottom, right, top = page.get_cropbox()
    width, height = right - left, top - bottom
    rotation = page.get_rotation() % 360

    def turn(x: float, y: float) -> tuple[float, float]:
        u, v = x - left, top - y  # from the page's top-left corner, y down
        if rotation == 90:
            return height - v, u
        if rotation == 180:
            return width - u, height - v
        if rotation == 270:
            return v, width - u
        return u, v

    def place(box: list[float]) -> Box:
        (u0, v0), (u1, v1) = turn(box[0], box[1]), turn(box[2], box[3])
        x0, x1 = sorted((u0 * scale, u1 * scale))
        y0, y1 = sorted((v0 * scale, v1 * scale))
        return Box(round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))

    return place
