"""Personal API tokens: 256 random bits shown once; only their SHA-256 is stored, so a copy
of the database lets nobody call the API."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.rows import first_row
from bot.storage.schema import api_tokens

# What every token starts with: easy to spot in a leak scanner, never part of the secret.
PREFIX = "nob_"
# One process owning the database (no REDIS_URL): a token found is trusted from memory this
# long, so an API client's polls cost no trip to the database (bench.api_latency). Revoked
# through this process (/api revoke, /forget) it ends at once; from the command line
# (`notes-ocr-bot token revoke`, another process) within this time.
CACHE_SECONDS = 10.0
CACHED_TOKENS = 10_000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokensRepo:
    def __init__(self, engine: AsyncEngine, *, cache: bool = False) -> None:
        self._engine = engine
        # Off when several instances share the database: another one may revoke.
        self._caching = cache
        # token hash -> (user id, monotonic time until which it is trusted)
        self._cache: OrderedDict[str, tuple[int, float]] = OrderedDict()

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
        digest = token_hash(token)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        row = await first_row(
            self._engine, select(api_tokens.c.user_id).where(api_tokens.c.token_hash == digest)
        )
        if row is None:
            self._cache.pop(digest, None)
            return None
        if self._caching:
            self._cache[digest] = (int(row.user_id), time.monotonic() + CACHE_SECONDS)
            self._cache.move_to_end(digest)
            while len(self._cache) > CACHED_TOKENS:
                self._cache.popitem(last=False)
        return int(row.user_id)

    def drop_cached(self, user_id: int) -> None:
        """Forget the tokens of ``user_id`` seen so far (revoked, or the user forgotten)."""
        for digest in [d for d, (user, _) in self._cache.items() if user == user_id]:
            del self._cache[digest]

    async def revoke_all(self, user_id: int) -> int:
        """End every token of ``user_id``; how many there were."""
        self.drop_cached(user_id)
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id))
        self.drop_cached(user_id)  # and any read that raced the delete
        return int(result.rowcount or 0)
