"""Greedy vs language-model decoding of RapidOCR's output, on the same crops in one run.

Run: .venv/bin/python -m bench.decoding [--quick] [--data ../shared/data/real-notes]
                                        [--settings] [--tune] [--tune-case] [-v]

Each image is prepared and its lines found as the default engine does (RapidOCR's detector,
bot.ocr.find.lines), each line's crop run once through the recognizer, and its output decoded:
  greedy   RapidOCR's own decoding (what the bot shows today)
  spaced   greedy with the word spaces it dropped put back (bot.ocr.decoding.spaces)
  lm       prefix beam search with the character LM of the language, spaces put back
Prints per set (real handwritten pages / lines, typewritten pages / lines, drawn notes):
  CER        edit distance / length of the whole text (lines joined), spacing collapsed
  WER        the same over words
  real-wrong hypothesis words that are wrong yet real words (in wordfreq's list): the
             LM's risk, a reading that looks right
  space-only lines whose only error is spacing
  changed    lines the LM read otherwise than the image alone
and the time: recognizer (detector + recognizer, RapidOCR alone) and each decoder's, per page.

--settings: the same images read under the settings measured, each against the settings
before issue 18 (recognizer width 320 vs 640; detector side 960 vs 736; a second tighter
crop of loose lines; the shipped combination).
--tune: the LM weights on drawn notes + real lines, cross-validated (2 folds).
--tune-case: the case prices on real lines + drawn English notes of the training seeds.
--tune-words: the word list's size and weights on the same sets, cross-validated (2 folds).
--tune-spaces: the word-space thresholds (bot.ocr.decoding.spaces, line) on drawn English
notes of the training seeds, the same lines drawn small and blurred, training lines with
narrow word gaps and the real lines, cross-validated (2 folds).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import string
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from bench.common import align_lines, cer, drawn_set, normalise
from bot.ocr.decide.calibration import levenshtein
from bot.ocr.decide.evidence import Script, script_of
from bot.ocr.decoding import crops, ctc, lm, slant, spaces
from bot.ocr.decoding import line as decoding_line
from bot.ocr.decoding.line import SURE, WEIGHTS, Decoded, decode
from bot.ocr.find.lines import find_lines
from bot.ocr.languages import resolve
from bot.ocr.preprocess import prepare
from bot.ocr.readers import rapid

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-notes"
DECODERS = ("greedy", "spaced", "lm")
# Narrow word gaps (a share of the font size) for the drawn spacing lines.
NARROW_GAPS = (0.12, 0.16, 0.2)
SPACING_FONTS = ("sans", "serif", "comic", "femke", "script")
SPACING_LINES = (
    "W Yuyuan Rd. E",
    "315 309 Nguyen Van Linh",
    "Call the dentist at 3 pm",
    "Buy milk and eggs",
    "Room 12 B second floor",
)


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    kind: str
    language: str
    truth: tuple[str, ...]
    image: Image.Image


@dataclass(slots=True)
class Read:
    """One sample read: each line's crops (pieces) and the recognizer's output for each."""

    sample: Sample
    pieces: list[list[tuple[Image.Image, object]]]
    seconds: float


@dataclass(slots=True)
class Tally:
    chars: int = 0
    char_errors: int = 0
    words: int = 0
    word_errors: int = 0
    real_wrong: int = 0
    space_only: int = 0
    changed: int = 0
    lines: int = 0
    seconds: float = 0.0
    pages: int = 0
    cers: list[float] = field(default_factory=list)

    def row(self) -> str:
        cer_ = self.char_errors / max(1, self.chars)
        wer = self.word_errors / max(1, self.words)
        mean = sum(self.cers) / max(1, len(self.cers))
        return (
            f"CER {cer_:.3f} (mean/page {mean:.3f})  WER {wer:.3f}"
            f"  real-wrong {self.real_wrong:4d}"
            f"  space-only {self.space_only:3d}/{self.lines}  changed {self.changed:3d}"
            f"  {1000 * self.seconds / max(1, self.pages):6.0f} ms/page"
        )


def real_samples(data: Path, quick: bool) -> list[Sample]:
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    taken: dict[str, int] = defaultdict(int)
    out = []
    for entry in manifest:
        if quick and taken[entry["kind"]] >= (2 if entry["kind"].endswith("page") else 6):
            continue
        taken[entry["kind"]] += 1
        image = prepared(data.joinpath(entry["image"]).read_bytes())
        truth = tuple(t for t in entry["text"].split("\n") if t.strip())
        out.append(Sample(entry["image"], entry["kind"], entry["language"], truth, image))
    return out


def drawn_samples(quick: bool) -> list[Sample]:
    """Drawn notes (en, vi, zh: every font and effect) and drawn lines with narrow word
    gaps."""
    from testkit.drawing import draw_words

    out = [
        Sample(n.name, "drawn-note", n.language, n.lines, prepared(n.image))
        for n in drawn_set((101,), quick=quick)
    ]
    rng = random.Random(7)
    for gap in NARROW_GAPS[:1] if quick else NARROW_GAPS:
        for font_name in SPACING_FONTS:
            text = rng.choice(SPACING_LINES)
            img = draw_words(text, font_name=font_name, size=34, gap=gap)
            out.append(Sample(f"narrow/{font_name}/{gap}", "drawn-narrow", "en", (text,), img))
    return out


def prepared(data: bytes) -> Image.Image:
    return prepare(data, max_bytes=20 << 20, max_pixels=60_000_000).image


def read_crops(
    sample: Sample,
    *,
    width: int | None = None,
    side: int | None = None,
    tight: bool = False,
    deslant: bool | None = None,
) -> Read:
    """Find the sample's lines and run each crop through the recognizer (timed), each
    crop stood upright first where the engine does (``deslant`` None: in the languages it
    decodes with the LM, :func:`bot.ocr.decoding.line.read`)."""
    t0 = time.perf_counter()
    image = sample.image
    found = rapid.detect_at(image, side or rapid.DETECT_SIDE)
    if deslant is None:
        deslant = script_of(resolve(sample.language)) is Script.LATIN
    lines = []
    for spot in find_lines(image, found):
        pieces = []
        for quad in spot.pieces:
            crop = rapid.crop(image, quad)
            crop = slant.upright(crop) if deslant else crop
            pieces.append((crop, rapid.line_probabilities(crop, width)))
            close = crops.tighter(crop) if tight else None
            if close is not None:
                pieces.append((close, rapid.line_probabilities(close, width)))
        lines.append(pieces)
    return Read(sample, lines, time.perf_counter() - t0)


LineDecoder = Callable[[Image.Image, object, str], Decoded]


def decoder(weights: ctc.Weights = WEIGHTS, sure: float = SURE) -> LineDecoder:
    labels = rapid.labels()

    def run(crop: Image.Image, probs: object, language: str) -> Decoded:
        return decode(crop, probs, labels, language, weights=weights, sure=sure)  # type: ignore[arg-type]

    return run


def texts(read: Read, run: LineDecoder, tight: bool = False) -> tuple[dict[str, list[str]], float]:
    """Each decoder's line texts for one read sample, and the decoding time."""
    t0 = time.perf_counter()
    out: dict[str, list[str]] = {name: [] for name in (*DECODERS, "changed")}
    for pieces in read.pieces:
        decoded = [run(crop, probs, read.sample.language) for crop, probs in pieces]
        if tight and len(decoded) == 2:
            decoded = [max(decoded, key=lambda d: d.score)]
        sep = "" if read.sample.language.startswith("zh") else " "
        out["greedy"].append(sep.join(d.greedy for d in decoded if d.greedy))
        out["spaced"].append(sep.join(d.spaced for d in decoded if d.spaced))
        out["lm"].append(sep.join(d.text for d in decoded if d.text))
        out["changed"].append("1" if any(d.lm_changed for d in decoded) else "")
    return out, time.perf_counter() - t0


def score(tally: Tally, sample: Sample, lines: list[str], changed: list[str]) -> None:
    lang = sample.language
    sep = "" if lang.startswith("zh") else " "
    ref = sep.join(normalise(t, lang) for t in sample.truth)
    hyp = sep.join(normalise(t, lang) for t in lines if t.strip())
    errors = levenshtein(ref, hyp)
    tally.chars += len(ref)
    tally.char_errors += errors
    tally.cers.append(cer(ref, hyp))
    ref_words, hyp_words = ref.split(), hyp.split()
    tally.words += len(ref_words)
    tally.word_errors += levenshtein(ref_words, hyp_words)  # type: ignore[arg-type]
    tally.real_wrong += real_wrong_words(ref_words, hyp_words, lang)
    tally.pages += 1
    tally.changed += sum(1 for c in changed if c)
    for gi, oi in align_lines([normalise(t, lang) for t in sample.truth], lines):
        tally.lines += 1
        want, got = normalise(sample.truth[gi], lang), normalise(lines[oi], lang)
        if want != got and want.replace(" ", "") == got.replace(" ", ""):
            tally.space_only += 1


def real_wrong_words(ref: list[str], hyp: list[str], language: str) -> int:
    """Hypothesis words not in the reference's words that are real words of the language."""
    from wordfreq import zipf_frequency

    code = lm.WORDFREQ_CODE.get(language)
    if code is None:
        return 0
    known = {w.strip(string.punctuation).lower() for w in ref}
    count = 0
    for word in hyp:
        bare = word.strip(string.punctuation).lower()
        if bare and bare not in known and bare.isalpha() and zipf_frequency(bare, code) > 0:
            count += 1
    return count


def report(
    title: str,
    samples: list[Sample],
    run: LineDecoder,
    *,
    verbose: bool = False,
    **settings: object,
) -> None:
    """Read each sample (timed) and decode it at once (timed): the two times are taken
    side by side, under the same load."""
    tight = bool(settings.get("tight"))
    by_kind: dict[tuple[str, str], Tally] = defaultdict(Tally)
    rec: dict[str, float] = defaultdict(float)
    for sample in samples:
        read = read_crops(sample, **settings)  # type: ignore[arg-type]
        out, seconds = texts(read, run, tight)
        kind = _kind(sample)
        if verbose:
            for g, sp, m in zip(out["greedy"], out["spaced"], out["lm"], strict=True):
                if len({g, sp, m}) > 1:
                    print(f"   {sample.name}: {g!r} | {sp!r} | {m!r}")
        rec[kind] += read.seconds
        for name in DECODERS:
            tally = by_kind[(kind, name)]
            score(tally, sample, out[name], out["changed"] if name == "lm" else [])
        # the decoders' added time: greedy is RapidOCR's own; the rest is ours
        by_kind[(kind, "lm")].seconds += seconds
    print(f"\n== {title}")
    for kind in rec:
        pages = by_kind[(kind, "greedy")].pages
        print(f"{kind}: {pages} images, recognizer {1000 * rec[kind] / pages:.0f} ms/page")
        for name in DECODERS:
            print(f"   {name:7s} {by_kind[(kind, name)].row()}")
        added = by_kind[(kind, "lm")].seconds / max(1e-9, rec[kind])
        print(f"   decoding (spaces + LM) adds {100 * added:.1f}% to the recognizer's time")


def _kind(sample: Sample) -> str:
    return f"{sample.kind} {sample.language}" if sample.kind == "drawn-note" else sample.kind


def settings(samples: list[Sample]) -> None:
    """Greedy decoding under each measured setting, against today's, on the same images."""
    run = decoder()
    before = {"width": 320, "side": 960}  # the settings before issue 18
    variants: list[tuple[str, dict[str, object]]] = [
        ("before: recognizer width 320, detector side 960", before),
        ("recognizer width 640", {**before, "width": 640}),
        ("detector side 736", {**before, "side": 736}),
        ("second tighter crop of loose lines", {**before, "tight": True}),
        ("shipped: width 640, detector 736", {"width": 640, "side": 736}),
    ]
    for title, kwargs in variants:
        report(title, samples, run, **kwargs)


def tune(samples: list[Sample]) -> None:
    """Grid over the LM weights, 2-fold cross-validated over the tuning samples."""
    reads = [read_crops(s) for s in samples]
    rng = random.Random(1)
    order = list(range(len(reads)))
    rng.shuffle(order)
    folds = [sorted(order[::2]), sorted(order[1::2])]
    grid = [
        (ctc.Weights(alpha=a, beta=b, width=8, prune=0.01), sure)
        for a in (0.6, 0.9, 1.2)
        for b in (2.0, 3.0, 4.0)
        for sure in (0.9, 0.95, 1.01)
    ]

    def fold_cer(setting: tuple[ctc.Weights, float], idx: list[int]) -> float:
        run = decoder(*setting)
        tally = Tally()
        for i in idx:
            out, _ = texts(reads[i], run)
            score(tally, reads[i].sample, out["lm"], [])
        return tally.char_errors / max(1, tally.chars)

    for k, (fit, held) in enumerate((folds, folds[::-1])):
        best = min(grid, key=lambda w: fold_cer(w, fit))
        greedy = Tally()
        for i in held:
            out, _ = texts(reads[i], decoder(*best))
            score(greedy, reads[i].sample, out["greedy"], [])
        print(
            f"fold {k}: best alpha {best[0].alpha} beta {best[0].beta} sure {best[1]} "
            f"on {len(fit)} samples; "
            f"held-out CER lm {fold_cer(best, held):.3f} vs greedy "
            f"{greedy.char_errors / max(1, greedy.chars):.3f} ({len(held)} samples)"
        )


def training_drawn() -> list[Sample]:
    """The drawn English notes of bench.calibrate's training seeds (flag_quality's seeds
    and the real pages are kept for reporting)."""
    from bench.calibrate import TRAIN_SEEDS

    return [
        Sample(n.name, "drawn-note", n.language, n.lines, prepared(n.image))
        for n in drawn_set(TRAIN_SEEDS)
        if n.language == "en"
    ]


def tune_case(real: list[Sample]) -> None:
    """The case prices of the beam search (``Weights.inner_capital``, ``capital_word``) on
    the real handwritten lines and the drawn English notes of bench.calibrate's training
    seeds: character errors of the LM reading at each pair of prices."""
    drawn = training_drawn()
    sets = {"real lines": [s for s in real if s.kind.endswith("line")], "drawn en": drawn}
    reads = {name: [read_crops(s) for s in samples] for name, samples in sets.items()}
    for inner in (0.0, -2.0, -4.0, -6.0):
        for word in (0.0, -1.0, -2.0, -3.0, -4.0):
            run = decoder(replace(WEIGHTS, inner_capital=inner, capital_word=word))
            errors = []
            for name, done in reads.items():
                tally = Tally()
                for read in done:
                    out, _ = texts(read, run)
                    score(tally, read.sample, out["lm"], [])
                errors.append(f"{name} {tally.char_errors}/{tally.chars}")
            print(f"inner capital {inner:4.1f}, capital word {word:4.1f}: " + ", ".join(errors))


def two_folds(sets: dict[str, list[Read]]) -> list[dict[str, list[Read]]]:
    """Each set split in two at random (the same split each run)."""
    rng = random.Random(1)
    folds: list[dict[str, list[Read]]] = [{}, {}]
    for name, reads in sets.items():
        order = list(range(len(reads)))
        rng.shuffle(order)
        for k in (0, 1):
            folds[k][name] = [reads[i] for i in sorted(order[k::2])]
    return folds


def tune_words(real: list[Sample]) -> None:
    """The word list (``Weights.lexicon``, ``oov``, ``unigram``) on the real handwritten
    lines and the training seeds' drawn English notes, in 2 folds (each set split in two):
    each fold's best setting by the sum of the two sets' CER (so neither set outweighs the
    other), scored on the other fold, against the shipped weights without a word list."""
    sets = {
        "real lines": [read_crops(s) for s in real if s.kind == "handwritten-line"],
        "drawn en": [read_crops(s) for s in training_drawn()],
    }
    folds = two_folds(sets)

    def fold_cer(weights: ctc.Weights, fold: dict[str, list[Read]]) -> tuple[float, str]:
        run, total, parts = decoder(weights), 0.0, []
        for name, reads in fold.items():
            tally = Tally()
            for read in reads:
                out, _ = texts(read, run)
                score(tally, read.sample, out["lm"], [])
            total += tally.char_errors / max(1, tally.chars)
            parts.append(f"{name} {tally.char_errors}/{tally.chars} real-wrong {tally.real_wrong}")
        return total, ", ".join(parts)

    none = replace(WEIGHTS, oov=0.0, unigram=0.0)
    grid = [none] + [
        replace(WEIGHTS, lexicon=size, oov=oov, unigram=unigram)
        for size in (2_000, 5_000, 10_000, 20_000, 40_000)
        for oov in (-1.0, -2.0, -3.0, -4.0)
        for unigram in (0.0, 0.5, 1.0)
    ]
    found = []
    for weights in grid:
        scored = [fold_cer(weights, fold) for fold in folds]
        found.append((weights, scored))
        print(
            f"words {weights.lexicon:6d} oov {weights.oov:4.1f} unigram {weights.unigram:4.2f}: "
            + " | ".join(
                f"fold {k} {cer_:.4f} ({parts})" for k, (cer_, parts) in enumerate(scored)
            ),
            flush=True,
        )
    for k in (0, 1):
        best = min(found, key=lambda f: f[1][k][0])
        print(
            f"chosen on fold {k}: words {best[0].lexicon} oov {best[0].oov} unigram "
            f"{best[0].unigram}; held out (fold {1 - k}) {best[1][1 - k][0]:.4f} against "
            f"{found[0][1][1 - k][0]:.4f} without a word list"
        )


def spacing_sets(real: list[Sample]) -> dict[str, list[Sample]]:
    """The sets the word-space thresholds are chosen on: none of flag_quality's seeds, no
    page of the real notes, and not the dentist's line (bench.vocabulary draws it)."""
    from bench.common import EN_LINES
    from testkit.drawing import Effects, draw_words, note_png

    pool = [t for t in EN_LINES if "dentist" not in t]
    rng = random.Random(4321)
    small, narrow = [], []
    for font_name in ("sans", "serif", "comic", "femke", "script", "chancery", "dkg", "breip"):
        for size, effects in (
            (28, Effects(blur_radius=1.0, jpeg_quality=60)),
            (30, Effects()),
            (26, Effects(jpeg_quality=50)),
        ):
            for _ in range(2):
                lines = tuple(rng.sample(pool, 4))
                image = prepared(note_png(lines, font_name=font_name, size=size, effects=effects))
                small.append(
                    Sample(f"small/{font_name}/{size}", "drawn-small", "en", lines, image)
                )
        for gap in NARROW_GAPS:
            for size in (28, 34):
                text = rng.choice(pool)
                image = draw_words(text, font_name=font_name, size=size, gap=gap)
                narrow.append(
                    Sample(f"narrow/{font_name}/{gap}", "drawn-narrow", "en", (text,), image)
                )
    return {
        "drawn en": training_drawn(),
        "drawn small": small,
        "narrow": narrow,
        "real lines": [s for s in real if s.kind.endswith("line")],
    }


def tune_spaces(real: list[Sample]) -> None:
    """The word-space thresholds in 2 folds (each set split in two): each fold's best by the
    sum of the sets' CER of the LM reading, scored on the other fold, against main's
    setting before issue 18 part 4 (as near as the knobs go: the digit guard stays)."""
    sets = {name: [read_crops(s) for s in samples] for name, samples in spacing_sets(real).items()}
    folds = two_folds(sets)
    knobs = (
        (spaces, "MIN_SPACE"), (spaces, "AS_WIDE_AS_READ"),
        (decoding_line, "LM_SPACE_CHANCE"), (decoding_line, "JOINED_ZIPF"),
    )  # fmt: skip
    shipped = tuple(getattr(module, name) for module, name in knobs)

    def fold_cer(setting: tuple[float, ...], fold: dict[str, list[Read]]) -> tuple[float, str]:
        for (module, name), value in zip(knobs, setting, strict=True):
            setattr(module, name, value)
        total, parts = 0.0, []
        for name, reads in fold.items():
            tally = Tally()
            for read in reads:
                out, _ = texts(read, decoder())
                score(tally, read.sample, out["lm"], [])
            total += tally.char_errors / max(1, tally.chars)
            parts.append(f"{name} {tally.char_errors}/{tally.chars} ({tally.space_only})")
        return total, ", ".join(parts)

    # AS_WIDE_AS_READ inf: off (main before it); JOINED_ZIPF 0: the LM joins any letters
    grid = [
        (minimum, wide, chance, joined)
        for minimum in (0.18, 0.22)
        for wide in (math.inf, 1.2, 1.0, 0.8, 0.7)
        for chance in (0.5, 0.7, 0.9)
        for joined in (0.0, 2.5)
    ]
    before = (0.22, math.inf, 0.5, 0.0)
    found = []
    try:
        for setting in [before, *grid]:
            scored = [fold_cer(setting, fold) for fold in folds]
            found.append((setting, scored))
            print(
                "min space {} as wide as read {} chance {} joined zipf {}: ".format(*setting)
                + " | ".join(f"fold {k} {c:.4f} ({p})" for k, (c, p) in enumerate(scored)),
                flush=True,
            )
        for k in (0, 1):
            best = min(found[1:], key=lambda f: f[1][k][0])
            print(
                f"chosen on fold {k}: {best[0]}; held out (fold {1 - k}) "
                f"{best[1][1 - k][0]:.4f} against {found[0][1][1 - k][0]:.4f} before"
            )
    finally:
        for (module, name), value in zip(knobs, shipped, strict=True):
            setattr(module, name, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few images of each kind")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--settings", action="store_true", help="the measured settings")
    parser.add_argument("--tune", action="store_true", help="LM weights, cross-validated")
    parser.add_argument("--tune-case", action="store_true", help="the case prices")
    parser.add_argument("--tune-words", action="store_true", help="the word list")
    parser.add_argument("--tune-spaces", action="store_true", help="the word-space thresholds")
    parser.add_argument("-v", "--verbose", action="store_true", help="lines decoded apart")
    args = parser.parse_args()
    real = real_samples(args.data, args.quick)
    drawn = drawn_samples(args.quick)
    t0 = time.perf_counter()
    lm.model("en")
    print(f"English character LM ready in {time.perf_counter() - t0:.1f}s (built or cached)")
    if args.tune_case:
        tune_case(real)
        return
    if args.tune_words:
        tune_words(real)
        return
    if args.tune_spaces:
        tune_spaces(real)
        return
    if args.tune:
        tune([s for s in real if s.kind.endswith("line")] + drawn)
        return
    if args.settings:
        settings(real)
        return
    run = decoder()
    report("real notes", real, run, verbose=args.verbose)
    report("drawn notes (en, vi, zh); narrow word gaps", drawn, run, verbose=args.verbose)


if __name__ == "__main__":
    main()
