"""Fit how sure the default engine (RapidOCR + Tesseract) is of a line, and write it.

Run: .venv/bin/python -m bench.calibrate_reading [--quick] [--target 0.97] [--dry-run]

Reads a drawn labelled set (bench.calibrate's training seeds, distinct from
bench.flag_quality's) with bot.ocr.job.rapid_tesseract.gather: every line found, read by
RapidOCR and by Tesseract, with RAW scores. Lines are paired one to one with the written lines
(bench.common's alignment). For each script (bot.ocr.decide.combined.Script) a logistic model
P(right | logit of the shown reading's score, logit of the other reader's score, their
agreement, and how steady RapidOCR's reading is when re-read) is fitted, then shifted so that
``--target`` of the training set's wrong lines fall under the default threshold (0.75). Latin
lines have a model per reader shown (deciding shows whichever is surer); Chinese shows
RapidOCR, Vietnamese shows Tesseract. A model of RapidOCR alone is fitted too
(``OCR_ENGINE=rapid``). Writes bot/ocr/calibration/combined.json, which decide.Models reads.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import numpy as np

from bench.calibrate import CUT, QUICK_SEEDS, TRAIN_SEEDS, fit_logistic
from bench.common import DrawnNote, align_lines, drawn_set, normalise
from bot.ocr.decide.calibration import CALIBRATION_DIR, logit
from bot.ocr.decide.combined import FEATURES, LineModel, features
from bot.ocr.decide.evidence import LineEvidence, Reading, Script, agreement, script_of
from bot.ocr.job.rapid_tesseract import BOTH, gather
from bot.ocr.languages import resolve
from bot.ocr.preprocess import prepare

# (the reading shown, the other reader's reading, their agreement, language, shown right)
Sample = tuple[Reading, Reading | None, float, str, bool]


def evidence_of(note: DrawnNote) -> list[LineEvidence]:
    prepared = prepare(note.image, max_bytes=50_000_000, max_pixels=60_000_000)
    return gather(prepared.image, resolve(note.language), BOTH)


def shown_readers(script: Script) -> tuple[str, ...]:
    if script is Script.CHINESE:
        return ("rapid",)
    if script is Script.VIETNAMESE:
        return ("tesseract",)
    return ("rapid", "tesseract")


def samples_of(note: DrawnNote, evidence: list[LineEvidence]) -> dict[str, list[Sample]]:
    """Samples by model key: "<script>/<shown reader>" for two readers, "<script>" for
    RapidOCR alone."""
    script = script_of(resolve(note.language))
    truth = [normalise(t, note.language) for t in note.lines]
    out: dict[str, list[Sample]] = defaultdict(list)
    for shown in shown_readers(script):
        readings = [_reading(e, shown) for e in evidence]
        texts = [normalise(r.text, note.language) for r in readings]
        paired = {o: g for g, o in align_lines(truth, texts)}
        for o, item in enumerate(evidence):
            reading = readings[o]
            other = _reading(item, "tesseract" if shown == "rapid" else "rapid")
            if not reading.text:
                continue  # shown as "could not read": flagged whatever the model says
            g = paired.get(o)
            right = g is not None and texts[o] == truth[g]
            agree = agreement(reading.text, other.text, script)
            out[f"{script.value}/{shown}"].append((reading, other, agree, note.language, right))
            if shown == "rapid":
                out[script.value].append((reading, None, 0.0, note.language, right))
    return out


def _reading(item: LineEvidence, reader: str) -> Reading:
    found = item.rapid if reader == "rapid" else item.tesseract
    return found or Reading("", 0.0)


def fit_model(samples: list[Sample], target: float) -> LineModel:
    """The logistic model, shifted so ``target`` of the wrong samples score under CUT."""
    x = np.array([features(*sample[:4]) for sample in samples])
    right = np.array([sample[4] for sample in samples], dtype=float)
    w = fit_logistic(x, right)
    # A higher score, more agreement or a steadier reading must never lower confidence.
    w[1] = max(w[1], 1e-3)
    w[3:] = np.maximum(w[3:], 0.0)
    z = np.c_[np.ones(len(x)), x] @ w
    wrong = np.sort(z[right == 0])
    shift = 0.0
    if wrong.size:
        k = max(0, math.ceil(target * len(wrong)) - 1)
        above = z[z > wrong[k]]
        z_cut = (wrong[k] + (above.min() if above.size else wrong[k] + 0.01)) / 2
        shift = logit(CUT) - z_cut
    return LineModel(
        intercept=float(w[0] + shift),
        **{n: float(v) for n, v in zip(FEATURES, w[1:], strict=True)},
    )


def report(name: str, model: LineModel, samples: list[Sample]) -> None:
    scored = [(model(*sample[:4]), sample[4]) for sample in samples]
    wrong = [p for p, r in scored if not r]
    right = [p for p, r in scored if r]
    flagged_wrong = sum(p < CUT for p in wrong)
    flagged = sum(p < CUT for p, _ in scored)
    print(
        f"  {name:<16} lines={len(samples):4d} wrong={len(wrong):4d} "
        f"recall={100 * flagged_wrong / max(1, len(wrong)):5.1f}% "
        f"precision={100 * flagged_wrong / max(1, flagged):5.1f}% "
        f"right flagged={sum(p < CUT for p in right)}/{len(right)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    seeds = QUICK_SEEDS if args.quick else TRAIN_SEEDS
    notes = drawn_set(seeds, quick=args.quick)
    with ThreadPoolExecutor(max_workers=2) as pool:
        evidence = list(pool.map(evidence_of, notes))
    samples: dict[str, list[Sample]] = defaultdict(list)
    for note, items in zip(notes, evidence, strict=True):
        for key, found in samples_of(note, items).items():
            samples[key].extend(found)
    print(f"{len(notes)} drawn notes, seeds {seeds}, target {args.target}")
    fitted: dict[str, dict[str, dict[str, float]]] = {"both": {}, "rapid_alone": {}}
    for key, found in sorted(samples.items()):
        model = fit_model(found, args.target)
        fitted["both" if "/" in key else "rapid_alone"][key] = asdict(model)
        report(key, model, found)
    if not args.dry_run:
        path = CALIBRATION_DIR / "combined.json"
        path.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
