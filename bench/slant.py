"""Slant correction's knobs (bot.ocr.decoding.slant): chosen on drawn notes made to lean,
confirmed on the real handwritten lines.

Run: .venv/bin/python -m bench.slant [--quick] [--data ../shared/data/real-notes]

The drawn set: the English notes' faces of bench.common, four lines each from the training
lines, drawn small (22-30 px), blurred and compressed as a phone photo (upright and clean,
the recognizer reads them all but exactly, at any slant), at each seed of bench.calibrate's
TRAIN_SEEDS, twice, leaning by two of SLANTS (testkit.drawing.Effects.slant; none of
flag_quality's seeds, no real page). Every knob
setting (the shears tried, the height the ink is searched at, the gain over upright a shear
needs) is scored by the character errors of the LM reading, in 2 folds (the notes split in
two): each fold's best is scored on the other. Then the settings chosen, and the shipped
one, are scored on the real handwritten lines in 2 folds by manuscript page
(bench.calibrate_evidence.real_group), against no correction: a confirmation, nothing is
chosen there.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bench.common import DRAWN_STYLES
from bench.decoding import DATA, Sample, Tally, decoder, prepared, real_samples, score, two_folds
from bot.ocr.decoding import slant
from bot.ocr.find.lines import find_lines
from bot.ocr.readers import rapid

# How far the drawn notes lean (shear; 0.5 is about 27 degrees).
SLANTS = (-0.15, 0.0, 0.2, 0.35, 0.5, 0.65, 0.8)


@dataclass(frozen=True, slots=True)
class Knobs:
    shears: tuple[float, ...]
    height: int
    gain: float

    def __str__(self) -> str:
        step = round(self.shears[1] - self.shears[0], 2)
        span = f"{self.shears[0]}..{self.shears[-1]} by {step}"
        return f"shears {span}, height {self.height}, gain {self.gain}"


SHIPPED = Knobs(slant.SHEARS, slant.HEIGHT, slant.GAIN)


def _range(low: float, high: float, step: float) -> tuple[float, ...]:
    n = round((high - low) / step)
    return tuple(round(low + k * step, 2) for k in range(n + 1))


GRID = [
    Knobs(shears, height, gain)
    for shears in (_range(-0.3, 0.7, 0.1), _range(-0.3, 0.7, 0.05), _range(-0.2, 0.5, 0.1),
                   _range(-0.3, 0.9, 0.1))
    for height in (32, 40, 56)
    for gain in (0.0, 0.05, 0.1, 0.2)
]  # fmt: skip


def slanted_drawn(quick: bool) -> list[Sample]:
    """English notes of the training seeds, each leaning by one of :data:`SLANTS`."""
    from bench.calibrate import QUICK_SEEDS, TRAIN_SEEDS
    from testkit.drawing import Effects, draw_lines, to_bytes

    out = []
    for seed in QUICK_SEEDS if quick else TRAIN_SEEDS:
        rng = random.Random(seed)
        for lang, font_name, pool in DRAWN_STYLES:
            if lang != "en":
                continue
            for lean in rng.sample(SLANTS, 2):
                lines = tuple(rng.sample(pool, 4))
                size = rng.choice((22, 26, 30))
                effects = Effects(slant=lean, blur_radius=1.0, jpeg_quality=50)
                img = draw_lines(lines, font_name=font_name, size=size, effects=effects)
                data = to_bytes(img, "JPEG", 50)
                name = f"slant/{font_name}/{lean}/s{seed}"
                out.append(Sample(name, "drawn-slanted", "en", lines, prepared(data)))
    return out


class Lines:
    """A sample's line crops, found once; the recognizer's output for each crop at each
    shear, computed once."""

    def __init__(self, sample: Sample) -> None:
        self.sample = sample
        image = sample.image
        spots = find_lines(image, rapid.detect(image))
        self.crops = [[rapid.crop(image, quad) for quad in spot.pieces] for spot in spots]
        self._probs: dict[tuple[int, int, float], tuple[Image.Image, object]] = {}

    def read(self, knobs: Knobs | None) -> list[list[tuple[Image.Image, object]]]:
        out = []
        for li, pieces in enumerate(self.crops):
            line = []
            for pi, crop in enumerate(pieces):
                shear = 0.0
                if knobs is not None:
                    shear = slant.shear_of(
                        crop, shears=knobs.shears, height=knobs.height, gain=knobs.gain
                    )
                key = (li, pi, shear)
                if key not in self._probs:
                    upright = slant.sheared(crop, shear)
                    self._probs[key] = (upright, rapid.line_probabilities(upright))
                line.append(self._probs[key])
            out.append(line)
        return out


def errors(lines: list[Lines], knobs: Knobs | None) -> Tally:
    """The LM reading's errors over ``lines`` with ``knobs`` (None: no correction)."""
    run, tally = decoder(), Tally()
    for one in lines:
        language = one.sample.language
        texts = [
            " ".join(d.text for d in (run(c, p, language) for c, p in pieces) if d.text)
            for pieces in one.read(knobs)
        ]
        score(tally, one.sample, texts, [])
    return tally


def rate(tally: Tally) -> str:
    return f"CER {tally.char_errors / max(1, tally.chars):.4f} ({tally.char_errors}/{tally.chars})"


def main() -> None:
    from bench.calibrate_evidence import real_group

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, a smaller grid")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    t0 = time.perf_counter()
    drawn = [Lines(s) for s in slanted_drawn(args.quick)]
    folds = [f["drawn"] for f in two_folds({"drawn": drawn})]  # type: ignore[dict-item]
    grid = GRID[::5] if args.quick else GRID
    print(f"{len(drawn)} slanted drawn notes, {len(grid)} settings")
    none = [errors(fold, None) for fold in folds]  # type: ignore[arg-type]
    print("no correction: " + " | ".join(f"fold {k} {rate(t)}" for k, t in enumerate(none)))
    found = []
    for knobs in grid:
        scored = [errors(fold, knobs) for fold in folds]  # type: ignore[arg-type]
        found.append((knobs, scored))
        print(f"{knobs}: " + " | ".join(f"fold {k} {rate(t)}" for k, t in enumerate(scored)))
    chosen = []
    for k in (0, 1):
        knobs, scored = min(found, key=lambda f: f[1][k].char_errors)
        chosen.append(knobs)
        print(
            f"chosen on fold {k}: {knobs}; held out (fold {1 - k}) {rate(scored[1 - k])} "
            f"against {rate(none[1 - k])} with no correction"
        )
    real = [Lines(s) for s in real_samples(args.data, args.quick) if s.kind == "handwritten-line"]
    pages = sorted({real_group(s.sample.name) for s in real})
    by_page = [[r for r in real if real_group(r.sample.name) in pages[k::2]] for k in (0, 1)]
    print(f"\nreal handwritten lines: {len(real)} from {len(pages)} manuscript pages")
    for title, knobs in [
        ("no correction", None),
        *[(f"chosen on drawn fold {k}", c) for k, c in enumerate(chosen)],
        ("shipped", SHIPPED),
    ]:
        parts = [rate(errors(fold, knobs)) for fold in by_page]
        print(f"{title} ({knobs or '-'}): all {rate(errors(real, knobs))}; by page "
              + " | ".join(f"fold {k} {p}" for k, p in enumerate(parts)))  # fmt: skip
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
