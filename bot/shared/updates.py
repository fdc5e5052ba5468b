"""Updates handled once: Telegram delivers an update again when it did not see the webhook's
answer in time, and behind a load balancer the second delivery may reach another instance."""

from __future__ import annotations

import logging
from collections import OrderedDict

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for 24 hours: it is never delivered again after that.
SEEN_SECONDS = 24 * 3600
# In memory: this many recent update ids (a redelivery comes within minutes).
SEEN_KEPT = 10_000


class LocalSeenUpdates:
    """One process: the ids of recent updates in memory."""

    def __init__(self) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        while len(self._seen) > SEEN_KEPT:
            self._seen.popitem(last=False)
        return True


class RedisSeenUpdates:
    """Several instances: the first to set ``update:<id>`` handles it (SET NX is atomic)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis, self._prefix = redis, prefix

    async def first_time(self, update_id: int) -> bool:
        key = f"{self._prefix}update:{update_id}"
        try:
            return bool(await self._redis.set(key, 1, nx=True, ex=SEEN_SECONDS))
        except RedisError as exc:
            # Handled, perhaps twice if Telegram also delivers it again: better than never.
            log.warning("update %s not recorded as handled: %r", update_id, exc)
            return True
