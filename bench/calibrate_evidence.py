"""The default engine's evidence of every line of the fitting sets, read once and cached.

Run: .venv/bin/python -m bench.calibrate_evidence [--quick] [--greedy] [--vi-training]
         [--vi-hands] [--set fitting|eval|held-out] [--data DIR] [--out FILE]

Reads bench.calibrate's training seeds of drawn notes and the shared real notes with
bot.ocr.job.rapid_tesseract.gather, as the engine reads a page (same limits, RAW scores,
RapidOCR's output decoded with the language model unless ``--greedy``), and writes each
page's written lines and its lines' evidence to a JSON file (bench/out/, not committed).
``--vi-training`` adds bench.vi_training's Vietnamese lines drawn in the drawn set's
Vietnamese faces and damage at its own seeds (kind "vi-training/...", file
``evidence-lm-vi.json``): the drawn set's six Vietnamese lines are read almost all right,
too few wrong lines to fit the Vietnamese model on (bench README, 2026-12-07). ``--vi-hands``
draws them in bench.vi_training's two hands as well (``evidence-lm-vi-hands.json``): the
shipped models were not fitted on those (bench README, "Vietnamese in two more hands").
``--set eval`` / ``--set held-out`` read bench.flag_quality's sets instead (its evaluation
seeds, with its notes' own lines or the held-out texts; drawn only, a fold per seed;
``evidence-lm-eval.json``, ``evidence-lm-held-out.json``), never fitted on: bench.flag_ceiling
reads them.
``bench.calibrate_reading --cache FILE`` then refits deciding in seconds, as often as
wanted, and scores any model exactly as bench.flag_quality / bench.real_notes would.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench import vi_training
from bench.calibrate import QUICK_SEEDS, TRAIN_SEEDS
from bench.common import DRAWN_STYLES, drawn_fonts, drawn_set
from bench.flag_quality import EVAL_SEEDS
from bench.flag_quality import QUICK_SEEDS as EVAL_QUICK_SEEDS
from bench.real_notes import DATA
from bot.ocr.decide.evidence import LineEvidence, Reading
from bot.ocr.job import Limits
from bot.ocr.job.rapid_tesseract import BOTH, gather
from bot.ocr.languages import resolve
from bot.ocr.preprocess import prepare

OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True, slots=True)
class CachedPage:
    """One page of a fitting set: where it comes from, what was written, what was read."""

    name: str
    origin: str  # "drawn" or "real"
    group: str  # the fold it belongs to: the seed (drawn) or the manuscript page (real)
    kind: str  # drawn: "lang/font/effect" ("vi-training/..."); real: the manifest's kind
    language: str
    truth: tuple[str, ...]
    evidence: tuple[LineEvidence, ...]


def read_page(image: bytes, language: str, lm: bool) -> tuple[LineEvidence, ...]:
    limits = Limits()
    prepared = prepare(
        image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, max_side=limits.max_side
    )
    found = gather(prepared.image, resolve(language), replace(BOTH, lm=lm))
    return tuple(replace(e, box=None) for e in found)


def real_group(image: str) -> str:
    """The manuscript page a real image shows ("i082" for a line cut from page i082)."""
    stem = Path(image).stem
    return stem.split("_eSc_")[0] if "_eSc_" in stem else stem


Job = tuple[str, str, str, str, str, tuple[str, ...], bytes]


def flag_quality_pages(quick: bool, held_out: bool) -> list[Job]:
    """bench.flag_quality's drawn notes (its evaluation seeds), a fold per seed."""
    jobs = []
    seeds = EVAL_QUICK_SEEDS if quick else EVAL_SEEDS
    for note in drawn_set(seeds, quick=quick, held_out=held_out):
        lang, font, effect, seed = note.name.split("/")
        jobs.append(
            (note.name, "drawn", seed, f"{lang}/{font}/{effect}", lang, note.lines, note.image)
        )
    return jobs


def pages_to_read(
    quick: bool, data: Path, vi_extra: bool = False, vi_hands: bool = False
) -> list[Job]:
    jobs = []
    for note in drawn_set(QUICK_SEEDS if quick else TRAIN_SEEDS, quick=quick):
        lang, font, effect, seed = note.name.split("/")
        jobs.append(
            (note.name, "drawn", seed, f"{lang}/{font}/{effect}", lang, note.lines, note.image)
        )
    faces = [font for lang, font, _ in DRAWN_STYLES if lang == "vi"]
    faces += list(vi_training.HANDS) if vi_hands else []
    vi_styles = [("vi", font, vi_training.LINES) for font in faces]
    seeds = (vi_training.SEEDS[:1] if quick else vi_training.SEEDS) if vi_extra else ()
    for note in drawn_set(seeds, quick=quick, styles=vi_styles):
        kind = note.name.rsplit("/", 1)[0].replace("vi/", "vi-training/", 1)
        seed = note.name.rsplit("/", 1)[1]
        # fold "vi-s2001": the drawn set's seeds keep the folds they had without these pages
        jobs.append((f"{kind}/{seed}", "drawn", f"vi-{seed}", kind, "vi", note.lines, note.image))
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest[:: 4 if quick else 1]:
        truth = tuple(t for t in entry["text"].split("\n") if t.strip())
        image = (data / entry["image"]).read_bytes()
        group = real_group(entry["image"])
        jobs.append(
            (entry["image"], "real", group, entry["kind"], entry["language"], truth, image)
        )
    return jobs


def save(pages: list[CachedPage], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)

    def plain(value: object) -> list[str]:  # Reading.known, a frozenset
        if isinstance(value, frozenset):
            return sorted(value)
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    path.write_text(json.dumps([asdict(p) for p in pages], default=plain), encoding="utf-8")


def load(path: Path) -> list[CachedPage]:
    def reading(data: dict[str, Any] | None) -> Reading | None:
        if data is None:
            return None
        known, words = frozenset(data.get("known", ())), tuple(data.get("words", ()))
        return Reading(**{**data, "known": known, "words": words})

    pages = []
    for p in json.loads(path.read_text(encoding="utf-8")):
        evidence = tuple(
            LineEvidence(None, reading(e["rapid"]), reading(e["tesseract"]), reading(e["aspose"]))
            for e in p["evidence"]
        )
        pages.append(
            replace(
                CachedPage(**{**p, "evidence": ()}), truth=tuple(p["truth"]), evidence=evidence
            )
        )
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--greedy", action="store_true", help="RapidOCR decoded greedily")
    parser.add_argument(
        "--vi-training", action="store_true", help="and bench.vi_training's Vietnamese pages"
    )
    parser.add_argument(
        "--vi-hands",
        action="store_true",
        help="with --vi-training: also in bench.vi_training's two hands (never fitted on yet)",
    )
    parser.add_argument(
        "--set",
        choices=("fitting", "eval", "held-out"),
        default="fitting",
        help="bench.calibrate's seeds and the real notes, or bench.flag_quality's sets",
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    mode = "greedy" if args.greedy else "lm"
    extra = ("-vi-hands" if args.vi_hands else "-vi") if args.vi_training else ""
    if args.set != "fitting":
        extra = f"-{args.set}"
    out = args.out or OUT / f"evidence-{mode}{extra}{'-quick' if args.quick else ''}.json"
    if args.set == "fitting":
        jobs = pages_to_read(args.quick, args.data, args.vi_training, args.vi_hands)
    else:
        jobs = flag_quality_pages(args.quick, held_out=args.set == "held-out")
    t0 = time.perf_counter()

    def one(job: Job) -> CachedPage:
        name, origin, group, kind, language, truth, image = job
        evidence = read_page(image, language, lm=not args.greedy)
        return CachedPage(name, origin, group, kind, language, truth, evidence)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(one, jobs))
    save(pages, out)
    print(f"drawn notes: {drawn_fonts()}")
    print(f"{len(pages)} pages ({mode}) read in {time.perf_counter() - t0:.0f} s -> {out}")


if __name__ == "__main__":
    main()
