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
    grey = np.asarray(line.convert("L"))
    low, high = percentiles(grey)
    if high - low < 30:
        return None
    found: NDArray[np.bool_] = grey < (low + high) / 2
    return found


def percentiles(grey: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The 2nd and 98th percentiles of ``grey``, exactly as ``np.percentile`` of the
    pixels as float32 gives them (linear interpolation), but found from the histogram of
    the 256 grey levels: a fifth of the time of sorting a line's pixels (~1.7 ms a line)."""
    n = grey.size
    quantiles = np.true_divide(np.array([2, 98]), 100)
    if n < 2:
        exact: NDArray[np.float32] = np.percentile(grey.astype(np.float32), 100 * quantiles)
        return exact.astype(np.float32)
    # numpy's "linear" method: the order statistics either side of (n - 1) * q, and the
    # same float operations between them
    virtual = (n - 1) * quantiles
    below = np.floor(virtual)
    gamma = virtual - below
    at = below.astype(np.intp)
    counts = np.cumsum(np.bincount(grey.ravel(), minlength=256))
    a = np.searchsorted(counts, at, side="right").astype(np.float32)
    b = np.searchsorted(counts, at + 1, side="right").astype(np.float32)
    diff = b - a
    lerp = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=lerp, where=gamma >= 0.5)
    found: NDArray[np.float32] = lerp.astype(np.float32)
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
