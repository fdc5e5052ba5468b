"""Find where the lines of writing are, independently of any OCR engine.

Engines sometimes drop a line they cannot read at all (faint pencil, a scribble) and the
user would never know it was there. :func:`detect_lines` finds the bands of ink on the page
with plain image processing, and :func:`reconcile` adds every band no engine line covers as
an empty, flagged DETECTED line: whatever the user wrote is either read or pointed at.

Pipeline: greyscale -> divide by a blurred background estimate (removes shadows and paper
tint) -> threshold -> denoise -> try small rotations and keep the one whose horizontal
projection profile is sharpest (deskew) -> runs of inked rows are lines.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

from bot.ocr.model import Box, ConfidenceSource, Line

# Work on at most this many pixels on the long side: lines stay tens of pixels tall, and
# the whole detection takes tens of milliseconds.
_WORK_SIDE = 1200
# Deskew search: hand-held photos of notes are rarely more than a few degrees off.
_MAX_SKEW = 6.0
_COARSE_STEP = 0.5
_FINE_STEP = 0.1
# A pixel is ink when it is this much darker than the local paper (after normalisation),
# unless Otsu finds a stricter split.
_INK_RATIO = 0.72
# Bands over this share of inked pixels are solid blocks (desk, fingers, page edge), not text.
_MAX_FILL = 0.55
# Matches Line.vertical_overlap semantics used in reconcile.
_OVERLAP = 0.5

BoolArray = NDArray[np.bool_]


def detect_lines(image: Image.Image) -> list[Box]:
    """Bands of writing on ``image``, top to bottom, in ``image``'s pixel coordinates."""
    work, factor = _working_copy(image)
    ink = _binarise(work)
    if not ink.any():
        return []
    angle = _best_angle(ink)
    rotated = _without_rules(_rotate(ink, angle))
    boxes = []
    for top, bottom in _bands(rotated):
        box = _band_box(rotated, top, bottom)
        if box is None:
            continue
        left, top_, right, bottom_ = _unrotate_box(box, angle, ink.shape, rotated.shape)
        boxes.append(_scaled(left, top_, right, bottom_, factor, image.size))
    boxes.sort(key=lambda b: (b.top, b.left))
    return boxes


def level_ink(gray: Image.Image) -> tuple[BoolArray, float]:
    """The ink of ``gray`` (a crop of one piece of writing, a page), turned by the small
    angle that levels its rows (the sharpest row profile), rules removed; and that angle
    (degrees, as :meth:`PIL.Image.Image.rotate` turns, the mask grown to hold it)."""
    ink = _binarise(gray)
    if not ink.any():
        return ink, 0.0
    angle = _best_angle(ink)
    return _without_rules(_rotate(ink, angle)), angle


def reconcile(detected: list[Box], lines: list[Line]) -> list[Line]:
    """Engine lines plus a DETECTED empty line for each band none of them covers.

    Boxes of ``detected`` and of ``lines`` must be in the same coordinates. Lines without a
    box are kept but cannot cover a band.
    """
    result = list(lines)
    for band in uncovered(detected, lines):
        result.append(Line(text="", confidence=None, box=band, source=ConfidenceSource.DETECTED))
    return sorted(result, key=_line_order)


def uncovered(detected: list[Box], lines: list[Line]) -> list[Box]:
    """The bands of ``detected`` that no line of ``lines`` covers (same coordinates)."""
    boxes = [line.box for line in lines if line.box is not None]
    return [
        band
        for band in detected
        if not any(band.vertical_overlap(box) > _OVERLAP for box in boxes)
    ]


def _line_order(line: Line) -> tuple[int, int]:
    if line.box is None:
        # No position known: keep it after the positioned lines, in the engine's order.
        return (2**31, 0)
    return (line.box.top + line.box.height // 2, line.box.left)


def _working_copy(image: Image.Image) -> tuple[Image.Image, float]:
    gray = image.convert("L")
    long_side = max(gray.size)
    if long_side <= _WORK_SIDE:
        return gray, 1.0
    factor = long_side / _WORK_SIDE
    size = (max(1, round(gray.width / factor)), max(1, round(gray.height / factor)))
    return gray.resize(size, Image.Resampling.BOX), gray.width / size[0]


def _binarise(gray: Image.Image) -> BoolArray:
    """Ink mask, robust to shadows: each pixel is compared with the paper around it."""
    # Paper brightness: dilate (ink is dark, so a max filter removes it) on a small copy,
    # then blur, so the estimate follows shadows and gradients but not letters.
    small_w, small_h = max(1, gray.width // 8), max(1, gray.height // 8)
    small = gray.resize((small_w, small_h), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4))
    paper = paper.resize(gray.size, Image.Resampling.BILINEAR)
    # OpenCV's median is the same pixels as Pillow's MedianFilter(3), 60x faster, and it
    # lets go of the GIL (Pillow's held it ~65 ms a page: every user's replies waited).
    g = cv2.medianBlur(np.ascontiguousarray(np.asarray(gray, dtype=np.uint8)), 3).astype(
        np.float32
    )
    bg = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    norm = np.clip(g / bg, 0.0, 1.0)
    # On blank paper Otsu splits noise; the absolute cap keeps that from becoming "ink".
    threshold = min(_otsu(norm), _INK_RATIO)
    ink: BoolArray = (norm < threshold) & ~_off_page(small, gray.size)
    # Columns inked almost top to bottom are page edges or margin rules, never writing;
    # left in, they would join every line into one band.
    solid_cols = ink.mean(axis=0) > 0.8
    ink[:, solid_cols] = False
    return ink


def _off_page(small: Image.Image, size: tuple[int, int]) -> BoolArray:
    """Areas that are not paper (the desk around a photographed page), at full size."""
    # The median over ~40 px ignores sparse strokes of writing but not a dark surface.
    local = np.asarray(small.filter(ImageFilter.MedianFilter(5)), dtype=np.float32)
    paper_level = float(np.percentile(local, 95))
    dark = local < 0.5 * paper_level
    if not dark.any():
        return np.zeros((size[1], size[0]), dtype=bool)
    # Grow by one cell so the soft edge of the page is covered too.
    grown = Image.fromarray(dark.astype(np.uint8) * 255, mode="L").filter(ImageFilter.MaxFilter(3))
    mask: BoolArray = np.asarray(grown.resize(size, Image.Resampling.NEAREST)) > 127
    return mask


def _without_rules(mask: BoolArray) -> BoolArray:
    """Remove ruled-paper lines, underlines and margin rules from a deskewed mask.

    Writing never holds a row of ink for a quarter of the page, nor a column for most of
    its height; rules do, and left in they either become empty "lines" or glue real ones
    together.
    """
    width = mask.shape[1]
    out = mask.copy()
    run = max(60, width // 4)
    out &= ~_long_runs(mask, run)
    rows = np.flatnonzero(out.any(axis=1))
    if rows.size:
        span = out[rows[0] : rows[-1] + 1]
        tall = span.mean(axis=0) > 0.6
        # Only on a page-sized span: in a one-line crop a letter's stem is "most of it".
        if span.shape[0] > 120:
            out[:, tall] = False
    return out


def _long_runs(mask: BoolArray, length: int) -> BoolArray:
    """Pixels that belong to a horizontal run of ink at least ``length`` long."""
    height, width = mask.shape
    if width < length:
        return np.zeros_like(mask)
    csum = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=csum[:, 1:])
    # full[y, x]: the window [x, x + length) is all ink (erosion with a 1 x length bar).
    full = (csum[:, length:] - csum[:, :-length]) == length
    if not full.any():
        return np.zeros_like(mask)
    # Dilate back: a pixel is on a long run when some full window covers it.
    starts = np.zeros((height, width + 1), dtype=np.int32)
    starts[:, : full.shape[1]] += full
    starts[:, length : length + full.shape[1]] -= full
    covered: BoolArray = np.cumsum(starts[:, :width], axis=1) > 0
    return covered


def _otsu(values: NDArray[np.floating[Any]]) -> float:
    hist, edges = np.histogram(values, bins=128, range=(0.0, 1.0))
    total = hist.sum()
    if total == 0:
        return 0.0
    centers = (edges[:-1] + edges[1:]) / 2
    weight0 = np.cumsum(hist)
    weight1 = total - weight0
    sum0 = np.cumsum(hist * centers)
    mean0 = sum0 / np.maximum(weight0, 1)
    mean1 = (sum0[-1] - sum0) / np.maximum(weight1, 1)
    between = weight0 * weight1 * (mean0 - mean1) ** 2
    return float(centers[int(np.argmax(between))])


def _rotate(mask: BoolArray, angle: float) -> BoolArray:
    if angle == 0.0:
        return mask
    img = Image.fromarray(mask.astype(np.uint8) * 255, mode="L")
    out = img.rotate(angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
    rotated: BoolArray = np.asarray(out) > 127
    return rotated


def _profile_score(inked_rows: NDArray[np.integer[Any]]) -> float:
    """How sharp the projection profile (inked pixels per row) is."""
    profile = inked_rows.astype(np.float64)
    # Sharp line/gap transitions score high; a skewed page smears lines into each other.
    return float(np.sum(np.diff(profile) ** 2))


def _best_angle(ink: BoolArray) -> float:
    # Score on a thinned copy for speed; the angle does not need full resolution.
    step = max(1, round(max(ink.shape) / 600))
    sample = ink[::step, ::step] if step > 1 else ink
    # (as _rotate turns it, the image made once for the ~35 angles tried)
    img = Image.fromarray(sample.astype(np.uint8) * 255, mode="L")

    def score(a: float) -> float:
        if a == 0.0:
            return _profile_score(sample.sum(axis=1))
        out = img.rotate(a, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
        return _profile_score(np.asarray(out).sum(axis=1, dtype=np.int64) // 255)

    coarse = np.arange(-_MAX_SKEW, _MAX_SKEW + 1e-6, _COARSE_STEP)
    scores = {float(a): score(float(a)) for a in coarse}
    best = max(scores, key=lambda a: scores[a])
    fine = np.arange(best - _COARSE_STEP, best + _COARSE_STEP + 1e-6, _FINE_STEP)
    for a in fine:
        key = round(float(a), 2)
        if key not in scores:
            scores[key] = score(key)
    best = max(scores, key=lambda a: scores[a])
    # Prefer no rotation when it is as good: rotating nearest-neighbour masks costs detail.
    if scores.get(0.0, 0.0) >= 0.98 * scores[best]:
        return 0.0
    return best


def _bands(mask: BoolArray) -> list[tuple[int, int]]:
    """Runs of inked rows, with dots/accents merged into their line and specks dropped."""
    width = mask.shape[1]
    profile = mask.sum(axis=1)
    # A row belongs to a line when it carries more than a trace of ink.
    row_min = max(2, int(0.002 * width))
    inked = profile >= row_min
    runs: list[tuple[int, int]] = []
    start = None
    for y, on in enumerate(inked):
        if on and start is None:
            start = y
        elif not on and start is not None:
            runs.append((start, y))
            start = None
    if start is not None:
        runs.append((start, len(inked)))
    if not runs:
        return []
    heights = sorted(b - t for t, b in runs)
    # The median of the taller half: a page of mostly specks should not set the scale.
    typical = max(heights[len(heights) // 2 :][0], 4)

    # Merge a thin run (i-dots, accents, a descender tail) into its nearest neighbour when
    # it sits close; a full line never merges with another full line.
    merged = True
    while merged and len(runs) > 1:
        merged = False
        for i, (t, b) in enumerate(runs):
            if b - t >= 0.45 * typical:
                continue
            gaps = []
            if i > 0:
                gaps.append((t - runs[i - 1][1], i - 1))
            if i + 1 < len(runs):
                gaps.append((runs[i + 1][0] - b, i + 1))
            gap, j = min(gaps)
            if gap <= 0.5 * typical:
                lo, hi = sorted((i, j))
                runs[lo : hi + 1] = [(runs[lo][0], runs[hi][1])]
                merged = True
                break
    min_height = max(5, int(0.3 * typical))
    return [(t, b) for t, b in runs if b - t >= min_height]


def _band_box(mask: BoolArray, top: int, bottom: int) -> tuple[int, int, int, int] | None:
    band = mask[top:bottom]
    height = bottom - top
    cols = band.sum(axis=0)
    # Columns with ink; isolated specks far from the writing do not widen the box.
    xs = np.flatnonzero(cols > 0)
    if xs.size == 0:
        return None
    ink = int(cols.sum())
    if ink < 0.15 * height * height:
        return None  # a speck or a short scratch, not a word
    if ink > _MAX_FILL * height * (xs[-1] - xs[0] + 1):
        return None  # a solid dark block: page edge, finger, shadow
    left, right = _trim(xs, gap=3 * height)
    return left, top, right + 1, bottom


def _trim(xs: NDArray[np.intp], gap: int) -> tuple[int, int]:
    """Leftmost..rightmost column of the widest cluster of inked columns."""
    splits = np.flatnonzero(np.diff(xs) > gap)
    starts = np.concatenate(([0], splits + 1))
    ends = np.concatenate((splits, [xs.size - 1]))
    sizes = ends - starts
    k = int(np.argmax(sizes))
    # Keep every cluster that is a real part of the line (at least a quarter of the biggest).
    keep = [i for i in range(len(starts)) if sizes[i] >= 0.25 * sizes[k]]
    return int(xs[starts[keep[0]]]), int(xs[ends[keep[-1]]])


def _unrotate_box(
    box: tuple[int, int, int, int],
    angle: float,
    shape: tuple[int, ...],
    rotated_shape: tuple[int, ...],
) -> tuple[float, float, float, float]:
    """Map a box found on the deskewed mask back onto the unrotated page."""
    left, top, right, bottom = box
    if angle == 0.0:
        return float(left), float(top), float(right), float(bottom)
    h, w = shape[0], shape[1]
    rh, rw = rotated_shape[0], rotated_shape[1]
    # PIL rotates counter-clockwise around the centre; with y pointing down, a point at
    # offset (dx, dy) from the centre of the rotated image came from R(-angle)(dx, dy).
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    xs, ys = [], []
    for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
        dx, dy = x - rw / 2, y - rh / 2
        xs.append(cos * dx - sin * dy + w / 2)
        ys.append(sin * dx + cos * dy + h / 2)
    return min(xs), min(ys), max(xs), max(ys)


def _scaled(
    left: float, top: float, right: float, bottom: float, factor: float, size: tuple[int, int]
) -> Box:
    w, h = size
    x0 = min(max(0, math.floor(left * factor)), w - 1)
    y0 = min(max(0, math.floor(top * factor)), h - 1)
    x1 = min(w, max(x0 + 1, math.ceil(right * factor)))
    y1 = min(h, max(y0 + 1, math.ceil(bottom * factor)))
    return Box(left=x0, top=y0, width=x1 - x0, height=y1 - y0)
