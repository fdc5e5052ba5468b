"""Which worker holds which job: a dead worker's photo is read again within seconds, and a photo
that kills its workers is given up.

arq marks a job it starts "in progress" for the job's time limit plus 10 s, and runs it again
only once that mark expires: a worker SIGKILLed mid-job left its photo waiting 130 s. Here the
mark is short (JOB_LOCK_SECONDS) and every running job's mark is refreshed with the worker's
heartbeat (every second): a dead worker stops refreshing, its marks expire within seconds, and
any live worker starts the job again by arq's own rule (a job still in the line without a mark
is started).

Each job also records the worker holding it. A worker starting a job whose holder's heartbeat
has expired counts a death of that photo; at MAX_DEATHS the photo is not read again and its
user is told it could not be read (arq's own try limit, ``wire.MAX_TRIES``, stays as a
backstop). A job handed back on purpose (the worker stopping, or losing Redis) is released,
not a death; jobs a worker could not hand back because Redis was away are handed back as soon
as it answers again, and counted as lost if the worker stops first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from bot.errors import PoisonPhoto
from bot.ocr.run.queue.wire import error_result

if TYPE_CHECKING:
    from arq.typing import WorkerCoroutine

log = logging.getLogger(__name__)

# A running job's in-progress mark lives this long unless refreshed (each second): a dead
# worker's job is started again this long after its last refresh at the latest.
JOB_LOCK_SECONDS = 8
# A photo is not read again once it has killed this many workers.
MAX_DEATHS = 2
HELD_PREFIX = "notes-ocr:held:"
DEATHS_PREFIX = "notes-ocr:deaths:"
# Holder and death records outlive any job (arq keeps a job at most a day).
RECORD_TTL_S = 86_400
# Redis calls made while a job ends (also when cancelled) wait no longer than this.
REDIS_STEP_S = 2.0

# Still held by this worker: the job goes back to the line (its mark and hold deleted).
_HAND_BACK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
return 0
"""

Job = Callable[..., Awaitable[dict[str, Any]]]


class Holds:
    """The jobs one worker process holds, under its heartbeat key ``worker_key``."""

    def __init__(self, worker_key: str) -> None:
        self.worker_key = worker_key
        self.running: set[str] = set()
        # Released while Redis was away: their marks are still set there.
        self.stranded: set[str] = set()

    def guarded(self, job: Job) -> WorkerCoroutine:
        """``job`` taking and releasing its hold; a poison photo's job answers at once."""

        async def run(ctx: dict[str, Any], *args: Any) -> dict[str, Any]:
            redis: ArqRedis = ctx["redis"]
            job_id: str = ctx["job_id"]
            deaths = await self._take(redis, job_id)
            if deaths >= MAX_DEATHS:
                log.warning("job %s killed %d workers: not read again", job_id, deaths)
                await self._forget(redis, job_id)
                return error_result(PoisonPhoto(detail=f"job {job_id}: {deaths} workers died"))
            self.running.add(job_id)
            try:
                return await job(ctx, *args)
            finally:
                self.running.discard(job_id)
                await self._release(redis, job_id)

        run.__qualname__ = getattr(job, "__qualname__", "job")
        return cast("WorkerCoroutine", run)

    def refresh(self, pipe: Any) -> None:
        """Add to the heartbeat's pipeline: the running jobs' marks live on (PEXPIRE leaves a
        mark arq already deleted deleted)."""
        for job_id in self.running:
            pipe.pexpire(in_progress_key_prefix + job_id, JOB_LOCK_SECONDS * 1000)

    async def hand_back(self, redis: ArqRedis) -> None:
        """Redis answers again: the jobs stranded by the outage go back to the line at once
        (unless another worker has started one meanwhile: then it is that worker's)."""
        for job_id in list(self.stranded):
            keys = (HELD_PREFIX + job_id, in_progress_key_prefix + job_id)
            await cast("Awaitable[int]", redis.eval(_HAND_BACK, 2, *keys, self.worker_key))
            self.stranded.discard(job_id)
            log.info("job %s handed back to the line (Redis answers again)", job_id)

    def summary(self) -> str:
        """What stopping now would lose, for the one log line."""
        lost = sorted(self.running | self.stranded)
        if not lost:
            return "nothing lost (every job finished or handed back to the line)"
        return (
            f"{len(lost)} job(s) not handed back (Redis away): {', '.join(lost)}; read again "
            "once Redis answers and their marks expire, if Redis kept them"
        )

    def report(self) -> int:
        """The worker stops: one log line; the exit code (0: nothing lost)."""
        if self.running or self.stranded:
            log.error("OCR worker stopped: %s", self.summary())
            return 1
        log.info("OCR worker stopped: %s", self.summary())
        return 0

    async def _take(self, redis: ArqRedis, job_id: str) -> int:
        """Hold ``job_id``; how many workers it has killed so far."""
        holder = await redis.get(HELD_PREFIX + job_id)
        key = DEATHS_PREFIX + job_id
        if (
            holder is not None
            and holder.decode() != self.worker_key
            and not await redis.exists(holder)
        ):
            async with redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, RECORD_TTL_S)
                deaths = int((await pipe.execute())[0])
            log.warning("job %s: its worker died (%d so far); read again here", job_id, deaths)
        else:
            deaths = int(await redis.get(key) or 0)
        await redis.set(HELD_PREFIX + job_id, self.worker_key, ex=RECORD_TTL_S)
        return deaths

    async def _release(self, redis: ArqRedis, job_id: str) -> None:
        try:
            await asyncio.wait_for(self._forget(redis, job_id), REDIS_STEP_S)
        except (RedisError, OSError, TimeoutError) as exc:
            self.stranded.add(job_id)
            log.warning("job %s not released (Redis away: %r)", job_id, exc)

    async def _forget(self, redis: ArqRedis, job_id: str) -> None:
        await redis.delete(HELD_PREFIX + job_id, DEATHS_PREFIX + job_id)
