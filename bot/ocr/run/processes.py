"""Running in spawned processes: the Recognizer for Aspose, which holds the GIL.

The bot process never imports Aspose (it holds the GIL for seconds and breaks forked
children). Each worker is its own single-process executor running
:mod:`bot.ocr.readers.aspose`: a stuck or dead worker is killed and replaced alone, without
failing the jobs running on the other workers. The reading job itself
(:func:`bot.ocr.job.read_prepared` with :class:`~bot.ocr.job.aspose_checked.AsposeChecked`)
runs in a thread of this process; each time it needs a page read, it waits for a free
worker in the bounded queue and ships the page there as a PNG.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ModelMissing, OcrError, OcrTimeout, WorkerCrashed
from bot.ocr.decide.calibration import Calibration
from bot.ocr.job import Limits, read_prepared, validate
from bot.ocr.job.aspose_checked import NAME, AsposeChecked
from bot.ocr.languages import LANGUAGES
from bot.ocr.preprocess import to_png_bytes
from bot.ocr.readers.aspose import (
    AsposeWorkerConfig,
    WorkerResult,
    init_worker,
    recognize_in_worker,
    worker_pid,
)
from bot.ocr.recognizer import Ahead, QueueCallback
from bot.ocr.run.slots import QueuedEngine, SlotQueue
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

if TYPE_CHECKING:
    from PIL import Image

    from bot.ocr.languages import Language
    from bot.ocr.model import Page


log = logging.getLogger(__name__)

# Threads for jobs in flight (created as needed; most wait for a worker).
_JOB_THREADS = 64
# A fresh worker imports .NET and Aspose and warms up the models: seconds, not minutes.
_START_TIMEOUT = 120.0


class _Worker:
    """One spawned process (a one-worker executor) and its pid once started."""

    def __init__(self, config: AsposeWorkerConfig) -> None:
        self.executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(config,),
        )
        # Submitted first, so it runs the initializer before any job; its result is the pid.
        self.started: Future[int] = self.executor.submit(worker_pid)

    def pid(self) -> int | None:
        if self.started.done() and not self.started.cancelled() and not self.started.exception():
            return self.started.result()
        return None

    def kill(self) -> None:
        """Kill the process now (a running task cannot be cancelled any other way)."""
        # _processes is the only handle on the child; ProcessPoolExecutor has no public one.
        processes: dict[int, Any] = dict(getattr(self.executor, "_processes", None) or {})
        for proc in processes.values():
            with contextlib.suppress(Exception):
                proc.kill()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for proc in processes.values():
            with contextlib.suppress(Exception):
                proc.join(timeout=5)


class ProcessRunner(QueuedEngine):
    """Recognizer backed by ``workers`` Aspose processes. Create, ``await start()``, use."""

    def __init__(
        self,
        config: AsposeWorkerConfig,
        *,
        workers: int = 1,
        timeout_seconds: float = 120.0,
        queue_size: int = 32,
        max_side: int = 2000,
        max_bytes: int = 20 * 1024 * 1024,
        max_pixels: int = 60_000_000,
        verify_threads: int = 2,
        calibration: Calibration | None = None,
    ) -> None:
        self.config = config
        self.workers = max(1, workers)
        # Public and mutable on purpose: read per job, so operators and tests can change it.
        self.timeout_seconds = timeout_seconds
        self._queue = SlotQueue(self.workers, queue_size)
        self.max_side = max_side
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self._verify_threads = verify_threads
        # Maps the verified score (Aspose checked by Tesseract) onto "how likely this line is
        # right", measured on drawn notes (bot/ocr/calibration/aspose.json).
        self._calibration = calibration or Calibration.load(NAME)
        self._slots: list[_Worker] = []
        # The job each slot's worker was last given (to tell when a cancelled one ends).
        self._running: dict[int, Future[WorkerResult]] = {}
        # Lines are checked in these threads (Tesseract and RapidOCR let go of the GIL)...
        self._checks: ThreadPoolExecutor | None = None
        # ...and jobs run in these: a job's thread mostly waits for a worker process, and
        # jobs are bounded by the queue (refused past queue_size waiting).
        self._jobs: ThreadPoolExecutor | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._in_flight: set[_Trips] = set()
        self._closed = False

    @property
    def engine_name(self) -> str:
        return NAME

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Spawn the workers and wait until each is initialised and warmed up."""
        if self._slots:
            return
        self._closed = False
        self._checks = ThreadPoolExecutor(
            max_workers=self._verify_threads, thread_name_prefix="ocr-verify"
        )
        self._jobs = ThreadPoolExecutor(max_workers=_JOB_THREADS, thread_name_prefix="aspose-job")
        _log_license_problem(self.config)
        self._slots = [_Worker(self.config) for _ in range(self.workers)]
        self._queue = SlotQueue(self.workers, self.queue_size)
        try:
            await asyncio.gather(*(self._wait_started(w) for w in self._slots))
        except BaseException:
            await self.close()
            raise

    async def _wait_started(self, worker: _Worker) -> None:
        try:
            await asyncio.wait_for(asyncio.wrap_future(worker.started), _START_TIMEOUT)
        except (BrokenProcessPool, TimeoutError) as exc:
            raise OcrError(detail=f"Aspose worker failed to start: {exc!r}") from exc

    async def close(self) -> None:
        """Stop the workers; jobs waiting for one fail with OcrError."""
        self._closed = True
        self._queue.close()
        for trips in list(self._in_flight):
            trips.cancel()  # a job's thread must never wait for a loop that has stopped
        slots, self._slots = self._slots, []
        for worker in slots:
            await asyncio.to_thread(worker.kill)
        for executor in (self._checks, self._jobs):
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
        self._checks = self._jobs = None

    def worker_pids(self) -> list[int]:
        """Pids of the started worker processes (for ``doctor`` and tests)."""
        return [pid for w in self._slots if (pid := w.pid()) is not None]

    def available_languages(self) -> list[str]:
        models = Path(self.config.models_dir)
        return [
            lang.code
            for lang in LANGUAGES
            if lang.aspose_model is None or (models / lang.aspose_model).is_file()
        ]

    # ---- one job ---------------------------------------------------------------------

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        jobs, checks = self._jobs, self._checks
        if self._closed or not self._slots or jobs is None or checks is None:
            raise OcrError(detail="recognizer not started")
        loop = asyncio.get_running_loop()
        trips = _Trips(self, loop, on_queue)
        pipeline = AsposeChecked(trips.read, checks, self._calibration)
        pipeline.language(language)  # LanguageUnavailable before any work
        # Refuse early when full: no point decoding a photo we will not read.
        self._queue.refuse_if_full()
        # Validated before queueing: a bad file is reported at once, not after the wait.
        limits = Limits(self.max_bytes, self.max_pixels, self.max_side)
        prepared, lang = await asyncio.to_thread(validate, image, language, pipeline, limits)
        read = partial(read_prepared, prepared, lang, pipeline, words=words)
        job = loop.run_in_executor(jobs, read)
        self._in_flight.add(trips)
        try:
            return await job
        except asyncio.CancelledError:
            trips.cancel()
            raise
        finally:
            self._in_flight.discard(trips)

    async def _trip(
        self, png: bytes, language: str, on_queue: QueueCallback | None
    ) -> WorkerResult:
        """One trip through a worker: wait for a free one, have it read ``png``."""
        queue = self._queue
        slot = await queue.acquire(on_queue)
        if self._closed:
            queue.release(slot)
            raise OcrError(detail="recognizer closed")
        released = False
        try:
            result = await self._run(slot, png, language)
        except asyncio.CancelledError:
            # The caller gave up, but the worker is still reading: keep its slot busy until
            # it is done, so the next photo's time limit does not run while it waits.
            released = self._release_when_idle(queue, slot)
            raise
        finally:
            if not released:
                queue.release(slot)
        if result.missing_model:
            raise ModelMissing(result.missing_model, language)
        return result

    async def _run(self, slot: int, png: bytes, language: str) -> WorkerResult:
        try:
            future = self._slots[slot].executor.submit(recognize_in_worker, png, language)
        except RuntimeError:  # BrokenProcessPool is one
            # The process died between jobs (killed for memory, say). This photo never
            # reached it, so it goes to a fresh worker instead of failing.
            self._replace(slot)
            try:
                future = self._slots[slot].executor.submit(recognize_in_worker, png, language)
            except RuntimeError as exc:
                raise WorkerCrashed(detail=f"fresh worker unusable: {exc!r}") from exc
        self._running[slot] = future
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_seconds)
        except TimeoutError as exc:
            # The worker is still inside Aspose and cannot be interrupted: kill it, so the
            # slot is free for the next photo.
            self._replace(slot)
            raise OcrTimeout(detail=f"over {self.timeout_seconds}s") from exc
        except BrokenProcessPool as exc:
            self._replace(slot)
            raise WorkerCrashed(detail=f"worker died: {exc!r}") from exc

    def _release_when_idle(self, queue: SlotQueue, slot: int) -> bool:
        """Release ``slot`` once its worker finishes the job it is running; False if idle."""
        if slot >= len(self._slots):
            return False
        running = self._running.get(slot)
        if running is None or running.done():
            return False
        loop = asyncio.get_running_loop()

        def done(_: Future[WorkerResult]) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed: nothing left to free
                loop.call_soon_threadsafe(queue.release, slot)

        running.add_done_callback(done)
        return True

    def _replace(self, slot: int) -> None:
        """Swap a dead or stuck worker for a fresh one in the same slot."""
        if self._closed or slot >= len(self._slots):
            return
        worker = self._slots[slot]
        self._slots[slot] = _Worker(self.config)
        # Killing and joining blocks briefly; keep it off the event loop.
        self._spawn(asyncio.to_thread(worker.kill))
        log.warning("replaced Aspose worker %s", worker.pid())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


class _Trips:
    """A job's way to its pool's workers, from the job's thread: each page read waits on the
    event loop for a worker (only the first tells the photo's place in line)."""

    def __init__(
        self,
        pool: ProcessRunner,
        loop: asyncio.AbstractEventLoop,
        on_queue: QueueCallback | None,
    ) -> None:
        self._pool = pool
        self._loop = loop
        self._on_queue = on_queue
        self._current: concurrent.futures.Future[WorkerResult] | None = None
        self._cancelled = False

    def read(self, image: Image.Image, language: Language) -> WorkerResult:
        png = to_png_bytes(image)
        on_queue, self._on_queue = self._on_queue, None
        if self._cancelled:
            raise OcrError(detail="job cancelled")
        trip = self._pool._trip(png, language.code, on_queue)
        self._current = asyncio.run_coroutine_threadsafe(trip, self._loop)
        if self._cancelled:
            self._current.cancel()
        try:
            return self._current.result()
        except concurrent.futures.CancelledError:
            raise OcrError(detail="job cancelled") from None

    def cancel(self) -> None:
        """The caller gave up: the trip under way ends (its worker's slot is freed once the
        worker is done), and no other starts."""
        self._cancelled = True
        if self._current is not None:
            self._current.cancel()


def _log_license_problem(config: AsposeWorkerConfig) -> None:
    """Say once, at start, what the workers will refuse every photo for: the bot still starts
    and users are told the engine is misconfigured."""
    import base64
    import binascii

    if config.license_path and not os.access(config.license_path, os.R_OK):
        log.error(
            "Aspose license file %s cannot be read: photos will be refused", config.license_path
        )
    elif config.license_base64:
        try:
            base64.b64decode(config.license_base64, validate=True)
        except (binascii.Error, ValueError):
            log.error("ASPOSE_LICENSE_BASE64 is not valid base64: photos will be refused")
