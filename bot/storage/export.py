"""Turn a user's notes into a downloadable file: Markdown, JSON or plain text."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

from bot.storage.notes import Note

ExportFormat = Literal["md", "json", "txt"]
FORMATS: tuple[ExportFormat, ...] = ("md", "json", "txt")
# The headings' words; the handlers pass the user's language ({id} and {date} are filled in).
ENGLISH_HEADINGS: Mapping[str, str] = {"notes": "Notes", "note": "Note {id} — {date}"}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _heading(headings: Mapping[str, str], note: Note) -> str:
    return headings["note"].format(id=note.id, date=_stamp(note.created_at))


def _markdown(notes: Sequence[Note], headings: Mapping[str, str]) -> str:
    parts = [f"# {headings['notes']}", ""]
    for note in notes:
        parts += [f"## {_heading(headings, note)}", ""]
        # Each line keeps its own paragraph line; two trailing spaces force a Markdown line
        # break so the note reads as it was written instead of being reflowed.
        parts += [line + "  " if line.strip() else "" for line in note.text.splitlines()]
        parts.append("")
    return "\n".join(parts)


def _plain(notes: Sequence[Note], headings: Mapping[str, str]) -> str:
    blocks = [f"{_heading(headings, n)}\n\n{n.text.rstrip()}\n" for n in notes]
    return ("\n" + "-" * 40 + "\n\n").join(blocks)


def _json(notes: Sequence[Note]) -> str:
    payload = [
        {
            "id": n.id,
            "created_at": n.created_at.astimezone(UTC).isoformat(),
            "language": n.language,
            "engine": n.engine,
            "text": n.text,
            "lines": n.lines,
        }
        for n in notes
    ]
    return json.dumps({"notes": payload}, ensure_ascii=False, indent=2) + "\n"


def export_notes(
    notes: Sequence[Note],
    fmt: ExportFormat,
    *,
    now: datetime | None = None,
    headings: Mapping[str, str] = ENGLISH_HEADINGS,
) -> tuple[bytes, str]:
    """(file content as UTF-8, file name) for ``notes`` in the given format."""
    if fmt == "md":
        body = _markdown(notes, headings)
    elif fmt == "json":
        body = _json(notes)
    elif fmt == "txt":
        body = _plain(notes, headings)
    else:
        raise ValueError(f"unknown export format: {fmt!r}")
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M")
    return body.encode("utf-8"), f"notes-{stamp}.{fmt}"
