"""The REST API as a client feels it: the real bot (Tesseract by default) with API v1 on
API_PORT, httpx as the client, everything in this one process.

Run: .venv/bin/python -m bench.api_latency [--photos 6] [--probes 300] [--quick]

(a) Per photo: end to end = from POST /v1/readings to the GET that says "ready" (polled every
    5 ms) vs the engine's own time on the same bytes (measured inside the same run, on the
    bot's own engine). Target ratio <= 1.05.
(b) GET /v1/readings/{id} of a ready reading, p50/p99: idle vs while 8 photos of 8 users are
    read. Target p99 <= 20 ms.
The machine is shared: read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
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


async def run(photos: int, probes: int, engine: str) -> None:
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
                ready_id = await upload(client, auths[0], images[0])
                await until_ready(client, auths[0], ready_id)
                idle = [await probe(client, auths[0], ready_id) for _ in range(probes)]
                busy_images = notes(8, first_seed=200)
                ids = [
                    await upload(client, auths[k + 1], image)
                    for k, image in enumerate(busy_images)
                ]
                waiting = asyncio.gather(
                    # Polled as a phone would (every 0.5 s): the probes measure the server.
                    *(until_ready(client, auths[k + 1], rid, 0.5) for k, rid in enumerate(ids))
                )
                busy: list[float] = []
                while not waiting.done():
                    busy.append(await probe(client, auths[0], ready_id))
                await waiting
                print(f"(b) GET /v1/readings/{{id}}: idle p50 {ms(pctl(idle, 0.5))} p99 "
                      f"{ms(pctl(idle, 0.99))} ({len(idle)}); while 8 photos are read p50 "
                      f"{ms(pctl(busy, 0.5))} p99 {ms(pctl(busy, 0.99))} ({len(busy)} probes; "
                      "target p99 <= 20 ms)")  # fmt: skip
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--engine", default="tesseract")
    parser.add_argument("--quick", action="store_true", help="3 photos, 100 idle probes")
    args = parser.parse_args()
    if args.quick:
        args.photos, args.probes = 3, 100
    asyncio.run(run(args.photos, args.probes, args.engine))


if __name__ == "__main__":
    main()
