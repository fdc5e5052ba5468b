"""A second, tighter crop of a loosely cut line.

A line image with much empty paper above and below its writing (a photo of one line, a
detector box drawn generously) is read worse than the same writing cut close: the
recognizer scales the whole crop to 48 px high, so loose paper shrinks the letters. The
tighter crop keeps the rows that hold ink and a margin of their height.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

# A crop is loose when its writing fills less than this share of its height.
LOOSE = 0.6
# The tighter crop keeps this share of the writing's height above and below it.
MARGIN = 0.15


def ink(line: Image.Image) -> NDArray[np.bool_] | None:
    """Which pixels are ink (darker than halfway between the 2nd and 98th percentile of
    grey), or None for a contrastless image."""
    grey = np.asarray(line.convert("L"), dtype=np.float32)
    low, high = np.percentile(grey, (2, 98)).astype(np.float32)  # one partition for both
    if high - low < 30:
        return None
    found: NDArray[np.bool_] = grey < (low + high) / 2
    return found


def ink_rows(line: Image.Image) -> tuple[int, int] | None:
    """(first, last + 1) row holding ink, or None for a blank or contrastless image."""
    return rows_of(ink(line))


def rows_of(pixels: NDArray[np.bool_] | None) -> tuple[int, int] | None:
    """(first, last + 1) row of :func:`ink`'s ``pixels`` holding ink, or None."""
    if pixels is None:
        return None
    rows = np.flatnonzero(pixels.sum(axis=1) >= max(1.0, 0.01 * pixels.shape[1]))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1


def tighter(line: Image.Image) -> Image.Image | None:
    """The line cut close around its writing, or None when it is not loose."""
    rows = ink_rows(line)
    if rows is None:
        return None
    top, bottom = rows
    height = bottom - top
    if height >= LOOSE * line.height or height < 8:
        return None
    pad = round(MARGIN * height)
    return line.crop((0, max(0, top - pad), line.width, min(line.height, bottom + pad)))
