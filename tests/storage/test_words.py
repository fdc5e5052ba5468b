"""Each user's vocabulary (issue 18): taught words add up, stay theirs, are capped, and are
forgotten by /forget (the words alone, or with everything else)."""

from __future__ import annotations

from bot.storage import Database
from bot.storage.words import HEAVIEST, KEPT

ALICE, BOB = 501, 502


async def test_taught_words_add_up_per_user(db: Database) -> None:
    await db.words.teach(ALICE, {"Priyanka": 3, "Nguyễn": 3, "milk": 1})
    await db.words.teach(ALICE, {"milk": 1, "Nguyễn": 3})
    await db.words.teach(BOB, {"Zanzibar": 3})
    assert await db.words.of(ALICE) == [("Nguyễn", 6), ("Priyanka", 3), ("milk", 2)]
    assert await db.words.of(BOB) == [("Zanzibar", 3)]
    # A word stops getting heavier, so newer words can still take its place.
    await db.words.teach(BOB, {"Zanzibar": 100})
    assert await db.words.of(BOB) == [("Zanzibar", HEAVIEST)]


async def test_the_heaviest_and_newest_words_are_kept(db: Database) -> None:
    await db.words.teach(ALICE, {"Priyanka": 6})
    await db.words.teach(ALICE, {f"word{n}": 1 for n in range(KEPT)})
    words = dict(await db.words.of(ALICE))
    assert len(words) == KEPT and words["Priyanka"] == 6


async def test_forgetting_the_words_keeps_the_rest_and_other_users_words(db: Database) -> None:
    await db.words.teach(ALICE, {"Priyanka": 3, "Nguyễn": 3})
    await db.words.teach(BOB, {"Zanzibar": 3})
    await db.users.set_language(ALICE, "vi")
    assert await db.words.forget(ALICE) == 2
    assert await db.words.of(ALICE) == []
    assert await db.words.forget(ALICE) == 0
    assert (await db.users.get_settings(ALICE)).language == "vi"
    assert await db.words.of(BOB) == [("Zanzibar", 3)]


async def test_deleting_a_users_data_clears_their_words(db: Database) -> None:
    await db.words.teach(ALICE, {"Priyanka": 3})
    await db.words.teach(BOB, {"Zanzibar": 3})
    await db.notes.forget_user(ALICE)
    assert await db.words.of(ALICE) == []
    assert await db.words.of(BOB) == [("Zanzibar", 3)]
