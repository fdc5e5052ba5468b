"""One line of a note under review: its text as read or as the user made it, where it is on
its page, and what became of it (the states a line goes through)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.ocr.model import Page


class LineState(StrEnum):
    ACCEPTED = "accepted"  # the reader was confident; never asked about
    FLAGGED = "flagged"  # waiting for the user
    CONFIRMED = "confirmed"  # the user kept the text as read
    REPLACED = "replaced"  # the user sent new text; ``original_text`` keeps what was read
    DROPPED = "dropped"  # not writing (shadow, page edge...): left out of the note


BoxTuple = tuple[int, int, int, int]


@dataclass(slots=True)
class ReviewLine:
    """One line of the note. ``index`` is its position in the whole session (0-based);
    ``page`` is which photo of the album it came from (0-based)."""

    index: int
    text: str
    confidence: float | None
    box: BoxTuple | None
    page: int
    state: LineState
    # Was the line unsure when read? Stays True after the user settles it, so "N of M left"
    # keeps counting the same M.
    flagged: bool
    original_text: str | None = None
    # Session revision of this line's last change (0 = as read).
    revision: int = 0

    @property
    def unreadable(self) -> bool:
        """Writing was found but nothing could be read: the user must type it or drop it."""
        return self.state is LineState.FLAGGED and not self.text.strip()

    @property
    def in_note(self) -> bool:
        return self.state is not LineState.DROPPED and bool(self.text.strip())

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "text": self.text,
            "confidence": self.confidence,
            "box": None if self.box is None else list(self.box),
            "page": self.page,
            "state": self.state.value,
            "flagged": self.flagged,
            "original_text": self.original_text,
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReviewLine:
        box = data["box"]
        confidence = data["confidence"]
        original = data["original_text"]
        return cls(
            index=int(data["index"]),
            text=str(data["text"]),
            confidence=None if confidence is None else float(confidence),
            box=None if box is None else _box_tuple(box),
            page=int(data["page"]),
            state=LineState(data["state"]),
            flagged=bool(data["flagged"]),
            original_text=None if original is None else str(original),
            revision=int(data["revision"]),
        )


def _box_tuple(value: Sequence[Any]) -> BoxTuple:
    left, top, width, height = (int(v) for v in value)
    return (left, top, width, height)


def lines_of(pages: Sequence[Page], threshold: int) -> list[ReviewLine]:
    """Every line of ``pages`` in order (an album: page 1's lines, then page 2's), flagged
    when the reader was less sure than ``threshold``."""
    lines: list[ReviewLine] = []
    for page_no, page in enumerate(pages):
        for line in page.lines:
            flagged = line.is_flagged(threshold)
            box = line.box
            lines.append(
                ReviewLine(
                    index=len(lines),
                    text=line.text.strip(),
                    confidence=line.confidence,
                    box=None if box is None else (box.left, box.top, box.width, box.height),
                    page=page_no,
                    state=LineState.FLAGGED if flagged else LineState.ACCEPTED,
                    flagged=flagged,
                )
            )
    return lines


def clean_text(text: str) -> str:
    """Typed text as a note line: surrounding space trimmed, blank lines removed."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line)
