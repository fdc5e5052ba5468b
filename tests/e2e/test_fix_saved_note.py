"""✏️ Fix a line of a saved note: from /notes or from the final note, the review card goes over
every line from line 1 (Edit / Confirm / Drop / Done); saving changes the stored note, what
/search finds, /export and the searchable PDF; two fixes at once never lose one silently."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from testkit.drawing import note_png
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation
from tests.e2e.test_edit_in_place import card_after, copy_texts

LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
FIXED = "Call the doctor at 3 pm"


async def saved_note(chat: Conversation) -> BotMessage:
    """A clean note needs no checking: the final note comes at once, saved."""
    chat.send_photo(note_png(LINES))
    return await chat.await_reply(contains="Your note (3 lines), saved", timeout=60)


async def open_from_notes(chat: Conversation) -> BotMessage:
    chat.send_command("notes")
    listing = await chat.await_reply(contains="Your notes")
    opener = next(t for t in listing.button_texts if t.startswith("📄"))
    chat.press(opener, message_id=listing.message_id)
    return await chat.await_reply(lambda m: "✏️ Fix a line" in m.button_texts)


async def fix_card(chat: Conversation, note: BotMessage) -> BotMessage:
    chat.press("✏️ Fix a line", message_id=note.message_id)
    return await card_after(chat, "Fixing your note")


async def pressed(chat: Conversation, label: str, card: BotMessage) -> None:
    answer = await chat.await_callback_answer(chat.press(label, message_id=card.message_id))
    assert "out of date" not in (answer.text or ""), answer


def pdftotext(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


async def test_a_note_fixed_from_notes_is_found_by_its_new_word_and_exported(
    bot: Any, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    chat = Conversation(fake_api, chat_id=16101)
    final = await saved_note(chat)
    assert final.button_texts == ["✏️ Fix a line"]
    note = await open_from_notes(chat)
    card = await fix_card(chat, note)
    # Every line, from line 1, the whole reading ready to copy.
    assert card.visible.startswith("✏️ Fixing your note · line 1 of 3\n" + LINES[0])
    assert copy_texts(card) == [("✏️ Edit", LINES[0])]
    assert card.button_texts == ["✏️ Edit", "✅ Confirm", "🗑 Drop", "✔️ Done"]
    await pressed(chat, "✅ Confirm", card)
    moved = await card_after(chat, "line 2 of 3")
    assert copy_texts(moved) == [("✏️ Edit", LINES[1])]
    chat.send_text(FIXED)  # pasted from ✏️ Edit, "dentist" corrected
    moved = await card_after(chat, "Line 2 replaced.")
    assert "line 3 of 3" in moved.visible
    await pressed(chat, "✔️ Done", card)
    done = await chat.await_reply(contains="Your note (3 lines), saved")
    assert done.visible.splitlines()[1:] == [LINES[0], FIXED, LINES[2]]
    tally = fake_api.bot_message(16101, card.message_id)
    assert tally is not None and "Note saved. Changed: 1 · dropped: 0" in tally.visible
    assert not tally.buttons

    chat.send_command("search", "doctor")
    found = await chat.await_reply(contains="Found 1")
    assert FIXED in found.visible
    chat.send_command("search", "dentist")
    await chat.await_reply(contains="No notes match")

    chat.send_command("export", "txt")
    sent = await chat.await_reply(lambda m: m.document is not None)
    assert sent.document is not None
    text = sent.document.data.decode("utf-8")
    assert FIXED in text and "dentist" not in text

    chat.send_command("export", "pdf")
    sent = await chat.await_reply(lambda m: m.document is not None, timeout=60)
    assert sent.document is not None
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(sent.document.data)
    layer = pdftotext(pdf)
    assert "doctor" in layer and "dentist" not in layer, layer


async def test_the_final_notes_fix_button_drops_a_line(bot: Any, fake_api: FakeBotApi) -> None:
    chat = Conversation(fake_api, chat_id=16102)
    final = await saved_note(chat)
    card = await fix_card(chat, final)
    await pressed(chat, "🗑 Drop", card)
    await card_after(chat, "line 2 of 3")
    await pressed(chat, "✔️ Done", card)
    done = await chat.await_reply(contains="Your note (2 lines), saved")
    assert done.visible.splitlines()[1:] == list(LINES[1:])
    chat.send_command("search", "milk")
    await chat.await_reply(contains="No notes match")


async def test_two_fixes_at_once_are_merged_or_refused_never_lost(
    bot: Any, fake_api: FakeBotApi
) -> None:
    # Two devices of one user: each opens a fix of the same saved note before either is done.
    chat = Conversation(fake_api, chat_id=16103)
    final = await saved_note(chat)
    first = await fix_card(chat, final)
    chat.send_text("Buy oat milk and eggs tomorrow")  # the newest card takes sent text
    await card_after(chat, "Line 1 replaced.")
    second = await fix_card(chat, final)
    assert second.message_id != first.message_id
    await pressed(chat, "✅ Confirm", second)
    await card_after(chat, "line 2 of 3")
    chat.send_text(FIXED)
    await card_after(chat, "Line 2 replaced.")
    third = await fix_card(chat, final)
    chat.send_text("Buy rice tomorrow")  # line 1 again, differently
    await card_after(chat, "Line 1 replaced.")

    # All three are done at once.
    for card in (first, second, third):
        chat.press("✔️ Done", message_id=card.message_id)
    await fake_api.wait_for(
        lambda: all(
            "Note saved" in (fake_api.bot_message(16103, c.message_id) or c).visible
            for c in (first, second, third)
        ),
        timeout=30,
    )
    # The two that changed different lines both hold; the third changed a line another fix
    # had changed first, and is told so, with the text it sent.
    chat.send_command("notes")
    listing = await chat.await_reply(contains="Your notes")
    chat.press(next(t for t in listing.button_texts if t.startswith("📄")))
    note = await chat.await_reply(lambda m: "✏️ Fix a line" in m.button_texts)
    body = note.visible.splitlines()[1:]
    refused = [
        (fake_api.bot_message(16103, c.message_id) or c).visible for c in (first, second, third)
    ]
    conflicts = [v for v in refused if "was changed elsewhere meanwhile" in v]
    assert FIXED in body and LINES[2] in body, body
    # Whichever of the two line-1 fixes was written first holds; the other is refused, aloud.
    assert len(conflicts) == 1, refused
    if "Buy oat milk and eggs tomorrow" in body:
        assert "Line 1 was changed elsewhere meanwhile" in conflicts[0]
        assert "Buy rice tomorrow" in conflicts[0]
    else:
        assert "Buy rice tomorrow" in body and "Buy oat milk and eggs tomorrow" in conflicts[0]
