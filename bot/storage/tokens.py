"""Personal API tokens: 256 random bits shown once; only their SHA-256 is stored, so a copy
of the database lets nobody call the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.rows import first_row
from bot.storage.schema import api_tokens

# What every token starts with: easy to spot in a leak scanner, never part of the secret.
PREFIX = "nob_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokensRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(self, user_id: int) -> str:
        """A new token of ``user_id`` (the only time it is seen whole)."""
        token = PREFIX + secrets.token_urlsafe(32)  # 32 bytes: 256 bits
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(api_tokens).values(
                    token_hash=token_hash(token), user_id=user_id, created_at=datetime.now(UTC)
                )
            )
        return token

    async def user_of(self, token: str) -> int | None:
        """The user a token belongs to; None for an unknown or revoked one."""
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        row = await first_row(
            self._engine,
            select(api_tokens.c.user_id).where(api_tokens.c.token_hash == token_hash(token)),
        )
        return None if row is None else int(row.user_id)

    async def revoke_all(self, user_id: int) -> int:
        """End every token of ``user_id``; how many there were."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id))
        return int(result.rowcount or 0)
