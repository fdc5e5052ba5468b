"""An open review as it is stored: the session and the ids of the messages that show it.

A stored review changes only at the revision it was read at: of two changes at once (two
taps, two devices, two bot instances) one is written and the other gets :class:`LostRace`,
so nothing the user sees is decided twice. No Telegram here: the handlers keep the chat side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.review.fix import FixOrigin
from bot.review.session import ReviewSession
from bot.storage.reviews import ReviewsRepo, StoredReview

RECORD_VERSION = 2


class LostRace(Exception):
    """Another change to this review (at this or another bot instance) was written first."""


@dataclass
class Record:
    """An open review and the ids of the two messages that show it (persisted together).
    ``shown``: the line whose crop the card shows now (a new crop only when it changes).
    ``revision``: the stored row's revision it was read at (0: never saved)."""

    session: ReviewSession
    summary: int
    card: int | None = None
    shown: int | None = None
    read_again: bool = False
    revision: int = 0
    fix: FixOrigin | None = None  # the saved note this review fixes (None: a new reading)

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": RECORD_VERSION,
            "session": self.session.to_dict(),
            "summary": self.summary,
            "card": self.card,
            "shown": self.shown,
            "read_again": self.read_again,
            "fix": None if self.fix is None else self.fix.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record | None:
        """None for a record an older release saved (its buttons answer "out of date")."""
        if data.get("v") != RECORD_VERSION:
            return None
        card, shown, origin = data.get("card"), data.get("shown"), data.get("fix")
        return cls(
            ReviewSession.from_dict(data["session"]),
            int(data["summary"]),
            None if card is None else int(card),
            None if shown is None else int(shown),
            bool(data.get("read_again")),
            fix=None if origin is None else FixOrigin.from_dict(origin),
        )


class ReviewStore:
    """Open reviews in the database (``ReviewsRepo``), each read and written whole."""

    def __init__(self, reviews: ReviewsRepo) -> None:
        self._reviews = reviews

    async def save(self, rec: Record) -> None:
        """Write the review: a new one is created; a loaded one only if nobody changed it
        since it was read (else LostRace, and nothing the user sees has changed yet)."""
        s = rec.session
        if rec.revision == 0:
            rec.revision = await self._reviews.save_review(
                s.id, s.owner_user_id, s.chat_id, rec.to_dict()
            )
        elif await self._reviews.update_review(s.id, rec.to_dict(), rec.revision, s.chat_id):
            rec.revision += 1
        else:
            raise LostRace(s.id)

    async def claim(self, rec: Record) -> None:
        """Close the stored review, as read: LostRace if another change came first (then that
        change, not this one, is what the user sees)."""
        if rec.revision and not await self._reviews.delete_review(rec.session.id, rec.revision):
            raise LostRace(rec.session.id)

    async def load(self, session_id: str) -> Record | None:
        return _record(await self._reviews.load(session_id))

    async def open_for(self, user_id: int, chat_id: int) -> Record | None:
        """The chat's newest open review of ``user_id`` (typed text and closer photos go there)."""
        return _record(await self._reviews.open_for(user_id, chat_id))


def _record(found: StoredReview | None) -> Record | None:
    rec = None if found is None else Record.from_dict(found.data)
    if rec is not None and found is not None:
        rec.revision = found.revision
    return rec
