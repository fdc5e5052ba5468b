"""Two deployed instances (`python -m bot run`, webhook mode, one PostgreSQL, one Redis,
`notes-ocr-bot worker` processes reading the photos) behind a balancer. One is stopped with
SIGTERM in the middle of a user's review: the other one finishes that review, nothing the user
confirmed is lost, and the note is stored once. One is killed (SIGKILL) while a worker reads
its user's photo: the other one asks the user to send it again, and reads it."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from testkit.balancer import Balancer, chat_of
from testkit.bot_process import REPLY_TIMEOUT, assert_clean_exit
from testkit.cluster import instance_processes, stored_notes
from testkit.drawing import errand_note, note_png, scribbled_note, to_bytes
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, free_port
from testkit.redis_server import ocr_workers
from tests.e2e.test_sigterm import CLEAN


async def test_an_instance_stopped_mid_review_leaves_it_to_the_other(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{p}/telegram" for p in ports]).start()
    try:
        async with AsyncExitStack() as stack:
            stack.enter_context(ocr_workers(redis_url, tmp_path / "workers", 2))
            bots = await instance_processes(stack, fake_api, tmp_path, balancer, pg_url, redis_url)
            chat = Conversation(fake_api, chat_id=7101)
            # Both up: two /start answered (one reaches each instance).
            for _ in range(2):
                chat.send_command("start")
                await chat.await_reply(contains="/language", timeout=REPLY_TIMEOUT)
            chat.send_photo(to_bytes(scribbled_note(CLEAN)))
            await chat.await_reply(contains="please check", timeout=REPLY_TIMEOUT)
            # Mid-review, the first instance is stopped (as a deploy or a scale-down does).
            assert_clean_exit(bots[0], await bots[0].terminate())
            card = next(
                m
                for m in chat.bot_messages()
                if m.photo and any("Retype" in t for t in m.button_texts)
            )
            for _ in range(10):
                current = fake_api.bot_message(7101, card.message_id)
                assert current is not None
                if "✏️ Retype / closer photo" not in current.button_texts:
                    break
                revision = current.revision
                texts = current.button_texts
                chat.press(
                    "✅ Confirm" if "✅ Confirm" in texts else "🗑 Drop", message_id=card.message_id
                )
                await fake_api.wait_for(
                    lambda r=revision: (
                        (m := fake_api.bot_message(7101, card.message_id)) is not None
                        and m.revision > r
                    ),
                    timeout=REPLY_TIMEOUT,
                )
            final = await chat.await_reply(contains="Your note", timeout=REPLY_TIMEOUT)
            assert "Buy milk and eggs tomorrow" in final.visible
            assert_clean_exit(bots[1], await bots[1].terminate())
    finally:
        balancer.stop()
    assert len(await stored_notes(pg_url, 7101)) == 1


async def test_an_instance_killed_while_reading_a_photo_has_the_other_ask_for_it_again(
    fake_api: FakeBotApi, tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    chat_id = 7102
    ports = [free_port(), free_port()]
    # The user's updates go to the first instance while it lives (then to the other).
    balancer = Balancer(
        [f"http://127.0.0.1:{p}/telegram" for p in ports],
        route=lambda update: 0 if chat_of(update) == chat_id else None,
    ).start()
    try:
        async with AsyncExitStack() as stack:
            workers = stack.enter_context(
                ocr_workers(redis_url, tmp_path / "workers", 1, gated=True)
            )
            bots = await instance_processes(stack, fake_api, tmp_path, balancer, pg_url, redis_url)
            chat = Conversation(fake_api, chat_id=chat_id)
            chat.send_photo(note_png(errand_note("Lea", "a new kettle")))
            await workers.wait_entered(1)
            # Killed, not stopped: out of memory, its machine gone. Nothing drains.
            bots[0].proc.kill()
            await bots[0].proc.wait()
            lost = await chat.await_reply(contains="Please send it again", timeout=REPLY_TIMEOUT)
            assert "lost this photo" in lost.visible
            workers.open_gate()
            # Sent again, it reaches the instance that lives, and is read.
            lines = errand_note("Lea", "a new kettle")
            chat.send_photo(note_png(lines))
            await chat.await_lines(lines, timeout=REPLY_TIMEOUT)
            assert_clean_exit(bots[1], await bots[1].terminate())
    finally:
        balancer.stop()
