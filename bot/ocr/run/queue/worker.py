"""The worker's end of the OCR queue: ``notes-ocr-bot worker`` reads the photos bot instances
queue in Redis.

Each worker process builds the engine its own settings choose (``OCR_ENGINE``, ``OCR_WORKERS``
jobs at once), starts it once, and runs each job as ``await recognizer.recognize(image,
language)``. A job is acknowledged (removed from the line) only when its result is stored: a
worker killed mid-job leaves the job in the line, and another worker runs it once the dead
one's in-progress mark expires (8 s after its last heartbeat, holds.py). A job over
``OCR_TIMEOUT_SECONDS`` is cancelled and its photo answered with the timeout sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import uuid
from typing import TYPE_CHECKING, Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func
from redis.exceptions import RedisError

from bot.errors import BotError, ConfigError, OcrError
from bot.ocr.run.queue.holds import JOB_LOCK_SECONDS, Holds
from bot.ocr.run.queue.wire import (
    JOB,
    MAX_TRIES,
    QUEUE,
    WORKER_KEY_PREFIX,
    WORKER_KEY_TTL_S,
    WORKERS,
    error_result,
    page_result,
)
from bot.ocr.vocabulary import Vocabulary
from bot.shutdown import WATCHDOG_MARGIN_S, Watchdog

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.recognizer import Recognizer

log = logging.getLogger(__name__)

# How often the worker looks for jobs: the mean wait before a free worker notices a job is
# half of it (measured in bench/queue.py).
POLL_SECONDS = 0.01
# How long a result waits in Redis for the bot instance that asked.
KEEP_RESULT_S = 600
# Redis away: the first wait before trying again, and the longest.
REDIS_RETRY_SECONDS = (1.0, 15.0)


def build_worker(settings: Settings, engine: Recognizer, holds: Holds | None = None) -> Worker:
    """An arq worker running ``engine`` (started and closed by the caller: it outlives a
    worker that lost Redis, and so do ``holds``, the jobs this process holds)."""
    if not settings.redis_url:
        raise ConfigError("REDIS_URL is not set: a worker takes its jobs from Redis")
    holds = holds or Holds(WORKER_KEY_PREFIX + uuid.uuid4().hex)
    worker_key = holds.worker_key
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
                    holds.refresh(pipe)
                    await pipe.execute()
            except Exception:
                log.exception("worker heartbeat failed")
            await asyncio.sleep(1)

    async def startup(ctx: dict[str, Any]) -> None:
        beats.append(asyncio.get_running_loop().create_task(heartbeat(ctx["redis"])))
        await holds.hand_back(ctx["redis"])
        log.info("OCR worker: engine=%s, %d at once", engine.engine_name, settings.ocr_workers)

    async def shutdown(ctx: dict[str, Any]) -> None:
        for beat in beats:
            beat.cancel()
        with contextlib.suppress(Exception):
            async with ctx["redis"].pipeline(transaction=True) as pipe:
                pipe.delete(worker_key)
                pipe.srem(WORKERS, worker_key)
                await pipe.execute()

    async def read_photo(
        ctx: dict[str, Any], image: bytes, language: str, words: object = None
    ) -> dict[str, Any]:
        try:
            page = await engine.recognize(image, language, words=Vocabulary.from_wire(words))
        except BotError as exc:
            log.info("job %s: %s %s", ctx.get("job_id"), type(exc).__name__, exc.detail)
            return error_result(exc)
        except Exception as exc:
            log.exception("job %s failed", ctx.get("job_id"))
            return error_result(OcrError(detail=f"{type(exc).__name__}: {exc}"))
        return page_result(page)

    worker = Worker(
        functions=[func(holds.guarded(read_photo), name=JOB, max_tries=MAX_TRIES)],
        queue_name=QUEUE,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=settings.ocr_workers,
        job_timeout=settings.ocr_timeout_seconds,
        keep_result=KEEP_RESULT_S,
        poll_delay=POLL_SECONDS,
        job_completion_wait=settings.shutdown_grace_seconds,
        # arq reads this many job ids per poll, and jobs being read stay in the line until
        # done: with the default (max_jobs) a free worker sees only the job another worker is
        # reading and waits for it (measured: 2 workers read no faster than 1).
        queue_read_limit=max(100, 4 * settings.ocr_workers),
        # Results are not echoed into the log: they are users' notes.
        log_results=False,
    )
    # A short in-progress mark, refreshed by the heartbeat while the job runs (holds.py):
    # a dead worker's job is started again within seconds, not after its time limit.
    worker.in_progress_timeout_s = JOB_LOCK_SECONDS
    return worker


async def serve(settings: Settings, recognizer: Recognizer | None = None) -> int:
    """Run a worker until SIGINT/SIGTERM: then it takes no new job, finishes the ones it is
    reading (SHUTDOWN_GRACE_SECONDS at most, the rest go back to the line) and returns the
    exit code: 0, or 1 when a job could not be handed back (Redis away; one log line says
    which).

    The engine (default: the one the settings choose) is started once. When Redis goes away
    (restarting, the network), the worker waits for it, trying again every few seconds, and
    carries on with the same engine: a worker never dies of a Redis restart."""
    if recognizer is None:
        from bot.ocr.engines import build_engine

        recognizer = build_engine(settings)
    await recognizer.start()
    stopping = asyncio.Event()
    delay = REDIS_RETRY_SECONDS[0]
    holds = Holds(WORKER_KEY_PREFIX + uuid.uuid4().hex)
    watchdog = Watchdog(holds.summary)
    grace = settings.shutdown_grace_seconds
    try:
        while not stopping.is_set():
            worker = build_worker(settings, recognizer, holds)
            _drain_on_signals(worker, watchdog, grace)  # in place of arq's own handlers
            started = asyncio.get_running_loop().time()
            try:
                await worker.async_run()
                break
            except asyncio.CancelledError:
                break  # SIGINT/SIGTERM (arq's handlers cancel its main task)
            except (RedisError, OSError) as exc:
                if asyncio.get_running_loop().time() - started > 60:
                    delay = REDIS_RETRY_SECONDS[0]  # it had been working: a new outage
                log.warning("Redis does not answer (%r): trying again in %.0f s", exc, delay)
            finally:
                # Jobs it was reading cannot store their results: they stay in the line (when
                # Redis kept its data) and are read again once their in-progress mark expires.
                for task in worker.tasks.values():
                    task.cancel()
                with contextlib.suppress(Exception):
                    await worker.close()
            _stop_on_signals(stopping, watchdog, grace)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            delay = min(delay * 2, REDIS_RETRY_SECONDS[1])
    finally:
        await recognizer.close()
    return holds.report()


def _stop_on_signals(stopping: asyncio.Event, watchdog: Watchdog, grace: float) -> None:
    def stop() -> None:
        watchdog.arm(grace + WATCHDOG_MARGIN_S)
        stopping.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)


def _drain_on_signals(worker: Worker, watchdog: Watchdog, grace: float) -> None:
    """arq's drain (no new job; the running ones get ``grace``, then go back to the line), with
    the watchdog armed: the process ends even if Redis never answers again."""

    def drain(sig: signal.Signals) -> None:
        watchdog.arm(grace + WATCHDOG_MARGIN_S)
        worker.handle_sig_wait_for_completion(sig)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, drain, sig)
