"""Where a reading thread's time goes, and what two reading threads cost each other (issue 18
part 5: 2 workers >= 1.8x one).

Run: .venv/bin/python -m bench.reading_threads [--pages 4] [--rounds 3] [--no-profile]

The default engine (RapidOCR + Tesseract, the LM on) reads real pages in threads of one
process (``bot.ocr.run.threads``). onnxruntime, Tesseract, OpenCV and most of Pillow and
numpy let go of the GIL while they work; our Python (the beam search, deciding, line
finding, the slant estimate) does not, and while one thread runs it the other may wait.

First, one thread reads ``--pages`` real pages ``--rounds`` times, sampled by ``py-spy``
(the dev extras) at 200 Hz twice: every sample, and only those where the thread holds the
GIL. Printed: CPU seconds per page (``time.thread_time``), and for each stage its share of
that CPU and the CPU it spends holding the GIL (a sample belongs to the innermost stage on
its stack). The load of other processes stretches all samples alike, so the shares hold on
a shared machine.

Then two threads read 8 pages (the 4 pages twice), as ``bench.reading_speed``'s ``2w/1w``
does, and the kernel's own accounts of each thread (``/proc/self/task/<id>/schedstat``,
Linux) split each page's wall time into running on a core, waiting for a core (other
processes: the load), and asleep: nothing in a reading sleeps but a thread waiting for the
GIL. One thread reading the same 8 pages is the yardstick (its sleep is ~0).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from bench.reading_speed import real_pages

if TYPE_CHECKING:
    from bot.ocr.job.rapid_tesseract import RapidTesseract
    from bot.ocr.languages import Language
    from bot.ocr.preprocess import PreparedImage

    Pages = list[tuple[PreparedImage, Language]]

# (stage, function, file): a sample belongs to the innermost of these on its stack.
STAGES = (
    ("recognizer (ONNX, line)", "line_probabilities", "bot/ocr/readers/rapid.py"),
    ("detector (ONNX, page)", "detect", "bot/ocr/readers/rapid.py"),
    ("crops", "crops", "bot/ocr/readers/rapid.py"),
    ("beam search", "search", "bot/ocr/decoding/ctc.py"),
    ("word spaces", "missing", "bot/ocr/decoding/spaces.py"),
    ("slant estimate", "shear_of", "bot/ocr/decoding/slant.py"),
    ("slant shear", "sheared", "bot/ocr/decoding/slant.py"),
    ("decoding, other", "decode", "bot/ocr/decoding/line.py"),
    ("deciding (settle, decide)", "decided", "bot/ocr/job/rapid_tesseract.py"),
    ("line finding", "find_lines", "bot/ocr/find/lines.py"),
    ("upside-down check", "upside_down", "bot/ocr/job/orientation.py"),
    ("Tesseract", "read_line", "bot/ocr/readers/tesseract.py"),
)
ROOT = Path(__file__).resolve().parents[1]
# py-spy's samples a second
RATE = 200


def _pipeline_and_pages(count: int) -> tuple[RapidTesseract, Pages]:
    from bot.ocr.job import Limits, validate
    from bot.ocr.job.rapid_tesseract import BOTH, RapidTesseract

    pipeline = RapidTesseract(replace(BOTH, lm=True))
    pipeline.load()
    pipeline.warm()
    return pipeline, [validate(img, lang, pipeline, Limits()) for img, lang in real_pages(count)]


def _child(count: int, rounds: int, out: Path) -> None:
    """One thread reads the pages ``rounds`` times; writes its CPU seconds per page."""
    from bot.ocr.job import read_prepared

    pipeline, prepared = _pipeline_and_pages(count)
    read_prepared(*prepared[0], pipeline)
    start, wall = time.thread_time(), time.perf_counter()
    _timed(prepared, rounds, pipeline)
    n = count * rounds
    cpu, wall = (time.thread_time() - start) / n, (time.perf_counter() - wall) / n
    out.write_text(json.dumps({"cpu": cpu, "wall": wall}))


def _timed(pages: Pages, rounds: int, pipeline: RapidTesseract) -> None:
    """The reading sampled (its name marks the samples that count)."""
    from bot.ocr.job import read_prepared

    for _ in range(rounds):
        for page, lang in pages:
            read_prepared(page, lang, pipeline)


def _stage(frames: list[str]) -> str | None:
    for frame in reversed(frames):
        for stage, function, path in STAGES:
            if frame.startswith(f"{function} (") and path in frame:
                return stage
    return None


def _sampled(pyspy: str, count: int, rounds: int, gil: bool) -> tuple[float, dict[str, float]]:
    """(CPU s a page, CPU s a page per stage) of one child run under py-spy: a stage's
    samples are seconds of wall time, scaled by the run's CPU over its wall time (the load
    stretches every stage alike)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.txt"
        command = [pyspy, "record", "-r", str(RATE), "-f", "raw", "-o", str(raw)]
        command += ["--gil"] if gil else []
        command += ["--", sys.executable, "-m", "bench.reading_threads", "--child"]
        command += [str(count), str(rounds), str(Path(tmp) / "cpu.json")]
        subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        stages: Counter[str] = Counter()
        for line in raw.read_text(encoding="utf-8").splitlines():
            stack, _, samples = line.rpartition(" ")
            frames = stack.split(";")
            if not any(f.startswith("_timed (") for f in frames):
                continue  # loading, warming
            stages[_stage(frames) or "other"] += int(samples)
        times = json.loads((Path(tmp) / "cpu.json").read_text(encoding="utf-8"))
    cpu, wall = float(times["cpu"]), float(times["wall"])
    scale = cpu / wall / RATE / (count * rounds)
    return cpu, {stage: samples * scale for stage, samples in stages.items()}


def profile(count: int, rounds: int) -> None:
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(pyspy).exists():
        print("py-spy not found (pip install -e '.[dev]'): no profile")
        return
    cpu, every = _sampled(pyspy, count, rounds, gil=False)
    _, held = _sampled(pyspy, count, rounds, gil=True)
    print(f"one thread, {count} real pages x {rounds}: CPU {cpu:.3f} s a page")
    print(f"  {'stage':<27} {'CPU ms/page':>12} {'GIL held ms/page':>17}")
    for stage in sorted(every, key=lambda s: -every[s]):
        print(f"  {stage:<27} {1000 * every[stage]:12.1f} {1000 * held.get(stage, 0.0):17.1f}")
    gil = sum(held.values())
    print(
        f"  {'all':<27} {1000 * sum(every.values()):12.1f} {1000 * gil:17.1f}"
        f"  ({100 * gil / cpu:.1f}% of the CPU holds the GIL)"
    )


def _schedstat() -> tuple[float, float]:
    """(seconds this thread ran on a core, seconds it waited for one)."""
    path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
    ran, waited, _ = Path(path).read_text(encoding="utf-8").split()
    return int(ran) / 1e9, int(waited) / 1e9


def threads(workers: int, pages: Pages, pipeline: RapidTesseract) -> dict[str, float]:
    """Per page: wall (pages / throughput), and each thread's running, waiting for a core
    and asleep, summed over threads."""
    from bot.ocr.job import read_prepared

    jobs: SimpleQueue[int] = SimpleQueue()
    order = [i % len(pages) for i in range(2 * len(pages))]
    for i in order:
        jobs.put(i)
    ready = threading.Barrier(workers + 1)
    sums = {"ran": 0.0, "waited": 0.0, "asleep": 0.0}
    lock = threading.Lock()

    def work() -> None:
        pipeline.warm()
        read_prepared(*pages[0], pipeline)
        ready.wait()
        ran, waited = _schedstat()
        wall = time.perf_counter()
        while True:
            try:
                i = jobs.get_nowait()
            except Empty:
                break
            read_prepared(*pages[i], pipeline)
        ran2, waited2 = _schedstat()
        wall = time.perf_counter() - wall
        with lock:
            sums["ran"] += ran2 - ran
            sums["waited"] += waited2 - waited
            sums["asleep"] += wall - (ran2 - ran) - (waited2 - waited)

    running = [threading.Thread(target=work) for _ in range(workers)]
    for thread in running:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    for thread in running:
        thread.join()
    wall = time.perf_counter() - start
    n = len(order)
    return {"wall": wall / n, **{k: v / n for k, v in sums.items()}}


def two_threads(count: int) -> None:
    pipeline, pages = _pipeline_and_pages(count)
    rows: dict[int, dict[str, float]] = {}
    for workers in (1, 2, 1, 2):
        row = threads(workers, pages, pipeline)
        rows[workers] = {k: rows.get(workers, {}).get(k, 0.0) + v / 2 for k, v in row.items()}
    print(f"{2 * count} real pages, threads of one process (two turns each, means):")
    print(
        f"  {'threads':<8} {'wall s/page':>11} {'running':>8} {'waiting for a core':>19} "
        f"{'asleep (GIL)':>13}   (seconds a page, summed over threads)"
    )
    for workers, row in rows.items():
        print(
            f"  {workers:<8} {row['wall']:11.3f} {row['ran']:8.3f} {row['waited']:19.3f} "
            f"{row['asleep']:13.3f}"
        )
    print(f"  2 threads / 1 = {rows[1]['wall'] / rows[2]['wall']:.2f} (the load's: see 'waiting')")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        count, rounds, out = args.child
        _child(int(count), int(rounds), Path(out))
        return
    if not args.no_profile:
        profile(args.pages, args.rounds)
    two_threads(args.pages)


if __name__ == "__main__":
    main()
