"""A user sends a photo of notes and works through the review, as in chat."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import Conversation
from tests.fakes.bot_api import BotMessage, FakeBotApi
from tests.support.drawing import NOTE_LINES, note_png, scribbled_note, to_bytes

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")


def _line_messages(chat: Conversation) -> list[BotMessage]:
    """Messages for single flagged lines: they carry a Resend button."""
    return [m for m in chat.bot_messages() if any("Resend" in t for t in m.button_texts)]


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
    assert not done.buttons
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
    assert [m.message_id for m in rest] == [final.message_id]
    assert not final.buttons


async def test_review_messages_come_in_reading_order(bot: Any, fake_api: FakeBotApi) -> None:
    # Summary (the reply to the photo), the boxed picture, each line to check, the controls.
    chat = Conversation(fake_api, chat_id=1009)
    photo = chat.send_photo(_mixed_note())
    controls = await chat.await_reply(contains="keeps a line as read", timeout=60)
    summary, picture, *lines, last = chat.bot_messages()
    assert summary.reply_to_message_id == photo["message_id"]
    assert "Read in English" in summary.visible and "Buy milk" in summary.visible
    assert picture.photo is not None and "boxed" in (picture.caption or "")
    assert lines and all(any("Resend" in t for t in m.button_texts) for m in lines)
    assert last.message_id == controls.message_id


async def test_confirm_and_resend_reach_the_final_note(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1002)
    chat.send_photo(_mixed_note())
    controls = await chat.await_reply(contains="keeps a line as read", timeout=60)
    lines = _line_messages(chat)
    assert lines, "the scribbled line must be shown for checking"
    accepted = "\n".join(m.visible for m in chat.bot_messages())
    assert "Buy milk and eggs tomorrow" in accepted
    # Resend the first flagged line with typed text.
    first = lines[0]
    chat.press("🔁 Resend", message_id=first.message_id)
    await chat.await_reply(contains="Send the correct text")
    chat.send_text("Water the plants")
    # Confirm (or drop) every other flagged line.
    for msg in lines[1:]:
        current = fake_api.bot_message(1002, msg.message_id)
        assert current is not None
        texts = current.button_texts
        chat.press("✅ Confirm" if "✅ Confirm" in texts else "🗑 Drop", message_id=msg.message_id)
    final = await chat.await_reply(
        lambda m: "Water the plants" in m.visible and "Buy milk" in m.visible, timeout=30
    )
    assert final.visible.splitlines()[-4:] == [
        "Buy milk and eggs tomorrow",
        "Call the dentist at 3 pm",
        "Water the plants",
        "Read chapter five again",
    ]
    ctl = fake_api.bot_message(1002, controls.message_id)
    assert ctl is not None and not ctl.buttons
    for msg in lines:
        now = fake_api.bot_message(1002, msg.message_id)
        assert now is not None and not now.buttons, "no live buttons remain on a finished review"


async def test_old_button_answers_with_notice(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=1003)
    chat.send_photo(_mixed_note())
    await chat.await_reply(contains="keeps a line as read", timeout=60)
    line = _line_messages(chat)[0]
    data = next(d for row in line.buttons for t, d in row if "Resend" in t)
    chat.send_command("cancel")
    await chat.await_reply(contains="cancelled")
    qid = fake_api.user_presses(1003, 1003, line.message_id, data, strict=False)
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
