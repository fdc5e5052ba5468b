"""The REST API deployed as deploy/compose.yaml runs it, with no sticky routing: two API
instances sharing PostgreSQL and Redis, a queue worker reading. A reading sent to one instance
is polled, checked, shown and saved at the other; a stale revision is 409 whichever instance
wrote the newer one; the per-user limits are one count; and a reading whose instance was killed
before it was read is answered as failed by the other, with the reason.

Instance A is `notes-ocr-bot api` in a process of its own (so it can be killed); instance B is
the same server in the test's process. httpx is the client of both."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from bot.api.alone import serve_api
from bot.storage import open_database
from testkit.bot_process import bot_process
from testkit.cluster import stored_notes
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import free_port
from testkit.redis_server import ocr_workers
from testkit.settings import make_settings

LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm")
OWNER, OTHER = 19501, 19502


async def _up(client: httpx.AsyncClient, timeout: float = 90) -> None:  # noqa: ASYNC109
    """Wait until the instance answers (its /health says 200)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        assert time.monotonic() < deadline, "the API instance did not come up"
        await asyncio.sleep(0.1)


@asynccontextmanager
async def _instance_here(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """`notes-ocr-bot api` in this process; a client of it."""
    stopping = asyncio.Event()
    task = asyncio.create_task(serve_api(settings, stopping))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}") as c:
            await _up(c)
            yield c
    finally:
        stopping.set()
        await asyncio.wait_for(task, 60)


async def _tokens(pg_url: str) -> tuple[dict[str, str], dict[str, str]]:
    db = await open_database(pg_url)
    try:
        owner, other = await db.tokens.create(OWNER), await db.tokens.create(OTHER)
    finally:
        await db.close()
    return {"Authorization": f"Bearer {owner}"}, {"Authorization": f"Bearer {other}"}


async def _status(client: httpx.AsyncClient, auth: dict[str, str], rid: str) -> dict[str, Any]:
    got = await client.get(f"/v1/readings/{rid}", headers=auth)
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


async def _until_status(
    client: httpx.AsyncClient, auth: dict[str, str], rid: str, status: str, within: float
) -> dict[str, Any]:
    """Poll as a client would until the reading is ``status``."""
    deadline = time.monotonic() + within
    while (got := await _status(client, auth, rid))["status"] != status:
        assert time.monotonic() < deadline, got
        await asyncio.sleep(0.1)
    return got


async def _post(client: httpx.AsyncClient, auth: dict[str, str], image: bytes) -> httpx.Response:
    return await client.post(
        "/v1/readings", headers=auth, files=[("files", ("note.png", image, "image/png"))]
    )


async def _upload(client: httpx.AsyncClient, auth: dict[str, str], image: bytes) -> str:
    started = await _post(client, auth, image)
    assert started.status_code == 202, started.text
    return str(started.json()["readings"][0]["id"])


async def test_any_instance_answers_for_any_reading(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    owner, other = await _tokens(pg_url)
    image = note_png(LINES)
    port_a = free_port()
    deployed = {"REDIS_URL": redis_url, "DATABASE_URL": pg_url, "USER_MAX_IN_FLIGHT": "1"}
    b_settings = make_settings(
        fake_api, tmp_path / "b", redis_url=redis_url, database_url=pg_url, api_port=free_port(),
        webhook_listen="127.0.0.1", user_max_in_flight=1,
    )  # fmt: skip
    a_home = tmp_path / "a"
    a_home.mkdir()
    with ocr_workers(redis_url, tmp_path / "workers", 1, gated=True) as workers:
        async with (
            bot_process(
                fake_api, a_home, "api-a", command="api", API_PORT=str(port_a),
                WEBHOOK_LISTEN="127.0.0.1", **deployed,
            ) as a_proc,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}") as a,
            _instance_here(b_settings) as b,
        ):  # fmt: skip
            await _up(a)
            # Sent to A, held in the worker: B knows it is being read, and lists it.
            rid = await _upload(a, owner, image)
            await workers.wait_entered(1)
            assert (await _status(b, owner, rid))["status"] in ("queued", "reading")
            listed = (await b.get("/v1/readings", headers=owner)).json()["ids"]
            assert rid in listed
            # One photo at a time per user, counted across the instances.
            refused = await _post(b, owner, image)
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
            workers.open_gate()
            got = await _until_status(b, owner, rid, "ready", within=120)
            assert [line["text"] for line in got["lines"]] == list(LINES)
            # The page image from the instance that did not take the upload.
            page = await b.get(f"/v1/readings/{rid}/pages/1", headers=owner)
            assert page.status_code == 200 and page.content == image
            assert page.headers["content-type"] == "image/png"
            # Another user's reading is nobody's at either instance.
            for client in (a, b):
                assert (await client.get(f"/v1/readings/{rid}", headers=other)).status_code == 404
                page = await client.get(f"/v1/readings/{rid}/pages/1", headers=other)
                assert page.status_code == 404
            # A change at B, then one at A from the same (now stale) revision: 409 + current.
            revision = got["revision"]
            change = {"action": "replace", "text": "Call the vet at 4 pm", "revision": revision}
            changed = await b.patch(f"/v1/readings/{rid}/lines/2", headers=owner, json=change)
            assert changed.status_code == 200, changed.text
            assert changed.json()["revision"] == revision + 1
            stale = await a.patch(
                f"/v1/readings/{rid}/lines/1", headers=owner,
                json={"action": "drop", "revision": revision},
            )  # fmt: skip
            assert stale.status_code == 409
            current = stale.json()["current"]
            assert current["revision"] == revision + 1
            assert current["lines"][1]["text"] == "Call the vet at 4 pm"
            now = changed.json()
            for line in now["lines"]:
                if line["state"] == "flagged":
                    confirm = {"action": "confirm", "revision": now["revision"]}
                    now = (
                        await b.patch(
                            f"/v1/readings/{rid}/lines/{line['number']}", headers=owner,
                            json=confirm,
                        )
                    ).json()  # fmt: skip
            saved = await b.post(f"/v1/readings/{rid}/note", headers=owner)
            assert saved.status_code == 201, saved.text
            assert await stored_notes(pg_url, OWNER) == [f"{LINES[0]}\nCall the vet at 4 pm"]
            after = await _status(a, owner, rid)
            assert after["status"] == "saved" and after["note_id"] == saved.json()["note_id"]
            assert (await b.get(f"/v1/readings/{rid}/pages/1", headers=owner)).status_code == 404

            # A reading taken by A, which is killed before it is read: B says so.
            (workers.gate / "open").unlink()
            lost = await _upload(a, owner, image)
            await workers.wait_entered(2)
            a_proc.proc.kill()
            await a_proc.proc.wait()
            failed = await _until_status(b, owner, lost, "failed", within=60)
            assert "stopped before it was read" in failed["error"]
            workers.open_gate()
