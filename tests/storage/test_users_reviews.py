"""User settings and open review sessions round-trip, also across a restart."""

from __future__ import annotations

import pytest

from bot.storage import Database, UserSettings, open_database


async def test_settings_default_to_none_and_are_kept(db: Database) -> None:
    assert await db.users.get_settings(1) == UserSettings(language=None, threshold=None)

    await db.users.set_language(1, "vi")
    assert await db.users.get_settings(1) == UserSettings(language="vi", threshold=None)
    await db.users.set_threshold(1, 80)
    await db.users.set_language(1, "zh")
    assert await db.users.get_settings(1) == UserSettings(language="zh", threshold=80)
    assert await db.users.get_settings(2) == UserSettings()


async def test_interface_language_is_kept_and_forgetting_clears_what_was_read(
    db: Database, db_url: str
) -> None:
    await db.users.set_interface(3, "vi")
    assert await db.users.get_settings(3) == UserSettings(interface="vi")
    # Read once (now from memory), then changed: the change shows at once.
    await db.users.set_language(3, "zh")
    assert await db.users.get_settings(3) == UserSettings(language="zh", interface="vi")
    await db.notes.forget_user(3)
    assert await db.users.get_settings(3) == UserSettings()
    await db.users.set_interface(3, "zh")
    # Another process (a restart) reads the same from the database.
    other = await open_database(db_url)
    try:
        assert await other.users.get_settings(3) == UserSettings(interface="zh")
    finally:
        await other.close()


async def test_threshold_outside_0_to_100_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        await db.users.set_threshold(1, 101)
    assert await db.users.get_settings(1) == UserSettings()


async def test_review_session_survives_a_restart(db: Database, db_url: str) -> None:
    data = {"lines": [{"text": "Xin chào", "state": "flagged", "confidence": None}], "rev": 3}
    await db.reviews.save_review("s1", 5, 500, data)
    await db.close()

    reopened = await open_database(db_url)
    try:
        assert await reopened.reviews.load_review("s1") == data
        assert await reopened.reviews.open_review_for(5, 500) == ("s1", data)
    finally:
        await reopened.close()


async def test_latest_review_of_the_chat_is_the_open_one(db: Database) -> None:
    await db.reviews.save_review("old", 5, 500, {"n": 1})
    await db.reviews.save_review("other-chat", 5, 600, {"n": 2})
    await db.reviews.save_review("new", 5, 500, {"n": 3})
    assert await db.reviews.open_review_for(5, 500) == ("new", {"n": 3})
    assert await db.reviews.open_review_for(6, 500) is None

    await db.reviews.save_review("old", 5, 500, {"n": 4})  # touched again -> latest
    assert await db.reviews.open_review_for(5, 500) == ("old", {"n": 4})

    await db.reviews.delete_review("old")
    assert await db.reviews.load_review("old") is None
    assert await db.reviews.open_review_for(5, 500) == ("new", {"n": 3})
    await db.reviews.delete_review("missing")  # deleting twice is harmless


async def test_another_users_save_cannot_take_over_a_session(db: Database) -> None:
    await db.reviews.save_review("s1", 5, 500, {"owner": "five"})
    await db.reviews.save_review("s1", 6, 600, {"owner": "six"})
    assert await db.reviews.load_review("s1") == {"owner": "five"}
    assert await db.reviews.open_review_for(6, 600) is None


async def test_a_review_kept_in_memory_follows_every_write(db: Database) -> None:
    # One process owns the database: reads come from memory, and say what the database says.
    first = await db.reviews.save_review("m1", 7, 700, {"line": "as read"})
    assert await db.reviews.load_review("m1") == {"line": "as read"}
    loaded = await db.reviews.load("m1")
    assert loaded is not None and loaded.revision == first
    loaded.data["line"] = "changed by the caller, not written"
    assert await db.reviews.load_review("m1") == {"line": "as read"}
    assert await db.reviews.update_review("m1", {"line": "fixed"}, first)
    # A change from the old revision loses, and the review stays as the winner wrote it.
    assert not await db.reviews.update_review("m1", {"line": "stale"}, first)
    now = await db.reviews.load("m1")
    assert now is not None and (now.data, now.revision) == ({"line": "fixed"}, first + 1)
    await db.notes.forget_user(7)
    assert await db.reviews.load("m1") is None
    await db.reviews.save_review("m2", 7, 700, {"line": "again"})
    assert await db.reviews.delete_review("m2")
    assert await db.reviews.load("m2") is None


async def test_a_revoked_token_is_refused_at_once(db: Database) -> None:
    token = await db.tokens.create(8)
    assert await db.tokens.user_of(token) == 8
    assert await db.tokens.user_of(token) == 8  # from memory now
    assert await db.tokens.revoke_all(8) == 1
    assert await db.tokens.user_of(token) is None
    again = await db.tokens.create(8)
    assert await db.tokens.user_of(again) == 8
    await db.notes.forget_user(8)
    assert await db.tokens.user_of(again) is None
