"""Every shutdown is bounded: a bot SIGTERMed with its users' photos still queued, after Redis
and PostgreSQL have already stopped (`compose down` stops everything at once), exits within
SHUTDOWN_GRACE_SECONDS (+ a margin), says in one log line which photos were lost, exits
non-zero, and has told their users to send them again. A worker stopped at the same time exits
within its grace too."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import redis

from bot.ocr.run.queue.wire import QUEUE
from testkit.bot_process import REPLY_TIMEOUT, bot_process
from testkit.drawing import errand_note, note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, until
from testkit.postgres_server import running_postgres
from testkit.redis_server import ocr_workers, running_redis
from testkit.settings import TOKEN

GRACE = 3
RESEND = "Please send it again"


async def test_sigterm_with_redis_and_postgres_gone_exits_within_the_grace(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    with (
        running_redis(tmp_path / "redis") as server,
        running_postgres() as pg,
        ocr_workers(
            server.url, tmp_path / "workers", 1, gated=True, SHUTDOWN_GRACE_SECONDS=str(GRACE)
        ) as workers,
    ):
        conn = await asyncpg.connect(f"postgresql://{pg.dsn}/postgres")
        await conn.execute('CREATE DATABASE "notes"')
        await conn.close()
        async with bot_process(
            fake_api, tmp_path, "bot", REDIS_URL=server.url,
            DATABASE_URL=f"postgresql+asyncpg://{pg.dsn}/notes",
            SHUTDOWN_GRACE_SECONDS=str(GRACE),
        ) as bot:  # fmt: skip
            chats = [Conversation(fake_api, chat_id=c) for c in (7901, 7902)]
            chats[0].send_command("start")
            await chats[0].await_reply(contains="/language", timeout=REPLY_TIMEOUT)
            for n, chat in enumerate(chats):
                chat.send_photo(note_png(errand_note(f"Eve{n}", "a ladder")))
            # One photo held mid-read by the worker, the other waiting in the line.
            await workers.wait_entered(1)
            client = redis.Redis.from_url(server.url)
            try:
                await until(lambda: client.zcard(QUEUE) == 2, 30)
            finally:
                client.close()
            server.stop()
            pg.stop()
            bot.proc.send_signal(signal.SIGTERM)
            worker = workers.procs[0]
            worker.send_signal(signal.SIGTERM)
            # Bounds on waiting: the grace, plus 5 s.
            code = await asyncio.wait_for(bot.proc.wait(), GRACE + 5)
            # The worker could not hand its job back (Redis is gone): it says so, and exits 1.
            assert await asyncio.to_thread(worker.wait, GRACE + 5) == 1
            worker_log = (tmp_path / "workers" / "worker-0.log").read_text()
            assert "1 job(s) not handed back (Redis away)" in worker_log, worker_log[-2000:]
            log = bot.log()
            assert code != 0, log[-3000:]
            [lost] = [line for line in log.splitlines() if "photos lost" in line]
            assert "2 photos lost" in lost and "7901" in lost and "7902" in lost, lost
            assert TOKEN not in log
            for chat in chats:
                told = [m.visible for m in chat.bot_messages() if RESEND in m.visible]
                assert len(told) == 1, [m.visible for m in chat.bot_messages()]
