"""Turn the bytes a user sent into an image every engine can read, or a typed InputError.

This is the single gate between untrusted uploads and the OCR engines: size, format,
animation and pixel-count checks happen here (the pixel count from the header, before any
decoding), then EXIF orientation is applied and the page is scaled down to a sane size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.errors import (
    AnimatedImage,
    BadImageShape,
    DecompressionBomb,
    EmptyFile,
    ImageTooLarge,
    UnsupportedImage,
)

# A page of notes is never 40 times wider than tall; such images are banners or attacks.
MAX_ASPECT_RATIO = 40.0
# Below this a side cannot hold even one line of legible writing.
MIN_SIDE = 16
# Formats a phone or a screenshot tool produces. Everything else (PDF, ICO, PSD, EPS...)
# is refused before decoding: fewer decoders exposed to untrusted bytes.
# HEIF: an iPhone photo sent as a file (decoded by pillow-heif once the process has
# registered it: bot/documents/heif.py).
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO", "HEIF"})
# Several frames here mean animation. (MPO is a phone JPEG with a preview frame and a
# multi-page TIFF a scan: for those the first frame is the page.)
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """The image engines read, and how to map its pixels back to the user's photo."""

    image: Image.Image  # mode RGB or L, upright, long side <= max_side
    # Multiply a coordinate in ``image`` by this to get one in the EXIF-rotated original.
    scale: float
    original_size: tuple[int, int]  # (width, height) after EXIF rotation


def prepare(
    data: bytes, *, max_bytes: int, max_pixels: int, max_side: int = 2000
) -> PreparedImage:
    """Validate and normalise an uploaded image. Raises a subclass of InputError."""
    img = _decode(check(data, max_bytes=max_bytes, max_pixels=max_pixels))
    # exif_transpose swaps width and height for 90-degree orientations.
    try:
        upright = ImageOps.exif_transpose(img)
    except Exception:
        # A broken EXIF block should not cost the user the photo: read it as stored.
        upright = img
    original_size = upright.size
    _check_shape(*original_size)

    upright = _normalise_mode(upright)
    long_side = max(upright.size)
    scale = 1.0
    if long_side > max_side:
        scale = long_side / max_side
        new_size = (
            max(1, round(upright.width / scale)),
            max(1, round(upright.height / scale)),
        )
        upright = upright.resize(new_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        # Recompute from the rounded size so boxes map back exactly onto the original.
        scale = original_size[0] / upright.width
    return PreparedImage(image=upright, scale=scale, original_size=original_size)


def check(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """What the size and the header tell of an upload, before a single pixel is decoded
    (microseconds, where decoding a phone photo takes milliseconds). Raises a subclass of
    InputError; returns the opened, undecoded image. A file cut off past its header passes
    here and fails in :func:`prepare`."""
    if not data:
        raise EmptyFile(detail="0 bytes")
    if len(data) > max_bytes:
        raise ImageTooLarge(detail=f"{len(data)} bytes > {max_bytes}")
    img = _open_header(data)
    width, height = img.size
    if width * height > max_pixels:
        raise DecompressionBomb(detail=f"{width}x{height} > {max_pixels} px")
    frames = int(getattr(img, "n_frames", 1))
    if frames > 1 and img.format in ANIMATED_FORMATS:
        raise AnimatedImage(detail=f"{img.format} with {frames} frames")
    _check_shape(width, height)
    return img


def to_png_bytes(img: Image.Image) -> bytes:
    """Encode ``img`` losslessly (for engines that want a file, and for crops)."""
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)  # fast: these bytes live for one job only
    return buf.getvalue()


def _open_header(data: bytes) -> Image.Image:
    try:
        # PIL's own bomb check raises past 2x Image.MAX_IMAGE_PIXELS and only warns below
        # that; our max_pixels check right after decides either way. (warnings filters are
        # process-wide and not thread-safe to change, and this runs in threads.)
        img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(detail=str(exc)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedImage(detail=f"cannot identify image: {exc}") from exc
    if img.format not in ALLOWED_FORMATS:
        raise UnsupportedImage(detail=f"format {img.format} not accepted")
    return img


def _decode(img: Image.Image) -> Image.Image:
    """Decode all pixels now, so a truncated or corrupt file fails here and not in an engine."""
    try:
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(detail=str(exc)) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        # PIL raises OSError("image file is truncated ...") for cut-off JPEG/PNG data.
        raise UnsupportedImage(detail=f"cannot decode image: {exc}") from exc
    return img


def _check_shape(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise BadImageShape(detail=f"{width}x{height}: a side is under {MIN_SIDE} px")
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        raise BadImageShape(detail=f"{width}x{height}: aspect ratio over {MAX_ASPECT_RATIO}")


def _normalise_mode(img: Image.Image) -> Image.Image:
    """RGB or L only; transparent areas become white paper rather than black."""
    if img.mode in ("RGB", "L"):
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    if img.mode == "1" or img.mode.startswith("I") or img.mode == "F":
        if img.mode == "1":
            return img.convert("L")
        # 16/32-bit greyscale (scanners, some PNGs): stretch to 8 bits instead of clipping.
        arr = np.asarray(img, dtype=np.float32)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / max(hi - lo, 1.0))
        return Image.fromarray(arr.astype(np.uint8), mode="L")
    return img.convert("RGB")
