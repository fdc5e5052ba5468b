"""Line finding: detector pieces and ink bands become the lines of the review, in order."""

from __future__ import annotations

from PIL import Image, ImageDraw

from bot.ocr.find.lines import find_lines, rectangle
from bot.ocr.model import Box
from bot.ocr.readers.rapid import Found
from testkit.drawing import font


def piece(left: int, top: int, right: int, bottom: int) -> Found:
    return Found(rectangle(Box(left, top, right - left, bottom - top)), 0.9)


def blank(width: int = 1200, height: int = 900) -> Image.Image:
    return Image.new("L", (width, height), 255)


def test_two_columns_are_read_column_by_column() -> None:
    found = [
        piece(620, 100, 1100, 140),  # right column, line 1
        piece(50, 100, 500, 140),  # left column, line 1
        piece(50, 200, 480, 240),
        piece(620, 200, 1080, 240),
        piece(50, 300, 490, 340),
    ]
    spots = find_lines(blank(), found)
    assert [(s.box.left, s.box.top) for s in spots] == [
        (50, 100),
        (50, 200),
        (50, 300),
        (620, 100),
        (620, 200),
    ]


def test_pieces_on_one_row_are_one_line() -> None:
    # A date written after a gap on the same line is part of that line, left to right.
    found = [piece(700, 102, 900, 140), piece(50, 100, 500, 142), piece(50, 200, 900, 240)]
    spots = find_lines(blank(), found)
    assert len(spots) == 2
    first = spots[0]
    assert len(first.pieces) == 2 and first.pieces[0][0][0] == 50
    assert (first.box.left, first.box.right) == (50, 900)


def test_ink_the_detector_missed_still_becomes_a_line() -> None:
    image = blank()
    # A faint line of writing no detector box covers.
    ImageDraw.Draw(image).text((60, 500), "faint pencil line", fill=110, font=font("sans", 34))
    spots = find_lines(image, [piece(50, 100, 800, 140)])
    assert len(spots) == 2
    missed = spots[1]
    assert not missed.detected and 490 <= missed.box.top <= 515


def test_a_piece_spanning_two_written_lines_is_split() -> None:
    image = blank()
    draw = ImageDraw.Draw(image)
    for top in (100, 200, 300, 400):
        draw.text((60, top), "a line of writing here", fill=0, font=font("sans", 40))
    # The detector joined the last two lines into one box.
    found = [piece(50, 95, 910, 145), piece(50, 195, 910, 245), piece(50, 295, 910, 445)]
    spots = find_lines(image, found)
    assert [round(s.box.top, -2) for s in spots] == [100, 200, 300, 400]


def test_a_date_written_half_a_line_lower_is_a_line_of_its_own() -> None:
    # The boxes overlap by more than half their height, but where they meet the date's
    # middle stands half a box lower than the heading's: staggered, not one line.
    found = [piece(50, 100, 500, 160), piece(560, 130, 900, 190), piece(50, 260, 900, 320)]
    spots = find_lines(blank(), found)
    assert [(s.box.left, s.box.top, len(s.pieces)) for s in spots] == [
        (50, 100, 1),
        (560, 130, 1),
        (50, 260, 1),
    ]


def test_a_sloping_line_in_two_pieces_stays_one_line() -> None:
    # Written uphill: the second piece's box is higher, but it starts where the first ends.
    first = Found(((50.0, 160.0), (500.0, 120.0), (500.0, 180.0), (50.0, 220.0)), 0.9)
    second = Found(((560.0, 115.0), (900.0, 85.0), (900.0, 145.0), (560.0, 175.0)), 0.9)
    spots = find_lines(blank(), [first, second])
    assert len(spots) == 1 and len(spots[0].pieces) == 2


def _written(lines: list[tuple[int, str]], size: int = 40) -> Image.Image:
    """``lines`` as (top, text) in a handwriting-like face, in ink a detector box may span."""
    image = blank(1200, 700)
    draw = ImageDraw.Draw(image)
    for top, text in lines:
        draw.text((60, top), text, fill=0, font=font("script", size))
    return image


def test_two_touching_lines_in_one_piece_are_cut_at_the_valley_between_them() -> None:
    # "yours very sincerely" and "William O. Nichol" written so close that the descenders of
    # one reach the capitals of the next (no blank row between them): the detector drew one
    # box over both. Each becomes a line of its own, cut where the ink thins between them.
    image = _written(
        [
            (100, "to the memory of her"),
            (180, "in taking part in the"),
            (300, "yours very sincerely"),
            (334, "William Nichol"),
        ]
    )
    found = [piece(50, 95, 400, 160), piece(50, 175, 400, 240), piece(50, 292, 400, 398)]
    spots = find_lines(image, found)
    assert len(spots) == 4
    upper, lower = spots[2].box, spots[3].box
    assert 290 <= upper.top <= 300 and 335 <= upper.bottom <= 355
    assert 330 <= lower.top <= 350 and lower.bottom >= 390


def test_one_tall_line_is_not_cut() -> None:
    # A heading written twice the size of the lines under it, in a loose box twice their
    # height: its capitals and descenders thin out above and below, but hold no line.
    image = blank(1200, 700)
    draw = ImageDraw.Draw(image)
    draw.text((60, 90), "Washington, Monday", fill=0, font=font("script", 80))
    for top in (300, 380):
        draw.text((60, top), "yours very sincerely", fill=0, font=font("script", 40))
    found = [piece(50, 80, 800, 210), piece(50, 292, 400, 357), piece(50, 372, 400, 437)]
    spots = find_lines(image, found)
    assert [(s.box.top, s.box.bottom) for s in spots] == [(80, 210), (292, 357), (372, 437)]


def test_a_short_line_boxed_on_its_own_is_not_read_again_from_the_box_under_it() -> None:
    # "I am, as ever," has a box of its own; the tall box under it also holds most of it. Cut
    # there, that slice would be read once more: only the box's two lines of its own are added.
    image = _written(
        [
            (100, "to the memory of her"),
            (180, "in taking part in the"),
            (270, "I am, as ever,"),
            (300, "yours very sincerely"),
            (340, "William Nichol"),
        ]
    )
    found = [
        piece(50, 95, 400, 160),
        piece(50, 175, 400, 240),
        piece(50, 265, 300, 330),
        piece(50, 280, 400, 398),
    ]
    spots = find_lines(image, found)
    assert len(spots) == 5
    assert sum(s.box.top > 280 for s in spots) == 2
