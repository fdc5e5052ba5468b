"""The REST API as a client feels it: the real bot (Tesseract by default) with API v1 on
API_PORT, httpx as the client, everything in this one process.

Run: .venv/bin/python -m bench.api_latency [--photos 6] [--probes 300] [--quick] [--no-deployed]

(a) Per photo: end to end = from POST /v1/readings to the GET that says "ready" (polled every
    5 ms) vs the engine's own time on the same bytes (measured inside the same run, on the
    bot's own engine). Target ratio <= 1.05.
(b) GET /v1/readings/{id} of a ready reading, p50/p99: idle vs while 8 photos of 8 users are
    read (each polled every 0.5 s, as a phone would), embedded (the engine's threads in the
    bot's process). Target p99 <= 20 ms. Beside it, in the same turns, GET /health: an
    answer that does nothing, the floor the machine sets (its scheduler, the GIL).
(c) The same, deployed: `notes-ocr-bot api` with PostgreSQL, Redis and 2 queue workers (the
    photos are read in other processes).
The machine is shared: read the ratios and the floor, not the absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bench.e2e_bot_latency import TimedRecognizer, ms, notes, pctl
from bot.app import build_application
from bot.config import EngineChoice
from bot.handlers.services import SERVICES_KEY, Services
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import free_port, running_bot
from testkit.settings import TOKEN, make_settings

POLL_S = 0.005


async def until_ready(
    client: httpx.AsyncClient, auth: dict[str, str], reading_id: str, every: float = POLL_S
) -> None:
    while True:
        got = (await client.get(f"/v1/readings/{reading_id}", headers=auth)).json()
        if got["status"] not in ("queued", "reading"):
            assert got["status"] == "ready", got
            return
        await asyncio.sleep(every)


async def upload(client: httpx.AsyncClient, auth: dict[str, str], image: bytes) -> str:
    files = [("files", ("page.png", image, "image/png"))]
    r = await client.post("/v1/readings", headers=auth, files=files)
    assert r.status_code == 202, r.text
    return str(r.json()["readings"][0]["id"])


async def probe(client: httpx.AsyncClient, auth: dict[str, str], reading_id: str) -> float:
    t0 = time.perf_counter()
    r = await client.get(f"/v1/readings/{reading_id}", headers=auth)
    assert r.status_code == 200
    return time.perf_counter() - t0


async def floor(client: httpx.AsyncClient) -> float:
    t0 = time.perf_counter()
    r = await client.get("/health")
    assert r.status_code == 200
    return time.perf_counter() - t0


async def idle_and_busy(
    client: httpx.AsyncClient,
    auths: list[dict[str, str]],
    probes: int,
    label: str,
) -> None:
    """(b)/(c): GET of a ready reading of ``auths[0]`` and GET /health, in turns, idle and
    while ``auths[1:9]`` each have a photo read; printed side by side."""
    ready_id = await upload(client, auths[0], notes(1, first_seed=300)[0])
    await until_ready(client, auths[0], ready_id)
    idle: list[float] = []
    idle_floor: list[float] = []
    for _ in range(probes):
        idle.append(await probe(client, auths[0], ready_id))
        idle_floor.append(await floor(client))
    ids = [
        await upload(client, auths[k + 1], image)
        for k, image in enumerate(notes(8, first_seed=200))
    ]
    waiting = asyncio.gather(
        # Polled as a phone would (every 0.5 s): the probes measure the server.
        *(until_ready(client, auths[k + 1], rid, 0.5) for k, rid in enumerate(ids))
    )
    busy: list[float] = []
    busy_floor: list[float] = []
    while not waiting.done():
        busy.append(await probe(client, auths[0], ready_id))
        busy_floor.append(await floor(client))
    await waiting
    print(f"{label} GET /v1/readings/{{id}} p50 / p99: idle {ms(pctl(idle, 0.5))} "
          f"{ms(pctl(idle, 0.99))} ({len(idle)}); while 8 photos are read "
          f"{ms(pctl(busy, 0.5))} {ms(pctl(busy, 0.99))} ({len(busy)}; "
          "target p99 <= 20 ms)")  # fmt: skip
    print(f"    GET /health (the floor), same turns: idle {ms(pctl(idle_floor, 0.5))} "
          f"{ms(pctl(idle_floor, 0.99))}; while 8 photos are read "
          f"{ms(pctl(busy_floor, 0.5))} {ms(pctl(busy_floor, 0.99))}")  # fmt: skip


async def run(photos: int, probes: int, engine: str, deployed: bool) -> None:
    fake = FakeBotApi(TOKEN).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            settings = make_settings(
                fake, Path(tmp) / "data", api_port=port, webhook_listen="127.0.0.1",
                ocr_engine=EngineChoice(engine), user_photos_per_minute=1000,
            )  # fmt: skip
            from bot.ocr.engines import build_recognizer

            timed = TimedRecognizer(build_recognizer(settings))
            app = build_application(settings, recognizer=timed)
            async with (
                running_bot(app),
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
            ):
                svc: Services = app.bot_data[SERVICES_KEY]
                auths = [
                    {"Authorization": f"Bearer {await svc.db.tokens.create(9_100 + k)}"}
                    for k in range(9)
                ]
                # (a) one photo at a time: end to end vs the engine's own time.
                images = notes(photos + 1, first_seed=100)
                await until_ready(client, auths[0], await upload(client, auths[0], images[0]))
                e2e, engine_s = [], []
                for image in images[1:]:
                    t0 = time.perf_counter()
                    await until_ready(client, auths[0], await upload(client, auths[0], image))
                    e2e.append(time.perf_counter() - t0)
                    engine_s.append(timed.seconds[image])
                ratio = sum(e2e) / sum(engine_s)
                print(f"(a) {photos} photos, one at a time (engine {timed.engine_name}):")
                each, engine_each = sum(e2e) / photos, sum(engine_s) / photos
                print(f"    end to end {ms(each)} vs engine {ms(engine_each)} per photo: "
                      f"ratio {ratio:.3f} (target <= 1.05)")  # fmt: skip
                # (b) GET of a ready reading: idle, then while 8 users' photos are read.
                await idle_and_busy(client, auths, probes, "(b) embedded:")
        if deployed:
            await run_deployed(fake, probes)
    finally:
        fake.stop()


@asynccontextmanager
async def deployed_api(fake: FakeBotApi, root: Path) -> AsyncIterator[tuple[int, str]]:
    """`notes-ocr-bot api` in this process with PostgreSQL, Redis and 2 queue workers; its
    port and the database URL."""
    import asyncpg  # type: ignore[import-untyped]

    from bot.api.alone import serve_api
    from testkit.postgres_server import postgres_server
    from testkit.redis_server import ocr_workers, redis_server

    with (
        postgres_server() as dsn,
        redis_server(root / "redis") as url,
        ocr_workers(url, root / "workers", 2),
    ):
        conn = await asyncpg.connect(f"postgresql://{dsn}/postgres")
        await conn.execute('CREATE DATABASE "bench"')
        await conn.close()
        pg_url = f"postgresql+asyncpg://{dsn}/bench"
        settings = make_settings(
            fake, root / "data", api_port=free_port(), webhook_listen="127.0.0.1",
            redis_url=url, database_url=pg_url, user_photos_per_minute=1000,
        )  # fmt: skip
        stopping = asyncio.Event()
        server = asyncio.create_task(serve_api(settings, stopping))
        try:
            yield settings.api_port or 0, pg_url
        finally:
            stopping.set()
            await server


async def run_deployed(fake: FakeBotApi, probes: int) -> None:
    from bot.storage import open_database

    with tempfile.TemporaryDirectory() as tmp:
        async with deployed_api(fake, Path(tmp)) as (port, pg_url):
            db = await open_database(pg_url)
            try:
                auths = [
                    {"Authorization": f"Bearer {await db.tokens.create(9_200 + k)}"}
                    for k in range(9)
                ]
            finally:
                await db.close()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(600):
                    try:
                        if (await client.get("/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass  # not listening yet
                    await asyncio.sleep(0.1)
                await idle_and_busy(client, auths, probes, "(c) deployed:")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--engine", default="tesseract")
    parser.add_argument("--quick", action="store_true", help="3 photos, 100 idle probes")
    parser.add_argument("--no-deployed", action="store_true", help="skip (c)")
    args = parser.parse_args()
    if args.quick:
        args.photos, args.probes = 3, 100
    asyncio.run(run(args.photos, args.probes, args.engine, not args.no_deployed))


if __name__ == "__main__":
    main()
