"""Pictures of the photo for the review: the lines to check boxed and numbered, and the crop of
one line that the review card shows."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.review.session import ReviewSession

MAX_SIDE = 1600


def _open_small(data: bytes) -> tuple[Image.Image, float]:
    """The photo upright in RGB, and by how much it is smaller than the photo. A JPEG much
    bigger than the picture sent is decoded at 1/2, 1/4 or 1/8 size (the result is shrunk to
    MAX_SIDE anyway): a 12 MP file then costs a fraction of the time to decode."""
    img = Image.open(io.BytesIO(data))
    full = img.size
    long_side = max(full)
    if long_side > MAX_SIDE:
        img.draft("RGB", (full[0] * MAX_SIDE // long_side, full[1] * MAX_SIDE // long_side))
    shrink = full[0] / img.size[0]
    return ImageOps.exif_transpose(img).convert("RGB"), shrink


def annotate_pages(session: ReviewSession, images: list[bytes]) -> bytes | None:
    """JPEG of the pages with the pending lines boxed in red and numbered; None if no boxes."""
    boxes: dict[int, list[tuple[int, tuple[int, int, int, int]]]] = {}
    for i in session.pending:
        line = session.lines[i]
        if line.box:
            left, top, w, h = line.box
            boxes.setdefault(line.page, []).append((i, (left, top, w, h)))
    if not boxes:
        return None
    drawn: list[Image.Image] = []
    for page_no, data in enumerate(images):
        if page_no not in boxes:
            continue
        img, shrink = _open_small(data)
        draw = ImageDraw.Draw(img)
        width = max(2, img.width // 400)
        size = max(14, img.width // 45)
        try:
            font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
                "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", size
            )
        except OSError:
            font = ImageFont.load_default()
        for i, original in boxes[page_no]:
            # Boxes are in the photo's own pixels; the picture may have been decoded smaller.
            left, top, w, h = (round(v / shrink) for v in original)
            draw.rectangle(
                (left - 3, top - 3, left + w + 3, top + h + 3), outline=(220, 30, 30), width=width
            )
            label = str(i + 1)
            tx, ty = max(0, left - size - 6), max(0, top - 2)
            badge = (tx, ty, tx + size * len(label) * 0.7 + 6, ty + size + 4)
            draw.rectangle(badge, fill=(220, 30, 30))
            draw.text((tx + 3, ty), label, fill="white", font=font)
        drawn.append(img)
    if len(drawn) == 1:
        out = drawn[0]
    else:
        w = max(im.width for im in drawn)
        out = Image.new("RGB", (w, sum(im.height for im in drawn)), "white")
        y = 0
        for im in drawn:
            out.paste(im, (0, y))
            y += im.height
    out.thumbnail((MAX_SIDE, MAX_SIDE))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=85)
    return buf.getvalue()


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
