"""`notes-ocr-bot ocr DIR --out OUT` on 100 files against the engine's own time for the same
pages, side by side in one run.

Run: .venv/bin/python -m bench.cli_batch [--quick] [--files 100] [--workers 2] [--turns 3]

The folder: drawn English notes (bench.common.drawn_set: print and handwriting-like fonts,
photo damage), as PNG, JPEG, HEIC, and every tenth a 2-page scanned PDF. Measured, in turns
(engine, batch, engine, batch, ...; one turn with --quick):
  batch   the CLI as a user runs it (a process of its own, OCR_WORKERS=workers): seconds from
          the engine started to the last file's txt, json and pdf written (what its summary
          reports), and the whole process's wall time (interpreter and models loading too)
  engine  the same page images (PDFs split as the CLI splits them) through the same engine
          with the same workers, handed over 4 per worker at a time (as many as keep the
          workers busy), in a process of its own as the CLI's: seconds from the engine
          started to the last page read, the engine's own time for those pages
  page    bench.reading_speed's per-page figure on 20 of these pages: median seconds per
          page, one worker, one page at a time
Target (issue 19): batch <= 1.1 x engine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from bench.common import drawn_set, make_engine
from bench.reading_speed import one_at_a_time
from bot.documents.heif import enable_heif
from bot.documents.sources import Limits, pages_of
from testkit.pdfs import make_pdf

ENGINE = "rapid+tesseract"
ROOT = Path(__file__).resolve().parents[1]


def write_folder(folder: Path, count: int) -> list[bytes]:
    """``count`` note files in ``folder``; the page images the engine will be given."""
    import pillow_heif

    notes = [n for n in drawn_set(range(101, 101 + count), quick=True) if n.language == "en"]
    images = iter(n.image for n in (notes * 2))
    folder.mkdir(parents=True)
    for i in range(count):
        image = next(images)
        if i % 10 == 0:
            scans = [Image.open(io.BytesIO(image)), Image.open(io.BytesIO(next(images)))]
            (folder / f"note{i:03}.pdf").write_bytes(make_pdf(list(scans)))
        elif i % 10 == 1:
            heic = io.BytesIO()
            pillow_heif.from_pillow(Image.open(io.BytesIO(image)).convert("RGB")).save(
                heic, quality=90
            )
            (folder / f"note{i:03}.heic").write_bytes(heic.getvalue())
        elif i % 10 == 2:
            jpeg = io.BytesIO()
            Image.open(io.BytesIO(image)).convert("RGB").save(jpeg, "JPEG", quality=90)
            (folder / f"note{i:03}.jpg").write_bytes(jpeg.getvalue())
        else:
            (folder / f"note{i:03}.png").write_bytes(image)
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    # The defaults of MAX_PDF_PAGES, OCR_MAX_SIDE, MAX_PIXELS, as the CLI reads them.
    limits = Limits(max_pages=20, max_side=2000, max_pixels=60_000_000)
    pages = [p for f in files for p in pages_of([f], language="en", limits=limits)]
    return [p.image for p in pages]


async def engine_seconds(pages: list[bytes], workers: int) -> float:
    """Seconds the engine, just started, takes to read ``pages`` (the CLI's time starts
    there too: each pays the same first-use costs, on its first pages)."""
    enable_heif()
    engine = make_engine(ENGINE, workers=workers)
    await engine.start()
    try:
        # Enough handed over at once to keep every worker busy, not more than its queue holds.
        gate = asyncio.Semaphore(4 * workers)

        async def one(page: bytes) -> None:
            async with gate:
                await engine.recognize(page, "en")

        t0 = time.perf_counter()
        await asyncio.gather(*(one(page) for page in pages))
        return time.perf_counter() - t0
    finally:
        await engine.close()


_ENGINE_CHILD = """
import asyncio, pathlib, sys
from bench.cli_batch import engine_seconds
pages = [p.read_bytes() for p in sorted(pathlib.Path(sys.argv[1]).iterdir())]
print(asyncio.run(engine_seconds(pages, int(sys.argv[2]))))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def engine_child(pages: Path, workers: int) -> tuple[float, float]:
    """:func:`engine_seconds` in a process of its own, as fresh as the CLI's; and the CPU
    seconds that whole process took."""
    cpu = _children_cpu()
    proc = subprocess.run(
        [sys.executable, "-c", _ENGINE_CHILD, str(pages), str(workers)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return float(proc.stdout.strip().splitlines()[-1]), _children_cpu() - cpu


def batch_seconds(folder: Path, out: Path, workers: int) -> tuple[float, float, float, str]:
    """(seconds the summary reports, the process's wall and CPU seconds, the summary's first
    line)."""
    env = {**os.environ, "OCR_WORKERS": str(workers), "DATA_DIR": str(out.parent / "data")}
    env.pop("ASPOSE_LICENSE_PATH", None)
    t0, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ocr", str(folder), "--out", str(out), "--engine", ENGINE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"the batch failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
    first = proc.stdout.splitlines()[0]
    found = re.search(r"in ([\d.]+) s$", first)
    assert found, first
    return float(found.group(1)), wall, cpu, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    enable_heif()  # as the CLI does: the engine is given the HEIC files as they are
    files = 30 if args.quick and args.files == 100 else args.files
    turns = 1 if args.quick else args.turns
    with tempfile.TemporaryDirectory(prefix="cli-batch-") as tmp:
        folder = Path(tmp) / "notes"
        pages = write_folder(folder, files)
        split = Path(tmp) / "pages"
        split.mkdir()
        for n, page in enumerate(pages):
            (split / f"{n:04}").write_bytes(page)
        engine: list[float] = []
        batch: list[float] = []
        wall: list[float] = []
        engine_cpu: list[float] = []
        batch_cpu: list[float] = []
        for turn in range(turns):
            took, cpu = engine_child(split, args.workers)
            engine.append(took)
            engine_cpu.append(cpu)
            took, whole, cpu, said = batch_seconds(folder, Path(tmp) / f"out{turn}", args.workers)
            batch.append(took)
            wall.append(whole)
            batch_cpu.append(cpu)
            print(
                f"turn {turn + 1}: engine {engine[-1]:.1f} s ({engine_cpu[-1]:.1f} s CPU), "
                f"batch {took:.1f} s ({cpu:.1f} s CPU) ({said})",
                flush=True,
            )
        per_page = asyncio.run(one_at_a_time(ENGINE, [(p, "en") for p in pages[:20]]))
    e, b, w = statistics.mean(engine), statistics.mean(batch), statistics.mean(wall)
    n = len(pages)
    print(f"{files} files, {n} pages, {ENGINE}, {args.workers} workers, {turns} turn(s)")
    print(f"engine, same pages, same workers  {e:7.1f} s  {e / n:5.3f} s/page")
    print(f"CLI batch (txt+json+pdf written)  {b:7.1f} s  {b / n:5.3f} s/page")
    print(f"CLI process wall (with start-up)  {w:7.1f} s  {w / n:5.3f} s/page")
    print(
        f"bench.reading_speed page, 1 worker  {per_page:5.3f} s/page "
        f"(x {n} pages, one at a time = {per_page * n:.1f} s)"
    )
    print(f"batch / engine = {b / e:.2f}   (target <= 1.1)")
    print(f"process wall / engine = {w / e:.2f}")
    ratios = [b / e for b, e in zip(batch, engine, strict=True)]
    print(f"batch / engine per turn: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"CPU seconds, whole process: CLI {statistics.mean(batch_cpu):.1f} / engine "
        f"{statistics.mean(engine_cpu):.1f} = "
        f"{statistics.mean(batch_cpu) / statistics.mean(engine_cpu):.2f} "
        "(the machine is shared: CPU time is what the load moves least)"
    )


if __name__ == "__main__":
    main()
