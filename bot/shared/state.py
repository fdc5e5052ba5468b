"""The shared state an instance uses, chosen once at start: Redis when REDIS_URL is set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from bot.config import Settings
from bot.shared.albums import AlbumPage, LocalAlbums, RedisAlbums
from bot.shared.inflight import LocalInFlight, LostPhoto, OnLost, RedisInFlight
from bot.shared.limits import LocalLimits, RedisLimits, Refusal
from bot.shared.readings import LocalReadings, ReadingState, RedisReadings
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
    instance: str  # this instance's id ("" in one process)

    async def alive(self, instance: str) -> bool: ...
    async def add(self, photo: LostPhoto) -> str | None: ...
    async def remove(self, token: str | None) -> None: ...
    def start(self, on_lost: OnLost) -> None: ...
    async def close(self) -> None: ...


class ApiReadings(Protocol):
    async def put(self, reading_id: str, state: ReadingState) -> None: ...
    async def get(self, reading_id: str) -> ReadingState | None: ...
    async def drop(self, reading_id: str) -> None: ...
    async def of_user(self, user_id: int) -> list[str]: ...


@dataclass
class SharedState:
    updates: SeenUpdates
    limits: UserLimits
    albums: Albums
    inflight: PhotosInFlight
    readings: ApiReadings
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
            LocalSeenUpdates(),
            LocalLimits(per_minute, in_flight),
            LocalAlbums(),
            LocalInFlight(),
            LocalReadings(),
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
        RedisReadings(redis, KEY_PREFIX),
        redis,
    )
