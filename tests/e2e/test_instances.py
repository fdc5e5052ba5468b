"""Two bot instances behind a load balancer, in webhook mode, on one PostgreSQL and one Redis:
what a user notices is the same as with one bot. Updates reach the instances in turn
(tests/support/balancer.py); each test fails when PostgreSQL or Redis is missing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from bot.app import build_application
from bot.storage import open_database
from tests.e2e.conftest import make_settings
from tests.e2e.harness import Conversation, free_port, running_instance
from tests.fakes.bot_api import BotMessage, FakeBotApi
from tests.support.balancer import Balancer
from tests.support.drawing import NOTE_LINES, note_png, scribbled_note, to_bytes

SECRET = "cluster-secret"
CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


@pytest.fixture
async def cluster(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_server: str
) -> AsyncIterator[Balancer]:
    # Each test's fake numbers its updates from 1 again: the Redis of the last test is emptied.
    redis = Redis.from_url(redis_server)
    await redis.flushdb()
    await redis.aclose()
    ports = [free_port(), free_port()]
    health_ports: list[int] = []
    balancer = Balancer([f"http://127.0.0.1:{p}/telegram" for p in ports]).start()
    try:
        async with AsyncExitStack() as stack:
            for n, port in enumerate(ports):
                settings = make_settings(
                    fake_api,
                    tmp_path / f"data{n}",
                    database_url=pg_url,
                    redis_url=redis_server,
                    ocr_workers=1,
                    webhook_url=balancer.url,
                    webhook_listen="127.0.0.1",
                    health_port=free_port(),
                )
                app = build_application(settings)
                await stack.enter_async_context(running_instance(app, port, SECRET, balancer.url))
                health_ports.append(settings.health_port or 0)
            assert fake_api.webhook_url == balancer.url
            # The load balancer's view: both instances say they take updates.
            assert [await _health(p) for p in health_ports] == [200, 200]
            yield balancer
    finally:
        balancer.stop()


async def _health(port: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def _notes_of(pg_url: str, user_id: int) -> list[str]:
    db = await open_database(pg_url)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT text FROM notes WHERE user_id = :u"), {"u": user_id}
            )
            return [row[0] for row in rows]
    finally:
        await db.close()


async def test_the_same_update_delivered_twice_is_handled_once(
    cluster: Balancer, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=7001)
    cluster.fan_out(1)
    chat.send_command("start")
    await chat.await_reply(contains="/language", timeout=30)
    # Both instances got it (the balancer says so); then one more update proves both are idle.
    await fake_api.wait_for(lambda: len(cluster.sent) >= 2 or None, timeout=10)
    chat.send_command("help")
    await chat.await_reply(contains="/export", timeout=30)
    starts = [
        m for m in chat.bot_messages() if "/language" in m.visible and "/export" not in m.visible
    ]
    assert len(starts) == 1, [m.visible for m in chat.bot_messages()]


def _card(chat: Conversation) -> BotMessage | None:
    return next(
        (m for m in chat.bot_messages() if m.photo and any("Retype" in t for t in m.button_texts)),
        None,
    )


async def test_the_same_button_tapped_at_both_instances_has_one_effect(
    cluster: Balancer, fake_api: FakeBotApi, pg_url: str
) -> None:
    chat = Conversation(fake_api, chat_id=7002)
    chat.send_photo(to_bytes(scribbled_note(CLEAN)))
    await chat.await_reply(contains="please check", timeout=90)
    card = _card(chat)
    assert card is not None
    # Tap "Confirm all" twice at once: one tap reaches each instance.
    data = next(d for row in card.buttons for t, d in row if t.startswith("✅") and d)
    queries = [
        fake_api.user_presses(7002, 7002, card.message_id, data, strict=False) for _ in range(2)
    ]
    answers = [await chat.await_callback_answer(q, timeout=30) for q in queries]
    final = await chat.await_reply(contains="Your note", timeout=30)
    assert "Buy milk" in final.visible
    # One more update through both instances: anything left of the second tap is done by now.
    chat.send_command("help")
    await chat.await_reply(contains="/export", timeout=30)
    finals = [m for m in chat.bot_messages() if "Your note" in m.visible]
    assert len(finals) == 1, "the note is shown once"
    assert len(await _notes_of(pg_url, 7002)) == 1, "and stored once"
    # The other tap is told it changed nothing (lost the race, or came after the end).
    texts = [a.text or "" for a in answers]
    assert any("Already done" in t or "finished" in t for t in texts), texts


async def test_an_album_split_between_instances_becomes_one_note(
    cluster: Balancer, fake_api: FakeBotApi, pg_url: str
) -> None:
    chat = Conversation(fake_api, chat_id=7003)
    chat.send_photo(note_png(NOTE_LINES[:3]), media_group_id="split-album")
    chat.send_photo(note_png(NOTE_LINES[3:]), media_group_id="split-album")
    final = await chat.await_reply(
        lambda m: "Buy milk" in m.visible and "Read chapter five again" in m.visible, timeout=120
    )
    assert "Meeting notes" in final.visible
    targets = {target for target, _ in cluster.sent}
    assert len(targets) == 2, "the pages reached different instances"
    chat.send_command("help")
    await chat.await_reply(contains="/export", timeout=30)
    assert len(await _notes_of(pg_url, 7003)) == 1, "one note, not one per instance"


async def test_health_says_draining_once_updates_are_no_longer_taken(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    port, health_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = make_settings(
        fake_api, tmp_path / "data", webhook_url=url, webhook_listen="127.0.0.1",
        health_port=health_port,
    )  # fmt: skip
    app = build_application(settings)
    async with running_instance(app, port, SECRET, url):
        assert await _health(health_port) == 200
        # What SIGTERM does first (run_webhook): the webhook server stops taking updates.
        assert app.updater is not None
        await app.updater.stop()
        assert await _health(health_port) == 503
