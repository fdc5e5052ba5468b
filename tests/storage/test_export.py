"""Exported files contain the user's notes, readable in each format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.storage import Database
from bot.storage.export import export_notes

TEXT = "Họp lúc 3 giờ\n准备季度报告\nTom & Jerry <b>"


async def test_every_format_contains_the_note_text(db: Database) -> None:
    created = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    note_id = await db.notes.add_note(
        1,
        text=TEXT,
        language="vi",
        engine="tesseract",
        file_ids=[],
        lines=[
            {"text": line, "state": "confirmed", "confidence": 0.9} for line in TEXT.split("\n")
        ],
        created_at=created,
        idempotency_key="k",
    )
    notes = await db.notes.get_notes(1)
    now = datetime(2026, 6, 1, 8, 5, tzinfo=UTC)

    md, md_name = export_notes(notes, "md", now=now)
    txt, txt_name = export_notes(notes, "txt", now=now)
    js, js_name = export_notes(notes, "json", now=now)

    assert (md_name, txt_name, js_name) == (
        "notes-20260601-0805.md",
        "notes-20260601-0805.txt",
        "notes-20260601-0805.json",
    )
    for line in TEXT.split("\n"):
        assert line in md.decode("utf-8")
        assert line in txt.decode("utf-8")
    assert "2026-05-04 12:00 UTC" in md.decode("utf-8")
    [exported] = json.loads(js)["notes"]
    assert exported["id"] == note_id
    assert exported["text"] == TEXT
    assert exported["created_at"] == "2026-05-04T12:00:00+00:00"
    assert [line["text"] for line in exported["lines"]] == TEXT.split("\n")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_notes([], "pdf")  # type: ignore[arg-type]
