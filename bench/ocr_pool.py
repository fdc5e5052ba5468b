"""Why the engines run where they run: event-loop lag, worker scaling, big photos.

Run: .venv/bin/python -m bench.ocr_pool [--quick] [--skip-aspose-12mp]

(a) Event-loop responsiveness: 8 drawn notes read by Aspose in the spawned process pool
    (bot.ocr.run.processes.ProcessRunner, the whole bot pipeline) vs Aspose called in a
    ThreadPoolExecutor of the bot process (bot.ocr.readers.aspose.init_worker once in the thread,
    then recognize_in_worker). A ticker coroutine wakes every 10 ms and records how late it
    is; the max lag is what every other user of the bot waits. One worker each.
    The pool runs first: this process must not import Aspose before it spawns workers.
(b) Throughput (images/s) with 1 vs 2 workers: Aspose processes, Tesseract threads.
(c) A 12 MP photo-like image (4000x3000: drawn note scaled up + noise) read by Tesseract
    (and Aspose unless --skip-aspose-12mp) with the bot's downscaling to 2000 px vs none:
    time and CER for both.
All figures in one run, side by side; the machine is shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from bench.common import cer, make_engine, normalise
from bot.ocr.recognizer import Recognizer

TICK = 0.01


def drawn_notes(n: int) -> list[bytes]:
    from testkit.drawing import NOTE_LINES, Effects, note_png

    fonts = ("sans", "serif", "comic", "chancery")
    return [
        note_png(
            NOTE_LINES[i % 3 :] + NOTE_LINES[: i % 3],
            font_name=fonts[i % len(fonts)],
            size=36,
            effects=Effects(skew_degrees=(i % 3) - 1.0),
            seed=i,
        )
        for i in range(n)
    ]


async def max_lag_while(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(max ticker lag s, wall time s) while ``work`` runs on this event loop."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not done.is_set():
            t = loop.time()
            await asyncio.sleep(TICK)
            worst = max(worst, loop.time() - t - TICK)

    task = asyncio.create_task(ticker())
    t0 = time.perf_counter()
    try:
        await work()
    finally:
        elapsed = time.perf_counter() - t0
        done.set()
        await task
    return worst, elapsed


async def lag_pool(images: list[bytes]) -> tuple[float, float]:
    pool = make_engine("aspose", workers=1)
    await pool.start()
    try:

        async def work() -> None:
            await asyncio.gather(*(pool.recognize(img, "en") for img in images))

        return await max_lag_while(work)
    finally:
        await pool.close()


async def lag_threads(images: list[bytes]) -> tuple[float, float]:
    import tempfile

    from bot.ocr.preprocess import prepare, to_png_bytes
    from bot.ocr.readers.aspose import AsposeWorkerConfig, init_worker, recognize_in_worker

    config = AsposeWorkerConfig(None, None, tempfile.mkdtemp(prefix="bench-aspose-models-"))
    pngs = [
        to_png_bytes(prepare(img, max_bytes=1 << 30, max_pixels=1 << 30, max_side=2000).image)
        for img in images
    ]
    loop = asyncio.get_running_loop()
    # initializer: Aspose set up once, in the (only) thread, as in a worker process.
    with ThreadPoolExecutor(1, initializer=init_worker, initargs=(config,)) as executor:
        await loop.run_in_executor(executor, time.sleep, 0)  # start + warm up, untimed

        async def work() -> None:
            await asyncio.gather(
                *(loop.run_in_executor(executor, recognize_in_worker, p, "en") for p in pngs)
            )

        return await max_lag_while(work)


async def lag_tesseract(images: list[bytes]) -> tuple[float, float]:
    """Tesseract as the bot runs it: 2 threads in this process (it releases the GIL while it
    recognises; preprocessing, line detection and the re-read bookkeeping do not)."""
    engine = make_engine("tesseract", workers=2)
    await engine.start()
    try:
        await engine.recognize(images[0], "en")  # each thread's API loads on first use

        async def work() -> None:
            await asyncio.gather(*(engine.recognize(img, "en") for img in images))

        return await max_lag_while(work)
    finally:
        await engine.close()


async def throughput(engine_name: str, workers: int, images: list[bytes]) -> float:
    engine: Recognizer = make_engine(engine_name, workers=workers)
    await engine.start()
    try:
        # Untimed warm-up: one job per worker, so every thread/process has its API loaded.
        await asyncio.gather(*(engine.recognize(images[i], "en") for i in range(workers)))
        t0 = time.perf_counter()
        await asyncio.gather(*(engine.recognize(img, "en") for img in images))
        return len(images) / (time.perf_counter() - t0)
    finally:
        await engine.close()


def photo_12mp() -> tuple[bytes, str]:
    """A 4000x3000 JPEG: a drawn note scaled up, grey paper, noise; and its text."""
    from PIL import Image

    from testkit.drawing import NOTE_LINES, Effects, apply_effects, draw_lines, to_bytes

    paper = (235, 232, 225)
    note = draw_lines(NOTE_LINES, font_name="sans", size=40, effects=Effects(paper_tint=paper))
    canvas = Image.new("RGB", (4000, 3000), paper)
    scale = 3400 / note.width
    big = note.resize((3400, int(note.height * scale)), Image.Resampling.BICUBIC)
    canvas.paste(big, (300, (3000 - big.height) // 2))
    canvas = apply_effects(canvas, Effects(noise=0.03, blur_radius=1.5), seed=7)
    return to_bytes(canvas, "JPEG", 85), "\n".join(NOTE_LINES)


async def read_big(
    engine_name: str, image: bytes, truth: str, max_side: int
) -> tuple[float, float]:
    engine = make_engine(engine_name, workers=1, max_side=max_side)
    await engine.start()
    try:
        t0 = time.perf_counter()
        page = await engine.recognize(image, "en")
        elapsed = time.perf_counter() - t0
    finally:
        await engine.close()
    return elapsed, cer(
        normalise(truth.replace("\n", " ")), normalise(page.text.replace("\n", " "))
    )


async def main_async(quick: bool, aspose_12mp: bool) -> None:
    n = 4 if quick else 8
    images = drawn_notes(n)

    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores are shared: see ratios)")
    print("(b) throughput, images/s (1 vs 2 workers)")
    for name in ("tesseract", "aspose"):
        # Tesseract reads a note in ~0.2 s: three times the images for a steadier figure.
        batch = images * 3 if name == "tesseract" else images
        one = await throughput(name, 1, batch)
        two = await throughput(name, 2, batch)
        print(
            f"    {name:<9} 1 worker {one:6.2f}/s  2 workers {two:6.2f}/s  ratio {two / one:.2f}x"
        )

    print("(c) 12 MP photo-like image (4000x3000 JPEG), downscaled to 2000 px vs full size")
    big, truth = photo_12mp()
    for name in ("tesseract", "aspose") if aspose_12mp else ("tesseract",):
        t_small, cer_small = await read_big(name, big, truth, 2000)
        t_full, cer_full = await read_big(name, big, truth, 5000)
        print(
            f"    {name:<9} 2000 px {t_small:6.2f}s CER {cer_small:.3f}   full {t_full:6.2f}s "
            f"CER {cer_full:.3f}   time ratio full/2000 {t_full / t_small:.2f}x"
        )

    # Last: the thread variant imports Aspose into this process, after which spawning is
    # still fine but forking is not; nothing here forks.
    print(f"(a) event-loop max lag while Aspose reads {n} drawn notes (1 worker each)")
    pool_lag, pool_time = await lag_pool(images)
    thread_lag, thread_time = await lag_threads(images)
    print(f"    process pool: max lag {1000 * pool_lag:8.1f} ms  (wall {pool_time:.1f}s)")
    print(f"    thread pool : max lag {1000 * thread_lag:8.1f} ms  (wall {thread_time:.1f}s)")
    print(f"    ratio thread/process: {thread_lag / max(pool_lag, 1e-6):.1f}x")
    tess_lag, tess_time = await lag_tesseract(images * 2)
    print(
        f"    Tesseract, 2 threads, {2 * n} notes: max lag {1000 * tess_lag:8.1f} ms  "
        f"(wall {tess_time:.1f}s)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 images instead of 8")
    parser.add_argument("--skip-aspose-12mp", action="store_true", help="(c) for Tesseract only")
    args = parser.parse_args()
    asyncio.run(main_async(args.quick, not args.skip_aspose_12mp))


if __name__ == "__main__":
    main()
