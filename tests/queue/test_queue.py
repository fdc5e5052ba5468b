"""Photos read by ``notes-ocr-bot worker`` processes through Redis (REDIS_URL set), as a user
sees it: every photo answered and its note stored once, a worker killed mid-job costs nothing,
a job over its time limit is told, and a photo that must wait says where it is in line.
"""

from __future__ import annotations

import asyncio
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
