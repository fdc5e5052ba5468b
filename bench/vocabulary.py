"""Corrections that teach (issue 18 part 2): does a user's vocabulary change a reading where
it should not?

Run: .venv/bin/python -m bench.vocabulary [--quick] [--lm] [--data DIR] [--only drawn|real]
     .venv/bin/python -m bench.vocabulary --names [--lm]

Each note of the drawn labelled set (bench.flag_quality's evaluation seeds) and of the real
notes (bench.real_notes, Chinese aside) is read by the default engine four ways, side by
side in one run:
  none     no vocabulary (as a user who never corrected anything);
  empty    an empty vocabulary passed in: must read exactly as ``none``;
  others   the words of every OTHER note of its set, as if the user had typed each of them
           (the vocabulary kept as the bot keeps it: the heaviest 500);
  foreign  the same without any word of the note itself: words it can only be hurt by.
and prints per set recall, precision, CER, wrong-yet-unflagged lines, and how many ground
truth lines read right without a vocabulary read wrong with it (right -> wrong) or the
other way round (wrong -> right).

``--names``: what a user's words are for. A line with a rare name ("Call Okonkwo at 3 pm")
under a printed line, drawn in each handwriting-like face at two sizes (28 px blurred and
JPEG'd, 32 px clean), is read with no vocabulary and with the name typed once: lines read
right, and right and not flagged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    THRESHOLD,
    DrawnNote,
    GtOutcome,
    Tally,
    drawn_set,
    make_engine,
    match_page,
    pct,
)
from bench.flag_quality import EVAL_SEEDS, QUICK_SEEDS
from bench.real_notes import DATA, WRONG_CER
from bot.ocr.model import Page
from bot.ocr.recognizer import Recognizer
from bot.ocr.vocabulary import NO_WORDS, TYPED, Vocabulary, words_of
from bot.storage.words import KEPT

WAYS = ("none", "empty", "others", "foreign")


def vocabularies(notes: Sequence[DrawnNote]) -> list[dict[str, Vocabulary | None]]:
    """Per note, the vocabulary of each way (None: no ``words`` passed at all)."""
    counts = [Counter(words_of(" ".join(n.lines))) for n in notes]
    total: Counter[str] = sum(counts, Counter())
    out = []
    for own in counts:
        others = total - own  # the words of the other notes, as often as they have them
        kept = others.most_common(KEPT)
        foreign = [(w, n) for w, n in others.most_common() if w not in own][:KEPT]
        out.append(
            {
                "none": None,
                "empty": NO_WORDS,
                "others": Vocabulary.of((w, min(30, TYPED * n)) for w, n in kept),
                "foreign": Vocabulary.of((w, min(30, TYPED * n)) for w, n in foreign),
            }
        )
    return out


async def read_way(
    engine: Recognizer, notes: Sequence[DrawnNote], words: Sequence[Vocabulary | None]
) -> list[Page | Exception]:
    sem = asyncio.Semaphore(2)

    async def one(note: DrawnNote, vocabulary: Vocabulary | None) -> Page | Exception:
        async with sem:
            try:
                if vocabulary is None:
                    return await engine.recognize(note.image, note.language)
                return await engine.recognize(note.image, note.language, words=vocabulary)
            except Exception as exc:
                return exc

    return list(await asyncio.gather(*(one(n, w) for n, w in zip(notes, words, strict=True))))


async def evaluate(label: str, notes: list[DrawnNote], engine_name: str, wrong_cer: float) -> None:
    engine = make_engine(engine_name, workers=2)
    per_note = vocabularies(notes)
    t0 = time.perf_counter()
    await engine.start()
    try:
        pages = {way: await read_way(engine, notes, [v[way] for v in per_note]) for way in WAYS}
    finally:
        await engine.close()
    print(f"\n== {engine_name} on {label}: {len(notes)} notes, threshold {THRESHOLD}, "
          f"{time.perf_counter() - t0:.0f}s, 4 ways")  # fmt: skip
    sizes = [len(v["others"].weights) for v in per_note if v["others"] is not None]
    print(f"   'others' vocabulary: {min(sizes)}-{max(sizes)} words per note")
    base: list[list[GtOutcome]] = []
    for way in WAYS:
        tally, flips, changed = Tally(), Counter[str](), 0
        shown: list[str] = []
        for i, (note, page) in enumerate(zip(notes, pages[way], strict=True)):
            if isinstance(page, Exception):
                print(f"   {way}: engine error on {note.name}: {page!r}")
                continue
            score = match_page(note.lines, page, language=note.language, wrong_cer=wrong_cer)
            tally.add(score)
            if way == "none":
                base.append(score.gt)
            else:
                for before, after in zip(base[i], score.gt, strict=True):
                    if before.wrong != after.wrong:
                        flip = "wrong -> right" if before.wrong else "right -> wrong"
                        flips[flip] += 1
                        shown.append(f"     {flip}: {before.read!r} -> {after.read!r}"
                                     f" (written {before.truth!r})")  # fmt: skip
                first = pages["none"][i]
                if isinstance(first, Page):
                    changed += sum(
                        a.text != b.text or a.is_flagged(THRESHOLD) != b.is_flagged(THRESHOLD)
                        for a, b in zip(first.lines, page.lines, strict=False)
                    )
        print(
            f"   {way:<8} recall={pct(tally.recall)} precision={pct(tally.precision)} "
            f"CER={tally.cer:.4f} unflagged_wrong={pct(tally.unflagged_wrong_share)} "
            f"right->wrong={flips['right -> wrong']} wrong->right={flips['wrong -> right']} "
            f"lines changed (text or flag) vs none={changed}"
        )
        for flipped in shown:
            print(flipped)


NAMES = (
    "Okonkwo", "Tchaikovsky", "Nkechi Adeyemi", "Priyanka Nguyễn", "Siobhan Quigley",
    "Ferreira", "Dmitri Vasquez", "Wojciech", "Xochitl", "Aoife Ni Bhriain",
)  # fmt: skip


async def names(engine_name: str) -> None:
    from testkit.drawing import Effects, note_png

    engine = make_engine(engine_name, workers=2)
    notes = []
    for size, effects in ((28, Effects(blur_radius=1.0, jpeg_quality=60)), (32, Effects())):
        for face in ("comic", "script", "chancery", "dkg", "femke", "breip"):
            for name in NAMES:
                line = f"Call {name} at 3 pm"
                image = note_png(("Pick up the dry cleaning", line), font_name=face, size=size,
                                 effects=effects)  # fmt: skip
                notes.append(DrawnNote(f"{face}-{size}", "en", (line,), image))
    taught = [Vocabulary.of((w, TYPED) for w in words_of(n.lines[0]) if w != "Call")
              for n in notes]  # fmt: skip
    await engine.start()
    try:
        for label, words in (("none", [None] * len(notes)), ("taught", taught)):
            right = sure = 0
            for note, page in zip(notes, await read_way(engine, notes, words), strict=True):
                if isinstance(page, Exception):
                    print(f"   {label}: engine error on {note.name}: {page!r}")
                    continue
                found = [ln for ln in page.lines if "dry cleaning" not in ln.text]
                ok = [ln.text for ln in found] == [note.lines[0]]
                right += ok
                sure += ok and not found[0].is_flagged(THRESHOLD)
            print(f"   {label:<7} lines read right {right} of {len(notes)}, "
                  f"right and not flagged {sure}")  # fmt: skip
    finally:
        await engine.close()


def real_notes(data: Path, quick: bool) -> list[DrawnNote]:
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest if not e["language"].startswith("zh")]
    if quick:
        entries = entries[::4]
    return [
        DrawnNote(e["image"], e["language"], tuple(e["text"].split("\n")),
             (data / e["image"]).read_bytes())
        for e in entries
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, a quarter of the pages")
    parser.add_argument("--lm", action="store_true", help="RapidOCR decoded with the LM")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--only", choices=("drawn", "real"), help="one of the two sets")
    parser.add_argument("--names", action="store_true", help="names taught once, drawn")
    args = parser.parse_args()
    engine = "rapid+tesseract+lm" if args.lm else "rapid+tesseract"
    if args.names:
        print(f"== {engine}: a name in handwriting-like faces, not taught / typed once")
        asyncio.run(names(engine))
        return
    seeds = QUICK_SEEDS if args.quick else EVAL_SEEDS
    drawn = [n for n in drawn_set(seeds, quick=args.quick) if n.language != "zh"]
    if args.only in (None, "drawn"):
        asyncio.run(evaluate("drawn notes (en, vi)", drawn, engine, 0.0))
    if args.only in (None, "real"):
        asyncio.run(evaluate(args.data.name, real_notes(args.data, args.quick), engine, WRONG_CER))


if __name__ == "__main__":
    main()
