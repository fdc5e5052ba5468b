"""A user sends a photo of notes and works through the review, as in chat."""

from __future__ import annotations

from typing import Any

from testkit.buttons import questions
from testkit.drawing import NOTE_LINES, note_png, scribbled_note, to_bytes
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


def _card(chat: Conversation) -> BotMessage | None:
    """The review card: the photo message with the Retype button."""
    return next(
        (m for m in chat.bot_messages() if m.photo and any("Retype" in t for t in m.button_texts)),
        None,
    )


def _line_messages(chat: Conversation) -> list[BotMessage]:
    """Messages about single lines to check: only ever the one review card."""
    return [m for m in chat.bot_messages() if any("Retype" in t for t in m.button_texts)]


async def _card_moved(fake: FakeBotApi, chat_id: int, message_id: int, revision: int) -> None:
    """Wait until the card has changed since ``revision`` (it moves on by editing itself)."""

    def moved() -> bool:
        msg = fake.bot_message(chat_id, message_id)
        return msg is not None and msg.revision > revision

    await fake.wait_for(moved, timeout=30)


def _mixed_note() -> bytes:
    """Three clean printed lines and one faint, blurred scribble the reader cannot trust."""
    return to_bytes(scribbled_note(CLEAN))


async def test_clean_photo_gives_final_note_at_once(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1001)
    chat.send_photo(note_png(CLEAN))
    final = await chat.await_reply(contains="Call the dentist", timeout=60)
    done = await chat.await_reply(
        lambda m: (
            "Buy milk and eggs tomorrow" in m.visible and "Read chapter five again" in m.visible
        ),
        timeout=30,
    )
    assert not questions(done)
    assert final is not None
    assert ("1001", "typing") in [(str(c), a) for c, a in fake_api.chat_actions] or any(
        a == "typing" for _, a in fake_api.chat_actions
    )
    assert not _line_messages(chat)


async def test_the_summary_answers_the_photo_where_the_status_was(
    bot: Any, fake_api: FakeBotApi
) -> None:
    # The status the user got at once turns into the summary: it stays the reply to the
    # photo, and no "Reading" or "Done" message is left behind in the chat.
    chat = Conversation(fake_api, chat_id=1008)
    photo = chat.send_photo(note_png(CLEAN))
    final = await chat.await_reply(
        lambda m: all(line in m.visible for line in CLEAN) and "Read in" not in m.visible,
        timeout=60,
    )
    summary, *rest = chat.bot_messages()
    assert summary.reply_to_message_id == photo["message_id"]
    assert summary.visible.startswith("📝 Read in English")
    assert final.visible.startswith("📝 Your note (3 lines), saved:")
    assert [m.message_id for m in rest] == [final.message_id]
    # The saved note asks nothing; a line found wrong later is fixed from it.
    assert final.button_texts == ["✏️ Fix a line"]


async def test_review_messages_come_in_reading_order(bot: Any, fake_api: FakeBotApi) -> None:
    # Summary (the reply to the photo), then one review card: the crop of the line to check.
    chat = Conversation(fake_api, chat_id=1009)
    photo = chat.send_photo(_mixed_note())
    card = await chat.await_reply(
        lambda m: m.photo is not None, contains="please check", timeout=60
    )
    summary, last = chat.bot_messages()
    assert summary.reply_to_message_id == photo["message_id"]
    assert "Read in English" in summary.visible and "Buy milk" in summary.visible
    assert "to check" in summary.visible
    assert last.message_id == card.message_id and card.photo is not None
    assert card.visible.startswith("Line 3 · please check")
    assert card.button_texts[:4] == ["✏️ Edit", "✅ Confirm", "🗑 Drop", "✏️ Retype / closer photo"]


async def test_confirm_and_resend_reach_the_final_note(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1002)
    chat.send_photo(_mixed_note())
    await chat.await_reply(contains="please check", timeout=60)
    card = _card(chat)
    assert card is not None, "the scribbled line must be shown for checking"
    accepted = "\n".join(m.visible for m in chat.bot_messages())
    assert "Buy milk and eggs tomorrow" in accepted
    # Retype the line on the card: the card asks for the text in place, with a Cancel.
    chat.press("✏️ Retype / closer photo", message_id=card.message_id)
    asking = await chat.await_reply(contains="Send the correct text")
    assert asking.message_id == card.message_id and asking.button_texts == ["✖️ Cancel"]
    chat.send_text("Water the plants")
    await _card_moved(fake_api, 1002, card.message_id, asking.revision)
    # Confirm (or drop) whatever else the card shows, one tap per line.
    for _ in range(10):
        current = fake_api.bot_message(1002, card.message_id)
        assert current is not None
        texts = current.button_texts
        if "✏️ Retype / closer photo" not in texts:
            break
        chat.press("✅ Confirm" if "✅ Confirm" in texts else "🗑 Drop", message_id=card.message_id)
        await _card_moved(fake_api, 1002, card.message_id, current.revision)
    final = await chat.await_reply(
        lambda m: "Water the plants" in m.visible and "Buy milk" in m.visible, timeout=30
    )
    assert final.visible.splitlines()[-4:] == [
        "Buy milk and eggs tomorrow",
        "Call the dentist at 3 pm",
        "Water the plants",
        "Read chapter five again",
    ]
    assert final.visible.startswith("📝 Your note (4 lines), saved:")
    for msg in chat.bot_messages():
        assert not questions(msg), f"no live buttons remain on a finished review: {msg.visible!r}"
    done = fake_api.bot_message(1002, card.message_id)
    assert done is not None and "checked" in done.visible and "retyped: 1" in done.visible


async def test_old_button_answers_with_notice(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1003)
    chat.send_photo(_mixed_note())
    await chat.await_reply(contains="please check", timeout=60)
    card = _card(chat)
    assert card is not None
    data = next(d for row in card.buttons for t, d in row if "Retype" in t)
    chat.send_command("cancel")
    await chat.await_reply(contains="cancelled")
    closed = fake_api.bot_message(1003, card.message_id)
    assert closed is not None and not closed.buttons, "a cancelled review keeps no buttons"
    qid = fake_api.user_presses(1003, 1003, card.message_id, data, strict=False)
    answer = await fake_api.wait_for(
        lambda: next((a for a in fake_api.answered_callbacks if a.callback_query_id == qid), None)
    )
    assert "out of date" in (answer.text or "") or "finished" in (answer.text or "")


async def test_image_sent_as_file_is_read(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1004)
    chat.send_document(note_png(CLEAN), "note.png", "image/png")
    await chat.await_reply(contains="Call the dentist at 3 pm", timeout=60)


async def test_album_of_two_pages_becomes_one_note(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1005)
    chat.send_photo(note_png(NOTE_LINES[:3]), media_group_id="alb1")
    chat.send_photo(note_png(NOTE_LINES[3:]), media_group_id="alb1")
    # The album gathers for a moment before anything is read: "typing…" shows it arrived.
    await chat.await_reply(timeout=30)
    assert (1005, "typing") in fake_api.chat_actions, "typing shown before the first reply"
    final = await chat.await_reply(
        lambda m: "Buy milk" in m.visible and "Read chapter five again" in m.visible, timeout=90
    )
    assert "Meeting notes" in final.visible


async def test_broken_pdf_gets_a_short_refusal_and_bot_keeps_serving(
    bot: Any, fake_api: FakeBotApi
) -> None:
    # PDFs are read now (tests/e2e/test_documents.py); one that does not open is refused.
    chat = Conversation(fake_api, chat_id=1006)
    chat.send_document(b"%PDF-1.4\n%...", "notes.pdf", "application/pdf")
    await chat.await_reply(contains="cannot open this PDF")
    chat.send_command("start")
    await chat.await_reply(contains="Send me a photo")


async def test_commands_are_registered_and_strictness_validated(
    bot: Any, fake_api: FakeBotApi
) -> None:
    assert "strictness" in [c for c, _ in fake_api.commands]
    chat = Conversation(fake_api, chat_id=1007)
    chat.send_command("strictness", "150")
    await chat.await_reply(contains="0 to 100")
    chat.send_command("language", "xx")
    await chat.await_reply(contains="not available")
    chat.send_text("hello")
    await chat.await_reply(contains="Send me a photo")
