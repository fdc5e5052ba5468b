"""Edit in place: the review card's ✏️ Edit button copies the line as read; the user pastes it,
fixes the wrong letters and sends it, and the card takes that text as the line."""

from __future__ import annotations

from typing import Any

from testkit.drawing import note_png
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation

LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


def copy_texts(msg: BotMessage) -> list[tuple[str, str]]:
    """The message's copy-text buttons as (label, text copied)."""
    rows = (msg.reply_markup or {}).get("inline_keyboard") or []
    return [(b["text"], b["copy_text"]["text"]) for row in rows for b in row if "copy_text" in b]


def shown_line(msg: BotMessage) -> str:
    """The reading the review card shows under its title."""
    return msg.visible.splitlines()[-2] if msg.visible.count("\n") >= 2 else ""


async def card_after(chat: Conversation, contains: str) -> BotMessage:
    return await chat.await_reply(lambda m: m.photo is not None, contains=contains, timeout=60)


async def strict_card(chat: Conversation) -> BotMessage:
    """A photo of three clean lines, every line up for checking (strictness 100)."""
    chat.send_command("strictness", "100")
    await chat.await_reply(contains="Strictness set")
    chat.send_photo(note_png(LINES))
    return await card_after(chat, "3 left")


async def test_the_edit_button_copies_exactly_the_line_as_read(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=16001)
    card = await strict_card(chat)
    assert copy_texts(card) == [("✏️ Edit", LINES[0])], card.reply_markup
    assert shown_line(card) == LINES[0]
    # One read tells a first-time user what to do with it.
    assert "Tap ✏️ Edit to copy the line, paste it into the message box, fix it and send." in (
        card.visible
    )
    # Retype / closer photo is still there, as before.
    assert "✏️ Retype / closer photo" in card.button_texts


async def test_sent_edited_text_replaces_the_line_the_card_shows(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=16002)
    card = await strict_card(chat)
    # Tapped ✏️ Edit, pasted, fixed a word, sent: no other tap needed.
    chat.send_text("Buy oat milk and eggs tomorrow")
    moved = await card_after(chat, "Line 1 replaced.")
    assert moved.message_id == card.message_id
    assert copy_texts(moved) == [("✏️ Edit", LINES[1])]
    # Pasted back unchanged: the line is kept as read.
    chat.send_text(LINES[1])
    moved = await card_after(chat, "Line 2 kept as read.")
    assert copy_texts(moved) == [("✏️ Edit", LINES[2])]
    chat.press("✅ Confirm", message_id=card.message_id)
    final = await chat.await_reply(contains="Your note (3 lines), saved")
    assert final.visible.splitlines()[1:] == ["Buy oat milk and eggs tomorrow", *LINES[1:]]
    tally = fake_api.bot_message(16002, card.message_id)
    assert tally is not None and "Kept: 2 · retyped: 1 · dropped: 0" in tally.visible
    # Still three messages for the photo: summary, card, final note.
    photo_messages = [m for m in chat.bot_messages() if "Strictness" not in m.visible]
    assert len(photo_messages) == 3, [m.visible for m in photo_messages]


async def test_retype_still_waits_for_the_text_or_a_closer_photo(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=16003)
    card = await strict_card(chat)
    chat.press("✏️ Retype / closer photo", message_id=card.message_id)
    asking = await card_after(chat, "Send the correct text")
    assert asking.button_texts == ["✖️ Cancel"] and not copy_texts(asking)
    chat.send_text("Buy bread")
    moved = await card_after(chat, "Line 1 replaced.")
    assert shown_line(moved) == LINES[1]
