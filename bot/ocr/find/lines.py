"""Line finding: where the written lines are, and in which order they are read.

A text detector (PP-OCR's, :mod:`bot.ocr.readers.rapid`) finds the pieces of writing: on
handwriting usually one per written line, where the projection profile of
:mod:`bot.ocr.find.bands` merges slanted lines into one band (measured on real pages: 126 of
130 written lines with a box of their own, against 55 of 130). The two are reconciled here:

- Pieces on the same row of the same column are one line (a date written after a gap),
  unless the second starts clearly lower or higher than the first ends: a date written to
  the right of a heading and half a line lower, a signature below-right of the last line,
  is a line of its own (issue 18: read as one, the date's line was never shown).
- A piece much taller than the page's lines holds several: it is cut where blank rows
  part them or, where the lines touch, at the ink valleys between them
  (:mod:`bot.ocr.find.valleys`; issue 18: a signature read in one box with the line above).
- Ink bands no piece covers still become lines, so a faint or odd line the detector missed
  is read on its own or shown as "could not read": nothing vanishes.
- Reading order is found by recursive XY-cut: a page is split at wide white gutters into
  columns (two-column pages, a side note) and blocks, each read top to bottom, rather than
  sorting every line by its height on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from PIL import Image

from bot.ocr.find.bands import detect_lines
from bot.ocr.find.valleys import lines_in
from bot.ocr.model import Box
from bot.ocr.readers.rapid import Found, Quad

# A piece this many times the page's typical line height may hold several lines.
_TALL = 1.6
# ...each of which is at least this share of a typical line high.
_MIN_PART = 0.4
# A line standing this many times taller than wide is a line of a page lying on its side.
_STANDING = 1.5
# Two pieces are on the same row when their vertical overlap is at least this share of the
# shorter one's height.
_SAME_ROW = 0.5
# ...unless, where they meet, the middle of one stands more than this share of their height
# above or below the other's (each piece's own edge, so a sloping line stays one). Chosen on
# drawn letters (testkit.drawing.letter_note, 9 faces, 28 and 40 px): a date on the heading's
# baseline differs by at most 0.11, one a fifth of the font size lower by at most 0.17, 0.6
# of a size lower by 0.19-0.53 (most over 0.3); the 360 drawn notes of bench.flag_quality
# have no two pieces on one row at all.
_STEP = 0.3
# A vertical gutter splits columns when it is at least this many line heights wide
# (a wide word gap is about one line height; columns stand further apart).
_GUTTER_LINES = 1.5
# A band is covered by a detected line when this share of its height overlaps it.
_COVERED = 0.5


@dataclass(frozen=True, slots=True)
class LineSpot:
    """One written line: its box on the page and its pieces, left to right, each read on
    its own. ``detected`` is False for an ink band the text detector did not find."""

    box: Box
    pieces: tuple[Quad, ...]
    detected: bool = True


def find_lines(image: Image.Image, found: Sequence[Found]) -> list[LineSpot]:
    """The lines of ``image`` in reading order, from the text detector's pieces (in
    ``image``'s pixels) reconciled with the ink bands of
    :func:`bot.ocr.find.bands.detect_lines`."""
    spots = [LineSpot(_box(f.bounds), (f.quad,)) for f in found]
    if standing(spots):
        # A page lying on its side: its lines stand. Rows are found on the page as it would
        # lie turned, and ink bands (found across the page) say nothing here.
        flat = [_transposed(s) for s in spots]
        return [_transposed(s) for block in _xy_cut(flat) for s in _rows(block)]
    spots = _split_tall(image, spots)
    bands = detect_lines(image)
    detected_boxes = [s.box for s in spots]
    for band in bands:
        if not any(_covers(box, band) for box in detected_boxes):
            spots.append(LineSpot(band, (rectangle(band),), detected=False))
    ordered: list[LineSpot] = []
    for block in _xy_cut(spots):
        ordered.extend(_rows(block))
    return ordered


def standing(spots: Sequence[LineSpot]) -> bool:
    """Most detected lines stand taller than wide: the page lies on its side."""
    detected = [s for s in spots if s.detected]
    tall = sum(s.box.height > _STANDING * s.box.width for s in detected)
    return bool(detected) and tall * 2 > len(detected)


def _transposed(spot: LineSpot) -> LineSpot:
    box = spot.box
    pieces = tuple(tuple((y, x) for x, y in quad) for quad in spot.pieces)
    return replace(spot, box=Box(box.top, box.left, box.height, box.width), pieces=pieces)


def _split_tall(image: Image.Image, spots: list[LineSpot]) -> list[LineSpot]:
    """A piece much taller than the page's lines, in which the ink falls into separate
    bands, or rows of ink with clear valleys between them (:mod:`bot.ocr.find.valleys`), is
    that many lines (the detector joins close lines of handwriting)."""
    if len(spots) < 2:
        return spots
    heights = sorted(s.box.height for s in spots)
    line_height = heights[len(heights) // 2]
    result = []
    for spot in spots:
        if spot.box.height < _TALL * line_height:
            result.append(spot)
            continue
        box = spot.box
        bands = [
            b
            for b in detect_lines(image.crop((box.left, box.top, box.right, box.bottom)))
            if b.height >= _MIN_PART * line_height
        ]
        if len(bands) < 2:
            # No blank row between them: lines that touch, cut at the valleys of their ink.
            others = [q for s in spots if s is not spot for q in s.pieces]
            for quad in lines_in(image, spot.pieces[0], line_height, others):
                result.append(LineSpot(_box(_bounds(quad)), (quad,)))
            continue
        for band in bands:
            part = Box(box.left + band.left, box.top + band.top, band.width, band.height)
            result.append(LineSpot(part, (rectangle(part),)))
    return result


def rectangle(box: Box) -> Quad:
    """``box`` as a quad (corners clockwise from top-left)."""
    return (
        (float(box.left), float(box.top)),
        (float(box.right), float(box.top)),
        (float(box.right), float(box.bottom)),
        (float(box.left), float(box.bottom)),
    )


def _box(bounds: tuple[int, int, int, int]) -> Box:
    left, top, right, bottom = bounds
    left, top = max(0, left), max(0, top)
    return Box(left=left, top=top, width=max(1, right - left), height=max(1, bottom - top))


def _bounds(quad: Quad) -> tuple[int, int, int, int]:
    return Found(quad, 1.0).bounds


def _covers(line: Box, band: Box) -> bool:
    """``line`` accounts for ``band``: they overlap in height and side by side."""
    overlap_x = min(line.right, band.right) - max(line.left, band.left)
    if overlap_x <= 0:
        return False
    inter = min(line.bottom, band.bottom) - max(line.top, band.top)
    return inter > _COVERED * band.height or inter > _COVERED * line.height


def _xy_cut(spots: list[LineSpot]) -> list[list[LineSpot]]:
    """Blocks of ``spots`` in reading order: split at the widest white gutter running the
    whole height (columns, left first) or width (blocks, top first), recursively."""
    if len(spots) <= 1:
        return [spots] if spots else []
    heights = sorted(s.box.height for s in spots)
    line_height = heights[len(heights) // 2]
    one_row = max(s.box.top for s in spots) < min(s.box.bottom for s in spots)
    columns = _split(spots, vertical=True, min_gap=_GUTTER_LINES * line_height)
    # A gap within one row (a date written far to the right) is not a gutter.
    if len(columns) > 1 and not one_row:
        return [block for column in columns for block in _xy_cut(column)]
    rows = _split(spots, vertical=False, min_gap=0.0)
    if len(rows) > 1:
        return [block for row in rows for block in _xy_cut(row)]
    return [spots]


def _split(spots: list[LineSpot], *, vertical: bool, min_gap: float) -> list[list[LineSpot]]:
    """Groups of ``spots`` separated by a white gap wider than ``min_gap`` along x
    (``vertical`` gutters) or y, in order along that axis."""

    def span(s: LineSpot) -> tuple[int, int]:
        return (s.box.left, s.box.right) if vertical else (s.box.top, s.box.bottom)

    ordered = sorted(spots, key=span)
    groups: list[list[LineSpot]] = [[ordered[0]]]
    reach = span(ordered[0])[1]
    for spot in ordered[1:]:
        start, end = span(spot)
        if start - reach > min_gap:
            groups.append([spot])
        else:
            groups[-1].append(spot)
        reach = max(reach, end)
    return groups


def _rows(block: list[LineSpot]) -> list[LineSpot]:
    """Pieces of one block joined into lines, top to bottom, each left to right."""
    rows: list[list[LineSpot]] = []
    for spot in sorted(block, key=lambda s: (s.box.top + s.box.height / 2, s.box.left)):
        row = next((r for r in rows if _same_row(r, spot)), None)
        if row is None:
            rows.append([spot])
        else:
            row.append(spot)
    lines = [_joined(sorted(row, key=lambda s: s.box.left)) for row in rows]
    return sorted(lines, key=lambda s: (s.box.top + s.box.height / 2, s.box.left))


def _same_row(row: list[LineSpot], spot: LineSpot) -> bool:
    """``spot`` continues ``row``: it overlaps the row's last piece in height, is beside, not
    under, every piece of it, and does not step up or down where it meets it."""
    last = max(row, key=lambda s: s.box.right)
    if spot.box.vertical_overlap(last.box) < _SAME_ROW:
        return False
    beside = all(
        min(s.box.right, spot.box.right) - max(s.box.left, spot.box.left)
        < 0.5 * min(s.box.width, spot.box.width)
        for s in row
    )
    return beside and not _stepped(row, spot)


def _stepped(row: list[LineSpot], spot: LineSpot) -> bool:
    """Where ``spot`` meets its nearest piece of ``row``, the middle of one stands clearly
    higher than the other's: a line of its own written staggered (a date half a line lower,
    a signature below-right), not the same line after a gap."""
    centre = spot.box.left + spot.box.width / 2
    near = min(row, key=lambda s: abs(s.box.left + s.box.width / 2 - centre))
    left, right = (near, spot) if near.box.left < spot.box.left else (spot, near)
    end_mid, end_height = _edge(max(left.pieces, key=lambda q: max(x for x, _ in q)), right=True)
    start_mid, start_height = _edge(min(right.pieces, key=lambda q: min(x for x, _ in q)))
    return abs(start_mid - end_mid) > _STEP * (end_height + start_height) / 2


def _edge(quad: Quad, *, right: bool = False) -> tuple[float, float]:
    """(middle y, height) of ``quad``'s left (or right) side: a slanted piece's own height
    where it ends, not its bounding box's."""
    side = sorted(quad, key=lambda p: p[0], reverse=right)[:2]
    (_, y0), (_, y1) = side
    return (y0 + y1) / 2, max(1.0, abs(y1 - y0))


def _joined(row: list[LineSpot]) -> LineSpot:
    if len(row) == 1:
        return row[0]
    left = min(s.box.left for s in row)
    top = min(s.box.top for s in row)
    right = max(s.box.right for s in row)
    bottom = max(s.box.bottom for s in row)
    pieces = tuple(q for s in row for q in s.pieces)
    detected = any(s.detected for s in row)
    return LineSpot(Box(left, top, right - left, bottom - top), pieces, detected)
