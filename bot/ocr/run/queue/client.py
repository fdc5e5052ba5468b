"""The bot's end of the OCR queue: a Recognizer that hands each photo to a worker through Redis.

Chosen by :func:`bot.ocr.engines.build_recognizer` when ``REDIS_URL`` is set. The queue is
arq's (:mod:`bot.ocr.run.queue.worker` is the other end): a job stays in Redis until a worker has
finished it, so a job whose worker died is run again by another. This room only submits,
waits, and tells the photo's place in line; what is read, and how, is the worker's business.

One poller per instance does all the waiting: every ``poll_seconds`` it fetches the results of
this instance's jobs in one round trip, and every ``state_seconds`` it reads the line (which
jobs wait, which run, how many workers there are) to tell each waiting photo its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import deserialize_result
from arq.worker import JobExecutionFailed
from redis.exceptions import RedisError

from bot.config import EngineChoice
from bot.errors import (
    ConfigError,
    OcrError,
    OcrTimeout,
    QueueFull,
    ServiceUnavailable,
    WorkerCrashed,
)
from bot.ocr.languages import AUTO, LANGUAGES, resolve
from bot.ocr.preprocess import check
from bot.ocr.recognizer import Ahead, QueueCallback, notify_queue
from bot.ocr.run.queue.wire import JOB, MAX_TRIES, QUEUE, WORKERS, decode_result
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from bot.shared.outage import unavailable_without_redis

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from bot.config import Settings
    from bot.ocr.model import Page

log = logging.getLogger(__name__)

# A job no worker has started within this time is dropped from the line (the user is told);
# a photo that waited ten minutes is not wanted any more.
QUEUE_EXPIRY_S = 600.0
# arq runs a job again only once its in-progress mark expires: its time limit plus this
# (arq.worker.Worker.in_progress_timeout_s).
_ARQ_IN_PROGRESS_EXTRA_S = 10.0


@dataclass(eq=False, slots=True)
class _Pending:
    done: asyncio.Future[object]
    on_queue: QueueCallback | None
    place: int | None = None  # last place told (0: being read)


class QueueRecognizer:
    """A Recognizer whose photos are read by ``notes-ocr-bot worker`` processes."""

    def __init__(
        self,
        settings: Settings,
        *,
        poll_seconds: float = 0.01,
        state_seconds: float = 0.25,
    ) -> None:
        if not settings.redis_url:
            raise ConfigError("REDIS_URL is not set: the OCR queue needs Redis")
        self._redis_settings = RedisSettings.from_dsn(settings.redis_url)
        self.max_bytes = settings.max_image_bytes
        self.max_pixels = settings.max_pixels
        self.queue_size = settings.ocr_queue_size
        # The worker's own time limit ends a job; this only stops a wait nobody can end
        # (every worker gone): the longest a job may wait, then run on each try.
        self.give_up_after = QUEUE_EXPIRY_S + MAX_TRIES * (
            settings.ocr_timeout_seconds + _ARQ_IN_PROGRESS_EXTRA_S
        )
        self.poll_seconds = poll_seconds
        self.state_seconds = state_seconds
        self._redis: ArqRedis | None = None
        self._poller: asyncio.Task[None] | None = None
        self._pending: dict[str, _Pending] = {}
        self._wake = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        # What the last look at the line saw.
        self._waiting = 0  # jobs of every instance not started yet
        self._free = 0  # job slots of live workers not in use
        self._engine = "queue"
        self._languages: list[str] = []
        self._assumed = _assumed_languages(settings)

    @property
    def engine_name(self) -> str:
        return self._engine

    async def start(self) -> None:
        if self._redis is not None:
            return
        self._redis = await create_pool(self._redis_settings, default_queue_name=QUEUE)
        await self._look_at_line()
        self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def close(self) -> None:
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
        for pending in self._pending.values():
            if not pending.done.done():
                pending.done.set_exception(OcrError(detail="recognizer closed"))
        redis, self._redis = self._redis, None
        if redis is not None:
            await redis.aclose()

    def available_languages(self) -> list[str]:
        """What the live workers read; before any has said (the bot starts before workers
        have loaded their engines), what the engine the settings name offers."""
        return self._languages or self._assumed

    def ahead(self) -> int:
        """How many photos a photo sent now would wait behind (0: a worker is free)."""
        return self._waiting - self._free + 1 if self._waiting >= self._free else 0

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        redis = self._redis
        if redis is None:
            raise OcrError(detail="recognizer not started")
        resolve(language)  # LanguageUnavailable at once for a code nobody knows
        if self._waiting >= self.queue_size:
            raise QueueFull(detail=f"{self._waiting} photos waiting")
        # A bad file is refused at once, not after waiting in the line: from its size and
        # header (no pixel decoded here: the worker decodes it anyway, and a file cut off past
        # its header is told from there, in the same words).
        await asyncio.to_thread(check, image, max_bytes=self.max_bytes, max_pixels=self.max_pixels)
        with unavailable_without_redis("OCR queue"):
            # The user's words go with the job (a few kB at most); none: the job as before.
            extra = (words.to_wire(),) if words else ()
            job = await redis.enqueue_job(JOB, image, language, *extra, _expires=QUEUE_EXPIRY_S)
        if job is None:  # only when a job id is reused, which we never do
            raise OcrError(detail="job not enqueued")
        pending = _Pending(asyncio.get_running_loop().create_future(), on_queue)
        self._pending[job.job_id] = pending
        self._wake.set()
        try:
            result = await asyncio.wait_for(pending.done, self.give_up_after)
        except TimeoutError as exc:
            raise OcrTimeout(detail=f"no result for job {job.job_id}") from exc
        finally:
            del self._pending[job.job_id]
        return decode_result(result)

    # ---- the poller ------------------------------------------------------------------

    async def _poll(self) -> None:
        last_look = time.monotonic()
        failing = False
        while True:
            try:
                if self._pending:
                    await self._collect()
                if time.monotonic() - last_look >= self.state_seconds:
                    last_look = time.monotonic()
                    await self._look_at_line()
                if failing:
                    failing = False
                    log.warning("OCR queue: Redis answers again")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Redis away for a moment: waiting jobs keep waiting, the next turn retries.
                # Said once per outage, not at every turn.
                if not failing:
                    failing = True
                    if isinstance(exc, RedisError):
                        log.warning("OCR queue: Redis does not answer: %r", exc)
                    else:
                        log.exception("OCR queue poll failed")
            self._wake.clear()
            timeout = self.poll_seconds if self._pending else self.state_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _collect(self) -> None:
        """Hand every finished job of this instance its result (one round trip for all)."""
        redis = self._redis
        assert redis is not None
        ids = list(self._pending)
        async with redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.get(result_key_prefix + job_id)
                pipe.exists(job_key_prefix + job_id, in_progress_key_prefix + job_id)
                pipe.zscore(QUEUE, job_id)
            raw = await pipe.execute()
        for job_id, value, keys, score in zip(ids, raw[::3], raw[1::3], raw[2::3], strict=True):
            pending = self._pending.get(job_id)
            if pending is None or pending.done.done():
                continue
            if value is None:
                # arq replaces a job with its result in one transaction: no result, no job, not
                # being read and not in the line means Redis lost it (restarted without its
                # data). Nobody will read it: the user is told to send it again.
                if not keys and score is None:
                    pending.done.set_exception(
                        ServiceUnavailable(detail=f"job {job_id} lost by Redis")
                    )
                continue
            finished = deserialize_result(value)
            if finished.success:
                pending.done.set_result(finished.result)
            else:
                pending.done.set_exception(_job_failure(finished.result, job_id))

    async def _look_at_line(self) -> None:
        """Read the line and the workers, and tell this instance's waiting photos their place."""
        redis = self._redis
        assert redis is not None
        ids = [v.decode() for v in await redis.zrange(QUEUE, 0, -1)]
        async with redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.exists(in_progress_key_prefix + job_id)
            running_flags = await pipe.execute()
        # (redis-py types its set commands for both of its clients; this one is asyncio.)
        worker_keys = list(await cast("Awaitable[set[bytes]]", redis.smembers(WORKERS)))
        found = await redis.mget(worker_keys) if worker_keys else []
        # A worker whose key expired is gone (killed, or its machine is): off the list.
        if gone := [k for k, v in zip(worker_keys, found, strict=True) if v is None]:
            await cast("Awaitable[int]", redis.srem(WORKERS, *gone))
        workers = [json.loads(v) for v in found if v]
        capacity = sum(int(w.get("capacity", 1)) for w in workers)
        running = sum(1 for flag in running_flags if flag)
        self._free = max(0, capacity - running)
        if workers:
            self._engine = "queue:" + "/".join(sorted({str(w.get("engine")) for w in workers}))
            # In the workers' own order (the engine lists "auto" first where it offers it).
            self._languages = list(
                dict.fromkeys(str(c) for w in workers for c in w.get("languages", []))
            )
        waiting_before = 0
        for job_id, flag in zip(ids, running_flags, strict=True):
            pending = self._pending.get(job_id)
            place: int | None
            if flag:
                place = 0
            else:
                # Jobs ahead take the free workers first; "Queued: n ahead" only when this
                # one will really wait.
                place = waiting_before - self._free + 1 if waiting_before >= self._free else None
                waiting_before += 1
            if pending is not None and place is not None and place != pending.place:
                pending.place = place
                self._tell(pending.on_queue, place)
        self._waiting = waiting_before

    def _tell(self, on_queue: QueueCallback | None, place: int) -> None:
        if on_queue is None:
            return
        task = asyncio.get_running_loop().create_task(notify_queue(on_queue, place))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _job_failure(error: Any, job_id: str) -> OcrError:
    """What arq itself reports (the job's own errors come back as results)."""
    if isinstance(error, TimeoutError):
        return OcrTimeout(detail=f"job {job_id} over its time limit")
    if isinstance(error, JobExecutionFailed):
        # "max N retries exceeded": every worker that took it died; "job expired": it waited
        # longer than QUEUE_EXPIRY_S.
        if "expired" in str(error):
            return QueueFull(detail=f"job {job_id}: {error}")
        return WorkerCrashed(detail=f"job {job_id}: {error}")
    return OcrError(detail=f"job {job_id} failed: {error!r}")


def _assumed_languages(settings: Settings) -> list[str]:
    """The languages workers run with these settings will offer, before any has said: every
    language we know, and "auto" (the script decides) where the engine tells the script. A
    photo sent before the first worker is up is then read as it will be a second later."""
    codes = [lang.code for lang in LANGUAGES]
    if settings.resolved_engine in (EngineChoice.RAPID_TESSERACT, EngineChoice.RAPID):
        return [AUTO.code, *codes]
    return codes
