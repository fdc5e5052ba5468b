"""A slanted line of handwriting sheared upright before the recognizer reads it.

Handwriting leans, often 10-30 degrees to the right; RapidOCR's recognizer learnt mostly
upright print. The slant is estimated as Vinciarelli and Luettin do (2001): of the shears
tried, the one under which the ink's columns are most often one unbroken stroke, and tall
ones, wins (the sum of the squared heights of the columns whose ink is continuous). It is
found on the line's ink scaled to :data:`HEIGHT` px high, then the crop itself is sheared
on a canvas widened so nothing is cut, the new corners filled with the paper's colour.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

# The knobs were chosen on drawn English notes made to lean (bench.slant: the training
# seeds, small, blurred and compressed, leaning -0.15 to 0.8): the best over both folds,
# 101 character errors of 8,491 against 118 uncorrected (the 48 settings tried: 101-118);
# confirmed on the real handwritten lines, better on both folds by manuscript page
# (CER 0.328 -> 0.313 and 0.218 -> 0.216, bench README).
# The shears tried (horizontal shift per row of height; tan of the slant): -0.3 .. 0.7,
# a right lean of up to 35 degrees, a left lean of up to 17 (steps of 0.05 read alike).
SHEARS = tuple(round(0.1 * k, 2) for k in range(-3, 8))
# The ink is searched at this height (px) (32 and 40 read alike, a little worse).
HEIGHT = 56
# A crop sheared is first reduced to at most this height (px): twice what the recognizer reads.
KEEP = 96
# The best shear must beat upright by this share of upright's criterion: a line of print,
# or too little ink to say, stays as it is (0 read alike, 0.1-0.2 a little worse).
GAIN = 0.05


def shear_of(
    line: Image.Image,
    *,
    shears: tuple[float, ...] = SHEARS,
    height: int = HEIGHT,
    gain: float = GAIN,
) -> float:
    """The shear that stands ``line``'s writing upright (0.0: leave it). The keywords are
    the knobs, for bench.slant."""
    if line.height < 8 or line.width < 8:
        return 0.0
    scale = height / line.height
    small = line.convert("L").resize(
        (max(8, round(line.width * scale)), height), Image.Resampling.BILINEAR
    )
    pixels = _ink(np.asarray(small))
    if pixels is None:
        return 0.0
    ys, xs = np.nonzero(pixels)
    if xs.size < 2 * height:
        return 0.0
    scores = _criteria(xs, ys, (0.0, *shears)).tolist()
    score, best = max(zip(scores[1:], shears, strict=True))
    return best if score > (1 + gain) * scores[0] else 0.0


def _ink(grey: NDArray[np.uint8]) -> NDArray[np.bool_] | None:
    """Pixels darker than halfway between the 2nd and 98th percentile of grey (as
    :func:`bot.ocr.decoding.crops.ink`, from a histogram: a quarter of the time), or None
    for a contrastless image."""
    share = np.cumsum(np.bincount(grey.ravel(), minlength=256)) / grey.size
    low, high = int(np.searchsorted(share, 0.02)), int(np.searchsorted(share, 0.98))
    if high - low < 30:
        return None
    found: NDArray[np.bool_] = grey < (low + high) / 2
    return found


def _criteria(
    xs: NDArray[np.intp], ys: NDArray[np.intp], shears: tuple[float, ...]
) -> NDArray[np.float64]:
    """For each shear, the sum of the squared ink heights of the columns whose ink is one
    unbroken stroke, the ink at (``xs``, ``ys``) sheared by it (bottom rows held, top rows
    moved). All shears in one pass of numpy (one shear a pass cost 12 passes a line, held
    under the GIL the other reading thread waits for)."""
    bottom = int(ys.max())
    cols = np.rint(xs + np.array(shears)[:, np.newaxis] * (ys - bottom)).astype(np.intp)
    cols -= cols.min(axis=1, keepdims=True)
    n = int(cols.max()) + 1
    # each shear's columns side by side: column c of shear k is k * n + c
    keys = (cols + n * np.arange(len(shears))[:, np.newaxis]).ravel()
    rows = np.broadcast_to(ys, cols.shape).ravel()
    count = np.bincount(keys, minlength=n * len(shears))
    first = np.full(count.size, np.iinfo(np.intp).max)
    last = np.full(count.size, -1)
    np.minimum.at(first, keys, rows)
    np.maximum.at(last, keys, rows)
    unbroken = (count > 0) & (last - first + 1 == count)
    squares = np.where(unbroken, count, 0).astype(np.float64) ** 2
    found: NDArray[np.float64] = squares.reshape(len(shears), n).sum(axis=1)
    return found


def sheared(line: Image.Image, shear: float) -> Image.Image:
    """``line`` with each row moved ``shear`` px per row of height from the bottom (writing
    leaning right by ``shear`` stands upright), on a canvas wide enough for all of it."""
    if shear == 0.0:
        return line
    rgb = line.convert("RGB")
    w, h = rgb.size
    extra = int(np.ceil(abs(shear) * (h - 1)))
    # output x = input x + shear * (y - (h - 1)) + offset, so input x = x - shear * y + c
    c = shear * (h - 1) - (extra if shear > 0 else 0)
    # the paper's colour, from a sixteenth of the pixels
    paper = tuple(int(v) for v in np.median(np.asarray(rgb.reduce(4)).reshape(-1, 3), axis=0))
    return rgb.transform(
        (w + extra, h),
        Image.Transform.AFFINE,
        (1.0, -shear, c, 0.0, 1.0, 0.0),
        resample=Image.Resampling.BILINEAR,
        fillcolor=paper,
    )


def upright(line: Image.Image) -> Image.Image:
    """``line`` sheared upright (itself when it does not lean). A tall crop is first
    reduced to at most :data:`KEEP` px high (whole factors, a box filter): the recognizer
    reads it 48 px high, and shearing a full-resolution crop cost up to 18 ms a line."""
    shear = shear_of(line)
    if shear and line.height >= 2 * KEEP:
        line = line.reduce(line.height // KEEP)
    return sheared(line, shear)
