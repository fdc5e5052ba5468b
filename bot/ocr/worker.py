"""The worker's end of the OCR queue: ``notes-ocr-bot worker`` reads the photos bot instances
queue in Redis.

Each worker process builds the engine its own settings choose (``OCR_ENGINE``, ``OCR_WORKERS``
jobs at once), starts it once, and runs each job as ``await recognizer.recognize(image,
language)``. A job is acknowledged (removed from the line) only when its result is stored: a
worker killed mid-job leaves the job in the line, and another worker runs it once the dead
one's in-progress mark expires (the time limit plus 10 s, arq's rule). A job over
``OCR_TIMEOUT_SECONDS`` is cancelled and its photo answered with the timeout sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func

from bot.errors import BotError, ConfigError, OcrError
from bot.ocr.wire import (
    JOB,
    MAX_TRIES,
    QUEUE,
    WORKER_KEY_PREFIX,
    WORKER_KEY_TTL_S,
    WORKERS,
    error_result,
    page_result,
)

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.recognizer import Recognizer

log = logging.getLogger(__name__)

# How often the worker looks for jobs: the mean wait before a free worker notices a job is
# half of it (measured in bench/queue.py).
POLL_SECONDS = 0.01
# How long a result waits in Redis for the bot instance that asked.
KEEP_RESULT_S = 600
# SIGTERM: take no new job, give the jobs being read this long to finish, then hand the rest
# back to the line (another worker runs them at once). deploy/compose.yaml's
# stop_grace_period leaves room for it.
DRAIN_SECONDS = 30


def build_worker(settings: Settings, recognizer: Recognizer | None = None) -> Worker:
    """An arq worker running ``recognizer`` (default: the engine the settings choose)."""
    if not settings.redis_url:
        raise ConfigError("REDIS_URL is not set: a worker takes its jobs from Redis")
    if recognizer is None:
        from bot.ocr.engines import build_engine

        recognizer = build_engine(settings)
    engine = recognizer
    worker_key = WORKER_KEY_PREFIX + uuid.uuid4().hex
    beats: list[asyncio.Task[None]] = []

    async def heartbeat(redis: ArqRedis) -> None:
        # Bot instances size "Queued: n ahead" by the live workers' capacity.
        info = json.dumps(
            {
                "capacity": settings.ocr_workers,
                "engine": engine.engine_name,
                "languages": engine.available_languages(),
            }
        )
        while True:
            try:
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.set(worker_key, info, ex=WORKER_KEY_TTL_S)
                    pipe.sadd(WORKERS, worker_key)
                    await pipe.execute()
            except Exception:
                log.exception("worker heartbeat failed")
            await asyncio.sleep(1)

    async def startup(ctx: dict[str, Any]) -> None:
        await engine.start()
        beats.append(asyncio.get_running_loop().create_task(heartbeat(ctx["redis"])))
        log.info("OCR worker: engine=%s, %d at once", engine.engine_name, settings.ocr_workers)

    async def shutdown(ctx: dict[str, Any]) -> None:
        for beat in beats:
            beat.cancel()
        with contextlib.suppress(Exception):
            async with ctx["redis"].pipeline(transaction=True) as pipe:
                pipe.delete(worker_key)
                pipe.srem(WORKERS, worker_key)
                await pipe.execute()
        await engine.close()

    async def read_photo(ctx: dict[str, Any], image: bytes, language: str) -> dict[str, Any]:
        try:
            page = await engine.recognize(image, language)
        except BotError as exc:
            log.info("job %s: %s %s", ctx.get("job_id"), type(exc).__name__, exc.detail)
            return error_result(exc)
        except Exception as exc:
            log.exception("job %s failed", ctx.get("job_id"))
            return error_result(OcrError(detail=f"{type(exc).__name__}: {exc}"))
        return page_result(page)

    return Worker(
        functions=[func(read_photo, name=JOB, max_tries=MAX_TRIES)],
        queue_name=QUEUE,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=settings.ocr_workers,
        job_timeout=settings.ocr_timeout_seconds,
        keep_result=KEEP_RESULT_S,
        poll_delay=POLL_SECONDS,
        job_completion_wait=DRAIN_SECONDS,
        # arq reads this many job ids per poll, and jobs being read stay in the line until
        # done: with the default (max_jobs) a free worker sees only the job another worker is
        # reading and waits for it (measured: 2 workers read no faster than 1).
        queue_read_limit=max(100, 4 * settings.ocr_workers),
        # Results are not echoed into the log: they are users' notes.
        log_results=False,
    )


async def serve(settings: Settings, recognizer: Recognizer | None = None) -> None:
    """Run a worker until SIGINT/SIGTERM: then it takes no new job, finishes the ones it is
    reading (DRAIN_SECONDS at most, the rest go back to the line) and returns."""
    worker = build_worker(settings, recognizer)
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        pass
    finally:
        await worker.close()
