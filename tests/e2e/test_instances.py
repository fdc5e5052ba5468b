"""The deployment of deploy/compose.yaml in miniature (testkit/cluster.py): two bot
instances in webhook mode behind a load balancer that feeds them in turn, one PostgreSQL, one
Redis, two ``notes-ocr-bot worker`` processes. What a user notices is the same as with one bot:
every photo answered, every note stored once, whichever instance or worker handles what, and
whatever worker dies. Each test fails when PostgreSQL or Redis is missing; none skips."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application
from testkit.cluster import SECRET, Cluster, cluster, health, notes_settle, stored_notes
from testkit.drawing import NOTE_LINES, errand_note, note_png, scribbled_note, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation, free_port, running_instance
from testkit.settings import make_settings

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
USERS = {7101: "Alice", 7102: "Bruno", 7103: "Chloe"}
ITEMS = ("fresh bread", "green apples", "paper towels")


@pytest.fixture
async def deployed(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> AsyncIterator[Cluster]:
    async with cluster(fake_api, tmp_path, pg_url, redis_url) as running:
        # The load balancer's view: both instances say they take updates.
        assert [await health(p) for p in running.health_ports] == [200, 200]
        yield running


async def test_three_users_three_photos_each_all_answered_and_stored_once(
    deployed: Cluster, fake_api: FakeBotApi, pg_url: str
) -> None:
    chats = {uid: Conversation(fake_api, chat_id=uid) for uid in USERS}
    for item in ITEMS:
        for uid, name in USERS.items():
            chats[uid].send_photo(note_png(errand_note(name, item)))
    for uid, name in USERS.items():
        for item in ITEMS:
            await chats[uid].await_lines(errand_note(name, item))
    assert {target for target, _ in deployed.balancer.sent} == set(deployed.balancer.targets)
    for uid, name in USERS.items():
        notes = await notes_settle(pg_url, uid, len(ITEMS))
        titles = sorted(n.splitlines()[0] for n in notes)
        assert titles == sorted(f"{name} needs {item}" for item in ITEMS)
    # Nobody's note reached another chat, and nothing came twice.
    for uid in USERS:
        others = [n for u, n in USERS.items() if u != uid]
        screen = "\n".join(m.visible for m in chats[uid].bot_messages())
        assert not any(f"{other} needs" in screen for other in others)
    # One more update through each instance: anything late would be stored by now.
    for uid in USERS:
        chats[uid].send_command("help")
        await chats[uid].await_reply(contains="/export", timeout=30)
        assert len(await stored_notes(pg_url, uid)) == len(ITEMS)


async def test_a_worker_killed_mid_job_leaves_it_to_the_other(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    # The default time limit (120 s): the dead worker's job is read again within seconds all
    # the same (its in-progress mark is short and no longer refreshed, bot/ocr/run/queue/holds.py).
    async with cluster(fake_api, tmp_path, pg_url, redis_url, gated=True) as running:
        workers = running.workers
        chat = Conversation(fake_api, chat_id=7201)
        lines = errand_note("Dana", "blue ink")
        chat.send_photo(note_png(lines))
        [(victim, _)] = await workers.wait_entered(1)
        os.kill(victim, signal.SIGKILL)
        workers.open_gate()
        # Answered within 20 s of the kill (a bound on waiting, not a timing).
        await chat.await_lines(lines, timeout=20)
        # It was read again, by the other worker.
        (first, _), (second, _) = await workers.wait_entered(2)
        assert first == victim and second != victim
        [note] = await notes_settle(pg_url, 7201, 1)
        assert note.startswith("Dana needs blue ink")
        # Nothing more comes: the job was done once.
        chat.send_command("notes")
        await chat.await_reply(contains="Your notes", timeout=30)
        assert len(await stored_notes(pg_url, 7201)) == 1
        assert len(workers.entered()) == 2
        finals = [
            m
            for m in chat.bot_messages()
            if "Your note" in m.visible and "Your notes" not in m.visible
        ]
        assert len(finals) == 1, [m.visible for m in chat.bot_messages()]


async def test_the_same_update_delivered_twice_is_handled_once(
    deployed: Cluster, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=7001)
    deployed.balancer.fan_out(1)
    chat.send_command("start")
    await chat.await_reply(contains="/language", timeout=30)
    # Both instances got it (the balancer says so); then one more update proves both are idle.
    await fake_api.wait_for(lambda: len(deployed.balancer.sent) >= 2 or None, timeout=10)
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
    deployed: Cluster, fake_api: FakeBotApi, pg_url: str
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
    assert len(await stored_notes(pg_url, 7002)) == 1, "and stored once"
    # The other tap is told it changed nothing (lost the race, or came after the end).
    texts = [a.text or "" for a in answers]
    assert any("Already done" in t or "finished" in t for t in texts), texts


async def test_an_album_split_between_instances_becomes_one_note(
    deployed: Cluster, fake_api: FakeBotApi, pg_url: str
) -> None:
    chat = Conversation(fake_api, chat_id=7003)
    chat.send_photo(note_png(NOTE_LINES[:3]), media_group_id="split-album")
    chat.send_photo(note_png(NOTE_LINES[3:]), media_group_id="split-album")
    final = await chat.await_reply(
        lambda m: "Buy milk" in m.visible and "Read chapter five again" in m.visible, timeout=120
    )
    assert "Meeting notes" in final.visible
    targets = {target for target, _ in deployed.balancer.sent}
    assert len(targets) == 2, "the pages reached different instances"
    chat.send_command("help")
    await chat.await_reply(contains="/export", timeout=30)
    assert len(await stored_notes(pg_url, 7003)) == 1, "one note, not one per instance"


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
        assert await health(health_port) == 200
        # What SIGTERM does first (run_webhook): the webhook server stops taking updates.
        assert app.updater is not None
        await app.updater.stop()
        assert await health(health_port) == 503
