"""Speed and memory of the engines, side by side in one run: the default (RapidOCR +
Tesseract), RapidOCR alone, and Tesseract alone (the engine before issue 9).

Run: .venv/bin/python -m bench.reading_speed [--quick] [--engines rapid+tesseract,tesseract]

For each engine, in this order, in this process (RSS in a child process of its own):
  note    median seconds per drawn note (5 lines, handwriting-like and print fonts), one
          worker, one note at a time
  page    median seconds per real page (../shared/data/real-notes pages, long side up to
          2000 px), one worker, one page at a time
  x2      throughput with 2 workers over throughput with 1 (8 real pages; 2 cores here)
  lag     the event loop's worst lag while 2 workers read 8 real pages (a 10 ms ticker)
  rss     peak RSS of a process that starts the engine with 2 workers and reads 8 pages
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
from pathlib import Path

from bench.common import drawn_set, make_engine
from bench.ocr_pool import max_lag_while
from bench.real_notes import DATA

ENGINES = ("rapid+tesseract", "rapid", "tesseract")


def real_pages(limit: int) -> list[tuple[bytes, str]]:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    pages = [e for e in manifest if e["kind"].endswith("page")][:limit]
    return [((DATA / e["image"]).read_bytes(), e["language"]) for e in pages]


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


async def throughput(name: str, workers: int, jobs: list[tuple[bytes, str]]) -> float:
    engine = make_engine(name, workers=workers)
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
from bench.reading_speed import real_pages

async def main(name, count):
    engine = make_engine(name, workers=2)
    await engine.start()
    try:
        await asyncio.gather(*(engine.recognize(i, l) for i, l in real_pages(count)))
    finally:
        await engine.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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


async def measure(name: str, quick: bool) -> dict[str, float]:
    notes = [(n.image, n.language) for n in drawn_set((101,), quick=True)]
    notes = notes[: 8 if quick else 24]
    pages = real_pages(4 if quick else 13)
    eight = (pages * 2)[:8]
    one = await throughput(name, 1, eight)
    two = await throughput(name, 2, eight)
    return {
        "note": await one_at_a_time(name, notes),
        "page": await one_at_a_time(name, pages),
        "x2": two / one,
        "lag": await lag(name, eight),
        "rss": peak_rss_mb(name, 8),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engines", default=",".join(ENGINES))
    args = parser.parse_args()
    rows = {name: asyncio.run(measure(name, args.quick)) for name in args.engines.split(",")}
    print(f"{'engine':<16} {'note s':>7} {'page s':>7} {'2w/1w':>6} {'lag ms':>7} {'rss MB':>7}")
    for name, row in rows.items():
        print(
            f"{name:<16} {row['note']:7.2f} {row['page']:7.2f} {row['x2']:6.2f} "
            f"{1000 * row['lag']:7.1f} {row['rss']:7.0f}"
        )
    print("targets (issue 9): note <= 0.6 s, page <= 3 s, 2w/1w >= 1.8, lag <= 50 ms, rss <= 1500")


if __name__ == "__main__":
    main()
