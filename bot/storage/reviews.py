"""Open review sessions, stored as JSON so their buttons still work after a bot restart, and
changed with optimistic concurrency so several bot instances can share them.

Every row carries a ``revision``. A change read at revision n is written with
``UPDATE .. WHERE revision = n`` (and a review is closed with ``DELETE .. WHERE revision = n``):
of two instances acting on the same review at once, exactly one write lands; the other learns
it lost (False) and answers from the review as it now is.

When one process owns the database (no REDIS_URL, as the settings cache already assumes), the
reviews it wrote or read are also kept in memory, so reading one (an API client polling
``GET /v1/readings/{id}``, a tap on the card) costs no trip to the database's thread, which the
OCR threads make slow (bench.api_latency). Every write still goes to the database, where the
revision decides; the memory follows each write once it is done.
"""

from __future__ import annotations

import json
from collections import OrderedDict
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


# Open reviews kept in memory (their JSON: a few kB each).
CACHED_REVIEWS = 1000


@dataclass(frozen=True, slots=True)
class _Cached:
    user_id: int
    data: str  # JSON: every load gets a fresh copy to change
    revision: int


class ReviewsRepo:
    def __init__(self, engine: AsyncEngine, *, cache: bool = False) -> None:
        self._engine = engine
        # Off when several instances share the database: another one may write.
        self._caching = cache
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        # Bumped when a write is done: a read that saw one finish meanwhile keeps nothing.
        self._writes = 0

    def _remember(self, session_id: str, entry: _Cached) -> None:
        if not self._caching:
            return
        self._cache[session_id] = entry
        self._cache.move_to_end(session_id)
        while len(self._cache) > CACHED_REVIEWS:
            self._cache.popitem(last=False)

    def _written(self, session_id: str, entry: _Cached | None) -> None:
        """A write of the session is done: ``entry`` is the row now (None: unknown, gone)."""
        self._writes += 1
        if entry is None:
            self._cache.pop(session_id, None)
        else:
            self._remember(session_id, entry)

    def drop_cached(self, user_id: int) -> None:
        """The user's reviews were deleted other than through here (``/forget``)."""
        self._writes += 1
        for session_id in [k for k, v in self._cache.items() if v.user_id == user_id]:
            del self._cache[session_id]

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
        if revision is None:
            self._written(session_id, self._cache.get(session_id))  # another user's: unchanged
            return 0
        self._written(session_id, _Cached(user_id, json.dumps(data), int(revision)))
        return int(revision)

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
            written = (await conn.execute(stmt)).rowcount == 1
        cached, after = self._cache.get(session_id), None
        # Known only if memory held the revision this write replaced.
        if written and cached is not None and cached.revision == expected:
            after = _Cached(cached.user_id, json.dumps(data), expected + 1)
        self._written(session_id, after)
        return written

    async def load(self, session_id: str) -> StoredReview | None:
        cached = self._cache.get(session_id)
        if cached is not None:
            return StoredReview(session_id, json.loads(cached.data), cached.revision)
        writes = self._writes
        table = review_sessions
        row = await first_row(
            self._engine,
            select(table.c.user_id, table.c.data, table.c.revision).where(
                table.c.session_id == session_id
            ),
        )
        if row is None:
            return None
        if writes == self._writes:
            entry = _Cached(int(row.user_id), json.dumps(row.data), int(row.revision))
            self._remember(session_id, entry)
        return StoredReview(session_id, dict(row.data), row.revision)

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
            deleted = (await conn.execute(stmt)).rowcount == 1
        self._written(session_id, None)
        return deleted
