"""A deployment in miniature, as deploy/compose.yaml has it: two bot instances in webhook mode
behind a load balancer that feeds them in turn, one PostgreSQL, one Redis, and two
``notes-ocr-bot worker`` processes reading the photos. The instances run in the test's process
(PTB's webhook server each, on its own port); the workers are processes of their own, so a
test can kill one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import text

from bot.app import build_application
from bot.storage import open_database
from testkit.balancer import Balancer
from testkit.bot_process import BotProcess, bot_process
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import free_port, running_instance
from testkit.redis_server import Workers, ocr_workers
from testkit.settings import make_settings

SECRET = "cluster-secret"


@dataclass
class Cluster:
    balancer: Balancer
    workers: Workers
    health_ports: list[int]


@asynccontextmanager
async def cluster(
    fake: FakeBotApi,
    workdir: Path,
    pg_url: str,
    redis_url: str,
    *,
    gated: bool = False,
    **worker_settings: str,
) -> AsyncIterator[Cluster]:
    """Two instances and two workers, all up; ``gated`` workers hold each job at a gate the
    test opens (testkit/queue_worker.py)."""
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{p}/telegram" for p in ports]).start()
    try:
        with ocr_workers(redis_url, workdir / "workers", 2, gated=gated, **worker_settings) as w:
            async with AsyncExitStack() as stack:
                health_ports = []
                for n, port in enumerate(ports):
                    settings = make_settings(
                        fake,
                        workdir / f"data{n}",
                        database_url=pg_url,
                        redis_url=redis_url,
                        webhook_url=balancer.url,
                        webhook_listen="127.0.0.1",
                        health_port=free_port(),
                    )
                    app = build_application(settings)
                    await stack.enter_async_context(
                        running_instance(app, port, SECRET, balancer.url)
                    )
                    health_ports.append(settings.health_port or 0)
                assert fake.webhook_url == balancer.url
                yield Cluster(balancer, w, health_ports)
    finally:
        balancer.stop()


async def health(port: int) -> int:
    """The status a load balancer's health check gets from GET /health."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def wait_healthy(port: int, timeout: float = 90) -> None:  # noqa: ASYNC109
    """Wait until an instance's /health says 200 (its webhook server takes updates), as a load
    balancer does before it sends an instance anything."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            if await health(port) == 200:
                return
        except OSError:
            pass  # not listening yet
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the instance with health port {port} did not come up")
        await asyncio.sleep(0.05)


async def instance_processes(
    stack: AsyncExitStack,
    fake: FakeBotApi,
    workdir: Path,
    balancer: Balancer,
    pg_url: str,
    redis_url: str,
    **env: str,
) -> list[BotProcess]:
    """`python -m bot run` (webhook mode) behind each of the balancer's targets, entered into
    ``stack``; returned once every one takes updates (a balancer, like a real one, sends only
    to instances whose /health says so). ``env``: more settings for each."""
    bots = []
    health_ports = [free_port() for _ in balancer.targets]
    for n, target in enumerate(balancer.targets):
        home = workdir / f"i{n}"
        home.mkdir()
        bots.append(
            await stack.enter_async_context(
                bot_process(
                    fake, home, f"bot{n}",
                    WEBHOOK_URL=balancer.url, WEBHOOK_LISTEN="127.0.0.1",
                    WEBHOOK_PORT=str(urlsplit(target).port), DATABASE_URL=pg_url,
                    REDIS_URL=redis_url, HEALTH_PORT=str(health_ports[n]), **env,
                )
            )
        )  # fmt: skip
    for health_port in health_ports:
        await wait_healthy(health_port)
    return bots


async def stored_notes(pg_url: str, user_id: int) -> list[str]:
    """The texts of a user's notes in the shared database."""
    db = await open_database(pg_url)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT text FROM notes WHERE user_id = :u ORDER BY id"), {"u": user_id}
            )
            return [row[0] for row in rows]
    finally:
        await db.close()


async def notes_settle(pg_url: str, user_id: int, count: int) -> list[str]:
    """A user's notes once there are ``count`` (the final note is sent, then saved)."""
    for _ in range(300):
        notes = await stored_notes(pg_url, user_id)
        if len(notes) >= count:
            return notes
        await asyncio.sleep(0.05)
    raise AssertionError(f"user {user_id} has {await stored_notes(pg_url, user_id)}")
