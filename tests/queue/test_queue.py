"""Photos read by ``notes-ocr-bot worker`` processes through Redis (REDIS_URL set), as a user
of one instance sees it: a job over its time limit is told, a photo that must wait says where
it is in line, a worker stopped (SIGTERM, as a deploy does) finishes the photo it reads, and so
does a bot stopped while a worker reads its user's photo.
Several instances and a worker killed mid-job: tests/e2e/test_instances.py.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from bot.app import build_application
from testkit.bot_process import EXIT_TIMEOUT, REPLY_TIMEOUT, assert_clean_exit, bot_process
from testkit.drawing import draw_lines, errand_note, note_png, to_bytes
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot, until
from testkit.redis_server import ocr_workers
from testkit.settings import make_settings


async def _stored(app: Any, user_id: int) -> list[str]:
    notes, _total = await app.bot_data["services"].db.notes.list_notes(user_id, limit=50)
    return [n.preview for n in notes]


async def test_a_job_over_its_time_limit_is_told_to_the_user(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    # The gate never opens: the job outlives its 2 s limit in the worker.
    with ocr_workers(redis_url, tmp_path / "workers", 1, gated=True, OCR_TIMEOUT_SECONDS="2"):
        app = build_application(settings)
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7301)
            chat.send_photo(note_png(errand_note("Emil", "red pens")))
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
            first.send_photo(note_png(errand_note("Fay", "thin tape")))
            second.send_photo(note_png(errand_note("Gus", "warm socks")))
            await workers.wait_entered(2)  # both workers are busy
            third.send_photo(note_png(errand_note("Hal", "lamp oil")))
            await third.await_reply(contains="Queued: 1 ahead", timeout=30)
            workers.open_gate()
            await first.await_lines(errand_note("Fay", "thin tape"))
            await second.await_lines(errand_note("Gus", "warm socks"))
            await third.await_lines(errand_note("Hal", "lamp oil"))


async def test_a_worker_stopped_mid_job_finishes_it_before_it_exits(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    with ocr_workers(redis_url, tmp_path / "workers", 2, gated=True) as workers:
        app = build_application(settings)
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7501)
            lines = errand_note("Ida", "spare keys")
            chat.send_photo(note_png(lines))
            [(pid, _)] = await workers.wait_entered(1)
            n, stopping = next((n, p) for n, p in enumerate(workers.procs) if p.pid == pid)
            stopping.send_signal(signal.SIGTERM)
            log = tmp_path / "workers" / f"worker-{n}.log"
            # The gate opens once the worker has taken the signal (it says so in its log).
            await until(lambda: "shutdown on SIGTERM" in log.read_text(), 30)
            workers.open_gate()
            await chat.await_lines(lines)
            assert await asyncio.to_thread(stopping.wait, 30) == 0
            # Read once, by the worker that was stopping: nothing was handed over or redone.
            assert [p for p, _ in workers.entered()] == [pid]


async def test_a_file_cut_off_past_its_header_is_told_as_in_one_process(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    # The bot checks size and header before queueing; the worker decodes the pixels.
    settings = make_settings(fake_api, tmp_path / "data", redis_url=redis_url)
    with ocr_workers(redis_url, tmp_path / "workers", 1):
        app = build_application(settings)
        async with running_bot(app):
            chat = Conversation(fake_api, chat_id=7502)
            whole = to_bytes(
                draw_lines(["Buy milk and eggs tomorrow", "Call the dentist"]), "JPEG"
            )
            chat.send_photo(whole[: len(whole) // 2])
            reply = await chat.await_reply(
                lambda m: "not an image" in m.visible or "could not read" in m.visible, timeout=60
            )
            assert len(reply.visible) < 200
            assert "something went wrong" not in reply.visible
            # And the next photo is read.
            lines = errand_note("Jo", "new bulbs")
            chat.send_photo(note_png(lines))
            await chat.await_lines(lines)


async def test_a_bot_stopped_while_its_photo_is_read_answers_it_before_it_exits(
    fake_api: FakeBotApi, redis_url: str, tmp_path: Path
) -> None:
    # A deploy stops the bot (SIGTERM) while a worker reads a user's photo: the bot waits for
    # the result, sends the note, then exits cleanly.
    with ocr_workers(redis_url, tmp_path / "workers", 1, gated=True) as workers:
        async with bot_process(fake_api, tmp_path, "bot", REDIS_URL=redis_url) as bot:
            chat = Conversation(fake_api, chat_id=7503)
            chat.send_command("start")
            await chat.await_reply(contains="/language", timeout=REPLY_TIMEOUT)
            lines = errand_note("Kim", "fresh basil")
            chat.send_photo(note_png(lines))
            await workers.wait_entered(1)
            bot.proc.send_signal(signal.SIGTERM)
            # (Looked at often: the log is no event of the fake's to wait on.)
            await until(lambda: "Application is stopping" in bot.log(), 30)
            workers.open_gate()
            assert_clean_exit(bot, await asyncio.wait_for(bot.proc.wait(), EXIT_TIMEOUT))
            final = [m for m in chat.bot_messages() if "Your note" in m.visible]
            assert len(final) == 1 and all(line in final[0].visible for line in lines)
