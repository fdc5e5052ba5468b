"""How long a user waits after a process dies mid-photo: part (e) of ``bench.queue``.

Run alone: .venv/bin/python -m bench.queue --only recovery [--worker-kills 5]

(e) A worker SIGKILLed while it reads a user's photo (the job held at a gate in the worker,
    tests/support/queue_worker.py, so the kill always lands mid-read): the seconds from the
    kill to the user's answer, read by the other worker. Median of ``--worker-kills``, each
    with two fresh workers, one bot in the bench's process, the settings' defaults
    (OCR_TIMEOUT_SECONDS=120).
(f) A bot instance SIGKILLed while a worker reads its user's photo (two deployed instances,
    `python -m bot run` each, PostgreSQL, Redis): the seconds from the kill to the other
    instance asking the user to send the photo again.

Nothing here is specific to one version of the bot: the same file runs in an older checkout
(copied into its bench/) for the figures before a change.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

# Bounds a hang, measures nothing: before issue 20 a dead worker's job waited 130 s.
WAIT_S = 400.0


async def worker_kill(fake: Any, root: Path, kills: int, engine: str) -> list[float]:
    """(e): seconds from a worker's SIGKILL to its user's answer, ``kills`` times."""
    from bot.app import build_application
    from testkit.drawing import errand_note, note_png
    from testkit.harness import Conversation, running_bot
    from testkit.redis_server import ocr_workers, redis_server
    from testkit.settings import make_settings

    took: list[float] = []
    with redis_server(root / "redis-kill") as url:
        app = build_application(make_settings(fake, root / "kill-bot", redis_url=url))
        async with running_bot(app):
            for n in range(kills):
                with ocr_workers(
                    url, root / f"kill-{n}", 2, gated=True, OCR_ENGINE=engine
                ) as workers:
                    chat = Conversation(fake, chat_id=9_100 + n)
                    chat.send_photo(note_png(errand_note("Kai", "new batteries")))
                    [(victim, _)] = await workers.wait_entered(1)
                    os.kill(victim, signal.SIGKILL)
                    t0 = time.perf_counter()
                    workers.open_gate()
                    # The answer: the status becomes the summary of what was read.
                    await chat.await_reply(contains="Read in", timeout=WAIT_S)
                    took.append(time.perf_counter() - t0)
                    print(f"    worker kill {n + 1}: answered {took[-1]:.1f} s after the kill")
    return took


async def bot_kill(fake: Any, root: Path, engine: str) -> float:
    """(f): seconds from a bot instance's SIGKILL to its user being asked to resend."""
    import asyncpg  # type: ignore[import-untyped]

    from testkit.balancer import Balancer, chat_of
    from testkit.cluster import instance_processes
    from testkit.drawing import errand_note, note_png
    from testkit.harness import Conversation, free_port
    from testkit.postgres_server import postgres_server
    from testkit.redis_server import ocr_workers, redis_server

    chat_id = 9_200
    ports = [free_port(), free_port()]
    balancer = Balancer(
        [f"http://127.0.0.1:{p}/telegram" for p in ports],
        route=lambda update: 0 if chat_of(update) == chat_id else None,
    ).start()
    try:
        with (
            postgres_server() as dsn,
            redis_server(root / "redis-botkill") as url,
            ocr_workers(url, root / "workers-botkill", 1, gated=True, OCR_ENGINE=engine) as w,
        ):
            conn = await asyncpg.connect(f"postgresql://{dsn}/postgres")
            await conn.execute('CREATE DATABASE "recovery"')
            await conn.close()
            async with AsyncExitStack() as stack:
                home = root / "botkill"
                home.mkdir()
                bots = await instance_processes(
                    stack, fake, home, balancer, f"postgresql+asyncpg://{dsn}/recovery", url,
                    OCR_ENGINE=engine,
                )  # fmt: skip
                chat = Conversation(fake, chat_id=chat_id)
                chat.send_photo(note_png(errand_note("Lou", "a spare fuse")))
                await w.wait_entered(1)
                bots[0].proc.kill()
                t0 = time.perf_counter()
                await chat.await_reply(contains="send it again", timeout=WAIT_S)
                took = time.perf_counter() - t0
                w.open_gate()
                return took
    finally:
        balancer.stop()


async def run(fake: Any, root: Path, kills: int, engine: str) -> None:
    print(f"(e) a worker SIGKILLed mid-read, {kills} times: seconds until the user's answer")
    times = await worker_kill(fake, root, kills, engine)
    print(
        f"    median {statistics.median(times):.1f} s (min {min(times):.1f}, max {max(times):.1f})"
    )
    print("(f) a bot instance SIGKILLed while its user's photo is read")
    resend = await bot_kill(fake, root, engine)
    print(f"    the other instance asks the user to resend {resend:.1f} s after the kill")
