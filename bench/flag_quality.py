"""Flag quality on drawn notes: are the lines an engine got wrong the ones it flags?

Run: .venv/bin/python -m bench.flag_quality [--quick] [--engine all|rapid+tesseract|rapid|
         tesseract|tesseract-score-only|tesseract-both|aspose|both]

Draws a labelled set (testkit/drawing.py: print and handwriting-like fonts, skew,
shadow, blur, JPEG; English, Vietnamese, Chinese), reads it with each engine as the bot does
(calibrated confidences, DETECTED lines for bands nothing was read from) and prints, at the
default threshold 75:
  recall    = wrong-or-missing lines that are flagged (target >= 95%)
  precision = flagged lines that really had an error (target >= 70%)
  CER       = character error rate of the page text
A drawn line is wrong when its text differs at all (spacing aside). Chinese is not read by
Aspose here: it needs the 'aspose-ocr-chinese-v2.ocr' model, which is not installed
offline. Seeds differ from bench.calibrate's, so the maps are not tested on their training set.
``all`` (the default) runs the default engine (RapidOCR + Tesseract), RapidOCR alone,
Tesseract alone and Aspose side by side. ``tesseract-both`` adds ``tesseract-score-only``:
Tesseract's line scores alone, without re-reading each line's crop.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict

from bench.common import (
    THRESHOLD,
    DrawnNote,
    Tally,
    drawn_fonts,
    drawn_set,
    group_of,
    make_engine,
    match_page,
    read_all,
)
from bot.ocr.decide.evidence import base_letters
from bot.ocr.model import Page

EVAL_SEEDS = (101, 202, 303, 404)
QUICK_SEEDS = (101,)


async def evaluate(engine_name: str, notes: list[DrawnNote], *, verbose: bool) -> None:
    engine = make_engine(engine_name, workers=1 if engine_name == "aspose" else 2)
    if engine_name == "aspose":
        notes = [n for n in notes if n.language != "zh"]
    t0 = time.perf_counter()
    await engine.start()
    try:
        results = await read_all(engine, [(n.image, n.language) for n in notes], concurrency=4)
    finally:
        await engine.close()
    elapsed = time.perf_counter() - t0
    tallies: dict[str, Tally] = defaultdict(Tally)
    failures: list[str] = []
    wrong: list[str] = []
    lost_marks = 0
    for note, result in zip(notes, results, strict=True):
        if isinstance(result, Exception):
            failures.append(f"{note.name}: {result!r}")
        else:
            lost_marks += score(note, result, tallies, wrong)
    per_note = 1000 * elapsed / max(1, len(notes))
    print(
        f"\n== {engine_name}: {len(notes)} drawn notes, threshold {THRESHOLD}, {elapsed:.0f}s "
        f"(wall {per_note:.0f} ms per note)"
    )
    for key in sorted(tallies):
        print(tallies[key].row(key))
    overall = tallies["ALL"]
    print(
        f"-> {engine_name}: recall {100 * overall.recall:.1f}% (target >= 97%), "
        f"precision {100 * overall.precision:.1f}% (target >= 90%), CER {overall.cer:.3f}"
    )
    print(overall.spacing_row())
    print(f"   lines wrong only in their diacritics yet not flagged: {lost_marks}")
    print(
        f"   wrong yet read as real words and not flagged: "
        f"{100 * overall.real_unflagged_share:.1f}% of lines (target <= 1%)"
    )
    for failure in failures:
        print("   engine error:", failure)
    if verbose:
        for miss in overall.misses[:30]:
            print("   wrong but not flagged:", miss)
        for spaced in overall.spacing:
            print("   wrong in spacing only:", spaced)
        for line in wrong:
            print("   wrong:", line)


def score(note: DrawnNote, page: Page, tallies: dict[str, Tally], wrong: list[str]) -> int:
    """Tally ``page`` and add its wrong lines to ``wrong`` (flagged or not, with their
    confidence); return how many of its lines are wrong only in their diacritics
    (Vietnamese) and yet not flagged."""
    result = match_page(note.lines, page, language=note.language, wrong_cer=0.0)
    for key in ["ALL", *group_of(note.name)]:
        tallies[key].add(result)
    wrong.extend(
        f"{note.name}: {g.truth!r} -> {g.read!r} (conf {g.confidence}"
        f"{', flagged' if g.flagged else ', NOT flagged'})"
        for g in result.gt
        if g.wrong
    )
    return sum(
        bool(g.wrong and not g.flagged and g.read)
        and base_letters(g.read) == base_letters(g.truth)
        for g in result.gt
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, fewer variants")
    parser.add_argument(
        "--engine",
        default="all",
        choices=(
            "rapid+tesseract",
            "rapid+tesseract+lm",
            "rapid",
            "tesseract",
            "tesseract-score-only",
            "tesseract-both",
            "aspose",
            "both",
            "all",
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list unflagged errors, then every wrong line"
    )
    parser.add_argument(
        "--held-out-texts", action="store_true", help="other notes' lines (bench/held_out.py)"
    )
    args = parser.parse_args()
    notes = drawn_set(
        QUICK_SEEDS if args.quick else EVAL_SEEDS, quick=args.quick, held_out=args.held_out_texts
    )
    print(f"drawn notes: {drawn_fonts(args.held_out_texts)}")
    engines = {
        "both": ("tesseract", "aspose"),
        "all": ("rapid+tesseract", "rapid", "tesseract", "aspose"),
        "tesseract-both": ("tesseract", "tesseract-score-only"),
    }.get(args.engine, (args.engine,))
    for name in engines:
        asyncio.run(evaluate(name, notes, verbose=args.verbose))


if __name__ == "__main__":
    main()
