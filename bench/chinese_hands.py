"""Chinese written by hand: how the default engine reads and flags it, face by face.

Ma Shan Zheng, Long Cang and Zhi Mang Xing (testkit.drawing.CHINESE_HANDS, fetched by
scripts/fetch_fonts.py): the drawn set's and the held-out Chinese lines, six a page, three
kinds of damage, seeds 0-3 (36 pages, 216 lines). Each page is read as the default engine
reads it, every check made (bench.calibrate_evidence), and decided by the shipped models;
per face: wrong lines flagged, right lines flagged, the lines RapidOCR's re-reads would be
asked for (bot.ocr.job.settle), and every wrong line shown sure.

Run: python -m bench.chinese_hands [--cache FILE]   (the evidence is read once into FILE and
reused; about 90 s to read on two threads)
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.calibrate_evidence import CachedPage, load, read_page, save
from bench.common import ZH_LINES, align_lines, cer, normalise
from bench.held_out import ZH as HELD_OUT_ZH
from bot.ocr.decide.combined import CombinedModel, shipped_models
from bot.ocr.decide.evidence import Script, agreement
from bot.ocr.job import settle
from bot.ocr.languages import resolve
from testkit.drawing import CHINESE_HANDS, Effects, draw_lines, to_bytes

OUT = Path(__file__).resolve().parent / "out" / "chinese-hands.json"
SEEDS = range(4)
EFFECTS = {
    "clean": Effects(),
    "jpeg": Effects(blur_radius=1.0, jpeg_quality=60),
    "photo": Effects(skew_degrees=1.5, shadow=True, noise=0.2, jpeg_quality=75),
}
CUT = 75


def read_pages() -> list[CachedPage]:
    lines = (*ZH_LINES, *HELD_OUT_ZH)

    def page(job: tuple[str, str, int]) -> CachedPage:
        face, effect, seed = job
        chunk = tuple(lines[seed % 3 :: 3][:6])
        image = draw_lines(chunk, font_name=face, size=44, effects=EFFECTS[effect], seed=seed)
        evidence = read_page(to_bytes(image, "JPEG" if effect == "jpeg" else "PNG"), "zh", True)
        kind = f"zh/{face}/{effect}"
        return CachedPage(f"{kind}/s{seed}", "drawn", f"s{seed}", kind, "zh", chunk, evidence)

    jobs = [(face, effect, seed) for face in CHINESE_HANDS for seed in SEEDS for effect in EFFECTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(page, jobs))


def report(pages: list[CachedPage]) -> None:
    chinese = resolve("zh")
    model = CombinedModel(shipped_models())
    for face in CHINESE_HANDS:
        wrong = flagged_wrong = right = flagged_right = rereads = 0
        sure_wrong: list[str] = []
        for page in (p for p in pages if p.kind.split("/")[1] == face):
            lines = [model.line(e, chinese) for e in page.evidence]
            truth = [normalise(t, "zh") for t in page.truth]
            texts = [normalise(line.text, "zh") for line in lines]
            paired = {o: g for g, o in align_lines(truth, texts)}
            for o, (line, evidence) in enumerate(zip(lines, page.evidence, strict=True)):
                rapid, tess = evidence.rapid, evidence.tesseract
                if rapid and tess and agreement(rapid.text, tess.text, Script.CHINESE) < 1:
                    rereads += settle.without_rereads(model, chinese, evidence) is None
                if not line.text:
                    continue
                g = paired.get(o)
                flagged = line.is_flagged(CUT)
                if g is not None and cer(truth[g], texts[o]) == 0:
                    right += 1
                    flagged_right += flagged
                    continue
                wrong += 1
                flagged_wrong += flagged
                if not flagged:
                    sure_wrong.append(f"{line.text} ({line.confidence or 0:.2f}, {page.name})")
        print(
            f"{face:14} wrong flagged {flagged_wrong}/{wrong}, right flagged "
            f"{flagged_right}/{right}, lines re-read {rereads}"
        )
        for line_text in sure_wrong:
            print(f"  sure but wrong: {line_text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=OUT)
    parser.add_argument("--again", action="store_true", help="read the pages again")
    args = parser.parse_args()
    if args.again or not args.cache.exists():
        t0 = time.perf_counter()
        pages = read_pages()
        save(pages, args.cache)
        print(f"{len(pages)} pages read in {time.perf_counter() - t0:.0f} s -> {args.cache}")
    report(load(args.cache))


if __name__ == "__main__":
    main()
