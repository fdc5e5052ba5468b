"""Bot API calls that time out: the user is told, nothing crashes, no note is saved twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.config import Settings
from testkit.buttons import questions
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm")


def _impatient() -> HTTPXRequest:
    # The real app waits 30 s for an answer; the test makes "too slow" short.
    return HTTPXRequest(connection_pool_size=16, read_timeout=0.5, pool_timeout=5)


async def test_get_file_timing_out_is_told_and_a_resend_works(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    async with running_bot(build_application(bot_settings, request=_impatient())):
        chat = Conversation(fake_api, chat_id=6001)
        fake_api.delay_method("getFile", 2)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains="could not download this photo", timeout=30)
        fake_api.delay_method("getFile", 0)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(
            lambda m: all(line in m.visible for line in CLEAN) and not questions(m), timeout=60
        )


async def test_slow_send_message_is_told_and_never_saves_a_note_twice(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    async with running_bot(build_application(bot_settings, request=_impatient())):
        chat = Conversation(fake_api, chat_id=6002)
        # Every sendMessage answers late (it still takes effect, as on a slow Telegram).
        fake_api.delay_method("sendMessage", 1.5)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains="send it again", timeout=60)
        fake_api.delay_method("sendMessage", 0)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(
            lambda m: all(line in m.visible for line in CLEAN) and not questions(m), timeout=60
        )
        chat.send_command("start")
        await chat.await_reply(contains="Send me a photo", timeout=30)
    db = Path(bot_settings.data_dir) / "notes.sqlite3"
    with sqlite3.connect(db) as conn:
        count = conn.execute("SELECT COUNT(*) FROM notes WHERE user_id = 6002").fetchone()[0]
    # The first photo was abandoned (and the user told so); the second made the only note.
    assert count == 1
