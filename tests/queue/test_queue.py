"""Photos read by ``notes-ocr-bot worker`` processes through Redis (REDIS_URL set), as a user
sees it: every photo answered and its note stored once, a worker killed mid-job costs nothing,
a job over its time limit is told, and a photo that must wait says where it is in line.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from bot.app import build_application
from tests.e2e.conftest import make_settings
from tests.e2e.harness import Conversation, running_bot
from tests.fakes.bot_api import FakeBotApi
from tests.support.drawing import note_png
from tests.support.redis_server import ocr_workers

USERS = {7101: "Alice", 7102: "Bruno", 7103: "Chloe"}
ITEMS = ("fresh bread", "green apples", "paper towels")


def _note(name: str, item: str) -> tuple[str, ...]:
    return (f"{name} needs {item}", "Call the dentist on Monday")


async def _stored(app: Any, user_id: int) -> list[str]:
    notes, _total = await app.bot_data["services"].db.notes.list_notes(user_id, limit=50)
    return [n.preview for n in notes]


async def _final(chat: Conversation, lines: tuple[str, ...], timeout: float = 90) -> None:  # noqa: ASYNC109
    def seen() -> bool:
        screen = "\n".join(m.visible for m in chat.bot_messages())
        return all(line in screen for line in lines)

    await chat.fake.wait_for(seen, timeout=timeout)


async def _notes_settle(app: Any, user_id: int, count: int) -> list[str]:
    """The user's stored notes once there are ``count`` (the final note is sent, then saved)."""
    for _ in range(300):
        titles = await _stored(app, user_id)
        if len(titles) >= count:
            return titles
        await asyncio.sleep(0.05)
    raise AssertionError(f"user {user_id} has {await _stored(app, user_id)}")


async def test_three_users_three_photos_each_through_two_workers(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    with ocr_workers(redis_url, tmp_path / "workers", 2):
        app = build_application(settings)
        async with running_bot(app):
            chats = {uid: Conversation(fake_api, chat_id=uid) for uid in USERS}
            for item in ITEMS:
                for uid, name in USERS.items():
                    chats[uid].send_photo(note_png(_note(name, item)))
            for uid, name in USERS.items():
                for item in ITEMS:
                    await _final(chats[uid], _note(name, item))
            for uid, name in USERS.items():
                titles = await _notes_settle(app, uid, len(ITEMS))
                assert sorted(titles) == sorted(f"{name} needs {item}" for item in ITEMS)
            # Nobody's note reached another chat.
            for uid in USERS:
                others = [n for u, n in USERS.items() if u != uid]
                screen = "\n".join(m.visible for m in chats[uid].bot_messages())
                assert not any(f"{other} needs" in screen for other in others)


async def test_a_worker_killed_mid_job_costs_nothing(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    # A short time limit: arq runs a dead worker's job again once its in-progress mark
    # expires, the time limit plus 10 s after the job started.
    with ocr_workers(
        redis_url, tmp_path / "workers", 2, gated=True, OCR_TIMEOUT_SECONDS="6"
    ) as workers:
        app = build_application(settings)
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7201)
            lines = _note("Dana", "blue ink")
            chat.send_photo(note_png(lines))
            [(victim, _)] = await workers.wait_entered(1)
            os.kill(victim, signal.SIGKILL)
            workers.open_gate()
            await _final(chat, lines)
            # It was read again, by the other worker.
            (first, _), (second, _) = await workers.wait_entered(2)
            assert first == victim and second != victim
            assert await _notes_settle(app, 7201, 1) == ["Dana needs blue ink"]
            # Nothing more comes: the job is done once.
            chat.send_command("notes")
            await chat.await_reply(contains="Your notes")
            assert await _stored(app, 7201) == ["Dana needs blue ink"]
            assert len(workers.entered()) == 2


async def test_a_job_over_its_time_limit_is_told_to_the_user(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    # The gate never opens: the job outlives its 2 s limit in the worker.
    with ocr_workers(
        redis_url, tmp_path / "workers", 1, gated=True, OCR_TIMEOUT_SECONDS="2"
    ):
        app = build_application(settings)
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7301)
            chat.send_photo(note_png(_note("Emil", "red pens")))
            await chat.await_reply(contains="Reading this photo took too long", timeout=60)
            assert await _stored(app, 7301) == []


async def test_a_photo_waiting_for_a_worker_shows_its_place_in_line(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    with ocr_workers(redis_url, tmp_path / "workers", 2, gated=True) as workers:
        app = build_application(settings)
        async with running_bot(app):
            first, second, third = (Conversation(fake_api, chat_id=c) for c in (7401, 7402, 7403))
            first.send_photo(note_png(_note("Fay", "thin tape")))
            second.send_photo(note_png(_note("Gus", "warm socks")))
            await workers.wait_entered(2)  # both workers are busy
            third.send_photo(note_png(_note("Hal", "lamp oil")))
            await third.await_reply(contains="Queued: 1 ahead", timeout=30)
            workers.open_gate()
            await _final(first, _note("Fay", "thin tape"))
            await _final(second, _note("Gus", "warm socks"))
            await _final(third, _note("Hal", "lamp oil"))
