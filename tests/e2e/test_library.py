"""The notes library as a user meets it: a confirmed note is listed, opened, found, exported,
deleted, and forgotten; nobody else can reach it by forging button data."""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.review.callbacks import NoteAction, pack
from testkit.buttons import questions
from testkit.drawing import note_png
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation

# The third line carries the word the user later searches for.
LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Water the orchids")


def _rows(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the bot's SQLite file directly, as an operator checking a deletion would."""
    path = Path(settings.effective_database_url.split(":///", 1)[1])
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql, params))


async def _confirmed_note(chat: Conversation) -> BotMessage:
    """A clean drawn note needs no checking: the final note arrives and is stored."""
    chat.send_photo(note_png(LINES))
    return await chat.await_reply(
        lambda m: all(line in m.visible for line in LINES) and not questions(m), timeout=60
    )


async def _list_notes(chat: Conversation) -> BotMessage:
    """/notes, asked again while the just-finished note is still being saved (the bot sends
    the final note first, then stores it)."""
    for _ in range(20):
        chat.send_command("notes")
        reply = await chat.await_reply(
            lambda m: "Your notes" in m.visible or "no saved notes" in m.visible
        )
        if "Your notes" in reply.visible:
            return reply
    raise AssertionError("the confirmed note never appeared in /notes")


def _changed_since(chat: Conversation, mark: int) -> BotMessage | None:
    return next((m for m in reversed(chat.bot_messages()) if m.revision > mark), None)


async def _seed(app: Any, user_id: int, count: int) -> None:
    """More notes without more OCR runs (the machine is shared): straight into the store."""
    db = app.bot_data["services"].db
    for i in range(count):
        await db.notes.add_note(
            user_id,
            text=f"Seeded note number {i}\nsecond line",
            language="en",
            engine="test",
            file_ids=[],
            lines=[],
            idempotency_key=f"seed-{i}",
        )


async def test_note_is_listed_opened_found_exported_and_forgotten(
    bot: Any, fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    chat = Conversation(fake_api, chat_id=2001)
    await _confirmed_note(chat)

    listing = await _list_notes(chat)
    assert "Buy milk and eggs tomorrow" in listing.visible
    assert not any(t in ("◀", "▶") for t in listing.button_texts), "one note needs no paging"
    opener = next(t for t in listing.button_texts if t.startswith("📄"))

    # 📄 opens the full text and sends the original photo again.
    photos_before = [m for m in chat.bot_messages() if m.photo is not None]
    chat.press(opener, message_id=listing.message_id)
    full = await chat.await_reply(contains="Water the orchids")
    assert all(line in full.visible for line in LINES)
    assert "🗑 Delete this note" in full.button_texts
    photos = [m for m in chat.bot_messages() if m.photo is not None]
    assert len(photos) == len(photos_before) + 1
    sent_by_user = fake_api.calls  # the re-sent photo is the user's own file, by file_id
    assert any(
        name == "sendPhoto" and str(p.get("photo", "")).startswith("FILE")
        for name, p in sent_by_user
    )

    # /search a word from the third line: found, with the match in bold.
    chat.send_command("search", "orchids")
    found = await chat.await_reply(contains="Found 1")
    assert "<b>orchids</b>" in found.body.lower() or "<b>Orchids</b>" in found.body
    assert "Water the" in found.visible

    # /export in the three formats.
    for args, suffix in (("", ".md"), ("json", ".json"), ("txt", ".txt")):
        chat.send_command("export", args)
        sent = await chat.await_reply(lambda m: m.document is not None)
        assert sent.document is not None
        assert (sent.document.file_name or "").endswith(suffix)
        content = sent.document.data.decode("utf-8")
        assert "Water the orchids" in content
        if suffix == ".json":
            json.loads(content)  # a real JSON file, not text that looks like one

    # /forget, then "Yes": search finds nothing and the rows are gone from the database.
    chat.send_command("forget")
    await chat.await_reply(contains="Delete all your notes")
    chat.press("🗑 Yes, delete everything")
    await chat.await_reply(contains="all your notes and settings are deleted")
    chat.send_command("search", "orchids")
    await chat.await_reply(contains="No notes match")
    assert _rows(bot_settings, "SELECT id FROM notes WHERE user_id = ?", 2001) == []
    assert _rows(bot_settings, "SELECT user_id FROM user_settings WHERE user_id = ?", 2001) == []
    assert _rows(bot_settings, "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'orchids'") == []
    chat.send_command("notes")
    await chat.await_reply(contains="no saved notes")


async def test_forget_can_be_declined(
    bot: Any, fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    await _seed(bot, 2002, 1)
    chat = Conversation(fake_api, chat_id=2002)
    chat.send_command("forget")
    await chat.await_reply(contains="Delete all your notes")
    chat.press("Keep my notes")
    await chat.await_reply(contains="Nothing was deleted")
    assert len(_rows(bot_settings, "SELECT id FROM notes WHERE user_id = ?", 2002)) == 1


async def test_more_than_five_notes_are_paged(bot: Any, fake_api: FakeBotApi) -> None:
    await _seed(bot, 2003, 7)
    chat = Conversation(fake_api, chat_id=2003)
    chat.send_command("notes")
    first = await chat.await_reply(contains="Your notes")
    assert "1-5 of 7" in first.visible
    assert "▶" in first.button_texts and "◀" not in first.button_texts
    assert sum(t.startswith("📄") for t in first.button_texts) == 5
    chat.press("▶", message_id=first.message_id)
    second = await chat.await_reply(contains="6-7 of 7")
    assert second.message_id == first.message_id, "paging edits the list in place"
    assert "◀" in second.button_texts and "▶" not in second.button_texts
    chat.press("◀", message_id=first.message_id)
    await chat.await_reply(contains="1-5 of 7")


async def test_note_can_be_deleted_from_its_view(
    bot: Any, fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    await _seed(bot, 2004, 2)
    chat = Conversation(fake_api, chat_id=2004)
    chat.send_command("notes")
    listing = await chat.await_reply(contains="Your notes")
    chat.press(next(t for t in listing.button_texts if t.startswith("📄")))
    view = await chat.await_reply(lambda m: "🗑 Delete this note" in m.button_texts)
    chat.press("🗑 Delete this note", message_id=view.message_id)
    await chat.await_reply(contains="Note deleted")
    assert len(_rows(bot_settings, "SELECT id FROM notes WHERE user_id = ?", 2004)) == 1
    chat.send_command("notes")
    assert "1-1 of 1" in (await chat.await_reply(contains="Your notes")).visible


async def test_another_user_cannot_open_or_delete_a_note_by_forged_data(
    bot: Any, fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    await _seed(bot, 2005, 1)
    (note_id,) = _rows(bot_settings, "SELECT id FROM notes WHERE user_id = ?", 2005)[0]
    mallory = Conversation(fake_api, chat_id=2006)
    mallory.send_command("notes")
    own = await mallory.await_reply(contains="no saved notes")

    for action in (NoteAction.open(note_id), NoteAction.delete(note_id)):
        mark = fake_api.revision
        qid = fake_api.user_presses(2006, 2006, own.message_id, pack(action), strict=False)
        await mallory.await_callback_answer(qid)
        reply = await fake_api.wait_for(functools.partial(_changed_since, mallory, mark))
        assert "no longer exists" in reply.visible
        assert "Seeded note" not in reply.visible

    assert not any(m.photo or "Seeded note" in m.visible for m in mallory.bot_messages())
    assert len(_rows(bot_settings, "SELECT id FROM notes WHERE user_id = ?", 2005)) == 1


async def test_note_from_a_file_opens_when_telegram_refuses_it_as_photo(
    bot: Any, fake_api: FakeBotApi
) -> None:
    chat = Conversation(fake_api, chat_id=2007)
    original = note_png(LINES)
    chat.send_document(original, "note.png", "image/png")
    await chat.await_reply(lambda m: all(line in m.visible for line in LINES), timeout=60)
    listing = await _list_notes(chat)
    # Telegram refuses a document's file_id in sendPhoto.
    fake_api.fail_method("sendPhoto", description="Bad Request: type of file mismatch")
    chat.press(next(t for t in listing.button_texts if t.startswith("📄")))
    await chat.await_reply(
        lambda m: "🗑 Delete this note" in m.button_texts and "Water the orchids" in m.visible
    )
    resent = [m.document for m in chat.bot_messages() if m.document is not None]
    assert [d.data for d in resent] == [original], "the page comes back as the file it was"


async def test_long_note_opens_in_several_messages(bot: Any, fake_api: FakeBotApi) -> None:
    long_text = "\n".join(f"Line {i}: " + "words & <more> words " * 6 for i in range(60))
    assert len(long_text) > 6000
    await bot.bot_data["services"].db.notes.add_note(
        2008,
        text=long_text,
        language="en",
        engine="test",
        file_ids=[],
        lines=[],
        idempotency_key="long",
    )
    chat = Conversation(fake_api, chat_id=2008)
    chat.send_command("notes")
    listing = await chat.await_reply(contains="Your notes")
    chat.press(next(t for t in listing.button_texts if t.startswith("📄")))
    last = await chat.await_reply(lambda m: "🗑 Delete this note" in m.button_texts)
    parts = [m for m in chat.bot_messages() if m.message_id > listing.message_id]
    assert len(parts) >= 2 and parts[-1].message_id == last.message_id
    shown = "".join(m.visible for m in parts)
    assert "Line 0: words & <more> words" in shown and "Line 59:" in shown


async def test_paging_past_deleted_notes_shows_the_last_page(
    bot: Any, fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    await _seed(bot, 2009, 6)
    chat = Conversation(fake_api, chat_id=2009)
    chat.send_command("notes")
    first = await chat.await_reply(contains="1-5 of 6")
    db = bot.bot_data["services"].db
    for (note_id,) in _rows(bot_settings, "SELECT id FROM notes WHERE user_id = ?", 2009)[:2]:
        await db.notes.delete_note(2009, note_id)
    chat.press("▶", message_id=first.message_id)
    page = await chat.await_reply(contains="of 4")
    assert "1-4 of 4" in page.visible
    assert sum(t.startswith("📄") for t in page.button_texts) == 4
