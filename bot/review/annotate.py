"""The review card's picture: the crop of one line from the photo (no Telegram here)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from bot.documents.heif import enable_heif

MAX_SIDE = 1600


def _open_small(data: bytes) -> tuple[Image.Image, float]:
    """The photo upright in RGB, and by how much it is smaller than the photo. A JPEG much
    bigger than the picture sent is decoded at 1/2, 1/4 or 1/8 size (the result is shrunk to
    MAX_SIDE anyway): a 12 MP file then costs a fraction of the time to decode."""
    enable_heif()  # an iPhone photo sent as a file is HEIC
    img = Image.open(io.BytesIO(data))
    full = img.size
    long_side = max(full)
    if long_side > MAX_SIDE:
        img.draft("RGB", (full[0] * MAX_SIDE // long_side, full[1] * MAX_SIDE // long_side))
    shrink = full[0] / img.size[0]
    return ImageOps.exif_transpose(img).convert("RGB"), shrink


# The review card's picture: wide enough to read a line on a phone, never a whole photo's size.
CROP_MIN_WIDTH = 640
CROP_MAX_SIDE = 1280
CROP_MAX_RATIO = 8


def line_crop(data: bytes, box: tuple[int, int, int, int] | None) -> bytes:
    """JPEG of one line of the photo with a margin of its own height around it (the words
    above and below help to read it), enlarged when small; the whole page when the line has
    no box."""
    img, shrink = _open_small(data)
    if box is not None:
        left, top, w, h = (round(v / shrink) for v in box)
        pad = max(8, h)
        area = (
            max(0, left - pad),
            max(0, top - pad),
            min(img.width, left + w + pad),
            min(img.height, top + h + pad),
        )
        if area[2] > area[0] and area[3] > area[1]:
            img = img.crop(area)
    if img.width < CROP_MIN_WIDTH:
        scale = CROP_MIN_WIDTH / img.width
        img = img.resize(
            (CROP_MIN_WIDTH, max(1, round(img.height * scale))), Image.Resampling.LANCZOS
        )
    img.thumbnail((CROP_MAX_SIDE, CROP_MAX_SIDE))
    if img.width > img.height * CROP_MAX_RATIO:
        # Telegram refuses photos over 20:1; a long thin line is set on a taller white card.
        card = Image.new("RGB", (img.width, img.width // CROP_MAX_RATIO), "white")
        card.paste(img, (0, (card.height - img.height) // 2))
        img = card
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def blank_card() -> bytes:
    """The review card's picture for a line with no photo to crop it from."""
    buf = io.BytesIO()
    Image.new("RGB", (CROP_MIN_WIDTH, CROP_MIN_WIDTH // CROP_MAX_RATIO), "white").save(
        buf, "JPEG", quality=85
    )
    return buf.getvalue()
