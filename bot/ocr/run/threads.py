"""Running readers in threads: the Recognizer for engines that release the GIL.

Tesseract (tesserocr) and RapidOCR (onnxruntime) both let go of the GIL while they work, so
a small pool of threads reads several photos at once in the bot's own process while the
event loop stays free. What is read and how is the job's business
(:func:`bot.ocr.job.read_prepared` with a :class:`ThreadPipeline`); this room only queues
photos first come first served, runs jobs with a time limit, and turns a failure into a
sentence for the user.

A worker thread with no photo of its own lends a hand to a photo being read
(:class:`_Lending`): the page's lines are shared between its thread and the idle one
(:mod:`bot.ocr.job.lending`), so a photo read alone is read on both cores. The hand is taken
back before the next line when a photo comes for that thread; with every worker reading a
photo of its own, nothing is shared.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from functools import partial
from typing import TYPE_CHECKING, Protocol

from bot.errors import BotError, OcrError, OcrTimeout
from bot.ocr.job import Limits, Pipeline, read_prepared, validate
from bot.ocr.job.lending import Wanted, helped_by
from bot.ocr.run.slots import QueuedEngine, SlotQueue
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.model import Page
    from bot.ocr.recognizer import Ahead

log = logging.getLogger(__name__)


class ThreadPipeline(Pipeline, Protocol):
    """A pipeline whose readers are safe to run in several threads at once."""

    def available_languages(self) -> list[str]: ...

    def load(self) -> None:
        """Load models and maps once, in a thread, before the first photo."""

    def warm(self) -> None:
        """Run once in each worker thread at start: per-thread engines load here, not on a
        user's photo."""


class _Lending:
    """The runner's ``workers`` threads: how many read a photo, how many lend a hand to one
    (:class:`bot.ocr.job.lending.Helpers`). A thread with neither lends a hand to a page
    that offers its lines, when it offers them or as soon as the thread is free."""

    def __init__(self, executor: ThreadPoolExecutor, workers: int, *, share: bool) -> None:
        self._executor = executor
        self._workers = workers
        self._share = share
        self._lock = threading.Lock()
        self._photos = 0  # handed to the executor and not done
        self._helping = 0  # lending a hand, or about to
        self._offered: list[Callable[[Wanted], None]] = []  # lines left to take, oldest first

    def photo(self, job: Callable[[], Page]) -> Future[Page]:
        """``job`` run in a worker thread, its page's lines shared with the idle ones."""
        with self._lock:
            self._photos += 1
        try:
            future = self._executor.submit(self._read, job)
        except BaseException:
            self._done_with_photo()
            raise
        # Done, failed, or cancelled before it started: its thread is free again.
        future.add_done_callback(lambda _: self._done_with_photo())
        return future

    def offer(self, work: Callable[[Wanted], None]) -> None:
        with self._lock:
            self._offered.append(work)
        self._lend_idle()

    def withdraw(self, work: Callable[[Wanted], None]) -> None:
        with self._lock:
            if work in self._offered:
                self._offered.remove(work)

    def hold(self) -> Callable[[], None] | None:
        with self._lock:
            if self._workers - self._photos - self._helping <= 0:
                return None
            self._helping += 1
        released = threading.Event()
        try:
            self._executor.submit(self._held, released)
        except RuntimeError:  # shut down
            with self._lock:
                self._helping -= 1
            return None
        return released.set

    def _held(self, released: threading.Event) -> None:
        try:
            released.wait()
        finally:
            with self._lock:
                self._helping -= 1
        self._lend_idle()

    def _lend_idle(self) -> None:
        """Every idle thread to the oldest page with lines left to take."""
        with self._lock:
            if not self._offered:
                return
            work = self._offered[0]
            idle = max(0, self._workers - self._photos - self._helping)
            self._helping += idle
        for _ in range(idle):
            try:
                self._executor.submit(self._help, work)
            except RuntimeError:  # shut down: the page's own thread reads every line
                with self._lock:
                    self._helping -= 1

    def _read(self, job: Callable[[], Page]) -> Page:
        with helped_by(self) if self._share else nullcontext():
            return job()

    def _help(self, work: Callable[[Wanted], None]) -> None:
        try:
            work(self._wanted)
        finally:
            with self._lock:
                if not self._wanted() and work in self._offered:
                    self._offered.remove(work)  # it stopped with no line left to take
                self._helping -= 1
        self._lend_idle()

    def _wanted(self) -> bool:
        """A photo waits in the executor for a thread a helper holds."""
        return self._photos + self._helping > self._workers

    def _done_with_photo(self) -> None:
        with self._lock:
            self._photos -= 1
        self._lend_idle()


class ThreadRunner(QueuedEngine):
    """A Recognizer that reads each photo with ``pipeline`` in a pool of ``workers`` threads."""

    def __init__(
        self,
        pipeline: ThreadPipeline,
        settings: Settings | None = None,
        *,
        workers: int = 2,
        max_bytes: int | None = None,
        max_pixels: int | None = None,
        max_side: int = 2000,
        timeout: float = 120,
        queue_size: int = 32,
        share_lines: bool = True,
    ) -> None:
        """``share_lines``: a worker thread with no photo of its own reads lines of the
        photos being read (off: each photo is read by its own thread alone; bench)."""
        if settings is not None:
            # Built by bot.ocr.engines.build_recognizer from the app's settings.
            workers = settings.ocr_workers
            max_bytes = settings.max_image_bytes
            max_pixels = settings.max_pixels
            max_side = settings.ocr_max_side
            timeout = settings.ocr_timeout_seconds
            queue_size = settings.ocr_queue_size
        self.pipeline = pipeline
        self.workers = max(1, workers)
        defaults = Limits()
        self.limits = Limits(
            max_bytes if max_bytes is not None else defaults.max_bytes,
            max_pixels if max_pixels is not None else defaults.max_pixels,
            max_side,
        )
        self.timeout = timeout
        self._queue = SlotQueue(self.workers, queue_size)
        self._executor: ThreadPoolExecutor | None = None
        self._lending: _Lending | None = None
        self.share_lines = share_lines
        self._closed = False
        self._decoding = asyncio.Semaphore(self.workers + 1)

    @property
    def engine_name(self) -> str:
        return self.pipeline.name

    def available_languages(self) -> list[str]:
        return self.pipeline.available_languages()

    # ---- running -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._executor is not None:
            return
        # OpenMP in Tesseract (and ONNX's own pools) oversubscribe the cores otherwise:
        # measured 2-5x slower with several threads.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        await asyncio.to_thread(self.pipeline.load)
        self._executor = ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix=self.engine_name.replace("+", "-")
        )
        # Each warm-up waits for all the others, so each runs in a thread of its own.
        barrier = threading.Barrier(self.workers)

        def warm() -> None:
            barrier.wait(timeout=60)
            self.pipeline.warm()

        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, warm) for _ in range(self.workers))
        )
        self._lending = _Lending(self._executor, self.workers, share=self.share_lines)
        self._queue = SlotQueue(self.workers, self.queue_size)
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        self._queue.close()
        if self._executor is not None:
            executor, self._executor = self._executor, None
            # Running jobs finish in their threads; nothing new is taken.
            executor.shutdown(wait=False, cancel_futures=True)

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        if self._executor is None or self._closed:
            raise OcrError(detail="recognizer not started")
        self.pipeline.language(language)  # LanguageUnavailable before any work
        self._queue.refuse_if_full()
        # A bad file is reported at once, not after waiting in the queue. Decoding is
        # bounded too: a burst of 20 MB photos must not decode all at once.
        async with self._decoding:
            prepared, lang = await asyncio.to_thread(
                validate, image, language, self.pipeline, self.limits
            )
        queue = self._queue
        slot = await queue.acquire(on_queue)
        try:
            lending = self._lending
            if self._executor is None or lending is None:
                raise OcrError(detail="recognizer closed")
            # An engine that can stop itself does so a little after our deadline,
            # freeing the thread.
            timeout_ms = int(self.timeout * 1000) + 1000
            read = partial(
                read_prepared, prepared, lang, self.pipeline, timeout_ms=timeout_ms, words=words
            )
            job = asyncio.wrap_future(lending.photo(read))
            try:
                return await asyncio.wait_for(job, self.timeout)
            except TimeoutError as exc:
                raise OcrTimeout(detail=f"over {self.timeout}s") from exc
            except BotError:
                raise
            except Exception as exc:
                # Whatever broke inside an engine, the user gets a sentence, the log the rest.
                log.exception("%s failed on a photo", self.engine_name)
                raise OcrError(detail=f"{self.engine_name} failed: {exc!r}") from exc
        finally:
            queue.release(slot)
