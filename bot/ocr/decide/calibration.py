"""Make "75% sure" mean the same thing whichever engine read the line.

Engines report scores on their own scales: Tesseract says 0.80 for a line that is wrong a
third of the time. A :class:`Calibration` maps an engine's raw score onto an estimate of
"how likely this line is exactly right", so the one user threshold works for every engine.
Maps live in ``bot/ocr/calibration/<engine>.json`` as ``{"points": [[raw, calibrated], ...]}``.

When the same engine re-reads a line's crop at other scales, :class:`RereadModel` combines
its own score with how many re-reads agree: a line read the same way three times is far
more often right than its score alone says, and a confident line that reads differently at
another scale is a confident mistake ("Ist" for "1st", a stray full stop from JPEG noise).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import exp, log
from pathlib import Path

CALIBRATION_DIR = Path(__file__).parents[1] / "calibration"


@dataclass(frozen=True, slots=True)
class Calibration:
    """A monotone piecewise-linear map from raw engine scores (0..1) to calibrated ones."""

    points: Sequence[tuple[float, float]]

    def __post_init__(self) -> None:
        pts = tuple(sorted((float(r), float(c)) for r, c in self.points))
        if len(pts) < 2:
            raise ValueError("a calibration needs at least two points")
        raws = [r for r, _ in pts]
        cals = [c for _, c in pts]
        if len(set(raws)) != len(raws):
            raise ValueError("calibration raw scores must be distinct")
        if any(b < a for a, b in pairwise(cals)):
            raise ValueError("a calibration must never lower a higher raw score")
        if not all(0.0 <= v <= 1.0 for v in raws + cals):
            raise ValueError("calibration points must lie in 0..1")
        object.__setattr__(self, "points", pts)

    def __call__(self, raw: float) -> float:
        pts = self.points
        raw = min(max(raw, 0.0), 1.0)
        if raw <= pts[0][0]:
            return pts[0][1]
        if raw >= pts[-1][0]:
            return pts[-1][1]
        i = bisect_right([r for r, _ in pts], raw)
        (r0, c0), (r1, c1) = pts[i - 1], pts[i]
        return c0 + (c1 - c0) * (raw - r0) / (r1 - r0)

    @classmethod
    def identity(cls) -> Calibration:
        return cls(((0.0, 0.0), (1.0, 1.0)))

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        points = data["points"] if isinstance(data, dict) else data
        return cls(tuple((float(r), float(c)) for r, c in points))

    @classmethod
    def load(cls, engine: str, directory: Path = CALIBRATION_DIR) -> Calibration:
        """The map for ``engine``; identity when none is shipped (an honest raw score)."""
        path = directory / f"{engine}.json"
        if not path.exists():
            return cls.identity()
        return cls.from_json(path.read_text(encoding="utf-8"))


def logit(p: float) -> float:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    p = min(max(p, 1e-3), 1 - 1e-3)
    return log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class RereadModel:
    """P(line right) from the engine's raw line score and how many re-reads agree with it.

    Logistic: ``sigmoid(intercept + conf_weight * logit(raw) + agree_weight * agreed)``,
    fitted by ``bench/calibrate.py`` and shifted so that the fitted cut lands on 0.75 (the
    default threshold). ``scales`` are the sizes the line's crop is re-read at.
    """

    scales: tuple[float, ...]
    intercept: float
    conf_weight: float
    agree_weight: float

    def __post_init__(self) -> None:
        if not self.scales or any(s <= 0 for s in self.scales):
            raise ValueError("re-read scales must be positive")
        if self.conf_weight <= 0 or self.agree_weight < 0:
            raise ValueError("a higher score or more agreement must never lower confidence")

    def __call__(self, raw: float, agreed: int) -> float:
        z = self.intercept + self.conf_weight * logit(raw) + self.agree_weight * agreed
        return 1.0 / (1.0 + exp(-z))

    def least_raw(self, threshold: float, agreed: int) -> float:
        """The raw score from which a line with ``agreed`` re-reads reaches ``threshold``."""
        z = (logit(threshold) - self.intercept - self.agree_weight * agreed) / self.conf_weight
        return 1.0 / (1.0 + exp(-z))

    @classmethod
    def load(cls, engine: str, directory: Path = CALIBRATION_DIR) -> RereadModel | None:
        """The ``rereads`` section of ``<engine>.json``; None when it has none."""
        path = directory / f"{engine}.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        model = data.get("rereads") if isinstance(data, dict) else None
        if model is None:
            return None
        return cls(
            scales=tuple(float(s) for s in model["scales"]),
            intercept=float(model["intercept"]),
            conf_weight=float(model["conf_weight"]),
            agree_weight=float(model["agree_weight"]),
        )


def calibrate(raw: float | None, calibration: Calibration | None) -> float | None:
    """Apply ``calibration`` to a raw 0..1 score; None stays None (nothing honest known)."""
    if raw is None:
        return None
    if calibration is None:
        return min(max(raw, 0.0), 1.0)
    return calibration(raw)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions). What the two share at either
    end is set aside first; the rest is Hyyrö's bit-parallel form of Myers' algorithm, one
    pass over ``b`` with ``a``'s columns as the bits of an int (deciding compares a line's
    readings thousands of times a page: the plain table cost ~1.5 ms a pair)."""
    start = 0
    for ca, cb in zip(a, b, strict=False):
        if ca != cb:
            break
        start += 1
    end = 0
    for ca, cb in zip(reversed(a[start:]), reversed(b[start:]), strict=False):
        if ca != cb:
            break
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if not a or not b:
        return len(a) + len(b)
    where: dict[str, int] = {}
    for i, ca in enumerate(a):
        where[ca] = where.get(ca, 0) | 1 << i
    mask = (1 << len(a)) - 1
    top = 1 << (len(a) - 1)
    plus, minus, distance = mask, 0, len(a)
    for cb in b:
        eq = where.get(cb, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        hp = minus | ~(xh | plus)
        hm = plus & xh
        if hp & top:
            distance += 1
        elif hm & top:
            distance -= 1
        hp = (hp << 1) | 1
        hm <<= 1
        plus = (hm | ~(xv | hp)) & mask
        minus = hp & xv & mask
    return distance


def normalise(text: str, *, unspaced: bool = False) -> str:
    """Spacing is how engines differ, not what the user wrote; ``unspaced`` scripts (Chinese,
    Japanese) are written with no spaces at all."""
    return "".join(text.split()) if unspaced else " ".join(text.split())
