"""One note under review: every line read from the user's photo(s) and what became of it.

A session starts from the engine's pages: confident lines are ACCEPTED, the rest FLAGGED. The
owner then confirms, replaces (types or re-photographs) or drops each flagged line; the note is
done when none is left. Every change bumps ``revision`` and stamps the changed line with it, so a
button rendered before its line changed can be recognised as stale and refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.errors import BotError
from bot.message_keys import N_
from bot.ocr.model import Page
from bot.review.callbacks import ReviewAction, ReviewVerb
from bot.review.line import BoxTuple, LineState, ReviewLine, clean_text, lines_of

__all__ = ["BoxTuple", "LineState", "ReviewError", "ReviewLine", "ReviewSession"]

DICT_VERSION = 1


class ReviewError(BotError):
    """An action that makes no sense for the line or session; its key and params are the
    sentence the user reads (``line`` is the 1-based number users see)."""

    key = N_("review-error")


def _new_id() -> str:
    # 8 URL-safe characters: short enough for callback data, ~48 bits so ids do not collide.
    return secrets.token_urlsafe(6)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ReviewSession:
    owner_user_id: int
    chat_id: int
    language: str
    engine: str
    threshold: int
    pages: list[str] = field(default_factory=list)  # Telegram file_ids of the photos
    lines: list[ReviewLine] = field(default_factory=list)
    id: str = field(default_factory=_new_id)
    created_at: datetime = field(default_factory=_now)
    awaiting_resend: int | None = None  # the line whose new text/photo we are waiting for
    revision: int = 0
    # The Aspose trial cut the text short on at least one page.
    truncated: bool = False

    # ----------------------------------------------------------------- building

    @classmethod
    def from_pages(
        cls,
        pages: Sequence[Page],
        *,
        owner: int,
        chat_id: int,
        threshold: int,
        file_ids: Sequence[str],
    ) -> ReviewSession:
        """A session over all lines of ``pages`` in order (album: page 1's lines, then 2's)."""
        if not pages:
            raise ValueError("a review needs at least one page")
        if len(file_ids) != len(pages):
            raise ValueError(f"{len(pages)} pages but {len(file_ids)} file ids")
        if not 0 <= threshold <= 100:
            raise ValueError(f"threshold must be 0..100, got {threshold}")
        lines = lines_of(pages, threshold)
        engines = list(dict.fromkeys(page.engine for page in pages))
        return cls(
            owner_user_id=owner,
            chat_id=chat_id,
            language=pages[0].language,
            engine="+".join(engines),
            threshold=threshold,
            pages=list(file_ids),
            lines=lines,
            truncated=any(page.truncated for page in pages),
        )

    # ----------------------------------------------------------------- reading

    def line(self, i: int) -> ReviewLine:
        """Line ``i``; ReviewError if there is no such line."""
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self.lines):
            raise ReviewError(N_("review-no-such-line"))
        return self.lines[i]

    def number(self, i: int) -> int:
        """Line ``i`` as users see it: 1-based over the whole session, like the numbers drawn
        on the annotated photo and the handlers' messages (so album pages continue counting)."""
        return self.line(i).index + 1

    def is_album(self) -> bool:
        return len(self.pages) > 1

    @property
    def pending(self) -> list[int]:
        """Indexes of the flagged lines still waiting for the user, in reading order."""
        return [line.index for line in self.lines if line.state is LineState.FLAGGED]

    @property
    def confirmable(self) -> list[int]:
        """Pending lines that "confirm all" would keep (unreadable ones have nothing to keep)."""
        return [
            line.index
            for line in self.lines
            if line.state is LineState.FLAGGED and not line.unreadable
        ]

    @property
    def flagged_total(self) -> int:
        """How many lines needed a check when the photo was read (the M in "N of M")."""
        return sum(1 for line in self.lines if line.flagged)

    @property
    def current_line(self) -> int | None:
        """The line the review card shows: the one awaiting new text, else the first to check."""
        if self.awaiting_resend is not None:
            return self.awaiting_resend
        pending = self.pending
        return pending[0] if pending else None

    @property
    def is_done(self) -> bool:
        return not self.pending

    def note_lines(self) -> Iterator[str]:
        """The lines of the finished note, in order: dropped and blank lines left out."""
        for line in self.lines:
            if line.in_note:
                yield line.text

    def final_text(self) -> str:
        return "\n".join(self.note_lines())

    def check_owner(self, user_id: int) -> None:
        if user_id != self.owner_user_id:
            raise ReviewError(N_("review-not-yours"))

    def is_stale(self, line: int | None, revision: int) -> bool:
        """Was a button rendered at ``revision`` for ``line`` (None: the whole session) made
        out of date by a later change?

        Per line on purpose: confirming line 3 must not invalidate line 5's buttons, or a user
        working down a list of flagged lines would meet "out of date" on every second tap.
        """
        if revision > self.revision:
            return True  # from a session that was rebuilt, or forged
        if line is None:
            return any(rl.revision > revision for rl in self.lines if rl.flagged)
        if not 0 <= line < len(self.lines):
            return True
        return self.lines[line].revision > revision

    # ----------------------------------------------------------------- changing

    def _touch(self, line: ReviewLine | None = None) -> None:
        self.revision += 1
        if line is not None:
            line.revision = self.revision

    def confirm(self, i: int) -> bool:
        """Keep line ``i`` as read. False if it needed nothing (already settled)."""
        line = self.line(i)
        if line.state is not LineState.FLAGGED:
            return False
        if line.unreadable:
            raise ReviewError(N_("review-unreadable-confirm"), line=self.number(i))
        line.state = LineState.CONFIRMED
        self._clear_resend(i)
        self._touch(line)
        return True

    def confirm_all(self) -> bool:
        """Keep every pending line that has text; unreadable ones stay pending."""
        indexes = self.confirmable
        if not indexes:
            return False
        self.revision += 1
        for i in indexes:
            line = self.lines[i]
            line.state = LineState.CONFIRMED
            line.revision = self.revision
            self._clear_resend(i)
        return True

    def replace(self, i: int, text: str) -> bool:
        """Use the user's ``text`` for line ``i`` (typed, pasted from Edit and fixed, or read
        from a closer photo); the same text as read keeps the line as read."""
        line, new = self._new_text(i, text, N_("review-empty-replacement"))
        if line.state is LineState.REPLACED and line.text == new:
            self._clear_resend(i)
            return False
        if line.state is LineState.FLAGGED and line.text == new:
            return self.confirm(i)  # pasted back unchanged: the reading was right
        return self._settle(line, LineState.REPLACED, new)

    def offer(self, i: int, text: str, confidence: float | None = None) -> bool:
        """Put a new reading of line ``i`` (from a closer photo) up for confirmation: the line
        takes ``text`` but stays FLAGGED until the user confirms, replaces or drops it."""
        line, new = self._new_text(i, text, N_("review-unreadable-again"))
        if line.state is LineState.FLAGGED and line.text == new:
            self._clear_resend(i)
            return False
        line.confidence = confidence
        return self._settle(line, LineState.FLAGGED, new)

    def drop(self, i: int) -> bool:
        """Leave line ``i`` out of the note (a shadow or page edge, not writing)."""
        line = self.line(i)
        if line.state is LineState.DROPPED:
            return False
        return self._settle(line, LineState.DROPPED)

    def _new_text(self, i: int, text: str, empty_key: str) -> tuple[ReviewLine, str]:
        """Line ``i`` and ``text`` made a note line (ReviewError ``empty_key`` if blank)."""
        line, new = self.line(i), clean_text(text)
        if not new:
            raise ReviewError(empty_key, line=self.number(i))
        return line, new

    def _settle(self, line: ReviewLine, state: LineState, text: str | None = None) -> bool:
        """``line`` becomes ``state`` (and takes ``text``, keeping the first reading in
        ``original_text``): a change of the session."""
        if text is not None:
            if line.original_text is None:
                line.original_text = line.text
            line.text = text
        line.state = state
        self._clear_resend(line.index)
        self._touch(line)
        return True

    def request_resend(self, i: int) -> bool:
        """Wait for new text or a closer photo for line ``i`` (only one line at a time)."""
        line = self.line(i)
        if line.state is not LineState.FLAGGED:
            raise ReviewError(N_("review-already-settled"), line=self.number(i))
        if self.awaiting_resend == i:
            return False
        self.awaiting_resend = i
        self._touch()
        return True

    def cancel_resend(self) -> bool:
        if self.awaiting_resend is None:
            return False
        self.awaiting_resend = None
        self._touch()
        return True

    def _clear_resend(self, i: int) -> None:
        # Settling the awaited line ends the wait; settling another line does not.
        if self.awaiting_resend == i:
            self.awaiting_resend = None

    def apply(self, action: ReviewAction) -> bool:
        """Perform a button's action (freshness is the caller's check: :meth:`is_stale`)."""
        if action.session_id != self.id:
            raise ReviewError(N_("review-other-note"))
        if action.verb is ReviewVerb.CONFIRM_ALL:
            return self.confirm_all()
        assert action.line is not None  # guaranteed by ReviewAction
        if action.verb is ReviewVerb.CONFIRM:
            return self.confirm(action.line)
        if action.verb is ReviewVerb.DROP:
            return self.drop(action.line)
        if action.verb is ReviewVerb.RESEND:
            return self.request_resend(action.line)
        if action.verb is ReviewVerb.CANCEL_RESEND:
            self.line(action.line)
            return self.cancel_resend() if self.awaiting_resend == action.line else False
        raise ReviewError()  # pragma: no cover - every verb is handled above

    # ----------------------------------------------------------------- persistence

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; :meth:`from_dict` gives back an equal session."""
        return {
            "v": DICT_VERSION,
            "id": self.id,
            "owner_user_id": self.owner_user_id,
            "chat_id": self.chat_id,
            "language": self.language,
            "engine": self.engine,
            "threshold": self.threshold,
            "created_at": self.created_at.isoformat(),
            "pages": list(self.pages),
            "lines": [line.to_dict() for line in self.lines],
            "awaiting_resend": self.awaiting_resend,
            "revision": self.revision,
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReviewSession:
        """Raises ValueError (or KeyError/TypeError) for data this version cannot read."""
        if data.get("v") != DICT_VERSION:
            raise ValueError(f"unknown review session format {data.get('v')!r}")
        awaiting = data["awaiting_resend"]
        created = datetime.fromisoformat(str(data["created_at"]))
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        session = cls(
            id=str(data["id"]),
            owner_user_id=int(data["owner_user_id"]),
            chat_id=int(data["chat_id"]),
            language=str(data["language"]),
            engine=str(data["engine"]),
            threshold=int(data["threshold"]),
            created_at=created,
            pages=[str(p) for p in data["pages"]],
            lines=[ReviewLine.from_dict(line) for line in data["lines"]],
            awaiting_resend=None if awaiting is None else int(awaiting),
            revision=int(data["revision"]),
            truncated=bool(data["truncated"]),
        )
        # Actions index ``lines`` by ``line.index``: a record where they disagree would make
        # buttons act on the wrong line, so refuse it rather than guess.
        if any(line.index != n for n, line in enumerate(session.lines)):
            raise ValueError("review session lines are out of order")
        if session.awaiting_resend is not None and not (
            0 <= session.awaiting_resend < len(session.lines)
        ):
            raise ValueError("review session waits for a line it does not have")
        return session
