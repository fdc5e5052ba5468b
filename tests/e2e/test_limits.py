"""Per-user limits: one user cannot flood the bot and starve the others."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.settings import make_settings

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm")


async def test_photos_over_the_per_minute_limit_are_refused(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", user_photos_per_minute=2)
    async with running_bot(build_application(settings)):
        flood = Conversation(fake_api, chat_id=3001)
        for word in ("first", "second"):
            flood.send_photo(note_png((f"The {word} page of notes", *CLEAN)))
            await flood.await_reply(contains=f"The {word} page of notes", timeout=60)
        flood.send_photo(note_png(CLEAN))
        await flood.await_reply(contains="very fast")
        assert fake_api.call_count("getFile") == 2, "the refused photo is not even downloaded"
        other = Conversation(fake_api, chat_id=3002)
        other.send_photo(note_png(CLEAN))
        await other.await_reply(contains="Call the dentist at 3 pm", timeout=60)
