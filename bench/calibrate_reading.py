"""Fit how sure the default engine (RapidOCR + Tesseract) is of a line, and write it.

Run: .venv/bin/python -m bench.calibrate_reading [--quick] [--target 0.97] [--dry-run]
         [--cache bench/out/evidence-lm.json] [--unused FEATURES] [--compare OLD.json]
         [--refit KEYS]

With ``--cache`` (what shipped: the file ``bench.calibrate_evidence`` writes), the pages are
drawn notes of bench.calibrate's training seeds (distinct from bench.flag_quality's) AND the
shared real notes, read once as the default engine reads them; without it, the drawn notes
only, read now. Each page's lines are paired one to one with the written lines (bench.common's
alignment); a line is right when its text is exact (drawn) or its CER is at most 0.1 (real,
as bench.real_notes counts). For each script and reader shown
(bot.ocr.decide.combined.Script; "latin/rapid", "latin/tesseract", "vi/tesseract",
"zh/rapid", and RapidOCR alone, ``OCR_ENGINE=rapid``) a logistic model of
bot.ocr.decide.combined.FEATURES is fitted, then shifted so that ``--target`` of its training
lines that are wrong fall under the default threshold (0.75). With ``--cache`` it prints the
figures bench.flag_quality / bench.real_notes would print, held out (5 folds: drawn notes by
seed, real notes by manuscript page, fitted on the other four) and in sample.
Writes bot/ocr/calibration/combined.json (``--out combined-greedy``: the models of RapidOCR
read greedily, ``OCR_LM_DECODING=false``), which decide.Models reads. ``--refit vi/tesseract``
fits that model only (held out too) and writes every other model as the file had it, byte for
byte: a model is refitted when its own evidence changed, not whenever one is.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from bench.calibrate import CUT, QUICK_SEEDS, TRAIN_SEEDS, fit_logistic
from bench.calibrate_evidence import CachedPage, load
from bench.common import (
    DrawnNote,
    PageScore,
    Tally,
    align_lines,
    cer,
    drawn_set,
    match_page,
    normalise,
    pct,
)
from bench.real_notes import WRONG_CER as REAL_WRONG_CER
from bot.ocr.decide.calibration import CALIBRATION_DIR, logit
from bot.ocr.decide.combined import (
    FEATURES,
    CombinedModel,
    LineModel,
    Models,
    features,
    shipped_models,
)
from bot.ocr.decide.evidence import (
    LineEvidence,
    Reading,
    Script,
    agreement,
    case_contradicts,
    script_of,
)
from bot.ocr.decide.evidence import rapid_contradicts as doubts
from bot.ocr.decide.evidence import vietnamese_agreement as forgiving_agreement
from bot.ocr.decide.shown import shown_text
from bot.ocr.decide.syllables import toneless
from bot.ocr.decide.vouched import vouched
from bot.ocr.job import settle
from bot.ocr.job.rapid_tesseract import BOTH, gather
from bot.ocr.languages import resolve
from bot.ocr.model import Page
from bot.ocr.preprocess import prepare

# (the reading shown, the other reader's reading, their agreement, language, shown right)
Sample = tuple[Reading, Reading | None, float, str, bool]
# Features whose weight is kept >= 0, and <= 0 (the other reader's score is free: it is
# also in the agreement).
_NEVER_LOWER = frozenset(
    {"agree", "same", "steady", "words", "least", "margin", "posterior", "image", "lead"}
)
_NEVER_RAISE = frozenset({"lm", "capitals"})
_STANDING = ("posterior", "image", "lead")
# Features left out of the fit (weight 0), "key:name" for one model only: chosen by
# cross-validation (bench README). Vietnamese capitalises inside sentences ("thứ Năm") and
# Tesseract, which it shows, rarely gets the case wrong: held out, drawn vi precision
# 89.4% with the feature, 92.7% without.
# How a reading stands among the beam's (issue 18) is weighed on Latin lines only: Chinese
# is decoded without the LM, and Vietnamese shows Tesseract's reading, RapidOCR's without
# most tone marks (and the vi model was fitted on its own, bench README 2026-12-07).
UNUSED: tuple[str, ...] = (
    "vi/tesseract:capitals",
    *(f"{key}:{name}" for key in ("vi/tesseract", "zh/rapid", "zh") for name in _STANDING),
)


def evidence_of(note: DrawnNote) -> list[LineEvidence]:
    prepared = prepare(note.image, max_bytes=50_000_000, max_pixels=60_000_000)
    return gather(prepared.image, resolve(note.language), BOTH)


def shown_readers(script: Script) -> tuple[str, ...]:
    if script is Script.CHINESE:
        return ("rapid",)
    if script is Script.VIETNAMESE:
        return ("tesseract",)
    return ("rapid", "tesseract")


def samples_of(
    language: str,
    lines: Sequence[str],
    evidence: Sequence[LineEvidence],
    wrong_cer: float = 0.0,
) -> dict[str, list[Sample]]:
    """Samples by model key: "<script>/<shown reader>" for two readers, "<script>" for
    RapidOCR alone. A line is right when its CER is at most ``wrong_cer`` (spacing aside)."""
    code = resolve(language)
    script = script_of(code)
    truth = [normalise(t, language) for t in lines]
    out: dict[str, list[Sample]] = defaultdict(list)
    for shown in shown_readers(script):
        readings = [_reading(e, shown) for e in evidence]
        others = [_reading(e, "tesseract" if shown == "rapid" else "rapid") for e in evidence]
        # the text the user is shown (the bot's own: numbers as written, Vietnamese mended)
        as_shown = [shown_text(shown, e.rapid, e.tesseract, code) for e in evidence]
        texts = [normalise(text, language) for text, _ in as_shown]
        paired = {o: g for g, o in align_lines(truth, texts)}
        for o in range(len(evidence)):
            reading = readings[o]
            other = others[o]
            doubted = script is Script.VIETNAMESE and (
                doubts(as_shown[o].text, other.text)
                or case_contradicts(reading.text, other.text)
                or bool(toneless(as_shown[o].text))
            )
            if script is Script.VIETNAMESE:  # as deciding weighs Tesseract's doubt
                checked = vouched(reading, other.text)
                reading = replace(reading, score=checked.score)
                doubted = doubted or checked.doubted
            if not reading.text or as_shown[o].guessed or doubted:
                continue  # "could not read", a guessed word, RapidOCR read a vowel otherwise:
                # flagged whatever the model says
            g = paired.get(o)
            right = g is not None and cer(truth[g], texts[o]) <= wrong_cer
            if script is Script.VIETNAMESE:  # as deciding weighs it: the text shown
                agree = forgiving_agreement(as_shown[o].text, other.text)
            else:
                agree = agreement(reading.text, other.text, script)
            out[f"{script.value}/{shown}"].append((reading, other, agree, language, right))
            if shown == "rapid":
                out[script.value].append((reading, None, 0.0, language, right))
    return out


def _reading(item: LineEvidence, reader: str) -> Reading:
    found = item.rapid if reader == "rapid" else item.tesseract
    return found or Reading("", 0.0)


def fit_model(samples: list[Sample], target: float, unused: Sequence[str] = UNUSED) -> LineModel:
    """The logistic model, shifted so ``target`` of the wrong samples score under CUT;
    the features in ``unused`` weigh nothing."""
    used = [i for i, name in enumerate(FEATURES) if name not in unused]
    x_all = np.array([features(*sample[:4]) for sample in samples])
    right = np.array([sample[4] for sample in samples], dtype=float)
    w_used = fit_logistic(x_all[:, used], right)
    w = np.zeros(len(FEATURES) + 1)
    w[0] = w_used[0]
    w[[i + 1 for i in used]] = w_used[1:]
    # A higher score, more agreement, a steadier reading or more ordinary words must never
    # lower confidence; a change by the language model must never raise it.
    w[1] = max(w[1], 1e-3)
    for i, name in enumerate(FEATURES, 1):
        if name in _NEVER_LOWER:
            w[i] = max(w[i], 0.0)
        elif name in _NEVER_RAISE:
            w[i] = min(w[i], 0.0)
    z = np.c_[np.ones(len(x_all)), x_all] @ w
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


WRONG_CER = {"drawn": 0.0, "real": REAL_WRONG_CER}
FOLDS = 5
# "both" / "rapid_alone" -> model key -> model, as combined.json holds them.
Fitted = dict[str, dict[str, LineModel]]


def samples_by_key(pages: Sequence[CachedPage]) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = defaultdict(list)
    for page in pages:
        found = samples_of(page.language, page.truth, page.evidence, WRONG_CER[page.origin])
        for key, items in found.items():
            samples[key].extend(items)
    return samples


def fit_all(
    pages: Sequence[CachedPage],
    target: float,
    unused: Sequence[str] = UNUSED,
    only: Collection[str] = (),
    kept: Fitted | None = None,
) -> Fitted:
    """A model per key of the pages' samples; with ``only``, those keys' models, and every
    other model ``kept``'s, in its place."""
    fitted: Fitted = {"both": {}, "rapid_alone": {}}
    for key, found in sorted(samples_by_key(pages).items()):
        if only and key not in only:
            continue
        mine = [u.split(":")[-1] for u in unused if ":" not in u or u.startswith(f"{key}:")]
        fitted["both" if "/" in key else "rapid_alone"][key] = fit_model(found, target, mine)
    if not only:
        return fitted
    return {part: {**(kept or {}).get(part, {}), **models} for part, models in fitted.items()}


def read_models(path: Path) -> Fitted:
    """The models a combined.json holds."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {part: {k: LineModel(**v) for k, v in data[part].items()} for part in data}


def as_models(fitted: Fitted) -> Models:
    return Models(fitted["both"], fitted["rapid_alone"], shipped_models().tesseract)


def figures(pages: Sequence[CachedPage], models: Models) -> dict[str, Tally]:
    """The pages decided by ``models`` and scored as bench.flag_quality (drawn) and
    bench.real_notes (real) score them, by origin."""
    decider = CombinedModel(models)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for page in pages:
        score = decided(page, decider)
        keys = [page.origin, f"{page.origin} {page.kind.split('/')[0]}"]
        if page.kind.startswith("vi-training/"):  # and face by face
            keys.append(f"{page.origin} {'/'.join(page.kind.split('/')[:2])}")
        for key in keys:
            tallies[key].add(score)
    return tallies


def decided(page: CachedPage, decider: CombinedModel) -> PageScore:
    """``page``'s lines decided by ``decider`` and scored as bench.flag_quality (drawn) or
    bench.real_notes (real) scores them."""
    language = resolve(page.language)
    lines = tuple(decider.line(e, language) for e in page.evidence)
    read = Page(engine="cached", language=page.language, lines=lines, width=1, height=1)
    return match_page(page.truth, read, language=page.language, wrong_cer=WRONG_CER[page.origin])


def folds(pages: Sequence[CachedPage]) -> list[list[CachedPage]]:
    """FOLDS folds: drawn notes by seed, real notes by manuscript page (a page and the lines
    cut from it are in the same fold)."""
    groups = sorted({(p.origin, p.group) for p in pages})
    fold_of: dict[tuple[str, str], int] = {}
    for origin in ("drawn", "real"):
        mine = [g for g in groups if g[0] == origin]
        fold_of.update({g: i % FOLDS for i, g in enumerate(mine)})
    out: list[list[CachedPage]] = [[] for _ in range(FOLDS)]
    for page in pages:
        out[fold_of[(page.origin, page.group)]].append(page)
    return out


def held_out(
    pages: Sequence[CachedPage],
    target: float,
    unused: Sequence[str] = UNUSED,
    only: Collection[str] = (),
    kept: Fitted | None = None,
) -> dict[str, Tally]:
    """Each fold decided by the models fitted on the other folds (``only``: those keys',
    the others ``kept``), tallied together."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    split = folds(pages)
    for k, fold in enumerate(split):
        rest = [p for j, other in enumerate(split) if j != k for p in other]
        models = as_models(fit_all(rest, target, unused, only, kept))
        for key, tally in figures(fold, models).items():
            tallies[key].merge(tally)
    return tallies


def print_figures(title: str, tallies: dict[str, Tally]) -> None:
    print(title)
    for key in sorted(tallies):
        t = tallies[key]
        print(
            f"  {key:<26} lines={t.gt_lines:4d} recall={pct(t.recall)} "
            f"precision={pct(t.precision)} unflagged_wrong={pct(t.unflagged_wrong_share)} "
            f"real-words unflagged={pct(t.real_unflagged_share)} "
            f"right flagged={t.correct_ocr_flagged}/{t.correct_ocr} CER={t.cer:.3f}"
        )


def live_pages(quick: bool) -> list[CachedPage]:
    """bench.calibrate's training seeds of drawn notes, read now (no cache)."""
    seeds = QUICK_SEEDS if quick else TRAIN_SEEDS
    notes = drawn_set(seeds, quick=quick)
    with ThreadPoolExecutor(max_workers=2) as pool:
        evidence = list(pool.map(evidence_of, notes))
    return [
        CachedPage(n.name, "drawn", n.name.split("/")[-1], n.name, n.language, n.lines, tuple(e))
        for n, e in zip(notes, evidence, strict=True)
    ]


def skipped_checks(pages: Sequence[CachedPage], models: Models, *, decoded: bool) -> None:
    """How many lines the default engine reads without Tesseract (bot.ocr.job.settle;
    ``decoded``: RapidOCR's output decoded with the LM), and on how many of them its reading
    would have changed the text or a flag (60/75/90)."""
    decider = CombinedModel(models)
    lines = skipped = text = flag = 0
    for page in pages:
        language = resolve(page.language)
        for item in page.evidence:
            if item.rapid is None or item.tesseract is None:
                continue
            lines += 1
            bare = replace(item, rapid=replace(item.rapid, steady=0.0), tesseract=None)
            line = settle.without_tesseract(decider, language, bare, decoded=decoded)
            if line is None:
                continue
            skipped += 1
            full = decider.line(item, language)
            text += line.text != full.text
            flag += any(line.is_flagged(c) != full.is_flagged(c) for c in settle.CUTS)
    print(
        f"Tesseract skipped on {skipped} of {lines} lines read by both; its reading would "
        f"have changed the text on {text}, a flag on {flag}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument(
        "--cache", type=Path, help="evidence read by bench.calibrate_evidence (drawn and real)"
    )
    parser.add_argument(
        "--unused",
        default=",".join(UNUSED),
        help="features left out: name (every model) or key:name (vi/tesseract:capitals)",
    )
    parser.add_argument(
        "--out", default="combined", choices=("combined", "combined-greedy"), help="models written"
    )
    parser.add_argument(
        "--compare", type=Path, help="another combined.json, scored on the same evidence"
    )
    parser.add_argument(
        "--refit",
        default="",
        help="only these models (vi/tesseract,latin), the others kept as written (default: all)",
    )
    args = parser.parse_args()
    unused = tuple(f for f in args.unused.split(",") if f)
    only = tuple(k for k in args.refit.split(",") if k)
    path = CALIBRATION_DIR / f"{args.out}.json"
    kept = read_models(path) if only else None
    pages = load(args.cache) if args.cache else live_pages(args.quick)
    unknown = set(only) - set(samples_by_key(pages))
    if unknown:
        parser.error(f"no samples for {', '.join(sorted(unknown))}")
    print(
        f"{len(pages)} pages, target {args.target}, features left out: {unused or 'none'}, "
        f"refitted: {', '.join(only) or 'all'}"
    )
    if args.compare:
        print_figures(f"{args.compare}:", figures(pages, as_models(read_models(args.compare))))
    if args.cache:
        tallies = held_out(pages, args.target, unused, only, kept)
        print_figures(f"held out ({FOLDS} folds):", tallies)
    fitted = fit_all(pages, args.target, unused, only, kept)
    for key, found in sorted(samples_by_key(pages).items()):
        report(key, fitted["both" if "/" in key else "rapid_alone"][key], found)
    print_figures("in sample:", figures(pages, as_models(fitted)))
    skipped_checks(pages, as_models(fitted), decoded=args.out == "combined")
    if not args.dry_run:
        data = {part: {k: asdict(m) for k, m in models.items()} for part, models in fitted.items()}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
