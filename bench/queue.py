"""The OCR queue (REDIS_URL, `notes-ocr-bot worker`) against reading in the bot's process, side
by side in one run. Needs redis-server (scripts/install-system-deps.sh); starts its own on
127.0.0.1, and its own worker processes.

Run: .venv/bin/python -m bench.queue [--photos 40] [--e2e-photos 40] [--busy-photos 16]
     [--engine tesseract] [--worker-kills 5] [--only recovery]

(a) Throughput: ``--photos`` drawn notes submitted at once through the queue, read by 1, 2 and
    4 worker processes (OCR_WORKERS=1 each), against the in-process engine with 2 threads.
    The machine has 2 cores: past 2 workers there is nothing left to gain.
(b) Overhead per job: one photo at a time, the in-process engine's time vs the same photo
    through the queue with one idle worker; the median difference is what the queue costs
    (submit, a worker noticing, pickling, the bot noticing the result).
(c) End to end in queue mode: the real bot (REDIS_URL set, 2 workers) against the fake Bot
    API; each photo from the user's send to the bot's last reply, over the in-process
    engine's time on the same bytes (as bench.e2e_bot_latency measures it in-process).
    Target <= 1.15.
(d) Two instances as deployed (`python -m bot run` each, webhook mode, one PostgreSQL, one
    Redis, 2 workers; a balancer sends the probing user to instance A and everyone else to
    B): /start p50/p99 on A, idle and while ``--busy-photos`` photos of B's users are read;
    the peak memory of each instance and worker process.
(e), (f) Recovery after a worker or a bot instance is SIGKILLed mid-photo
    (bench/queue_recovery.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bench import queue_recovery
from bench.e2e_bot_latency import last_reply, ms, notes, pctl, probe_start


async def _throughput(recognizer: object, images: list[bytes]) -> float:
    t0 = time.perf_counter()
    await asyncio.gather(*(recognizer.recognize(img, "en") for img in images))  # type: ignore[attr-defined]
    return len(images) / (time.perf_counter() - t0)


async def run(
    photos: int, e2e_photos: int, engine: str, busy_photos: int, kills: int, only: str
) -> None:
    from bot.app import build_application
    from bot.config import EngineChoice
    from bot.ocr.engines import build_engine
    from bot.ocr.run.queue.client import QueueRecognizer
    from testkit.fake_bot_api import FakeBotApi
    from testkit.harness import Conversation, running_bot
    from testkit.redis_server import ocr_workers, redis_server
    from testkit.settings import TOKEN, make_settings

    images = notes(photos, first_seed=1000)
    warm = notes(4, first_seed=900)
    seq = notes(30, first_seed=2000)
    e2e_images = notes(e2e_photos, first_seed=3000)
    choice = EngineChoice(engine)
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp, FakeBotApi(TOKEN) as fake:
        root = Path(tmp)
        if only == "recovery":
            await queue_recovery.run(fake, root, kills, engine)
            return
        base = make_settings(fake, root / "data", ocr_engine=choice, ocr_workers=2)
        local = build_engine(base)
        await local.start()
        await asyncio.gather(*(local.recognize(img, "en") for img in warm))
        in_process = await _throughput(local, images)
        print(f"(a) throughput, {photos} drawn notes at once, engine={engine}")
        print(f"    in the bot's process, 2 threads     {in_process:6.2f} photos/s")
        overhead: list[float] = []
        local_times: list[float] = []
        queue_times: list[float] = []
        for n in (1, 2, 4):
            with (
                redis_server(root / f"redis-{n}") as url,
                ocr_workers(url, root / f"workers-{n}", n, OCR_ENGINE=engine),
            ):
                queue = QueueRecognizer(make_settings(fake, root / "data", redis_url=url))
                await queue.start()
                try:
                    await asyncio.gather(*(queue.recognize(img, "en") for img in warm))
                    rate = await _throughput(queue, images)
                    print(f"    queue, {n} worker process(es)         {rate:6.2f} photos/s")
                    if n == 1:
                        # (b) one at a time, same photo both ways, which goes first
                        # alternating (the second of two reads was measured to differ).
                        for i, img in enumerate(seq):
                            first, second = (local, queue) if i % 2 == 0 else (queue, local)
                            t0 = time.perf_counter()
                            await first.recognize(img, "en")
                            t1 = time.perf_counter()
                            await second.recognize(img, "en")
                            t2 = time.perf_counter()
                            here, there = (t1 - t0, t2 - t1) if i % 2 == 0 else (t2 - t1, t1 - t0)
                            local_times.append(here)
                            queue_times.append(there)
                            overhead.append(there - here)
                finally:
                    await queue.close()
        print(f"(b) one photo at a time ({len(seq)} photos), 1 idle worker")
        print(
            f"    in-process median {ms(statistics.median(local_times))}, queue median "
            f"{ms(statistics.median(queue_times))}; queue overhead per job: median "
            f"{ms(statistics.median(overhead))}, p90 {ms(pctl(overhead, 0.9))}"
        )

        with (
            redis_server(root / "redis-e2e") as url,
            ocr_workers(url, root / "workers-e2e", 2, OCR_ENGINE=engine),
        ):
            settings = make_settings(fake, root / "bot", redis_url=url, ocr_engine=choice)
            app = build_application(settings)
            async with running_bot(app):
                chat = Conversation(fake, chat_id=8_999)
                chat.send_photo(warm[0])
                await last_reply(chat)
                await probe_start(fake, 9_000)
                direct_all: list[float] = []
                e2e_all: list[float] = []
                for i, image in enumerate(e2e_images):
                    chat = Conversation(fake, chat_id=8_000 + i)

                    async def through_bot(chat: Conversation = chat, image: bytes = image) -> None:
                        chat.send_photo(image)
                        await last_reply(chat)

                    async def direct(image: bytes = image) -> None:
                        await local.recognize(image, "en")

                    # Which goes first alternates, as in (b).
                    order = (direct, through_bot) if i % 2 == 0 else (through_bot, direct)
                    took = {}
                    for step in order:
                        t0 = time.perf_counter()
                        await step()
                        took[step] = time.perf_counter() - t0
                    direct_all.append(took[direct])
                    e2e_all.append(took[through_bot])
                ratio = sum(e2e_all) / sum(direct_all)
                extra = statistics.median(e - d for e, d in zip(e2e_all, direct_all, strict=True))
                print(
                    f"(c) end to end in queue mode, {e2e_photos} photos one after another, "
                    "2 workers"
                )
                print(
                    f"    e2e median {ms(statistics.median(e2e_all))}, in-process engine median "
                    f"{ms(statistics.median(direct_all))}"
                )
                per_photo = statistics.median(
                    e / d for e, d in zip(e2e_all, direct_all, strict=True)
                )
                verdict = "met" if ratio <= 1.15 else "NOT met"
                print(
                    f"    total e2e/direct = {ratio:.3f} (target <= 1.15: {verdict}); per photo "
                    f"median {per_photo:.3f}; median extra {extra * 1000:.1f} ms per photo"
                )
        await local.close()
        await _two_instances(fake, root, engine, busy_photos)
        await queue_recovery.run(fake, root, kills, engine)


async def _two_instances(fake: Any, root: Path, engine: str, busy_photos: int) -> None:
    import asyncpg  # type: ignore[import-untyped]

    from testkit.balancer import Balancer, chat_of
    from testkit.cluster import instance_processes
    from testkit.harness import Conversation, free_port
    from testkit.postgres_server import postgres_server
    from testkit.redis_server import ocr_workers, redis_server

    probe_chat = 9_500
    ports = [free_port(), free_port()]
    balancer = Balancer(
        [f"http://127.0.0.1:{p}/telegram" for p in ports],
        route=lambda update: 0 if chat_of(update) == probe_chat else 1,
    ).start()
    with (
        postgres_server() as dsn,
        redis_server(root / "redis-2i") as url,
        ocr_workers(url, root / "workers-2i", 2, OCR_ENGINE=engine) as workers,
    ):
        conn = await asyncpg.connect(f"postgresql://{dsn}/postgres")
        await conn.execute('CREATE DATABASE "bench"')
        await conn.close()
        async with AsyncExitStack() as stack:
            bots = await instance_processes(
                stack, fake, root, balancer, f"postgresql+asyncpg://{dsn}/bench", url,
                OCR_ENGINE=engine,
            )  # fmt: skip
            pids = [bot.proc.pid for bot in bots]
            # Both up and warm: A answers /start, B reads a photo.
            await probe_start(fake, probe_chat)
            warm = Conversation(fake, chat_id=7_999)
            warm.send_photo(notes(1, first_seed=5000)[0])
            await last_reply(warm)
            idle = [await probe_start(fake, probe_chat) for _ in range(30)]
            chats = [Conversation(fake, chat_id=7_500 + i) for i in range(busy_photos)]
            for c, image in zip(chats, notes(busy_photos, first_seed=6000), strict=True):
                c.send_photo(image)
            replies = asyncio.gather(*(last_reply(c) for c in chats))
            busy: list[float] = []
            t0 = time.perf_counter()
            while not replies.done():
                busy.append(await probe_start(fake, probe_chat))
            await replies
            took = time.perf_counter() - t0
            peaks = {
                "instance A": _peak_mib(pids[0]),
                "instance B": _peak_mib(pids[1]),
                **{f"worker {n + 1}": _peak_mib(w.pid) for n, w in enumerate(workers.procs)},
            }
    balancer.stop()
    print(
        f"(d) two instances, 2 workers: /start on A, idle and while {busy_photos} photos of B's "
        f"users are read ({took:.1f} s)"
    )
    for name, values in (("idle", idle), ("B busy", busy)):
        print(
            f"    {name:7s} n={len(values):4d}  p50 {ms(pctl(values, 0.5))}  "
            f"p99 {ms(pctl(values, 0.99))}"
        )
    print(f"    p99 busy/idle = {pctl(busy, 0.99) / pctl(idle, 0.99):.2f}")
    print("    peak RSS (VmHWM): " + ", ".join(f"{k} {v:.0f} MiB" for k, v in peaks.items()))


def _peak_mib(pid: int) -> float:
    """A process's peak resident memory so far (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--e2e-photos", type=int, default=40)
    parser.add_argument("--busy-photos", type=int, default=16)
    parser.add_argument("--engine", default="tesseract", help="OCR_ENGINE of both sides")
    parser.add_argument("--worker-kills", type=int, default=5, help="(e): the median of these")
    parser.add_argument("--only", choices=["all", "recovery"], default="all")
    args = parser.parse_args()
    asyncio.run(
        run(
            args.photos,
            args.e2e_photos,
            args.engine,
            args.busy_photos,
            args.worker_kills,
            args.only,
        )
    )


if __name__ == "__main__":
    main()
