"""Open review sessions, stored as JSON so their buttons still work after a bot restart, and
changed with optimistic concurrency so several bot instances can share them.

Every row carries a ``revision``. A change read at revision n is written with
``UPDATE .. WHERE revision = n`` (and a review is closed with ``DELETE .. WHERE revision = n``):
of two instances acting on the same review at once, exactly one write lands; the other learns
it lost (False) and answers from the review as it now is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.rows import first_row
from bot.storage.schema import review_sessions


@dataclass(frozen=True, slots=True)
class StoredReview:
    session_id: str
    data: dict[str, Any]
    revision: int


class ReviewsRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def save_review(
        self, session_id: str, user_id: int, chat_id: int, data: dict[str, Any]
    ) -> int:
        """Create or replace the session; its new revision. A session id of another user is
        left untouched: the owner of a session never changes once written."""
        row = {
            "session_id": session_id,
            "user_id": user_id,
            "chat_id": chat_id,
            "data": data,
            "updated_at": datetime.now(UTC),
            "revision": 1,
        }
        table = review_sessions
        dialect = self._engine.dialect.name
        ins = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table).values(**row)
        stmt = ins.on_conflict_do_update(
            index_elements=["session_id"],
            set_={
                "data": ins.excluded.data,
                "updated_at": ins.excluded.updated_at,
                "revision": table.c.revision + 1,
            },
            where=table.c.user_id == ins.excluded.user_id,
        ).returning(table.c.revision)
        async with self._engine.begin() as conn:
            revision = (await conn.execute(stmt)).scalar_one_or_none()
        return 0 if revision is None else int(revision)

    async def update_review(
        self, session_id: str, data: dict[str, Any], expected: int, chat_id: int | None = None
    ) -> bool:
        """Write ``data`` if the review is still at revision ``expected`` (it then moves to
        ``expected + 1``); False when another change got there first or it is gone.
        ``chat_id``: the chat it is shown in now (a reading sent through the API, shown in
        chat later)."""
        values: dict[str, Any] = {"data": data, "updated_at": datetime.now(UTC)}
        if chat_id is not None:
            values["chat_id"] = chat_id
        stmt = (
            update(review_sessions)
            .where(
                review_sessions.c.session_id == session_id,
                review_sessions.c.revision == expected,
            )
            .values(**values, revision=expected + 1)
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    async def load(self, session_id: str) -> StoredReview | None:
        row = await first_row(
            self._engine,
            select(review_sessions.c.data, review_sessions.c.revision).where(
                review_sessions.c.session_id == session_id
            ),
        )
        return None if row is None else StoredReview(session_id, dict(row.data), row.revision)

    async def load_review(self, session_id: str) -> dict[str, Any] | None:
        found = await self.load(session_id)
        return None if found is None else found.data

    async def open_for(self, user_id: int, chat_id: int) -> StoredReview | None:
        """The most recently touched open session of this user in this chat."""
        stmt = (
            select(
                review_sessions.c.session_id, review_sessions.c.data, review_sessions.c.revision
            )
            .where(review_sessions.c.user_id == user_id, review_sessions.c.chat_id == chat_id)
            .order_by(review_sessions.c.updated_at.desc())
            .limit(1)
        )
        row = await first_row(self._engine, stmt)
        if row is None:
            return None
        return StoredReview(row.session_id, dict(row.data), row.revision)

    async def open_ids_of(self, user_id: int, limit: int = 100) -> list[str]:
        """The ids of the user's open reviews, in any chat or none, newest first."""
        stmt = (
            select(review_sessions.c.session_id)
            .where(review_sessions.c.user_id == user_id)
            .order_by(review_sessions.c.updated_at.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [str(row.session_id) for row in await conn.execute(stmt)]

    async def open_review_for(
        self, user_id: int, chat_id: int
    ) -> tuple[str, dict[str, Any]] | None:
        found = await self.open_for(user_id, chat_id)
        return None if found is None else (found.session_id, found.data)

    async def delete_review(self, session_id: str, expected: int | None = None) -> bool:
        """Delete the session (only while at revision ``expected``, when given); whether this
        call deleted it. Deleting twice is harmless."""
        stmt = delete(review_sessions).where(review_sessions.c.session_id == session_id)
        if expected is not None:
            stmt = stmt.where(review_sessions.c.revision == expected)
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1
