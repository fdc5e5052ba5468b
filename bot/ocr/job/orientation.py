"""Photos taken sideways or upside down, with no EXIF to say so.

A phone held flat over a page often gets its orientation wrong. Such a page reads as
gibberish, every line at near-zero confidence. Engines then ask Tesseract's orientation
detection (:func:`bot.ocr.readers.tesseract.upright_turn`) which way is up, read the page
turned, and keep that reading only if it is better (:func:`bot.ocr.job.read_prepared`, the
one place that does). Boxes found on the turned page are mapped back onto the photo as the
user sent it, so the boxed picture marks the right place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PIL import Image

from bot.ocr.decide.evidence import Reading, Script
from bot.ocr.model import Box, Line

# A page where no line reaches this confidence may be turned: worth asking which way is up.
SURE = 0.5


def sure_chars(lines: Iterable[Line]) -> int:
    """Characters read with at least middling confidence: how well a page was read."""
    return sum(len(ln.text) for ln in lines if (ln.confidence or 0.0) >= SURE)


def looks_turned(lines: Iterable[Line]) -> bool:
    """There is writing, yet nothing on the page was read with even middling confidence."""
    lines = list(lines)
    return bool(lines) and sure_chars(lines) == 0


def turned_size(size: tuple[int, int], turn: int) -> tuple[int, int]:
    """(width, height) of a page of ``size`` turned by ``turn`` degrees."""
    return (size[1], size[0]) if turn in (90, 270) else size


def unturn_box(box: Box | None, turn: int, size: tuple[int, int]) -> Box | None:
    """``box`` on a page turned ``turn`` degrees counter-clockwise (as ``Image.rotate`` does),
    whose turned size is ``size``, back on the page as it was."""
    if box is None or turn % 360 == 0:
        return box
    tw, th = size
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    if turn == 90:  # a W x H page turned is H x W: (x, y) -> (y, W - x)
        x0, y0, x1, y1 = th - bottom, left, th - top, right
    elif turn == 180:
        x0, y0, x1, y1 = tw - right, th - bottom, tw - left, th - top
    elif turn == 270:  # (x, y) -> (H - y, x)
        x0, y0, x1, y1 = top, tw - right, bottom, tw - left
    else:
        return box
    return Box(left=x0, top=y0, width=max(1, x1 - x0), height=max(1, y1 - y0))


# A page whose median line scores this well is the right way up; below it, its widest
# lines (up to _FLIP_SAMPLE) are read turned half round too, and if they then score
# _FLIP_MARGIN better on average, the page is upside down. (Measured: RapidOCR's median
# line score is 0.62-0.91 on real upright handwritten pages, 0.95-1.0 on drawn ones, and
# 0.40-0.80 on the same pages upside down.)
_READS_WELL = 0.9
_FLIP_SAMPLE = 3
_FLIP_MARGIN = 0.1


def upside_down(
    crops: list[list[Image.Image]],
    readings: list[Reading],
    read: Callable[[list[Image.Image]], list[tuple[str, float]]],
) -> bool:
    """The lines (their pieces' ``crops``, as first read) read far better turned half round
    by ``read`` (checked on the widest few, and only when the page reads poorly as it is):
    a page the detector found upside down, with no EXIF to say so."""
    scores = sorted(r.score for r in readings if r.text)
    if not scores or scores[len(scores) // 2] >= _READS_WELL:
        return False
    widest = sorted(range(len(crops)), key=lambda i: -sum(c.width for c in crops[i]))
    sample = [i for i in widest if readings[i].text][:_FLIP_SAMPLE]
    count = max(1, len(sample))
    as_is = sum(readings[i].score for i in sample) / count
    turned = 0.0
    for done, i in enumerate(sample):
        if (turned + len(sample) - done) / count <= as_is + _FLIP_MARGIN:
            return False  # not even scores of 1 on the lines left would make it
        pieces = read([c.rotate(180) for c in crops[i]])
        turned += Reading.of_pieces(pieces, Script.LATIN).score
    return turned / count > as_is + _FLIP_MARGIN
