"""Open review sessions, stored as JSON so their buttons still work after a bot restart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.schema import review_sessions
from bot.storage.users import upsert


class ReviewsRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def save_review(
        self, session_id: str, user_id: int, chat_id: int, data: dict[str, Any]
    ) -> None:
        """Create or replace the session. A session id of another user is left untouched:
        the owner of a session never changes once written."""
        row = {
            "session_id": session_id,
            "user_id": user_id,
            "chat_id": chat_id,
            "data": data,
            "updated_at": datetime.now(UTC),
        }
        async with self._engine.begin() as conn:
            await conn.execute(
                upsert(
                    self._engine.dialect.name, review_sessions, "session_id", row, same_user=True
                )
            )

    async def load_review(self, session_id: str) -> dict[str, Any] | None:
        async with self._engine.connect() as conn:
            data = (
                await conn.execute(
                    select(review_sessions.c.data).where(
                        review_sessions.c.session_id == session_id
                    )
                )
            ).scalar_one_or_none()
        return dict(data) if data is not None else None

    async def open_review_for(
        self, user_id: int, chat_id: int
    ) -> tuple[str, dict[str, Any]] | None:
        """The most recently touched open session of this user in this chat."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(review_sessions.c.session_id, review_sessions.c.data)
                    .where(
                        review_sessions.c.user_id == user_id,
                        review_sessions.c.chat_id == chat_id,
                    )
                    .order_by(review_sessions.c.updated_at.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        return row.session_id, dict(row.data)

    async def delete_review(self, session_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(review_sessions).where(review_sessions.c.session_id == session_id)
            )
