"""Per-user limits on photos: how many may be read at once (in flight) and how many per
minute. Counted in Redis when several instances share the users, in memory otherwise."""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from enum import Enum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.shared.outage import unavailable_without_redis

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# An instance that dies holding a slot gives it back after this long at the latest.
IN_FLIGHT_TTL_SECONDS = 15 * 60


class Refusal(Enum):
    TOO_FAST = "too-fast"
    IN_FLIGHT = "in-flight"


class LocalLimits:
    """One process: a sliding one-minute window and a counter per user, in dicts."""

    def __init__(self, per_minute: int, max_in_flight: int) -> None:
        self._per_minute, self._max_in_flight = per_minute, max_in_flight
        self._recent: dict[int, deque[float]] = {}
        self._in_flight: dict[int, int] = {}

    def _over_rate(self, user_id: int, *, record: bool) -> bool:
        times = self._recent.setdefault(user_id, deque())
        now = time.monotonic()
        while times and now - times[0] > WINDOW_SECONDS:
            times.popleft()
        if len(times) >= self._per_minute:
            return True
        if record:
            times.append(now)
        return False

    async def admits(self, user_id: int) -> bool:
        """Whether ``acquire`` would say yes now (nothing recorded)."""
        return (
            not self._over_rate(user_id, record=False)
            and self._in_flight.get(user_id, 0) < self._max_in_flight
        )

    async def acquire(self, user_id: int) -> Refusal | None:
        """Count a photo and take an in-flight slot, or say why not."""
        if self._over_rate(user_id, record=True):
            return Refusal.TOO_FAST
        if self._in_flight.get(user_id, 0) >= self._max_in_flight:
            return Refusal.IN_FLIGHT
        self._in_flight[user_id] = self._in_flight.get(user_id, 0) + 1
        return None

    async def release(self, user_id: int) -> None:
        left = self._in_flight.get(user_id, 0) - 1
        if left > 0:
            self._in_flight[user_id] = left
        else:
            self._in_flight.pop(user_id, None)


# Both steps in one script: Redis runs it atomically, so two instances cannot both take the
# last slot. Times are Redis's own clock (instances' clocks may differ).
_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then return 2 end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 0
"""
_ADMITS = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local recent = redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
local busy = tonumber(redis.call('GET', KEYS[2]) or '0')
if recent < tonumber(ARGV[2]) and busy < tonumber(ARGV[3]) then return 1 end
return 0
"""
_RELEASE = """
local left = redis.call('DECR', KEYS[1])
if left <= 0 then redis.call('DEL', KEYS[1]) end
return left
"""


class RedisLimits:
    """Several instances: the window is a sorted set of photo times, the count a counter."""

    def __init__(self, redis: Redis, prefix: str, per_minute: int, max_in_flight: int) -> None:
        self._redis, self._prefix = redis, prefix
        self._per_minute, self._max_in_flight = per_minute, max_in_flight
        self._acquire = redis.register_script(_ACQUIRE)
        self._admits = redis.register_script(_ADMITS)
        self._release = redis.register_script(_RELEASE)

    def _keys(self, user_id: int) -> list[str]:
        return [f"{self._prefix}recent:{user_id}", f"{self._prefix}in-flight:{user_id}"]

    async def admits(self, user_id: int) -> bool:
        window_ms = WINDOW_SECONDS * 1000
        args = [window_ms, self._per_minute, self._max_in_flight]
        with unavailable_without_redis("limits"):
            return int(await self._admits(keys=self._keys(user_id), args=args)) == 1

    async def acquire(self, user_id: int) -> Refusal | None:
        args: list[int | str] = [
            WINDOW_SECONDS * 1000,
            self._per_minute,
            self._max_in_flight,
            uuid.uuid4().hex,
            IN_FLIGHT_TTL_SECONDS,
        ]
        with unavailable_without_redis("limits"):
            answer = int(await self._acquire(keys=self._keys(user_id), args=args))
        return {0: None, 1: Refusal.TOO_FAST, 2: Refusal.IN_FLIGHT}[answer]

    async def release(self, user_id: int) -> None:
        try:
            await self._release(keys=self._keys(user_id)[1:])
        except RedisError as exc:
            # The slot returns by itself (IN_FLIGHT_TTL_SECONDS); the user was answered.
            log.warning("in-flight slot of user %s not given back: %r", user_id, exc)
