"""The shared state an instance uses, chosen once at start: Redis when REDIS_URL is set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from bot.config import Settings
from bot.shared.albums import AlbumPage, LocalAlbums, RedisAlbums
from bot.shared.inflight import LocalInFlight, LostPhoto, OnLost, RedisInFlight
from bot.shared.limits import LocalLimits, RedisLimits, Refusal
from bot.shared.updates import LocalSeenUpdates, RedisSeenUpdates

# Every key this bot writes starts so (one Redis may serve other things too).
KEY_PREFIX = "notes-ocr-bot:"


class SeenUpdates(Protocol):
    async def first_time(self, update_id: int) -> bool: ...


class UserLimits(Protocol):
    async def admits(self, user_id: int) -> bool: ...
    async def acquire(self, user_id: int) -> Refusal | None: ...
    async def release(self, user_id: int) -> None: ...


class Albums(Protocol):
    async def join(self, group_id: str, page: AlbumPage) -> bool: ...
    async def take(self, group_id: str) -> list[AlbumPage]: ...


class PhotosInFlight(Protocol):
    async def add(self, photo: LostPhoto) -> str | None: ...
    async def remove(self, token: str | None) -> None: ...
    def start(self, on_lost: OnLost) -> None: ...
    async def close(self) -> None: ...


@dataclass
class SharedState:
    updates: SeenUpdates
    limits: UserLimits
    albums: Albums
    inflight: PhotosInFlight
    redis: Redis | None = None

    @property
    def shared(self) -> bool:
        """Whether other instances see this state (Redis), or only this process."""
        return self.redis is not None

    async def close(self) -> None:
        await self.inflight.close()
        if self.redis is not None:
            await self.redis.aclose()


async def open_shared_state(settings: Settings) -> SharedState:
    """Redis at REDIS_URL (checked with a PING, so a wrong URL fails the start, not a user's
    photo), else this process's memory."""
    per_minute, in_flight = settings.user_photos_per_minute, settings.user_max_in_flight
    if not settings.redis_url:
        return SharedState(
            LocalSeenUpdates(), LocalLimits(per_minute, in_flight), LocalAlbums(), LocalInFlight()
        )
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.ping()
    except BaseException:
        await redis.aclose()
        raise
    return SharedState(
        RedisSeenUpdates(redis, KEY_PREFIX),
        RedisLimits(redis, KEY_PREFIX, per_minute, in_flight),
        RedisAlbums(redis, KEY_PREFIX),
        RedisInFlight(redis, KEY_PREFIX),
        redis,
    )
