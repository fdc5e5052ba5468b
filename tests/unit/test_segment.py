"""Every line the user wrote is found on the page, whatever an engine makes of it."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from bot.ocr.find.bands import detect_lines, reconcile
from bot.ocr.model import Box, ConfidenceSource, Line
from testkit.drawing import NOTE_LINES, Effects, apply_effects, draw_lines


def _assert_one_band_per_line(boxes: list[Box], img: Image.Image) -> None:
    assert len(boxes) == len(NOTE_LINES)
    tops = [b.top for b in boxes]
    assert tops == sorted(tops)
    for box in boxes:
        assert 0 <= box.left < box.right <= img.width
        assert 0 <= box.top < box.bottom <= img.height
        # A band is a line, not a column or the whole page.
        assert box.width > 3 * box.height
        assert box.height < img.height / 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"effects": Effects(skew_degrees=3)},
        {"effects": Effects(skew_degrees=-4)},
        {"effects": Effects(shadow=True)},
        {"effects": Effects(noise=0.05)},
        {"font_name": "script", "effects": Effects(skew_degrees=2, blur_radius=1.2)},
        {"size": 90},
    ],
    ids=["clean", "skew3", "skew-4", "shadow", "noise", "script-blur", "large"],
)
def test_six_drawn_lines_give_six_bands(kwargs: dict[str, object]) -> None:
    img = draw_lines(NOTE_LINES, **kwargs)  # type: ignore[arg-type]
    _assert_one_band_per_line(detect_lines(img), img)


def test_bands_sit_on_the_drawn_lines() -> None:
    img = draw_lines(NOTE_LINES, size=40, margin=60, line_gap=1.9)
    step = int(40 * 1.9)
    for i, box in enumerate(detect_lines(img)):
        expected_top = 60 + i * step
        # The glyph box starts a few pixels below the pen position and is about 40 px tall.
        assert abs(box.top - expected_top) < 15
        assert 25 < box.height < 60


def test_page_photographed_on_a_dark_desk() -> None:
    note = draw_lines(NOTE_LINES, effects=Effects(shadow=True, skew_degrees=2))
    desk = Image.new("RGB", (note.width + 160, note.height + 120), (60, 50, 40))
    desk.paste(note, (100, 40))
    _assert_one_band_per_line(detect_lines(desk), desk)


def _ruled(lines: list[str], rule: tuple[int, int, int] = (120, 140, 190)) -> Image.Image:
    """Notebook paper: a rule under every line and a red margin, photographed a bit askew."""
    img = draw_lines(lines)
    d = ImageDraw.Draw(img)
    for y in range(60 + 44, img.height, 76):
        d.line([(0, y), (img.width, y)], fill=rule, width=2)
    d.line([(40, 0), (40, img.height)], fill=(200, 60, 60), width=2)
    return apply_effects(img, Effects(skew_degrees=1.5, shadow=True))


def test_ruled_paper_rules_are_not_lines() -> None:
    img = _ruled(list(NOTE_LINES))
    _assert_one_band_per_line(detect_lines(img), img)


def test_empty_rules_below_the_writing_are_not_lines() -> None:
    # Half a page written: the three empty rules must not become "unreadable lines".
    assert len(detect_lines(_ruled([*NOTE_LINES[:3], "", "", ""]))) == 3
    assert detect_lines(_ruled([""] * 6, rule=(60, 60, 60))) == []


def test_blank_page_has_no_lines() -> None:
    assert detect_lines(Image.new("RGB", (1200, 900), "white")) == []


def test_blank_page_with_shadow_has_no_lines() -> None:
    blank = draw_lines([""] * 6, width=900, effects=Effects(shadow=True, noise=0.02))
    assert detect_lines(blank) == []


def test_accents_belong_to_their_line() -> None:
    img = draw_lines(["Xin chào các bạn", "Hẹn gặp lại ở trường"])
    assert len(detect_lines(img)) == 2


def test_large_image_coordinates_are_in_its_own_pixels() -> None:
    img = draw_lines(NOTE_LINES, size=120)
    assert max(img.size) > 1200  # forces the internal downscale
    boxes = detect_lines(img)
    assert len(boxes) == 6
    assert boxes[-1].bottom > img.height * 0.75


# --- reconcile -------------------------------------------------------------------------


def _line(text: str, top: int, height: int = 40) -> Line:
    return Line(text=text, confidence=0.9, box=Box(50, top, 500, height))


def test_reconcile_adds_a_flagged_line_for_a_band_the_engine_missed() -> None:
    bands = [Box(50, 100, 500, 40), Box(50, 180, 500, 40), Box(50, 260, 500, 40)]
    engine = [_line("first", 98), _line("third", 262)]
    result = reconcile(bands, engine)
    assert [line.text for line in result] == ["first", "", "third"]
    missed = result[1]
    assert missed.source is ConfidenceSource.DETECTED
    assert missed.confidence is None
    assert missed.box == bands[1]
    assert missed.is_flagged(75)


def test_reconcile_keeps_engine_lines_and_adds_nothing_when_all_covered() -> None:
    bands = [Box(50, 100, 500, 40), Box(50, 180, 500, 40)]
    engine = [_line("b", 182), _line("a", 101)]
    result = reconcile(bands, engine)
    assert [line.text for line in result] == ["a", "b"]
    assert all(line.source is ConfidenceSource.ENGINE for line in result)


def test_reconcile_small_overlap_does_not_count_as_covered() -> None:
    # The engine's line only grazes the band (10 of 40 px): the band's writing is unread.
    result = reconcile([Box(50, 100, 500, 40)], [_line("other", 130)])
    assert [line.source for line in result] == [
        ConfidenceSource.DETECTED,
        ConfidenceSource.ENGINE,
    ]


def test_reconcile_with_no_engine_lines_flags_every_band() -> None:
    bands = [Box(0, 10, 100, 20), Box(0, 50, 100, 20)]
    result = reconcile(bands, [])
    assert len(result) == 2
    assert all(line.is_flagged(0) for line in result)
