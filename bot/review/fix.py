"""Fixing a saved note: the review card over all of its lines, and writing the fix back so that
no fix made meanwhile elsewhere is lost.

A fix is a review session over the note's lines (those in the note, in order), every one up
for checking from line 1. :class:`FixOrigin` remembers which note it fixes, the note's revision
when the fix began, and which stored line each session line is. Saving writes the note only
while it is still at that revision. If another fix (another device, another bot instance) was
saved first, this one is merged into the note as it now is, line by line: a change is taken
where the stored line is still what this fix started from (or already says the same), and
refused where the other fix changed that line differently. A refused change is told to the
user with the text they sent, never dropped unseen.

The stored line records (``line_records``) are what a finished review stores, too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.review.session import LineState, ReviewLine, ReviewSession

if TYPE_CHECKING:
    from bot.storage.notes import Note, NotesRepo

# A note that keeps changing under a fix this many times in a row means something is wrong.
RETRIES = 5
DROPPED = LineState.DROPPED.value


@dataclass(frozen=True, slots=True)
class FixOrigin:
    """Which saved note a fix session changes, at which revision, and where its lines are:
    ``sources[k]`` is the stored line (index into the note's lines) of session line ``k``."""

    note_id: int
    revision: int
    sources: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"note": self.note_id, "revision": self.revision, "sources": list(self.sources)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FixOrigin:
        sources = tuple(int(j) for j in data["sources"])
        return cls(int(data["note"]), int(data["revision"]), sources)


@dataclass(frozen=True, slots=True)
class Refused:
    """A change of this fix that another fix, saved first, made impossible: line ``number``
    (as the fix card counted it) was to become ``text`` ("" when it was to be dropped)."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class FixSaved:
    note_id: int
    text: str  # the note as now stored (with the other fix's changes, if any)
    refused: tuple[Refused, ...] = ()


def line_records(session: ReviewSession) -> list[dict[str, Any]]:
    """The stored form of a review's lines: their text, what became of them, and where each
    is on its page (the searchable PDF puts its text there, bot/export)."""
    return [
        {
            "text": ln.text,
            "state": ln.state.value,
            "confidence": ln.confidence,
            "page": ln.page,
            "box": None if ln.box is None else list(ln.box),
        }
        for ln in session.lines
    ]


def stored_lines(note: Note) -> list[dict[str, Any]]:
    """The note's line records; a note stored before lines were kept gets one per text line."""
    if note.lines:
        return [dict(line) for line in note.lines]
    return [
        {"text": text, "state": "accepted", "confidence": None, "page": 0, "box": None}
        for text in note.text.splitlines()
        if text.strip()
    ]


def _in_note(line: Mapping[str, Any]) -> bool:
    return line.get("state") != DROPPED and bool(str(line.get("text") or "").strip())


def note_text(lines: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(str(line["text"]) for line in lines if _in_note(line))


def _box(value: Any) -> tuple[int, int, int, int] | None:
    if not value or len(value) != 4:
        return None
    left, top, width, height = (int(v) for v in value)
    return (left, top, width, height)


def start(note: Note, *, chat_id: int, threshold: int) -> tuple[ReviewSession, FixOrigin]:
    """A review session over every line of ``note``, each up for checking, from line 1."""
    lines = stored_lines(note)
    sources = tuple(j for j, line in enumerate(lines) if _in_note(line))
    review_lines = [
        ReviewLine(
            index=k,
            text=str(lines[j]["text"]),
            confidence=lines[j].get("confidence"),
            box=_box(lines[j].get("box")),
            page=int(lines[j].get("page") or 0),
            state=LineState.FLAGGED,
            flagged=True,
        )
        for k, j in enumerate(sources)
    ]
    session = ReviewSession(
        owner_user_id=note.user_id,
        chat_id=chat_id,
        language=note.language,
        engine=note.engine,
        threshold=threshold,
        pages=list(note.file_ids),
        lines=review_lines,
    )
    return session, FixOrigin(note.id, note.revision, sources)


def merge(
    current: Sequence[Mapping[str, Any]], origin: FixOrigin, session: ReviewSession
) -> tuple[list[dict[str, Any]], list[Refused]]:
    """``current`` (the note's stored lines now) with this fix's changes applied where the
    line is still as the fix found it; the changes that could not be applied."""
    merged = [dict(line) for line in current]
    refused: list[Refused] = []
    for line, j in zip(session.lines, origin.sources, strict=True):
        base = line.original_text if line.original_text is not None else line.text
        if line.state is LineState.DROPPED:
            wanted: str | None = None
        elif line.state is LineState.REPLACED and line.text != base:
            wanted = line.text
        else:
            continue  # kept as it was: nothing to write, nothing to lose
        stored = merged[j] if j < len(merged) else None
        now = str(stored.get("text") or "") if stored is not None and _in_note(stored) else None
        if now == wanted:
            continue  # the other fix did the same
        if stored is not None and now == base:
            if wanted is None:
                merged[j] = {**stored, "state": DROPPED}
            else:
                merged[j] = {**stored, "text": wanted, "state": LineState.REPLACED.value}
            continue
        refused.append(Refused(session.number(line.index), wanted or ""))
    return merged, refused


async def save(notes: NotesRepo, session: ReviewSession, origin: FixOrigin) -> FixSaved:
    """Write the fix into the saved note (merged with any fix saved since it began)."""
    owner = session.owner_user_id
    for _ in range(RETRIES):
        note = await notes.get_note(owner, origin.note_id)
        if note is None:
            # Deleted meanwhile (from another device): the user has just confirmed this text,
            # so it is kept, as a new note.
            note_id = await notes.add_note(
                owner,
                text=session.final_text(),
                language=session.language,
                engine=session.engine,
                file_ids=session.pages,
                lines=line_records(session),
                idempotency_key=session.id,
            )
            return FixSaved(note_id, session.final_text())
        current = stored_lines(note)
        merged, refused = merge(current, origin, session)
        if merged == current:
            return FixSaved(note.id, note.text, tuple(refused))
        text = note_text(merged)
        if await notes.update_note(
            owner, note.id, text=text, lines=merged, expected_revision=note.revision
        ):
            return FixSaved(note.id, text, tuple(refused))
    raise RuntimeError(f"note {origin.note_id} kept changing while a fix was saved")
