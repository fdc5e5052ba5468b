"""The page images of readings sent through the API, kept while their review is open so that
any instance serves ``GET /v1/readings/{id}/pages/{n}`` (and shows the reading in chat).

They live with the reviews, in the database: on disk, where a batch of 50 large photos costs
no memory, and for as long as the review they belong to (deleted when its note is saved). The
pages of a review closed another way (finished in chat, or by ``/forget``) are deleted at a
later write, once an hour has passed: no reading that is still being written loses its pages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.rows import all_rows, first_row
from bot.storage.schema import reading_pages, review_sessions

# A reading's pages are written before its review: none younger than this is an orphan.
ORPHAN_AFTER = timedelta(hours=1)


class PagesRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put(self, reading_id: str, user_id: int, images: list[bytes]) -> None:
        """The reading's pages in order (an empty one: a page taken from a PDF's text layer)."""
        now = datetime.now(UTC)
        table = reading_pages
        open_review = exists().where(review_sessions.c.session_id == table.c.reading_id)
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(table).where(and_(table.c.created_at < now - ORPHAN_AFTER, ~open_review))
            )
            if images:
                await conn.execute(
                    insert(table),
                    [
                        {"reading_id": reading_id, "page": n, "user_id": user_id, "data": data,
                         "created_at": now}
                        for n, data in enumerate(images, start=1)
                    ],
                )  # fmt: skip

    async def page(self, reading_id: str, user_id: int, n: int) -> bytes | None:
        """Page ``n`` (1-based) of the user's reading; None if there is none (or it is empty)."""
        row = await first_row(
            self._engine,
            select(reading_pages.c.data).where(
                reading_pages.c.reading_id == reading_id,
                reading_pages.c.user_id == user_id,
                reading_pages.c.page == n,
            ),
        )
        return bytes(row.data) if row is not None and row.data else None

    async def all(self, reading_id: str) -> list[bytes] | None:
        """Every page of the reading, in order; None when none are kept."""
        rows = await all_rows(
            self._engine,
            select(reading_pages.c.data)
            .where(reading_pages.c.reading_id == reading_id)
            .order_by(reading_pages.c.page),
        )
        return [bytes(row.data) for row in rows] or None

    async def drop(self, reading_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(reading_pages).where(reading_pages.c.reading_id == reading_id)
            )
