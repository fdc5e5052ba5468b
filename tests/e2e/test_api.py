"""The REST API against the real app: the bot (long polling on the fake Bot API) with API v1 on
API_PORT, httpx as the client. Tokens come from /api in chat, as a user gets them; photos are
read by the real engine."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import struct
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.api.auth import sign_init_data
from bot.app import build_application
from testkit.cluster import SECRET, stored_notes
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, free_port, running_bot, serving_webhook
from testkit.redis_server import ocr_workers
from testkit.settings import TOKEN, make_settings

LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
PROBLEM = "application/problem+json"


@asynccontextmanager
async def api_of(
    fake_api: FakeBotApi, data: Path, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The bot with long polling and the API on API_PORT; a client of the API."""
    port = free_port()
    app = build_application(
        make_settings(fake_api, data, api_port=port, webhook_listen="127.0.0.1", **settings)
    )
    async with running_bot(app), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        yield c


@pytest.fixture
async def api(fake_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with api_of(fake_api, tmp_path / "data", user_photos_per_minute=5) as client:
        yield client


async def token_of(chat: Conversation) -> str:
    """/api in chat: the token shown once."""
    chat.send_command("api")
    reply = await chat.await_reply(contains="Your API token")
    found = re.search(r"nob_[A-Za-z0-9_-]{43}", reply.visible)
    assert found, reply.visible
    assert "curl -H" in reply.visible and "/v1/readings" in reply.visible
    return found.group(0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ready(
    client: httpx.AsyncClient, token: str, reading_id: str, within: float = 90
) -> dict[str, Any]:
    """Poll the reading as a client would, until it is no longer queued or being read."""
    deadline = time.monotonic() + within
    while True:
        got = (await client.get(f"/v1/readings/{reading_id}", headers=bearer(token))).json()
        if got["status"] not in ("queued", "reading"):
            return got  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, got
        await asyncio.sleep(0.2)


async def open_readings(client: httpx.AsyncClient, token: str, within: float = 30) -> list[str]:
    """GET /v1/readings until it lists something."""
    deadline = time.monotonic() + within
    while True:
        ids: list[str] = (await client.get("/v1/readings", headers=bearer(token))).json()["ids"]
        if ids:
            return ids
        assert time.monotonic() < deadline, "no open reading"
        await asyncio.sleep(0.1)


async def upload(
    client: httpx.AsyncClient, token: str, images: list[bytes], **form: str
) -> httpx.Response:
    files = [("files", (f"page{k}.png", data, "image/png")) for k, data in enumerate(images)]
    return await client.post("/v1/readings", headers=bearer(token), files=files, data=form)


async def test_upload_poll_fix_save_search_export_and_delete(
    api: httpx.AsyncClient, fake_api: FakeBotApi
) -> None:
    token = await token_of(Conversation(fake_api, chat_id=19001))
    started = await upload(api, token, [note_png(LINES)], strictness="100")
    assert started.status_code == 202, started.text
    (reading,) = started.json()["readings"]
    got = await ready(api, token, reading["id"])
    assert got["status"] == "ready" and got["language"] == "en"
    assert [line["text"] for line in got["lines"]] == list(LINES)
    first = got["lines"][0]
    assert first["flagged"] and first["state"] == "flagged" and first["page"] == 1
    assert len(first["box"]) == 4 and first["confidence_words"]
    assert got["lines_to_check"] == 3
    page = await api.get(f"/v1/readings/{reading['id']}/pages/1", headers=bearer(token))
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")

    url = f"/v1/readings/{reading['id']}/lines"
    revision = got["revision"]
    r = await api.patch(
        f"{url}/1", headers=bearer(token), json={"action": "confirm", "revision": revision}
    )
    assert r.status_code == 200, r.text
    assert r.json()["lines"][0]["state"] == "confirmed" and r.json()["revision"] == revision + 1
    # A second device still at the old revision: 409, with the reading as it is now.
    stale = await api.patch(
        f"{url}/2", headers=bearer(token), json={"action": "drop", "revision": revision}
    )
    assert stale.status_code == 409 and stale.headers["content-type"] == PROBLEM
    assert stale.json()["current"]["lines"][0]["state"] == "confirmed"
    assert stale.json()["current"]["lines"][1]["state"] == "flagged"
    revision = stale.json()["current"]["revision"]
    early = await api.post(f"/v1/readings/{reading['id']}/note", headers=bearer(token))
    assert early.status_code == 409 and "2" in early.json()["detail"]
    r = await api.patch(
        f"{url}/2", headers=bearer(token),
        json={"action": "replace", "text": "Call the vet at 4 pm", "revision": revision},
    )  # fmt: skip
    assert (
        r.json()["lines"][1] | {"text": "Call the vet at 4 pm", "state": "replaced"}
        == r.json()["lines"][1]
    )
    r = await api.patch(
        f"{url}/3",
        headers=bearer(token),
        json={"action": "drop", "revision": r.json()["revision"]},
    )
    assert r.json()["lines_to_check"] == 0
    saved = await api.post(f"/v1/readings/{reading['id']}/note", headers=bearer(token))
    assert saved.status_code == 201
    note_id = saved.json()["note_id"]
    got = (await api.get(f"/v1/readings/{reading['id']}", headers=bearer(token))).json()
    assert got["status"] == "saved" and got["note_id"] == note_id

    found = (await api.get("/v1/notes", params={"q": "vet"}, headers=bearer(token))).json()
    assert [item["id"] for item in found["items"]] == [note_id]
    listed = (await api.get("/v1/notes", headers=bearer(token))).json()
    assert [item["id"] for item in listed["items"]] == [note_id] and listed["next_cursor"] is None
    note = (await api.get(f"/v1/notes/{note_id}", headers=bearer(token))).json()
    assert note["text"] == "Buy milk and eggs tomorrow\nCall the vet at 4 pm"
    md = await api.get(f"/v1/notes/{note_id}", params={"format": "md"}, headers=bearer(token))
    assert md.headers["content-type"].startswith("text/markdown") and "Call the vet" in md.text
    txt = await api.get(f"/v1/notes/{note_id}", params={"format": "txt"}, headers=bearer(token))
    assert "Call the vet at 4 pm" in txt.text
    pdf = await api.get(f"/v1/notes/{note_id}", params={"format": "pdf"}, headers=bearer(token))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # Fix a line of the saved note; a stale revision is refused with the note as it is.
    fixed = await api.patch(
        f"/v1/notes/{note_id}/lines/1", headers=bearer(token),
        json={"action": "replace", "text": "Buy oat milk", "revision": note["revision"]},
    )  # fmt: skip
    assert fixed.status_code == 200 and fixed.json()["text"].startswith("Buy oat milk\n")
    again = await api.patch(
        f"/v1/notes/{note_id}/lines/2", headers=bearer(token),
        json={"action": "drop", "revision": note["revision"]},
    )  # fmt: skip
    assert again.status_code == 409 and again.json()["current"]["text"].startswith("Buy oat")

    assert (await api.delete(f"/v1/notes/{note_id}", headers=bearer(token))).status_code == 204
    gone = await api.get(f"/v1/notes/{note_id}", headers=bearer(token))
    assert gone.status_code == 404 and gone.headers["content-type"] == PROBLEM


async def test_who_may_call(
    api: httpx.AsyncClient, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alice, bob = Conversation(fake_api, chat_id=19011), Conversation(fake_api, chat_id=19012)
    token, other = await token_of(alice), await token_of(bob)

    none = await api.get("/v1/notes")
    assert none.status_code == 401 and none.headers["content-type"] == PROBLEM
    assert none.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in none.json()["detail"]
    for bad in ("nob_" + "x" * 43, "garbage", token + "x", "s1.19011.99999999999.00"):
        assert (await api.get("/v1/notes", headers=bearer(bad))).status_code == 401, bad

    started = await upload(api, token, [note_png(LINES[:1])])
    reading_id = started.json()["readings"][0]["id"]
    await ready(api, token, reading_id)
    # Bob sees none of Alice's: 404, as if it did not exist.
    for path in (f"/v1/readings/{reading_id}", f"/v1/readings/{reading_id}/pages/1"):
        assert (await api.get(path, headers=bearer(other))).status_code == 404
    patch = {"action": "confirm", "revision": 1}
    r = await api.patch(f"/v1/readings/{reading_id}/lines/1", headers=bearer(other), json=patch)
    assert r.status_code == 404
    assert (
        await api.post(f"/v1/readings/{reading_id}/note", headers=bearer(other))
    ).status_code == 404
    note_id = (await api.post(f"/v1/readings/{reading_id}/note", headers=bearer(token))).json()[
        "note_id"
    ]
    assert (await api.get(f"/v1/notes/{note_id}", headers=bearer(other))).status_code == 404
    assert (await api.delete(f"/v1/notes/{note_id}", headers=bearer(other))).status_code == 404
    assert (await api.get(f"/v1/notes/{note_id}", headers=bearer(token))).status_code == 200

    # /api revoke ends every token of the user.
    alice.send_command("api", "revoke")
    await alice.await_reply(contains="API token")
    assert (await api.get("/v1/notes", headers=bearer(token))).status_code == 401
    assert (await api.get("/v1/notes", headers=bearer(other))).status_code == 200

    # Errors in the caller's language.
    zh = await api.get("/v1/notes", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "令牌" in zh.json()["detail"]
    vi = await api.get("/v1/notes", headers={"Accept-Language": "vi"})
    assert "mã API" in vi.json()["detail"]

    # CORS is closed: no Access-Control-Allow-Origin for another site.
    pre = await api.options(
        "/v1/notes",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in pre.headers
    # The tokens never reach a log line, not even at DEBUG.
    assert token not in caplog.text and other not in caplog.text


async def test_mini_app_sessions_from_signed_init_data(api: httpx.AsyncClient) -> None:
    user = json.dumps({"id": 19021, "first_name": "An"})
    good = sign_init_data({"auth_date": str(int(time.time())), "user": user}, TOKEN)
    session = await api.post("/v1/sessions", json={"init_data": good})
    assert session.status_code == 200, session.text
    assert session.json()["user_id"] == 19021
    r = await api.get("/v1/notes", headers=bearer(session.json()["token"]))
    assert r.status_code == 200 and r.json()["items"] == []

    old = sign_init_data({"auth_date": str(int(time.time()) - 3700), "user": user}, TOKEN)
    forged = sign_init_data({"auth_date": str(int(time.time())), "user": user}, "1:other")
    altered = good.replace("19021", "19022")
    for init_data in (old, forged, altered, "", "hash=00"):
        r = await api.post("/v1/sessions", json={"init_data": init_data})
        assert r.status_code == 401, init_data


async def test_a_review_started_in_chat_is_finished_through_the_api(
    api: httpx.AsyncClient, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=19031)
    token = await token_of(chat)
    chat.send_command("strictness", "100")
    await chat.await_reply(contains="Strictness set")
    chat.send_photo(note_png(LINES))
    card = await chat.await_reply(lambda m: m.photo is not None, contains="3 left", timeout=90)
    # The card goes out just before the review is written: a client may look a moment early.
    (reading_id,) = await open_readings(api, token)
    got = (await api.get(f"/v1/readings/{reading_id}", headers=bearer(token))).json()
    assert [line["text"] for line in got["lines"]] == list(LINES)
    # One line confirmed in chat, the rest through the API: one review, one revision counter.
    chat.press("✅ Confirm")
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="2 left")
    r = await api.patch(
        f"/v1/readings/{reading_id}/lines/2", headers=bearer(token),
        json={"action": "drop", "revision": got["revision"]},
    )  # fmt: skip
    assert r.status_code == 409  # changed in chat since
    current = r.json()["current"]
    assert current["lines"][0]["state"] == "confirmed"
    r = await api.patch(
        f"/v1/readings/{reading_id}/lines/2", headers=bearer(token),
        json={"action": "drop", "revision": current["revision"]},
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["lines_to_check"] == 1
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="1 left")
    r = await api.patch(
        f"/v1/readings/{reading_id}/lines/3", headers=bearer(token),
        json={"action": "replace", "text": "Read chapter six", "revision": r.json()["revision"]},
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "saved"
    # The chat's card ends as a tally, and the final note arrives in chat.
    await chat.await_reply(
        lambda m: m.message_id == card.message_id, contains="All 3 lines checked"
    )
    final = await chat.await_reply(contains="Read chapter six")
    assert "Call the dentist" not in final.visible
    note = (await api.get(f"/v1/notes/{r.json()['note_id']}", headers=bearer(token))).json()
    assert note["text"] == "Buy milk and eggs tomorrow\nRead chapter six"


async def test_limits_type_size_count_and_rate(
    api: httpx.AsyncClient, fake_api: FakeBotApi
) -> None:
    token = await token_of(Conversation(fake_api, chat_id=19041))
    text = await api.post(
        "/v1/readings", headers=bearer(token), files=[("files", ("a.txt", b"hello", "text/plain"))]
    )
    assert text.status_code == 415 and "a.txt" in text.json()["detail"]
    many = await upload(api, token, [b"\x89PNG\r\n\x1a\n"] * 51)
    assert many.status_code == 413 and "50" in many.json()["detail"]
    from testkit.pdfs import many_pages_pdf

    pdf = await api.post(
        "/v1/readings", headers=bearer(token),
        files=[("files", ("long.pdf", many_pages_pdf(25), "application/pdf"))],
    )  # fmt: skip
    assert pdf.status_code == 413, pdf.text
    # The same per-user limit as chat (PHOTOS_PER_MINUTE, 5 here): then 429 with Retry-After.
    statuses = []
    for _ in range(6):
        r = await upload(api, token, [note_png(LINES[:1])])
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) > 0 and r.headers["content-type"] == PROBLEM
            break
    assert 429 in statuses, statuses


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width x height (its pixel data cut short: enough for anything
    that reads its size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


async def test_too_many_bytes_or_pixels_is_413_before_anything_is_read(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with api_of(fake_api, tmp_path / "data", max_image_bytes=50_000) as client:
        token = await token_of(Conversation(fake_api, chat_id=19081))
        big = await upload(client, token, [png_header(100, 100) + bytes(60_000)])
        assert big.status_code == 413 and big.headers["content-type"] == PROBLEM
        assert "MB" in big.json()["detail"] or "large" in big.json()["detail"]
        huge = await upload(client, token, [png_header(9000, 9000)])
        assert huge.status_code == 413, huge.text
        # Nothing was counted against the user: a photo right after is read.
        ok = await upload(client, token, [note_png(LINES[:1])])
        assert ok.status_code == 202


@pytest.mark.slow
async def test_a_batch_of_twenty_files(api: httpx.AsyncClient, fake_api: FakeBotApi) -> None:
    token = await token_of(Conversation(fake_api, chat_id=19051))
    pages = [note_png((f"Errand number {k} today",)) for k in range(20)]
    started = await upload(api, token, pages)
    assert started.status_code == 202
    ids = [r["id"] for r in started.json()["readings"]]
    assert len(set(ids)) == 20
    for k, reading_id in enumerate(ids):
        got = await ready(api, token, reading_id, within=240)
        assert got["status"] == "ready", got
        assert f"Errand number {k} today" in [line["text"] for line in got["lines"]]


async def test_a_deployed_instance_serves_webhook_api_and_health_on_one_port(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    """As deploy/compose.yaml runs it: webhook mode, PostgreSQL, Redis and a queue worker; the
    webhook, the API and /health share WEBHOOK_PORT, and the API reads through the queue."""
    port = free_port()
    settings = make_settings(
        fake_api, tmp_path / "data", database_url=pg_url, redis_url=redis_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_listen="127.0.0.1",
        webhook_port=port, webhook_secret_token=SECRET,
    )  # fmt: skip
    with ocr_workers(redis_url, tmp_path / "workers", 1):
        app = build_application(settings)
        async with (
            serving_webhook(app, settings),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
        ):
            assert fake_api.webhook_url == settings.webhook_url
            assert (await client.get("/health")).text == "ok\n"
            # An update without the secret token is refused, as PTB's own server did.
            forged = await client.post("/telegram", json={"update_id": 5})
            assert forged.status_code == 403
            chat = Conversation(fake_api, chat_id=19061)
            token = await token_of(chat)  # /api came through the webhook
            started = await upload(client, token, [note_png(LINES[:2])])
            reading_id = started.json()["readings"][0]["id"]
            got = await ready(client, token, reading_id)
            assert [line["text"] for line in got["lines"]] == list(LINES[:2])
            saved = await client.post(f"/v1/readings/{reading_id}/note", headers=bearer(token))
            assert saved.status_code == 201
            assert await stored_notes(pg_url, 19061) == ["\n".join(LINES[:2])]
            spec = (await client.get("/openapi.json")).json()
            assert "/v1/readings/{reading_id}/lines/{n}" in spec["paths"]
            assert "/telegram" not in spec["paths"]


async def test_a_reading_sent_through_the_api_is_finished_in_chat(
    api: httpx.AsyncClient, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=19071)
    token = await token_of(chat)
    started = await upload(api, token, [note_png(LINES)], strictness="100")
    reading_id = started.json()["readings"][0]["id"]
    await ready(api, token, reading_id)
    assert chat.bot_messages()[-1].photo is None  # nothing shows in chat unless asked
    shown = await api.post(f"/v1/readings/{reading_id}/chat", headers=bearer(token))
    assert shown.status_code == 200, shown.text
    card = await chat.await_reply(lambda m: m.photo is not None, contains="3 left")
    chat.press("✅ Confirm")
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="2 left")
    got = (await api.get(f"/v1/readings/{reading_id}", headers=bearer(token))).json()
    assert [line["state"] for line in got["lines"]] == ["confirmed", "flagged", "flagged"]
    chat.press("🗑 Drop")
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="1 left")
    chat.press("✅ Confirm")
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="All 3 lines")
    await chat.await_reply(contains="Read chapter five again")
    got = (await api.get(f"/v1/readings/{reading_id}", headers=bearer(token))).json()
    assert got["status"] == "saved"
    note = (await api.get(f"/v1/notes/{got['note_id']}", headers=bearer(token))).json()
    assert note["text"] == f"{LINES[0]}\n{LINES[2]}"
