"""What a user waits: photo bytes in, flagged page out, through the bot's Recognizer.

Run: .venv/bin/python -m bench.e2e_latency [--quick] [--engine tesseract|aspose|both]

Builds the recognizer the bot would (bench.common.make_engine: tesseract_engine or the
Aspose ProcessRunner, 2 workers), then for 1 and for 4 users sending a phone-sized photo (a drawn
note on a 2000x1500 JPEG with skew, shadow and blur) at the same moment, prints the
per-photo latency p50/max (queueing included) for each engine. Telegram's own network
time is not included.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench.common import make_engine
from bot.ocr.recognizer import Recognizer


def phone_photo(seed: int) -> bytes:
    from PIL import Image

    from testkit.drawing import NOTE_LINES, Effects, apply_effects, draw_lines, to_bytes

    note = draw_lines(NOTE_LINES, font_name="comic", size=44, seed=seed)
    canvas = Image.new("RGB", (2000, 1500), (240, 238, 232))
    canvas.paste(note, ((2000 - note.width) // 2, (1500 - note.height) // 2))
    canvas = apply_effects(
        canvas, Effects(skew_degrees=2.0, shadow=True, blur_radius=0.8), seed=seed
    )
    return to_bytes(canvas, "JPEG", 80)


async def timed(engine: Recognizer, photo: bytes) -> float:
    t0 = time.perf_counter()
    await engine.recognize(photo, "en")
    return time.perf_counter() - t0


async def run(engine_name: str, users: tuple[int, ...], rounds: int) -> None:
    engine = make_engine(engine_name, workers=2)
    await engine.start()
    try:
        await engine.recognize(phone_photo(0), "en")  # warm-up, untimed
        for n in users:
            latencies: list[float] = []
            for r in range(rounds):
                photos = [phone_photo(100 * r + i) for i in range(n)]
                latencies += await asyncio.gather(*(timed(engine, p) for p in photos))
            p50 = statistics.median(latencies)
            print(
                f"    {engine_name:<9} {n} user(s) at once: p50 {p50:5.2f}s"
                f"  max {max(latencies):5.2f}s  ({len(latencies)} photos)"
            )
    finally:
        await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    parser.add_argument("--engine", default="both", choices=("tesseract", "aspose", "both"))
    args = parser.parse_args()
    engines = ("tesseract", "aspose") if args.engine == "both" else (args.engine,)
    print("end-to-end latency per photo (2 workers)")
    for name in engines:
        asyncio.run(run(name, (1, 4), 1 if args.quick else 3))


if __name__ == "__main__":
    main()
