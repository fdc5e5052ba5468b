"""Redis away for a moment (a restart, a network hiccup) in queue mode, as a user sees it: the
bot keeps answering, a photo sent meanwhile gets one clear sentence ("send it again in a
minute") instead of silence or "something went wrong", a photo whose job Redis lost is told
the same at once, and once Redis is back the same worker process reads the next photo."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.redis_server import ocr_workers, running_redis
from testkit.settings import make_settings

AWAY = "I cannot read photos for a moment"
FALLBACK = "something went wrong"


async def test_redis_restarting_costs_one_clear_sentence_and_the_worker_carries_on(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    with running_redis(tmp_path / "redis") as server:
        settings = make_settings(fake_api, tmp_path / "data", redis_url=server.url)
        with ocr_workers(server.url, tmp_path / "workers", 1) as workers:
            app = build_application(settings)
            async with running_bot(app):
                chat = Conversation(fake_api, chat_id=7601)
                chat.send_photo(note_png(("Buy milk and eggs tomorrow", "Call the dentist")))
                await chat.await_reply(contains="Your note", timeout=60)

                server.stop()
                chat.send_command("start")
                await chat.await_reply(contains="Send me a photo", timeout=30)
                chat.send_photo(note_png(("Water the plants today", "Call the dentist")))
                await chat.await_reply(contains=AWAY, timeout=60)
                chat.send_command("help")
                await chat.await_reply(contains="/export", timeout=30)
                screen = [m.visible for m in chat.bot_messages()]
                assert sum(AWAY in text for text in screen) == 1, screen
                assert not any(FALLBACK in text for text in screen), screen

                server.start()  # empty, as a Redis without persistence comes back
                chat.send_photo(note_png(("Fix the kitchen lamp", "Call the plumber")))
                await chat.await_reply(contains="Call the plumber", timeout=90)
                assert all(proc.poll() is None for proc in workers.procs), "the worker lives on"


async def test_a_photo_whose_job_redis_lost_is_told_at_once(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    with running_redis(tmp_path / "redis") as server:
        settings = make_settings(fake_api, tmp_path / "data", redis_url=server.url)
        with ocr_workers(server.url, tmp_path / "workers", 1, gated=True) as workers:
            app = build_application(settings)
            async with running_bot(app):
                chat = Conversation(fake_api, chat_id=7602)
                chat.send_photo(note_png(("Sweep the yard", "Call the dentist")))
                await workers.wait_entered(1)
                # Restarted without its data: the job, its line and its marks are gone.
                server.stop()
                server.start()
                await chat.await_reply(contains=AWAY, timeout=30)
                screen = [m.visible for m in chat.bot_messages()]
                assert not any(FALLBACK in text for text in screen), screen
