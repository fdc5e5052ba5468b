"""Full-text search as a user experiences it, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from bot.handlers.library import snippet_html
from bot.storage import Database
from testkit.drawing import NOTE_LINES


async def _add(db: Database, user_id: int, text: str, key: str, language: str = "en") -> int:
    return await db.notes.add_note(
        user_id,
        text=text,
        language=language,
        engine="tesseract",
        file_ids=[],
        lines=[],
        idempotency_key=key,
    )


async def test_word_from_the_third_line_finds_the_note_with_it_in_bold(db: Database) -> None:
    note_id = await _add(db, 1, "\n".join(NOTE_LINES), "n1")
    await _add(db, 1, "Something else entirely", "n2")

    hits = await db.notes.search(1, "quarterly")

    assert [h.note_id for h in hits] == [note_id]
    assert "<b>quarterly</b>" in snippet_html(hits[0].snippet)
    assert "Finish the <b>quarterly</b> report" in snippet_html(hits[0].snippet)


async def test_plural_finds_singular_and_words_in_any_order(db: Database) -> None:
    note_id = await _add(db, 1, "\n".join(NOTE_LINES), "n1")
    await _add(db, 1, "Budget for the garden", "n2")

    assert [h.note_id for h in await db.notes.search(1, "meetings")] == [note_id]
    hits = await db.notes.search(1, "review budget")
    assert [h.note_id for h in hits] == [note_id]
    shown = snippet_html(hits[0].snippet)
    assert "<b>budget</b>" in shown and "<b>review</b>" in shown
    # Every word must occur: "garden" is only in the other note.
    assert await db.notes.search(1, "budget garden") != await db.notes.search(1, "budget")


async def test_snippet_escapes_html_in_the_note(db: Database) -> None:
    await _add(db, 1, "Tom & Jerry <script> meeting at 5", "n1")
    [hit] = await db.notes.search(1, "meeting")
    assert snippet_html(hit.snippet) == "Tom &amp; Jerry &lt;script&gt; <b>meeting</b> at 5"


async def test_vietnamese_found_with_and_without_diacritics(db: Database) -> None:
    note_id = await _add(db, 1, "Xin chào các bạn\nHọp lúc 3 giờ chiều\nĐi chợ mua rau", "v", "vi")
    await _add(db, 1, "Call the dentist", "e")

    for query in ("chào", "chao", "Chao", "bạn", "ban", "đi chợ", "di cho", "giờ họp"):
        hits = await db.notes.search(1, query)
        assert [h.note_id for h in hits] == [note_id], query
    [hit] = await db.notes.search(1, "chao")
    assert "Xin <b>chào</b> các bạn" in snippet_html(hit.snippet)


async def test_chinese_word_inside_a_sentence_is_found(db: Database) -> None:
    note_id = await _add(db, 1, "明天下午三点开会\n准备季度报告", "zh", "zh")
    await _add(db, 1, "会计课 Monday", "other")

    hits = await db.notes.search(1, "报告")
    assert [h.note_id for h in hits] == [note_id]
    assert "准备季度<b>报告</b>" in snippet_html(hits[0].snippet)
    assert [h.note_id for h in await db.notes.search(1, "季度报告")] == [note_id]
    assert [h.note_id for h in await db.notes.search(1, "开会")] == [note_id]
    assert await db.notes.search(1, "报纸") == []


async def test_best_match_first_and_nothing_for_unknown_words(db: Database) -> None:
    once = await _add(db, 1, "dentist appointment moved, long note about many other things", "a")
    often = await _add(db, 1, "dentist dentist dentist", "b")
    hits = await db.notes.search(1, "dentist")
    assert [h.note_id for h in hits] == [often, once]
    assert hits[0].rank >= hits[1].rank
    assert await db.notes.search(1, "xylophone") == []
    assert await db.notes.search(1, "  ") == []
    # Characters that mean something to the query syntax are just ignored.
    assert [h.note_id for h in await db.notes.search(1, '"dentist* -(:')] == [often, once]


async def test_limit_caps_the_number_of_hits(db: Database) -> None:
    for i in range(5):
        await _add(db, 1, f"shopping list {i}", f"k{i}")
    assert len(await db.notes.search(1, "shopping", limit=3)) == 3


async def test_odd_queries_neither_fail_nor_match_wrongly(db: Database) -> None:
    note_id = await _add(
        db, 1, "the e-mail about C++ at foo_bar straße İstanbul 한국어 カタカナ", "k"
    )
    for query in ("e-mail", "C++", "foo_bar", "strasse", "istanbul", "한국어", "カタカナ"):
        assert [h.note_id for h in await db.notes.search(1, query)] == [note_id], query
    for query in ("_", "'", ":*", "\\", "%", "NEAR", "AND OR NOT", "'; drop table notes; --"):
        assert await db.notes.search(1, query) == [], query
    assert (await db.notes.list_notes(1, 0, 1))[1] == 1


async def test_russian_german_and_french_notes_are_found(db: Database) -> None:
    ru = await _add(db, 1, "Встреча в понедельник\nКупить молоко", "ru", "ru")  # noqa: RUF001
    de = await _add(db, 1, "Größere Besprechung am Montag", "de", "de")
    fr = await _add(db, 1, "Réunion à l'école mercredi", "fr", "fr")
    cases = {"молоко": ru, "встреч": ru, "grossere": de, "größere": de, "ecole": fr, "réunion": fr}
    for query, expected in cases.items():
        assert [h.note_id for h in await db.notes.search(1, query)] == [expected], query
