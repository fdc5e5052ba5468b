"""The bot as it is deployed: `python -m bot run` in its own process, stopped with SIGTERM (what
systemd, Docker and Kubernetes send) and started again.

What a user must not notice: a line confirmed just before the stop is still in the note the
next process finishes; a photo being read when the stop came is either answered or leaves
nothing broken, and the next photo works. What an operator must see: exit code 0, no
traceback in the log, and never the token. A missing token is one line on stderr and exit 2.

The bot runs in a subprocess against the FakeBotApi of this test process; its stdout/stderr go
to files (a pipe nobody drains would block the bot once its log fills the pipe buffer).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.config import Settings
from testkit.bot_process import (
    EXIT_TIMEOUT,
    REPLY_TIMEOUT,
    assert_clean_exit,
    bot_process,
)
from testkit.buttons import questions
from testkit.drawing import note_png
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


def review_card(chat: Conversation) -> BotMessage | None:
    """The review card: the photo message with the Retype button."""
    return next(
        (m for m in chat.bot_messages() if m.photo and any("Retype" in t for t in m.button_texts)),
        None,
    )


def shown_line(msg: BotMessage) -> str:
    rows = [r for r in msg.visible.splitlines()[1:] if r.strip()]
    return rows[0] if rows else ""


def is_note(msg: BotMessage, lines: tuple[str, ...]) -> bool:
    """The final note: every line, no "Read in" header, no buttons."""
    return (
        not questions(msg)
        and "Read in" not in msg.visible
        and all(t in msg.visible for t in lines)
    )


async def card_moved(fake: FakeBotApi, msg: BotMessage) -> BotMessage:
    def moved() -> BotMessage | None:
        now = fake.bot_message(msg.chat_id, msg.message_id)
        return now if now is not None and now.revision > msg.revision else None

    return await fake.wait_for(moved, timeout=REPLY_TIMEOUT)


async def test_confirmed_line_survives_sigterm_and_restart(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    chat = Conversation(fake_api, chat_id=4101)
    # Strictness 100 flags every line, so one can be confirmed before the stop and the rest
    # after it.
    async with bot_process(fake_api, tmp_path, "first", DEFAULT_THRESHOLD="100") as first:
        chat.send_photo(note_png(CLEAN))
        card = await chat.await_reply(
            lambda m: m.photo is not None and bool(m.buttons), timeout=REPLY_TIMEOUT
        )
        assert "✅ Confirm" in card.button_texts and shown_line(card), card.visible
        kept = shown_line(card)
        chat.press("✅ Confirm", message_id=card.message_id)
        await card_moved(fake_api, card)
        assert_clean_exit(first, await first.terminate())

    async with bot_process(fake_api, tmp_path, "second", DEFAULT_THRESHOLD="100") as second:
        for _ in range(len(CLEAN) - 1):
            current = fake_api.bot_message(chat.chat_id, card.message_id)
            assert current is not None and current.buttons, current
            label = "✅ Confirm" if "✅ Confirm" in current.button_texts else "🗑 Drop"
            query = chat.press(label, message_id=card.message_id)
            answer = await chat.await_callback_answer(query, timeout=REPLY_TIMEOUT)
            assert "out of date" not in (answer.text or "")
            await card_moved(fake_api, current)
        final = await chat.await_reply(
            lambda m: (
                not questions(m)
                and "Read in" not in m.visible
                and kept in m.visible
                and m.message_id > card.message_id
            ),
            timeout=REPLY_TIMEOUT,
        )
        assert kept in final.visible, "a line confirmed before the restart must stay in the note"
        for msg in chat.bot_messages():
            assert not questions(msg), "no live buttons on a finished review"
        assert_clean_exit(second, await second.terminate())


async def test_sigterm_while_a_photo_is_read_then_the_next_photo_works(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    chat = Conversation(fake_api, chat_id=4201)
    async with bot_process(fake_api, tmp_path, "first") as first:
        # getFile answers 2 s late: the stop comes while the job is in flight.
        fake_api.delay_method("getFile", 2)
        chat.send_photo(note_png(CLEAN))
        await fake_api.wait_for(lambda: fake_api.call_count("getFile") >= 1, timeout=REPLY_TIMEOUT)
        assert_clean_exit(first, await first.terminate())
    fake_api.delay_method("getFile", 0)
    # PTB's stop waits for the updates being handled: the photo in flight was answered with
    # its note before the process exited, and no error was shown.
    screen = [m.visible for m in chat.bot_messages()]
    assert any(is_note(m, CLEAN) for m in chat.bot_messages()), screen
    assert not any("⚠️" in text or "went wrong" in text.lower() for text in screen), screen

    async with bot_process(fake_api, tmp_path, "second") as second:
        chat.send_photo(note_png(CLEAN[::-1]))
        await chat.await_reply(lambda m: is_note(m, CLEAN), timeout=REPLY_TIMEOUT)
        assert_clean_exit(second, await second.terminate())


async def test_missing_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    setting_names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in setting_names}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), EXIT_TIMEOUT)
    assert proc.returncode == 2
    assert out == b""
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0], lines
