"""One user's slow photo must not make the bot slow for anyone else.

A test double wraps the real Tesseract engine and holds chosen photos on an ``asyncio.Event``,
so "user A's photo is still being read" is a state the test controls, not a timing guess.
"""

from __future__ import annotations

import asyncio

from bot.app import build_application
from bot.config import Settings
from bot.ocr.engines import tesseract_engine
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.recognizers import HoldingRecognizer

NOTE_A = ("Pick up the parcel", "Send the invoice today")
NOTE_B = ("Book the train tickets", "Ask Anna about Friday")


async def shows_all(chat: Conversation, *texts: str) -> None:
    """Wait until every text is on screen in the chat, in the sure text or as a line to check
    (a line may be flagged, so it need not share a message with the others)."""

    def seen() -> bool:
        screen = "\n".join(m.visible for m in chat.bot_messages())
        return all(t in screen for t in texts)

    await chat.fake.wait_for(seen, timeout=60)


async def test_second_user_is_served_while_first_photo_is_read(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    recognizer = HoldingRecognizer(tesseract_engine(bot_settings))
    image_a = note_png(NOTE_A)
    release_a = recognizer.hold(image_a)
    app = build_application(bot_settings, recognizer=recognizer)
    async with running_bot(app):
        alice = Conversation(fake_api, chat_id=3001)
        bob = Conversation(fake_api, chat_id=3002)
        alice.send_photo(image_a)
        await asyncio.wait_for(recognizer.entered[image_a].wait(), timeout=30)
        await alice.await_reply(contains="Reading")  # A sees progress, not silence

        # While A's photo is being read, B's command and B's photo are answered.
        bob.send_command("start")
        await bob.await_reply(contains="Send me a photo")
        bob.send_photo(note_png(NOTE_B))
        await shows_all(bob, "Read in English", "Book the train tickets", "Ask Anna")
        assert not release_a.is_set()
        assert not any("Pick up the parcel" in m.visible for m in alice.bot_messages())

        release_a.set()
        await shows_all(alice, "Read in English", "Pick up the parcel", "Send the invoice")
        # Nobody's note leaked into the other chat.
        assert not any("Pick up the parcel" in m.visible for m in bob.bot_messages())
        assert not any("Book the train" in m.visible for m in alice.bot_messages())
