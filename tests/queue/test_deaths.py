"""A worker that dies mid-read (SIGKILL, out of memory, its machine gone), as a user sees it:
the photo is read again by another worker within seconds, not after the job's time limit, and
answered once; a photo that kills every worker reading it is given up after two deaths, and
its user is told it could not be read. Redis restarting (with its append-only file, as
deploy/compose.yaml runs it) while photos wait loses none of them.
The deployed several-instance case: tests/e2e/test_instances.py."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import redis

from bot.app import build_application
from bot.ocr.run.queue.wire import QUEUE
from testkit.drawing import errand_note, note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot, until
from testkit.redis_server import ocr_workers, running_redis
from testkit.settings import make_settings

POISON = "could not be read"


def finals(chat: Conversation) -> list[str]:
    """The final notes the bot sent in a chat ("Your note (n lines), saved")."""
    return [m.visible for m in chat.bot_messages() if "Your note (" in m.visible]


async def test_a_photo_that_kills_two_workers_is_given_up_with_a_message(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    # The gate never opens: each worker holding the photo is killed there, as a photo that
    # crashes the engine would kill it.
    with ocr_workers(redis_url, tmp_path / "workers", 3, gated=True) as workers:
        app = build_application(settings)
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7701)
            chat.send_photo(note_png(errand_note("Max", "a torch")))
            [(first, _)] = await workers.wait_entered(1)
            os.kill(first, signal.SIGKILL)
            # Taken again by another worker within seconds (a bound on waiting, not a timing).
            _, (second, _) = await workers.wait_entered(2, timeout=20)
            assert second != first
            os.kill(second, signal.SIGKILL)
            told = await chat.await_reply(contains=POISON, timeout=30)
            assert "Please send another photo" in told.visible
            # The third worker never read it, and nothing else came.
            assert len(workers.entered()) == 2
            chat.send_command("help")
            await chat.await_reply(contains="/export", timeout=30)
            screen = [m.visible for m in chat.bot_messages()]
            assert sum(POISON in text for text in screen) == 1, screen
            assert finals(chat) == []


async def test_redis_restarting_with_its_append_only_file_loses_no_queued_photo(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    with running_redis(tmp_path / "redis", appendonly=True) as server:
        settings = make_settings(fake_api, tmp_path / "data", redis_url=server.url)
        with ocr_workers(server.url, tmp_path / "workers", 2, gated=True) as workers:
            app = build_application(settings)
            async with running_bot(app):
                notes = {7801 + n: errand_note(name, "oat milk") for n, name in
                         enumerate(("Ada", "Ben", "Cai", "Dov"))}  # fmt: skip
                chats = {uid: Conversation(fake_api, chat_id=uid) for uid in notes}
                for uid, lines in notes.items():
                    chats[uid].send_photo(note_png(lines))
                # Two photos at the workers (held mid-read), two waiting in the line.
                await workers.wait_entered(2)
                client = redis.Redis.from_url(server.url)
                try:
                    await until(lambda: client.zcard(QUEUE) == 4, timeout=30)
                finally:
                    client.close()
                server.stop()
                server.start()  # with its data: the line, the jobs, the marks
                workers.open_gate()
                for uid, lines in notes.items():
                    await chats[uid].await_lines(lines, timeout=90)
                # One more update each: anything late would be here by now.
                for uid in notes:
                    chats[uid].send_command("help")
                    await chats[uid].await_reply(contains="/export", timeout=30)
                for uid in notes:
                    assert len(finals(chats[uid])) == 1, [
                        m.visible for m in chats[uid].bot_messages()
                    ]
                    screen = [m.visible for m in chats[uid].bot_messages()]
                    assert not any("for a moment" in text for text in screen), screen
