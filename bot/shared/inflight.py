"""Photos being read, per bot instance, so that a photo is never silently lost with its instance.

With several instances, the one that took a photo is the one waiting for its reading. If it is
killed (SIGKILL, out of memory, its machine gone; SIGTERM finishes what is in flight instead),
its users would wait for an answer forever (so would those of an instance that stopped before
their photos were read and could not tell them). Each instance therefore lists the photos it is
reading in Redis, under a heartbeat that expires when it stops beating; every other instance
looks now and then, takes over the list of an instance whose heartbeat expired (RENAME: one
taker only), and tells each of those users to send the photo again.

One process alone has nobody to take over from: :class:`LocalInFlight` keeps nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# An instance beats every BEAT_SECONDS; one silent for ALIVE_SECONDS is gone.
BEAT_SECONDS = 2.0
ALIVE_SECONDS = 10
# How often an instance looks for the photos of instances that are gone: at every beat (one
# SMEMBERS and an EXISTS per instance; a dead instance's users are asked ~3 s sooner than
# with a look every 5 s, bench.queue (f)).
LOOK_SECONDS = BEAT_SECONDS


@dataclass(frozen=True, slots=True)
class LostPhoto:
    chat_id: int
    reply_to: int | None
    language: str  # the user's interface language


OnLost = Callable[[LostPhoto], Awaitable[None]]


class LocalInFlight:
    """One process: nothing to hand over."""

    instance = ""

    async def alive(self, instance: str) -> bool:
        return True

    async def add(self, photo: LostPhoto) -> str | None:
        return None

    async def remove(self, token: str | None) -> None:
        return None

    def start(self, on_lost: OnLost) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisInFlight:
    """Several instances: a hash of this instance's photos and a heartbeat key."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis, self._prefix = redis, prefix
        self.instance = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None

    def _photos(self, instance: str) -> str:
        return f"{self._prefix}inflight:{instance}"

    def _alive(self, instance: str) -> str:
        return f"{self._prefix}instance:{instance}"

    @property
    def _instances(self) -> str:
        return f"{self._prefix}instances"

    async def alive(self, instance: str) -> bool:
        """Whether that instance still beats (it finishes what it took); True when Redis
        cannot say."""
        if instance == self.instance:
            return True
        try:
            return bool(await self._redis.exists(self._alive(instance)))
        except RedisError:
            return True

    async def add(self, photo: LostPhoto) -> str | None:
        token = uuid.uuid4().hex
        value = json.dumps([photo.chat_id, photo.reply_to, photo.language])
        try:
            await cast(
                "Awaitable[int]", self._redis.hset(self._photos(self.instance), token, value)
            )
        except RedisError as exc:
            # Not listed: only lost if this instance also dies, and the photo goes on anyway.
            log.warning("photo in flight not listed: %r", exc)
            return None
        return token

    async def remove(self, token: str | None) -> None:
        if token is None:
            return
        try:
            await cast("Awaitable[int]", self._redis.hdel(self._photos(self.instance), token))
        except RedisError as exc:
            log.warning("photo in flight not unlisted: %r", exc)

    def start(self, on_lost: OnLost) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(on_lost))

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        # Stopped: whatever was in flight was finished or told by now, except photos lost at
        # shutdown whose users could not be told: another instance tells them at its next look.
        with contextlib.suppress(RedisError):
            if await cast("Awaitable[int]", self._redis.hlen(self._photos(self.instance))):
                await self._redis.delete(self._alive(self.instance))
                return
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._alive(self.instance), self._photos(self.instance))
                pipe.srem(self._instances, self.instance)
                await pipe.execute()

    async def _run(self, on_lost: OnLost) -> None:
        since_look = LOOK_SECONDS  # look once at start: an instance may have died meanwhile
        while True:
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.set(self._alive(self.instance), 1, ex=ALIVE_SECONDS)
                    pipe.sadd(self._instances, self.instance)
                    await pipe.execute()
                if since_look >= LOOK_SECONDS:
                    since_look = 0.0
                    for photo in await self.take_over():
                        try:
                            await on_lost(photo)
                        except Exception:
                            log.exception(
                                "could not tell chat %s its photo was lost", photo.chat_id
                            )
            except RedisError as exc:
                log.debug("in-flight heartbeat: %r", exc)  # Redis away: the poller says so
            except Exception:
                log.exception("in-flight heartbeat failed")  # and the next beat tries again
            await asyncio.sleep(BEAT_SECONDS)
            since_look += BEAT_SECONDS

    async def take_over(self) -> list[LostPhoto]:
        """The photos of every instance whose heartbeat expired, now this instance's to tell."""
        members = await cast("Awaitable[set[bytes]]", self._redis.smembers(self._instances))
        lost: list[LostPhoto] = []
        for raw in members:
            other = raw.decode()
            if other == self.instance or await self._redis.exists(self._alive(other)):
                continue
            mine = f"{self._prefix}taken:{other}:{self.instance}"
            try:
                await self._redis.rename(self._photos(other), mine)
            except RedisError:
                # Nothing was in flight there, or another instance took it first.
                await cast("Awaitable[int]", self._redis.srem(self._instances, other))
                continue
            entries = await cast("Awaitable[dict[bytes, bytes]]", self._redis.hgetall(mine))
            await self._redis.delete(mine)
            await cast("Awaitable[int]", self._redis.srem(self._instances, other))
            for value in entries.values():
                chat_id, reply_to, language = json.loads(value)
                lost.append(LostPhoto(int(chat_id), reply_to, str(language)))
            log.warning(
                "instance %s is gone: %d of its photos told to resend", other, len(entries)
            )
        return lost
