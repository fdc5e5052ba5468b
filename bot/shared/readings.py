"""Readings sent through the API before they are read: queued, being read, or failed (and why).

Once read, a reading is its review, in the database, and every instance finds it there. Before
that only this record says where it is. With REDIS_URL it is in Redis, so any instance behind
the load balancer answers ``GET /v1/readings/{id}``; it names the instance reading it, whose
heartbeat (``bot/shared/inflight.py``) tells whether that instance is still there to finish it.
Without, it is in this process's memory.

A record is a few hundred bytes and expires after a day (a failed reading stays visible that
long); the page images are not here but in the database (``bot/storage/pages.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import cast

from redis.asyncio import Redis

from bot.shared.outage import unavailable_without_redis

KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class ReadingState:
    user_id: int
    status: str  # "queued", "reading" or "failed" (bot.api.models.ReadingStatus)
    language: str
    error: str | None = None
    instance: str = ""  # the instance reading it ("" in one process)


class LocalReadings:
    """One process: a dict."""

    def __init__(self) -> None:
        self._states: dict[str, ReadingState] = {}

    async def put(self, reading_id: str, state: ReadingState) -> None:
        self._states[reading_id] = state

    async def get(self, reading_id: str) -> ReadingState | None:
        return self._states.get(reading_id)

    async def drop(self, reading_id: str) -> None:
        self._states.pop(reading_id, None)

    async def of_user(self, user_id: int) -> list[str]:
        return [rid for rid, state in self._states.items() if state.user_id == user_id]


class RedisReadings:
    """Several instances: one JSON value per reading, and a sorted set of each user's."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis, self._prefix = redis, prefix

    def _key(self, reading_id: str) -> str:
        return f"{self._prefix}reading:{reading_id}"

    def _user_key(self, user_id: int) -> str:
        return f"{self._prefix}readings-of:{user_id}"

    async def put(self, reading_id: str, state: ReadingState) -> None:
        with unavailable_without_redis("reading state"):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._key(reading_id), json.dumps(asdict(state)), ex=KEEP_SECONDS)
                pipe.zadd(self._user_key(state.user_id), {reading_id: time.time()})
                pipe.expire(self._user_key(state.user_id), KEEP_SECONDS)
                await pipe.execute()

    async def get(self, reading_id: str) -> ReadingState | None:
        with unavailable_without_redis("reading state"):
            raw = await self._redis.get(self._key(reading_id))
        return None if raw is None else ReadingState(**json.loads(raw))

    async def drop(self, reading_id: str) -> None:
        with unavailable_without_redis("reading state"):
            raw = await self._redis.getdel(self._key(reading_id))
            if raw is not None:
                user = self._user_key(int(json.loads(raw)["user_id"]))
                await cast("Awaitable[int]", self._redis.zrem(user, reading_id))

    async def of_user(self, user_id: int) -> list[str]:
        """The user's readings not read yet (or failed), oldest first."""
        key = self._user_key(user_id)
        with unavailable_without_redis("reading state"):
            await self._redis.zremrangebyscore(key, 0, time.time() - KEEP_SECONDS)
            ids = [raw.decode() for raw in await self._redis.zrange(key, 0, -1)]
            if not ids:
                return []
            found = await self._redis.mget([self._key(rid) for rid in ids])
        return [rid for rid, raw in zip(ids, found, strict=True) if raw is not None]
