"""A fixed note is written only at the revision it was read at: of two fixes at once, one
lands and the other learns it must merge (bot/review/fix.py)."""

from __future__ import annotations

import asyncio

from bot.storage import Database


async def test_a_fix_changes_text_search_and_updated_at_once_per_revision(db: Database) -> None:
    note_id = await db.notes.add_note(
        1,
        text="Call the dentist\nBuy milk",
        language="en",
        engine="t",
        file_ids=[],
        lines=[],
        idempotency_key="k",
    )
    before = await db.notes.get_note(1, note_id)
    assert before is not None and before.revision == 1
    lines = [{"text": "Call the doctor", "state": "replaced"}, {"text": "Buy milk"}]
    writes = [
        db.notes.update_note(
            1, note_id, text=f"{text}\nBuy milk", lines=lines, expected_revision=1
        )
        for text in ("Call the doctor", "Call the nurse")
    ]
    assert sorted(await asyncio.gather(*writes)) == [False, True]
    after = await db.notes.get_note(1, note_id)
    assert after is not None and after.revision == 2
    assert before.updated_at is not None and after.updated_at is not None
    assert after.updated_at > before.updated_at
    winner = after.text.splitlines()[0].split()[-1]
    assert [h.note_id for h in await db.notes.search(1, winner)] == [note_id]
    assert await db.notes.search(1, "dentist") == []
    # Another user's id, or a revision already passed: nothing is written.
    assert not await db.notes.update_note(2, note_id, text="x", lines=[], expected_revision=2)
    assert not await db.notes.update_note(1, note_id, text="x", lines=[], expected_revision=1)
