"""Albums: Telegram sends an album as separate messages sharing a ``media_group_id``, close
together; behind a load balancer they reach different instances. The first page to arrive
makes its handler the album's gatherer; every later page only joins. After a moment the
gatherer takes all pages (in message order) and reads them as one note."""

from __future__ import annotations

import json
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.shared.outage import unavailable_without_redis

# Long enough for any album to have arrived and been taken; the keys then vanish on their own.
KEEP_SECONDS = 120


@dataclass(frozen=True, slots=True)
class AlbumPage:
    message_id: int
    file_id: str
    file_size: int | None


class LocalAlbums:
    """One process: the pages in a dict."""

    def __init__(self) -> None:
        self._albums: dict[str, list[AlbumPage]] = {}

    async def join(self, group_id: str, page: AlbumPage) -> bool:
        """Add ``page``; True when the caller is the first and so gathers the album."""
        pages = self._albums.setdefault(group_id, [])
        pages.append(page)
        return len(pages) == 1

    async def take(self, group_id: str) -> list[AlbumPage]:
        """All pages so far, in the album's order; a page arriving later starts a new album."""
        return sorted(self._albums.pop(group_id, []), key=lambda p: p.message_id)


class RedisAlbums:
    """Several instances: a list per album and an owner key, changed in transactions (a page
    that arrives after the gatherer took the album finds neither, and starts a new one)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis, self._prefix = redis, prefix

    def _keys(self, group_id: str) -> tuple[str, str]:
        return f"{self._prefix}album:{group_id}", f"{self._prefix}album-owner:{group_id}"

    async def join(self, group_id: str, page: AlbumPage) -> bool:
        pages, owner = self._keys(group_id)
        item = json.dumps([page.message_id, page.file_id, page.file_size])
        with unavailable_without_redis("albums"):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(pages, item)
                pipe.expire(pages, KEEP_SECONDS)
                pipe.set(owner, 1, nx=True, ex=KEEP_SECONDS)
                _, _, first = await pipe.execute()
        return bool(first)

    async def take(self, group_id: str) -> list[AlbumPage]:
        pages, owner = self._keys(group_id)
        with unavailable_without_redis("albums"):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.lrange(pages, 0, -1)
                pipe.delete(pages, owner)
                items, _ = await pipe.execute()
        found = [AlbumPage(*json.loads(item)) for item in items]
        return sorted(found, key=lambda p: p.message_id)
