"""One detector box over two or more written lines, split at the ink valleys between them.

PP-OCR's detector draws one box over handwritten lines that touch: ascenders of one line
reaching into the descenders of the one above, lines staggered or sloping differently (real
page i092: "yours very sincerely" and the signature under it in one box 2.2 line heights
tall). A recognizer trained on single lines reads such a crop as one garbled line. Here the
box's crop is levelled, and its row profile (inked pixels per row) is cut at its valleys:
rows where the ink falls well below the lines on either side, each side holding a line's
worth of ink (a descender's loop or a flourish under a line is not a line). Each part
becomes a quad of its own, a slice of the box's quad, so it is cut out and read as the box
would have been.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.ocr.find.bands import BoolArray, level_ink
from bot.ocr.readers.rapid import Quad, crop

# The row profile is smoothed over this share of the page's line height (a stroke's wobble
# is not a valley).
_SMOOTH = 0.1
# Each part is at least this share of a line height high.
_MIN_PART = 0.4
# A valley: its ink at most this share of the highest row on its poorer side.
_DEPTH = 0.4
# ...and the poorer side holds at least this share of the richer side's ink.
_MASS = 0.25
# Fitted on drawn notes (6 lines, 7 handwriting-like faces, 28 and 40 px, two lines 0.75-1.1
# of a size apart, one sloping 0 or 1.5 degrees, slant 0 or 0.3; the detector's two boxes of
# the close pair joined into one): 243 of 273 such boxes cut right (smoothing 0.05: 251,
# but 24 single lines cut; 0.15: 235), 4 of 3032 one-line boxes cut (each line's box grown
# to 1.7 line heights, headings twice the size; the 4 hold a neighbour's ink). Real pages:
# i092's box has a valley of 0.25, every other box 1.3+ line heights tall 0.59 or more.

FloatArray = NDArray[np.float64]


def lines_in(
    image: Image.Image, quad: Quad, line_height: float, others: Sequence[Quad] = ()
) -> list[Quad]:
    """The written lines of the detector's ``quad`` on ``image``, top to bottom: ``[quad]``
    when it holds one. A part whose ink lies in the detector's ``others`` pieces (a short
    line boxed on its own, its foot inside this box) is no line of its own."""
    flat = _flat(image, quad)
    if flat.width < flat.height or line_height <= 0:
        return [quad]
    ink, angle = level_ink(flat.convert("L"))
    cuts = _cuts(_smoothed(ink, line_height), 0, ink.shape[0], line_height)
    if not cuts:
        return [quad]
    edges = [_unlevelled(c, angle, ink.shape, flat.size) for c in cuts]
    top = ((0.0, 0.0), (float(flat.width), 0.0))
    bottom = ((0.0, float(flat.height)), (float(flat.width), float(flat.height)))
    bounds = [top, *edges, bottom]
    back = _to_page(quad, flat.size)
    parts = [_quad(upper, lower, back) for upper, lower in pairwise(bounds)]
    own = (ink & ~_covered(others, angle, ink.shape, back, flat.size)).sum(axis=1)
    rows = [0, *cuts, ink.shape[0]]
    kept = [own[a:b].sum() for a, b in pairwise(rows)]
    return [part for part, mass in zip(parts, kept, strict=True) if mass >= _MASS * max(kept)]


def _flat(image: Image.Image, quad: Quad) -> Image.Image:
    """:func:`crop` of ``quad`` from ``image``, the page's pixels converted only around it
    (the whole page's cost ~80 ms)."""
    xs, ys = [x for x, _ in quad], [y for _, y in quad]
    left, top = max(0, math.floor(min(xs)) - 2), max(0, math.floor(min(ys)) - 2)
    right = min(image.width, math.ceil(max(xs)) + 2)
    bottom = min(image.height, math.ceil(max(ys)) + 2)
    region = image.crop((left, top, right, bottom))
    return crop(region, tuple((x - left, y - top) for x, y in quad))


def _smoothed(ink: BoolArray, line_height: float) -> FloatArray:
    """Inked pixels per row, averaged over a few rows (a stroke's wobble is no valley)."""
    window = max(1, round(_SMOOTH * line_height))
    profile = ink.sum(axis=1).astype(np.float64)
    return np.convolve(profile, np.ones(window) / window, mode="same")


def _covered(
    others: Sequence[Quad],
    angle: float,
    shape: tuple[int, ...],
    back: FloatArray,
    size: tuple[int, int],
) -> BoolArray:
    """The pixels of the levelled mask (``shape``, levelled by ``angle`` from a crop of
    ``size``) that lie in the ``others`` quads, ``back`` mapping the crop to the page."""
    inside = np.zeros((size[1], size[0]), dtype=np.uint8)
    forth = np.linalg.inv(back)
    for other in others:
        corners = cv2.perspectiveTransform(np.array([other], dtype=np.float32), forth)[0]
        cv2.fillPoly(inside, [np.round(corners).astype(np.int32)], 255)
    turned = Image.fromarray(inside, mode="L").rotate(
        angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0
    )
    covered: BoolArray = np.asarray(turned)[: shape[0], : shape[1]] > 127
    return covered


def _cuts(profile: FloatArray, start: int, end: int, line_height: float) -> list[int]:
    """Rows of ``profile[start:end]`` to cut at, top to bottom (recursively: the deepest
    valley first, then each side)."""
    least = max(2, math.ceil(_MIN_PART * line_height))
    if end - start < 2 * least:
        return []
    span = profile[start:end]
    above_peak = np.maximum.accumulate(span)
    below_peak = np.maximum.accumulate(span[::-1])[::-1]
    mass = np.cumsum(span)
    total = mass[-1]
    best, best_depth = -1, _DEPTH
    for y in range(least, len(span) - least):
        poorer_peak = min(above_peak[y - 1], below_peak[y])
        if poorer_peak <= 0:
            continue
        depth = span[y] / poorer_peak
        above, below = mass[y - 1], total - mass[y - 1]
        if depth <= best_depth and min(above, below) >= _MASS * max(above, below):
            best, best_depth = y, depth
    if best < 0:
        return []
    cut = start + best
    return [*_cuts(profile, start, cut, line_height), cut, *_cuts(profile, cut, end, line_height)]


Edge = tuple[tuple[float, float], tuple[float, float]]


def _unlevelled(row: float, angle: float, shape: tuple[int, ...], size: tuple[int, int]) -> Edge:
    """The levelled mask's ``row`` as a line across the crop it was levelled from (crop
    ``size`` = width, height): its points at the crop's left and right sides."""
    width, height = size
    rows, cols = shape[0], shape[1]
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)

    def back(x: float, y: float) -> tuple[float, float]:
        # As bands._unrotate_box: PIL turns about the centre, the mask grown to hold it.
        dx, dy = x - cols / 2, y - rows / 2
        return cos * dx - sin * dy + width / 2, sin * dx + cos * dy + height / 2

    (x0, y0), (x1, y1) = back(0.0, row), back(float(cols), row)
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    return ((0.0, y0 - slope * x0), (float(width), y0 + slope * (width - x0)))


def _to_page(quad: Quad, size: tuple[int, int]) -> FloatArray:
    """The perspective map from the crop :func:`crop` cut out of ``quad`` back to the page."""
    width, height = size
    flat = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    return np.asarray(cv2.getPerspectiveTransform(flat, np.array(quad, dtype=np.float32)))


def _quad(upper: Edge, lower: Edge, back: FloatArray) -> Quad:
    """The slice of the crop between two edges, on the page (corners clockwise from
    top-left)."""
    corners = np.array([[upper[0], upper[1], lower[1], lower[0]]], dtype=np.float32)
    page = cv2.perspectiveTransform(corners, back)[0]
    return tuple((float(x), float(y)) for x, y in page)
