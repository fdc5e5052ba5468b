"""Images in, beyond one photo a file: the pages of a multi-page TIFF (a scanner's output), and
an upright copy of any page for the searchable PDF.

Validation of what the engine reads stays in bot/ocr/preprocess.py (the one gate every
image passes, HEIC included); here a TIFF is only split, each frame checked by its header
for the same pixel limit before it is decoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.documents.heif import enable_heif
from bot.documents.refs import PageRef
from bot.errors import DecompressionBomb, EmptyFile, TooManyPages, UnsupportedImage

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


@dataclass(frozen=True, slots=True)
class Frame:
    ref: PageRef
    image: bytes  # PNG of the frame, upright


def tiff_frames(
    data: bytes, file_id: str, *, max_pages: int, max_pixels: int
) -> list[Frame] | None:
    """The pages of a TIFF with several, as PNGs; None for any other file (read as it is)."""
    if not data.startswith(_TIFF_MAGIC):
        return None
    try:
        img = Image.open(io.BytesIO(data))
        count = int(getattr(img, "n_frames", 1))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedImage(detail=f"TIFF: {exc}") from exc
    if count <= 1:
        return None
    if count > max_pages:
        raise TooManyPages(count, max_pages)
    frames: list[Frame] = []
    for index in range(count):
        try:
            img.seek(index)
            width, height = img.size
            if width * height > max_pixels:
                raise DecompressionBomb(detail=f"TIFF page {index + 1}: {width}x{height}")
            page = upright(img)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise UnsupportedImage(detail=f"TIFF page {index + 1}: {exc}") from exc
        buf = io.BytesIO()
        page.save(buf, "PNG", compress_level=1)
        frames.append(Frame(PageRef(file_id, "tiff", index), buf.getvalue()))
    return frames


def upright(img: Image.Image) -> Image.Image:
    """Decoded, turned as its EXIF (or TIFF) orientation says, in RGB or L."""
    img.load()
    try:
        turned = ImageOps.exif_transpose(img)
    except Exception:  # a broken EXIF block: the page as stored
        turned = img
    if turned.mode in ("RGB", "L"):
        return turned.copy() if turned is img else turned
    if "A" in turned.getbands() or "transparency" in turned.info:
        rgba = turned.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return turned.convert("RGB")


def open_page(data: bytes, ref: PageRef, *, max_pixels: int) -> Image.Image:
    """The page ``ref`` names in a photo or TIFF file, upright (for the searchable PDF)."""
    if not data:
        raise EmptyFile(detail="0 bytes")
    enable_heif()
    try:
        img = Image.open(io.BytesIO(data))
        if ref.kind == "tiff":
            img.seek(ref.index)
        width, height = img.size
        if width * height > max_pixels:
            raise DecompressionBomb(detail=f"{width}x{height}")
        return upright(img)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UnsupportedImage(detail=f"page {ref}: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise DecompressionBomb(detail=str(exc)) from exc


def is_plain_jpeg(data: bytes) -> bool:
    """A JPEG that a PDF can hold as it is (DCTDecode): upright already, RGB or grey. Such a
    page goes into the searchable PDF byte for byte, without a second lossy encoding."""
    if not data.startswith(b"\xff\xd8"):
        return False
    try:
        img = Image.open(io.BytesIO(data))
        orientation = img.getexif().get(0x0112, 1)
    except Exception:
        return False
    return img.format == "JPEG" and img.mode in ("RGB", "L") and orientation in (0, 1)
