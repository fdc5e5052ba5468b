"""Resending a line as a closer photo, and notes longer than one Telegram message."""

from __future__ import annotations

from typing import Any

from bot.app import build_application
from bot.config import Settings
from bot.ocr.model import Box, Line, Page
from bot.ocr.recognizer import Ahead
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from tests.e2e.test_review_flow import _card, _mixed_note


async def test_closer_photo_of_a_line_is_offered_back_for_confirmation(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=2001)
    chat.send_photo(_mixed_note())
    await chat.await_reply(contains="please check", timeout=60)
    line = _card(chat)
    assert line is not None
    chat.press("✏️ Retype / closer photo", message_id=line.message_id)
    asking = await chat.await_reply(contains="closer photo of just this line")
    sent_before = len(chat.bot_messages())
    chat.send_photo(note_png(("Water the plants",)))
    offered = await chat.await_reply(
        lambda m: m.message_id == line.message_id and "Water the plants" in m.visible, timeout=60
    )
    assert offered.revision > asking.revision
    assert "✅ Confirm" in offered.button_texts, "the new reading still waits for the user"
    assert "Read line 3 again from your photo" in offered.visible
    assert len(chat.bot_messages()) == sent_before, "the card answers in place"
    chat.press("✅ Confirm", message_id=line.message_id)
    final = await chat.await_reply(
        lambda m: "Buy milk" in m.visible and "Water the plants" in m.visible, timeout=30
    )
    assert "Read chapter five again" in final.visible


class LongNoteRecognizer:
    """A recognizer that 'reads' a long, confident page, so the note outgrows one message."""

    engine_name = "scripted"

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def available_languages(self) -> list[str]:
        return ["en"]

    def ahead(self) -> int:
        return 0

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        lines = tuple(
            Line(text, 0.99, Box(10, 10 + 40 * i, 900, 30)) for i, text in enumerate(self.lines)
        )
        return Page("scripted", language, lines, 1000, 40 * len(lines) + 20)


async def test_long_note_is_split_and_sent_as_txt(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    lines = [f"{i:03d} a long line of notes with <tags> & ampersands" for i in range(130)]
    app = build_application(bot_settings, recognizer=LongNoteRecognizer(lines))
    async with running_bot(app):
        chat = Conversation(fake_api, chat_id=2002)
        chat.send_photo(note_png(("x",)))
        doc = await chat.await_reply(lambda m: m.document is not None, timeout=30)
    assert doc.document is not None
    assert doc.document.file_name is not None and doc.document.file_name.endswith(".txt")
    assert doc.document.data.decode("utf-8") == "\n".join(lines)
    texts = [m.visible for m in chat.bot_messages() if m.text]
    assert all(len(m.text or "") <= 4096 for m in chat.bot_messages())
    shown = "\n".join(texts)
    assert lines[0] in shown and lines[-1] in shown, "the whole note is readable in chat too"


async def test_someone_else_cannot_press_the_owners_buttons(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=2003)
    chat.send_photo(_mixed_note())
    await chat.await_reply(contains="please check", timeout=60)
    line = _card(chat)
    assert line is not None
    data = next(d for row in line.buttons for t, d in row if t == "✅ Confirm")
    assert data is not None
    # Another member of the (group) chat presses the owner's button.
    qid = fake_api.user_presses(2003, 777, line.message_id, data)
    answer = await fake_api.wait_for(
        lambda: next((a for a in fake_api.answered_callbacks if a.callback_query_id == qid), None)
    )
    assert "Only the person who sent this photo" in (answer.text or "")
    still = fake_api.bot_message(2003, line.message_id)
    assert still is not None and "✅ Confirm" in still.button_texts
