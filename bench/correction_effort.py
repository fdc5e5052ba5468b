"""Correction effort: key presses and taps to turn what the bot read into the correct note,
divided by typing the note from scratch (the keystroke ratio of interactive transcription).

Run: .venv/bin/python -m bench.correction_effort [--quick] [--engine rapid+tesseract|rapid|
         tesseract] [--data ../shared/data/real-notes] [--threshold 75]

Inputs: the drawn labelled notes of bench.flag_quality (print and handwriting-like fonts,
photo effects; en/vi/zh) and the real notes of bench.real_notes, read by the engine as the bot
runs it. Lines are paired one to one as in bench.real_notes (bench.common.match_page; a line of
ink the transcription broke in two, read whole by one OCR line, is one line). "Right"
means CER <= 0.1 on real notes (their transcriptions carry 1-5% noise) and exact (spacing
aside) on drawn ones. Each line costs, by the model printed with the figures (MODEL below),
either as today (retype a wrong line whole) or with edit in place (the card's Edit button
copies the reading; the user fixes its wrong letters). Typing from scratch costs every
character plus one Enter per line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    THRESHOLD,
    drawn_fonts,
    drawn_set,
    make_engine,
    match_page,
    normalise,
    read_all,
)
from bench.flag_quality import EVAL_SEEDS, QUICK_SEEDS
from bench.real_notes import DATA, WRONG_CER
from bot.ocr.decide.calibration import levenshtein
from bot.ocr.model import Page

# Telegram's CopyTextButton holds at most this many characters: a longer line has no Edit.
COPY_LIMIT = 256
MODEL = """\
| line | cost |
|---|---|
| right and not flagged | 0 |
| right and flagged | 1 tap |
| wrong and flagged | 2 taps + the edit distance with Edit (1 tap + the whole line without it) |
| wrong and not flagged | the same + 1, since it is found later in the saved note |
| written line never read | the line typed + 2 |
| reading of nothing written | 1 tap |"""


@dataclass(slots=True)
class Effort:
    """Key presses and taps over many pages, as today and with edit in place."""

    pages: int = 0
    lines: int = 0
    scratch: int = 0  # typing every line from scratch: its characters and one Enter
    retype: int = 0
    edit: int = 0

    def add(self, other: Effort) -> None:
        self.pages += other.pages
        self.lines += other.lines
        self.scratch += other.scratch
        self.retype += other.retype
        self.edit += other.edit

    def row(self, label: str) -> str:
        scratch = max(1, self.scratch)
        return (
            f"{label:<22} pages={self.pages:4d} lines={self.lines:5d} "
            f"from scratch={self.scratch:6d}  "
            f"retype={self.retype:6d} ({self.retype / scratch:.3f})  "
            f"edit in place={self.edit:6d} ({self.edit / scratch:.3f})"
        )


def page_effort(
    truth: Sequence[str], page: Page, *, language: str, wrong_cer: float, threshold: int
) -> Effort:
    """The cost of correcting ``page`` into ``truth``, line by line (see MODEL)."""
    score = match_page(truth, page, language=language, wrong_cer=wrong_cer, threshold=threshold)
    effort = Effort(pages=1)
    for g in score.gt:
        effort.lines += 1
        typed = len(g.truth)
        effort.scratch += typed + 1
        if not g.own_line:  # never read: typed in (the note is opened and fixed)
            effort.retype += typed + 2
            effort.edit += typed + 2
            continue
        later = 0 if g.flagged else 1  # an unflagged mistake is found in the saved note
        if not g.wrong:
            effort.retype += 1 if g.flagged else 0
            effort.edit += 1 if g.flagged else 0
            continue
        whole = 1 + typed
        effort.retype += whole + later
        editable = 0 < len(g.read) <= COPY_LIMIT
        effort.edit += (2 + levenshtein(g.read, g.truth) if editable else whole) + later
    # Text where nothing was written (or a piece of a line another OCR line stands for):
    # dropped with one tap. Every OCR line with text stands for one written line at most.
    read = sum(1 for o in score.ocr if normalise(o.line.text, language))
    extra = read - sum(1 for g in score.gt if g.own_line and g.read)
    effort.retype += extra
    effort.edit += extra
    return effort


async def _read(engine_name: str, jobs: list[tuple[bytes, str]]) -> list[Page | Exception]:
    engine = make_engine(engine_name, workers=2)
    await engine.start()
    try:
        return await read_all(engine, jobs, concurrency=2)
    finally:
        await engine.close()


async def run(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    totals: dict[str, Effort] = defaultdict(Effort)
    seeds = QUICK_SEEDS if args.quick else EVAL_SEEDS
    drawn = drawn_set(seeds, quick=args.quick, held_out=args.held_out_texts)
    print(f"drawn notes: {drawn_fonts(args.held_out_texts)}")
    results = await _read(args.engine, [(n.image, n.language) for n in drawn])
    for note, result in zip(drawn, results, strict=True):
        if isinstance(result, Exception):
            print(f"   engine error on {note.name}: {result!r}")
            continue
        effort = page_effort(
            note.lines, result, language=note.language, wrong_cer=0.0, threshold=args.threshold
        )
        for key in ("drawn (all)", f"drawn lang={note.language}"):
            totals[key].add(effort)

    manifest = json.loads((args.data / "manifest.json").read_text(encoding="utf-8"))
    if args.quick:
        by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
        for entry in manifest:
            by_kind[entry["kind"]].append(entry)
        manifest = [entry for entries in by_kind.values() for entry in entries[:3]]
    jobs = [((args.data / e["image"]).read_bytes(), e["language"]) for e in manifest]
    results = await _read(args.engine, jobs)
    for entry, result in zip(manifest, results, strict=True):
        if isinstance(result, Exception):
            print(f"   engine error on {entry['image']}: {result!r}")
            continue
        effort = page_effort(
            entry["text"].split("\n"),
            result,
            language=entry["language"],
            wrong_cer=WRONG_CER,
            threshold=args.threshold,
        )
        totals[f"real {entry['kind']}"].add(effort)
        totals["real (all)"].add(effort)

    print(
        f"\n== correction effort, {args.engine}, threshold {args.threshold}: key presses and "
        f"taps / typing from scratch (characters + one Enter per line); "
        f"{time.perf_counter() - t0:.0f}s\n"
    )
    print(MODEL)
    print(
        f"\n'right' = CER <= {WRONG_CER} on real notes, exact (spacing aside) on drawn ones; "
        f"a line longer than {COPY_LIMIT} characters has no Edit button.\n"
    )
    for key in sorted(totals):
        print(totals[key].row(key))
    hand = totals.get("real handwritten-page", Effort())
    drawn_all = totals.get("drawn (all)", Effort())
    print(
        f"\n-> real handwritten pages: retype {hand.retype / max(1, hand.scratch):.3f}, "
        f"edit in place {hand.edit / max(1, hand.scratch):.3f} (target <= 0.45); "
        f"drawn notes: retype {drawn_all.retype / max(1, drawn_all.scratch):.3f}, "
        f"edit in place {drawn_all.edit / max(1, drawn_all.scratch):.3f} (target <= 0.10)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed; 3 real images a kind")
    parser.add_argument(
        "--engine",
        default="rapid+tesseract",
        choices=("rapid+tesseract", "rapid+tesseract+lm", "rapid", "tesseract"),
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threshold", type=int, default=THRESHOLD)
    parser.add_argument(
        "--held-out-texts", action="store_true", help="other notes' lines (bench/held_out.py)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
