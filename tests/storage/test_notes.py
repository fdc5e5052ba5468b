"""Saving, listing, opening and deleting notes, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.storage import Database, open_database
from testkit.drawing import NOTE_LINES

LINES = [
    {"text": text, "state": "confirmed", "confidence": 0.9 - i / 100}
    for i, text in enumerate(NOTE_LINES)
]


async def _add(db: Database, user_id: int, text: str, key: str, **kwargs: object) -> int:
    return await db.notes.add_note(
        user_id,
        text=text,
        language="en",
        engine="tesseract",
        file_ids=["file-1"],
        lines=[],
        idempotency_key=key,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_added_note_is_listed_and_opened_with_everything_saved(db: Database) -> None:
    created = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    note_id = await db.notes.add_note(
        42,
        text="\n".join(NOTE_LINES),
        language="en",
        engine="aspose",
        file_ids=["AgAD-1", "AgAD-2"],
        lines=LINES,
        created_at=created,
        idempotency_key="review-1",
    )

    summaries, total = await db.notes.list_notes(42, 0, 10)
    assert total == 1
    assert [s.id for s in summaries] == [note_id]
    assert summaries[0].preview == NOTE_LINES[0]
    assert summaries[0].created_at == created

    note = await db.notes.get_note(42, note_id)
    assert note is not None
    assert note.text.splitlines() == list(NOTE_LINES)
    assert note.language == "en" and note.engine == "aspose"
    assert note.file_ids == ["AgAD-1", "AgAD-2"]
    assert note.lines == LINES
    assert note.created_at == created


async def test_list_is_newest_first_and_paged(db: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [
        await _add(db, 7, f"note number {i}", f"k{i}", created_at=start + timedelta(hours=i))
        for i in range(12)
    ]
    first, total = await db.notes.list_notes(7, 0, 5)
    second, _ = await db.notes.list_notes(7, 5, 5)
    last, _ = await db.notes.list_notes(7, 10, 5)
    assert total == 12
    assert [s.id for s in first + second + last] == ids[::-1]


async def test_same_review_saved_twice_is_one_note(db: Database) -> None:
    first = await _add(db, 1, "Call the dentist", "session-abc")
    again = await _add(db, 1, "Call the dentist", "session-abc")
    assert again == first
    _, total = await db.notes.list_notes(1, 0, 10)
    assert total == 1


async def test_deleted_note_is_gone_from_list_get_and_search(db: Database) -> None:
    keep = await _add(db, 1, "Pick up the dry cleaning", "a")
    gone = await _add(db, 1, "Read chapter five again", "b")

    assert await db.notes.delete_note(1, gone) is True
    assert await db.notes.delete_note(1, gone) is False
    assert await db.notes.get_note(1, gone) is None
    assert await db.notes.search(1, "chapter") == []
    summaries, total = await db.notes.list_notes(1, 0, 10)
    assert total == 1 and [s.id for s in summaries] == [keep]


async def test_notes_survive_reopening_the_database(db: Database, db_url: str) -> None:
    note_id = await _add(db, 5, "Finish the quarterly report", "k")
    await db.close()
    reopened = await open_database(db_url)
    try:
        note = await reopened.notes.get_note(5, note_id)
        assert note is not None and note.text == "Finish the quarterly report"
        assert [h.note_id for h in await reopened.notes.search(5, "quarterly")] == [note_id]
    finally:
        await reopened.close()


async def test_double_tap_on_save_at_the_same_moment_stores_one_note(db: Database) -> None:
    ids = await asyncio.gather(*(_add(db, 3, "Buy milk", "session-x") for _ in range(4)))
    assert len(set(ids)) == 1
    _, total = await db.notes.list_notes(3, 0, 10)
    assert total == 1
