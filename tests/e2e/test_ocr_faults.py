"""When the OCR side fails, the user reads one plain sentence and the bot keeps serving.

Covered with the real bot over the fake Bot API server: an Aspose worker killed mid-job, a job
over its time limit, a language whose Aspose model is not installed, and a full OCR queue.
The Aspose tests run the real engine (spawned workers, trial mode) and are never skipped.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.config import Settings
from bot.ocr.engines import tesseract_engine
from bot.ocr.run.processes import ProcessRunner
from testkit.drawing import NOTE_LINES, note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.recognizers import SlotHoldingRecognizer
from testkit.settings import aspose_settings

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
NOTE_B = ("Book the train tickets", "Ask Anna about Friday")
NOTE_C = ("Water the plants", "Return the library books")
READ = "Read in English"
# A page many lines long keeps an Aspose worker busy well past the moment the test kills it.
BIG_PAGE = NOTE_LINES * 4


def _pool(app: Any) -> ProcessRunner:
    recognizer = app.bot_data["services"].recognizer
    assert isinstance(recognizer, ProcessRunner)
    return recognizer


async def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait for state outside the fake server (a pool's job), checking every few ms.

    A condition poll, not a timing guess: it returns the moment the condition holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.005)


def _job_in_worker(pool: ProcessRunner) -> bool:
    # The handler shows "Reading" before the pool has even decoded the photo; a worker killed
    # before the job reaches it is replaced quietly and the photo read by the new one (by
    # design). Only a job handed to the worker process can be lost with it, so wait for that.
    # _running is the pool's record of what each worker was given; there is no public one.
    return any(not job.done() for job in pool._running.values())


def _short(text: str) -> bool:
    """One or two plain sentences: no traceback, no exception names."""
    return len(text) < 200 and "Error" not in text and "Traceback" not in text


async def test_killed_aspose_worker_costs_one_retry_and_nobody_else_waits_forever(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = aspose_settings(fake_api, tmp_path / "data")
    app = build_application(settings)
    async with running_bot(app):
        pool = _pool(app)
        alice = Conversation(fake_api, chat_id=5001)
        bob = Conversation(fake_api, chat_id=5002)

        alice.send_photo(note_png(BIG_PAGE))
        await alice.await_reply(contains="Reading", timeout=30)
        await _until(lambda: _job_in_worker(pool))
        [victim] = pool.worker_pids()
        # Bob's photo waits behind Alice's on the only worker.
        bob.send_photo(note_png(NOTE_B))
        await bob.await_reply(contains="Queued", timeout=30)
        # Queueing takes milliseconds, the big page seconds: Alice's job is still in there.
        assert _job_in_worker(pool), "Alice's page was read before the kill; draw a bigger one"

        os.kill(victim, signal.SIGKILL)
        told = await alice.await_reply(contains="try again", timeout=60)
        assert _short(told.visible), told.visible
        shown = " ".join(m.visible for m in alice.bot_messages())
        assert READ not in shown
        assert "Reading" not in shown, "no status is left claiming the photo is still read"

        # Bob's photo is read by the replacement worker, not lost with the killed one.
        await bob.await_reply(contains=READ, timeout=180)
        assert victim not in pool.worker_pids()

        # Alice simply sends her photo again.
        alice.send_photo(note_png(CLEAN))
        await alice.await_reply(contains=READ, timeout=180)


async def test_aspose_job_over_time_limit_is_told_and_the_slot_is_freed(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = aspose_settings(fake_api, tmp_path / "data", timeout=0.05)
    app = build_application(settings)
    async with running_bot(app):
        pool = _pool(app)
        chat = Conversation(fake_api, chat_id=5011)
        chat.send_photo(note_png(BIG_PAGE))
        told = await chat.await_reply(contains="took too long", timeout=60)
        assert _short(told.visible), told.visible

        # The operator raises the limit (read per job); the one worker slot is free again.
        pool.timeout_seconds = 180
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains=READ, timeout=180)


async def test_tesseract_job_over_time_limit_is_told_and_the_engine_stays_usable(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    engine = tesseract_engine(workers=1, timeout=0.01)
    app = build_application(bot_settings, recognizer=engine)
    async with running_bot(app):
        chat = Conversation(fake_api, chat_id=5021)
        chat.send_photo(note_png(BIG_PAGE))
        told = await chat.await_reply(contains="took too long", timeout=60)
        assert _short(told.visible), told.visible

        engine.timeout = 120  # read per job
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains=READ, timeout=60)


async def test_missing_aspose_model_is_refused_plainly_and_english_still_works(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    # aspose_models_dir is an empty folder under tmp_path: no Chinese model there.
    settings = aspose_settings(fake_api, tmp_path / "data")
    app = build_application(settings)
    async with running_bot(app):
        chat = Conversation(fake_api, chat_id=5031)
        chat.send_command("language", "zh")
        refusal = await chat.await_reply(contains="not available")
        assert "中文" in refusal.visible or "Chinese" in refusal.visible
        chat.send_command("language")
        menu = await chat.await_reply(contains="Your notes are read in")
        # The interface may be Chinese; reading Chinese is not offered without its model.
        assert not any("Chinese" in t for t in menu.button_texts)
        assert any("English" in t for t in menu.button_texts[3:])

        # A choice made before the model went away (or by an older version of the bot).
        await app.bot_data["services"].db.users.set_language(chat.user_id, "zh")
        chat.send_photo(note_png(CLEAN))
        told = await chat.await_reply(contains="not available", timeout=120)
        assert "zh" in told.visible or "Chinese" in told.visible or "中文" in told.visible
        assert "/language" in told.visible
        assert _short(told.visible), told.visible

        chat.send_command("language", "en")
        await chat.await_reply(contains="Your notes will be read in English")
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains=READ, timeout=180)


async def test_full_queue_tells_the_third_user_to_retry_and_the_others_get_their_notes(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    recognizer = SlotHoldingRecognizer(tesseract_engine(workers=1, queue_size=1))
    image_a = note_png(CLEAN)
    release_a = recognizer.hold(image_a)
    app = build_application(bot_settings, recognizer=recognizer)
    async with running_bot(app):
        # A failed check must not leave Alice's photo held: shutdown would wait for it.
        try:
            alice = Conversation(fake_api, chat_id=5041)
            bob = Conversation(fake_api, chat_id=5042)
            carol = Conversation(fake_api, chat_id=5043)

            alice.send_photo(image_a)
            await asyncio.wait_for(recognizer.entered[image_a].wait(), timeout=30)
            bob.send_photo(note_png(NOTE_B))
            await bob.await_reply(contains="1 ahead", timeout=30)
            # His status said where he waits from its first version, never "Reading" first.
            sent = [
                p for m, p in fake_api.calls if m == "sendMessage" and str(p["chat_id"]) == "5042"
            ]
            assert sent and "1 ahead" in str(sent[0]["text"]), sent[:1]
            carol.send_photo(note_png(NOTE_C))
            busy = await carol.await_reply(contains="try again", timeout=30)
            assert "busy" in busy.visible and _short(busy.visible), busy.visible

            release_a.set()
            await alice.await_reply(contains=READ, timeout=60)
            await bob.await_reply(contains=READ, timeout=60)
            # Bob's status became his summary: nothing still says he is waiting in line.
            assert not any("ahead" in m.visible for m in bob.bot_messages())
            # Carol's retry, once the queue has room, is read like any other photo.
            carol.send_photo(note_png(NOTE_C))
            await carol.await_reply(contains=READ, timeout=60)
        finally:
            release_a.set()
