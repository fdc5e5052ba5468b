"""Each user's vocabulary (issue 18): the words their corrections taught, with a weight.

What a word weighs is :mod:`bot.ocr.vocabulary`'s business, and how a vocabulary biases a
reading :mod:`bot.ocr.decide.words`'s; this room keeps the words: taught (weights summed),
read back, capped per user (the heaviest and most recently taught are kept), and forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement

from bot.storage.rows import all_rows
from bot.storage.schema import user_words

# Words kept per user: what goes with each of their photos stays a few kilobytes.
KEPT = 500
# A word's weight stops growing here, so a word taught long ago and often can still give
# way to newer ones.
HEAVIEST = 30


class WordsRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def of(self, user_id: int) -> list[tuple[str, int]]:
        """The user's words as they wrote them, with their weights (heaviest first)."""
        rows = await all_rows(
            self._engine,
            select(user_words.c.word, user_words.c.weight)
            .where(user_words.c.user_id == user_id)
            .order_by(user_words.c.weight.desc(), user_words.c.used_at.desc())
            .limit(KEPT),
        )
        return [(str(row.word), int(row.weight)) for row in rows]

    async def teach(self, user_id: int, weights: Mapping[str, int]) -> None:
        """Add ``weights`` to the user's words (new words join), then keep the KEPT
        heaviest, the most recently taught first among equals."""
        if not weights:
            return
        now = datetime.now(UTC)
        dialect = self._engine.dialect.name
        async with self._engine.begin() as conn:
            for word, weight in weights.items():
                ins = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(user_words)
                stmt = ins.values(user_id=user_id, word=word[:64], weight=weight, used_at=now)
                # SQLite's two-argument min() is PostgreSQL's least().
                smaller = func.min if dialect == "sqlite" else func.least
                summed: ColumnElement[Any] = smaller(
                    user_words.c.weight + stmt.excluded.weight, HEAVIEST
                )
                await conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["user_id", "word"],
                        set_={"weight": summed, "used_at": stmt.excluded.used_at},
                    )
                )
            dropped = (
                select(user_words.c.user_id, user_words.c.word)
                .where(user_words.c.user_id == user_id)
                .order_by(user_words.c.weight.desc(), user_words.c.used_at.desc())
                .offset(KEPT)
            )
            rows = (await conn.execute(dropped)).all()
            if rows:
                await conn.execute(
                    delete(user_words).where(
                        and_(
                            user_words.c.user_id == user_id,
                            tuple_(user_words.c.user_id, user_words.c.word).in_(
                                [(r.user_id, r.word) for r in rows]
                            ),
                        )
                    )
                )

    async def forget(self, user_id: int) -> int:
        """Empty the user's vocabulary; how many words it held."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(user_words).where(user_words.c.user_id == user_id))
        return int(result.rowcount or 0)
