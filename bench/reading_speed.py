"""Speed and memory of the engines, side by side in one run: the default (RapidOCR +
Tesseract) with the language model on and off, RapidOCR alone, and Tesseract alone (the
engine before issue 9); and the default engine's page against RapidOCR's own pipeline.

Run: .venv/bin/python -m bench.reading_speed [--quick] [--split] [--engines rapid+tesseract+lm]

First, **the page against RapidOCR alone** (issue 18 part 5: <= 1.3x): real pages read one
at a time on one thread, each by RapidOCR's own pipeline (detector + recognizer on every
piece it finds, the same detector side, recognizer width and ONNX threads as the engine;
``bot.ocr.readers.rapid.read_alone``) and then by each RapidOCR engine (every cross-check,
the LM where ``+lm``), page by page in turn so the machine's load falls alike on all.
Printed: wall and CPU seconds per page, each over RapidOCR alone's.

Then, for each engine, in this order, in this process (RSS in a child process of its own):
  note    median seconds per drawn note (5 lines, handwriting-like and print fonts), one
          worker, one note at a time
  page    median seconds per real page (../shared/data/real-notes pages, long side up to
          2000 px), one worker, one page at a time
  x2      throughput with 2 workers over throughput with 1 (8 real pages; 2 cores here)
  x2/16   the same over 16 pages: with 8, the last page read alone while the other worker
          idles weighs twice as much (pages differ in length, so the tail differs by run)
  alone   median seconds per real page read alone by an engine with 2 workers, the idle
          worker taking lines of the page (bot.ocr.job.lending) and not, page by page in
          turn (the ratio: how much sooner a lone user gets their photo back)
  x2 and x2/16 are measured with the idle worker's lines and without (``share off``): the
          last pages of a run are read on both cores
  lag     the event loop's worst lag while 2 workers read 8 real pages (a 10 ms ticker)
  rss     peak RSS of a process that starts the engine with 2 workers and reads 8 pages;
          with ``+lm``, the character LMs of English and Vietnamese loaded too
Last, RapidOCR's recognizer over a page's lines one line a call and in RapidOCR's own
batches (``rec_batch_num`` 6), CPU seconds.
The machine is shared and noisy: compare engines within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import drawn_set, make_engine
from bench.ocr_pool import max_lag_while
from bench.real_notes import DATA

if TYPE_CHECKING:
    from bot.ocr.recognizer import Recognizer

ENGINES = ("rapid+tesseract+lm", "rapid+tesseract", "rapid", "tesseract")
# The character LMs loaded in the RSS child of a "+lm" engine (issue 18: the languages in
# use, English and Vietnamese at least).
LM_LANGUAGES = ("en", "vi")


def real_pages(limit: int) -> list[tuple[bytes, str]]:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    pages = [e for e in manifest if e["kind"].endswith("page")][:limit]
    return [((DATA / e["image"]).read_bytes(), e["language"]) for e in pages]


def spread_pages(count: int) -> list[tuple[bytes, str]]:
    """``count`` real pages, handwritten and typewritten alike (the typewritten come last in
    the manifest)."""
    pages = real_pages(13)
    if count >= len(pages):
        return pages
    return [pages[round(i * (len(pages) - 1) / max(1, count - 1))] for i in range(count)]


def against_rapid_alone(names: list[str], pages: list[tuple[bytes, str]]) -> None:
    """Each RapidOCR engine's page over RapidOCR's own pipeline, page by page in turn."""
    from bot.ocr.job import Limits, read_prepared, validate
    from bot.ocr.job.rapid_tesseract import BOTH, RAPID_ONLY, RapidTesseract
    from bot.ocr.readers import rapid

    pipelines = {
        # as bench.common.make_engine names them
        name: RapidTesseract(
            replace(RAPID_ONLY if name == "rapid" else BOTH, lm=name.endswith("+lm"))
        )
        for name in names
    }
    for pipeline in pipelines.values():
        pipeline.load()
        pipeline.warm()
    limits = Limits()
    prepared = [validate(img, lang, next(iter(pipelines.values())), limits) for img, lang in pages]
    wall = {name: 0.0 for name in ["rapidocr", *pipelines]}
    cpu = dict(wall)

    def timed(name: str, run: Callable[[], object]) -> None:
        w, c = time.perf_counter(), time.process_time()
        run()
        wall[name] += time.perf_counter() - w
        cpu[name] += time.process_time() - c

    rapid.read_alone(prepared[0][0].image)  # first-use costs before timing
    for pipeline in pipelines.values():
        read_prepared(*prepared[0], pipeline)
    for page, lang in prepared:
        timed("rapidocr", partial(rapid.read_alone, page.image))
        for name, pipeline in pipelines.items():
            timed(name, partial(read_prepared, page, lang, pipeline))
    n = len(prepared)
    print(f"page vs RapidOCR alone ({n} real pages, one thread, each page by all in turn):")
    for name in wall:
        print(
            f"  {name:<20} wall {wall[name] / n:5.2f} s/page  x{wall[name] / wall['rapidocr']:.2f}"
            f"   CPU {cpu[name] / n:5.2f} s/page  x{cpu[name] / cpu['rapidocr']:.2f}"
        )
    if "rapid+tesseract+lm" in wall:
        ratio = wall["rapid+tesseract+lm"] / wall["rapidocr"]
        print(f"-> page with every cross-check and the LM / RapidOCR alone = {ratio:.2f} wall")
        print(f"   (CPU {cpu['rapid+tesseract+lm'] / cpu['rapidocr']:.2f}; target <= 1.3)")


def batching(pages: list[tuple[bytes, str]]) -> None:
    """CPU seconds of the recognizer over the pages' lines: one line a call, and in
    RapidOCR's own batches (padded to the widest line of each batch)."""
    from rapidocr.ch_ppocr_rec.typings import TextRecInput

    from bot.ocr.find.lines import find_lines
    from bot.ocr.job import Limits, validate
    from bot.ocr.job.rapid_tesseract import RapidTesseract
    from bot.ocr.readers import rapid

    crops = []
    for img, lang in pages:
        page = validate(img, lang, RapidTesseract(), Limits())[0].image
        spots = find_lines(page, rapid.detect(page))
        crops += rapid.crops(page, [quad for spot in spots for quad in spot.pieces])
    rec = rapid._engine()._load_rec_model()
    pixels = [rapid._bgr(c) for c in crops]
    alone = batched = 0.0
    for _ in range(2):
        c = time.process_time()
        for p in pixels:
            rec(TextRecInput(img=[p]))
        alone += time.process_time() - c
        c = time.process_time()
        rec(TextRecInput(img=pixels))
        batched += time.process_time() - c
    print(
        f"recognizer over {len(crops)} lines: one a call {alone / 2:.2f} CPU s, "
        f"batches of {rec.rec_batch_num} {batched / 2:.2f} CPU s (x{batched / alone:.2f})"
    )


def _engine(name: str, workers: int, *, share: bool = True) -> Recognizer:
    """``make_engine``'s engine; ``share``: a worker with no photo of its own takes lines of
    the photos being read (the default; engines that read in threads only)."""
    from bot.ocr.run.threads import ThreadRunner

    engine = make_engine(name, workers=workers)
    if isinstance(engine, ThreadRunner):
        engine.share_lines = share
    return engine


async def alone_on_two(name: str, jobs: list[tuple[bytes, str]]) -> tuple[float, float]:
    """Median seconds per image read alone (one at a time) by 2 workers: (each image read
    by its own worker alone, its lines shared with the idle worker), image by image in
    turn, twice over."""
    engines = [_engine(name, 2, share=False), _engine(name, 2, share=True)]
    for engine in engines:
        await engine.start()
    try:
        for engine in engines:
            await engine.recognize(*jobs[0])  # first-use costs (each thread's own engines)
            await asyncio.gather(engine.recognize(*jobs[0]), engine.recognize(*jobs[0]))
        times: list[list[float]] = [[], []]
        for image, lang in jobs * 2:
            for engine, spent in zip(engines, times, strict=True):
                t0 = time.perf_counter()
                await engine.recognize(image, lang)
                spent.append(time.perf_counter() - t0)
    finally:
        for engine in engines:
            await engine.close()
    return statistics.median(times[0]), statistics.median(times[1])


async def one_at_a_time(name: str, jobs: list[tuple[bytes, str]]) -> float:
    """Median seconds per image, one worker, one image at a time."""
    engine = make_engine(name, workers=1)
    await engine.start()
    try:
        await engine.recognize(*jobs[0])  # first-use costs are paid before timing
        times = []
        for image, lang in jobs:
            t0 = time.perf_counter()
            await engine.recognize(image, lang)
            times.append(time.perf_counter() - t0)
    finally:
        await engine.close()
    return statistics.median(times)


async def throughput(
    name: str, workers: int, jobs: list[tuple[bytes, str]], *, share: bool = True
) -> float:
    engine = _engine(name, workers, share=share)
    await engine.start()
    try:
        await engine.recognize(*jobs[0])
        t0 = time.perf_counter()
        await asyncio.gather(*(engine.recognize(img, lang) for img, lang in jobs))
        return len(jobs) / (time.perf_counter() - t0)
    finally:
        await engine.close()


async def lag(name: str, jobs: list[tuple[bytes, str]]) -> float:
    engine = make_engine(name, workers=2)
    await engine.start()
    try:
        await engine.recognize(*jobs[0])

        async def work() -> None:
            await asyncio.gather(*(engine.recognize(img, lang) for img, lang in jobs))

        worst, _ = await max_lag_while(work)
        return worst
    finally:
        await engine.close()


_CHILD = """
import asyncio, resource, sys
from bench.common import make_engine
from bench.reading_speed import LM_LANGUAGES, real_pages

async def main(name, count):
    engine = make_engine(name, workers=2)
    await engine.start()
    if name.endswith("+lm"):
        from bot.ocr.decoding import lm
        lm.warm(LM_LANGUAGES)
    try:
        await asyncio.gather(*(engine.recognize(i, l) for i, l in real_pages(count)))
    finally:
        await engine.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so it would be the
# bench's own peak whenever that is higher (measured: 1511 MB for a child of a 1500 MB
# parent that itself held 10 MB).
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(hwm[0].split()[1] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(name: str, count: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, name, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


async def measure(name: str, quick: bool, *, split_only: bool = False) -> dict[str, float]:
    pages = real_pages(4 if quick else 13)
    eight = (pages * 2)[:8]
    sixteen = (pages * 4)[:16]
    one = await throughput(name, 1, eight)
    two_own = await throughput(name, 2, eight, share=False)
    two = await throughput(name, 2, eight)
    one16 = await throughput(name, 1, sixteen)
    two16_own = await throughput(name, 2, sixteen, share=False)
    two16 = await throughput(name, 2, sixteen)
    alone_own, alone = await alone_on_two(name, pages)
    split = {
        "x2": two / one,
        "x2_16": two16 / one16,
        "x2_own": two_own / one,
        "x2_16_own": two16_own / one16,
        "alone_own": alone_own,
        "alone": alone,
    }
    if split_only:
        return split
    notes = [(n.image, n.language) for n in drawn_set((101,), quick=True)]
    notes = notes[: 8 if quick else 24]
    return split | {
        "note": await one_at_a_time(name, notes),
        "page": await one_at_a_time(name, pages),
        "lag": await lag(name, eight),
        "rss": peak_rss_mb(name, 8),
    }


def split_table(rows: dict[str, dict[str, float]]) -> None:
    print("a page read alone on 2 workers, and 2w/1w, with the idle worker's lines and without:")
    print(
        f"{'engine':<20} {'alone s':>8} {'shared':>7} {'ratio':>6} {'2w/1w':>6} {'shared':>7} "
        f"{'x2/16':>6} {'shared':>7}"
    )
    for name, row in rows.items():
        print(
            f"{name:<20} {row['alone_own']:8.2f} {row['alone']:7.2f} "
            f"{row['alone_own'] / row['alone']:6.2f} {row['x2_own']:6.2f} {row['x2']:7.2f} "
            f"{row['x2_16_own']:6.2f} {row['x2_16']:7.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument(
        "--split",
        action="store_true",
        help="only the idle worker's lines: a page alone on 2 workers, 2w/1w, with and without",
    )
    args = parser.parse_args()
    names = args.engines.split(",")
    if args.split:
        rows = {name: asyncio.run(measure(name, args.quick, split_only=True)) for name in names}
        split_table(rows)
        return
    rapid_engines = [n for n in names if n.startswith("rapid")]
    if rapid_engines:
        against_rapid_alone(rapid_engines, spread_pages(4 if args.quick else 13))
    rows = {name: asyncio.run(measure(name, args.quick)) for name in names}
    print(
        f"{'engine':<20} {'note s':>7} {'page s':>7} {'2w/1w':>6} {'x2/16':>6} {'lag ms':>7} "
        f"{'rss MB':>7}"
    )
    for name, row in rows.items():
        print(
            f"{name:<20} {row['note']:7.2f} {row['page']:7.2f} {row['x2']:6.2f} "
            f"{row['x2_16']:6.2f} {1000 * row['lag']:7.1f} {row['rss']:7.0f}"
        )
    print(
        "targets (issues 9, 18): note <= 0.6 s, page <= 3 s, 2w/1w >= 1.8, lag <= 50 ms, "
        "rss <= 1500 (with the LMs)"
    )
    split_table(rows)
    if rapid_engines:
        batching(spread_pages(2 if args.quick else 4))


if __name__ == "__main__":
    main()
