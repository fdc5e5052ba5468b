"""One user can never see, find or delete another user's notes; /forget removes only theirs."""

from __future__ import annotations

from sqlalchemy import text

from bot.storage import Database

ALICE, BOB = 1001, 2002


async def _add(db: Database, user_id: int, text_: str, key: str) -> int:
    return await db.notes.add_note(
        user_id,
        text=text_,
        language="en",
        engine="tesseract",
        file_ids=["f"],
        lines=[{"text": text_, "state": "confirmed", "confidence": 0.9}],
        idempotency_key=key,
    )


async def test_other_user_cannot_get_search_list_or_delete_a_note(db: Database) -> None:
    secret = await _add(db, ALICE, "Alice's bank PIN reminder", "a1")

    assert await db.notes.get_note(BOB, secret) is None
    assert await db.notes.search(BOB, "bank") == []
    assert await db.notes.list_notes(BOB, 0, 10) == ([], 0)
    assert await db.notes.delete_note(BOB, secret) is False
    assert await db.notes.get_notes(BOB) == []
    assert await db.notes.get_notes(BOB, [secret]) == []

    # Alice still has it, untouched.
    note = await db.notes.get_note(ALICE, secret)
    assert note is not None and note.text == "Alice's bank PIN reminder"
    assert [h.note_id for h in await db.notes.search(ALICE, "bank")] == [secret]


async def test_same_idempotency_key_of_two_users_gives_two_notes(db: Database) -> None:
    a = await _add(db, ALICE, "alpha", "shared-key")
    b = await _add(db, BOB, "beta", "shared-key")
    assert a != b
    bob_note = await db.notes.get_note(BOB, b)
    assert bob_note is not None and bob_note.text == "beta"


async def _count(db: Database, sql: str, **params: object) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def test_forget_user_leaves_nothing_of_them_and_everything_of_others(db: Database) -> None:
    for i in range(3):
        await _add(db, ALICE, f"alice zebraword note {i}", f"a{i}")
    bob_note = await _add(db, BOB, "bob zebraword note", "b0")
    await db.users.set_language(ALICE, "vi")
    await db.users.set_threshold(BOB, 60)
    await db.reviews.save_review("sess-a", ALICE, 10, {"lines": ["x"]})
    await db.reviews.save_review("sess-b", BOB, 20, {"lines": ["y"]})

    await db.notes.forget_user(ALICE)

    for table in ("notes", "user_settings", "review_sessions"):
        assert await _count(db, f"SELECT count(*) FROM {table} WHERE user_id = :u", u=ALICE) == 0
        assert await _count(db, f"SELECT count(*) FROM {table} WHERE user_id = :u", u=BOB) == 1
    if db.dialect == "sqlite":
        # The FTS5 index itself (not just the notes table) has forgotten Alice's words.
        assert await _count(db, "SELECT count(*) FROM notes_fts_docsize") == 1
        matched = "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'zebraword'"
        async with db.engine.connect() as conn:
            assert [r[0] for r in await conn.execute(text(matched))] == [bob_note]
    assert await db.notes.search(ALICE, "zebraword") == []
    assert [h.note_id for h in await db.notes.search(BOB, "zebraword")] == [bob_note]
    assert (await db.users.get_settings(ALICE)).language is None
    assert (await db.users.get_settings(BOB)).threshold == 60
    assert await db.reviews.load_review("sess-a") is None
    assert await db.reviews.load_review("sess-b") == {"lines": ["y"]}
