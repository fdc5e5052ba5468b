"""The review card's picture: the line's crop, legible and always a photo Telegram accepts."""

from __future__ import annotations

import io

from PIL import Image

from bot.review.annotate import CROP_MIN_WIDTH, blank_card, line_crop
from testkit.drawing import note_png


def _size(jpeg: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(jpeg)).size


def test_a_line_is_cropped_with_its_neighbourhood_and_enlarged() -> None:
    page = note_png(("Buy milk and eggs tomorrow", "Call the dentist at 3 pm"))
    width, height = _size(page)
    crop = line_crop(page, (40, 40, 300, 30))
    w, h = _size(crop)
    assert w >= CROP_MIN_WIDTH and h < height * w / width, "a strip, not the page"
    # Dark ink in it: the line, not an empty margin.
    assert min(Image.open(io.BytesIO(crop)).convert("L").tobytes()) < 100


def test_a_long_thin_line_stays_within_telegrams_photo_ratio() -> None:
    wide = io.BytesIO()
    Image.new("RGB", (4000, 60), "white").save(wide, "PNG")
    w, h = _size(line_crop(wide.getvalue(), (0, 10, 4000, 40)))
    assert w / h <= 20


def test_no_box_shows_the_page_and_no_photo_a_blank_card() -> None:
    page = note_png(("Read chapter five again",))
    assert _size(line_crop(page, None))[0] >= CROP_MIN_WIDTH
    w, h = _size(blank_card())
    assert w / h <= 20
