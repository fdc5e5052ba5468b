"""Reading a query's rows on a connection of its own, held only while the query runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable


async def first_row(engine: AsyncEngine, statement: Executable) -> Row[Any] | None:
    """The first row ``statement`` returns, or None."""
    async with engine.connect() as conn:
        return (await conn.execute(statement)).first()


async def all_rows(engine: AsyncEngine, statement: Executable) -> Sequence[Row[Any]]:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).all()
