"""Fixing a saved note, without a bot: the session over its lines, and merging two fixes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.review import fix
from bot.review.session import LineState
from bot.storage.notes import Note


def _note(texts: list[str], *, dropped: tuple[int, ...] = (), revision: int = 1) -> Note:
    lines: list[dict[str, Any]] = [
        {
            "text": text,
            "state": "dropped" if n in dropped else "accepted",
            "confidence": 0.9,
            "page": 0,
            "box": [0, 10 * n, 100, 10],
        }
        for n, text in enumerate(texts)
    ]
    kept = [t for n, t in enumerate(texts) if n not in dropped]
    return Note(
        7,
        1,
        datetime.now(UTC),
        "\n".join(kept),
        "en",
        "tesseract",
        ["F1"],
        lines,
        revision=revision,
    )


def test_a_fix_shows_every_line_of_the_note_from_line_one() -> None:
    # A line dropped when the note was made is not part of it, and is not asked about.
    session, origin = fix.start(_note(["a", "shadow", "b"], dropped=(1,)), chat_id=5, threshold=75)
    assert [line.text for line in session.lines] == ["a", "b"]
    assert all(line.state is LineState.FLAGGED for line in session.lines)
    assert session.pending == [0, 1] and session.pages == ["F1"]
    assert origin == fix.FixOrigin(7, 1, (0, 2))
    assert session.lines[1].box == (0, 20, 100, 10)
    assert fix.FixOrigin.from_dict(origin.to_dict()) == origin


def test_changes_land_on_their_stored_lines() -> None:
    note = _note(["a", "shadow", "b", "c"], dropped=(1,))
    session, origin = fix.start(note, chat_id=5, threshold=75)
    session.replace(1, "B")
    session.drop(2)
    session.confirm_all()
    merged, refused = fix.merge(fix.stored_lines(note), origin, session)
    assert refused == []
    assert [(line["text"], line["state"]) for line in merged] == [
        ("a", "accepted"),
        ("shadow", "dropped"),
        ("B", "replaced"),
        ("c", "dropped"),
    ]
    assert merged[2]["box"] == [0, 20, 100, 10]  # the PDF puts the new text where it was
    assert fix.note_text(merged) == "a\nB"


def test_a_fix_saved_meanwhile_is_merged_and_a_clash_refused() -> None:
    note = _note(["a", "b", "c"])
    mine, origin = fix.start(note, chat_id=5, threshold=75)
    mine.replace(0, "A (mine)")
    mine.replace(1, "B")
    mine.drop(2)
    # Meanwhile another device saved: line 1 changed differently, line 2 the same way.
    theirs = fix.stored_lines(note)
    theirs[0] = {**theirs[0], "text": "A (theirs)", "state": "replaced"}
    theirs[1] = {**theirs[1], "text": "B", "state": "replaced"}
    merged, refused = fix.merge(theirs, origin, mine)
    assert fix.note_text(merged) == "A (theirs)\nB"
    assert refused == [fix.Refused(1, "A (mine)")]
