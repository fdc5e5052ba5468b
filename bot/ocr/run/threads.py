"""Running readers in threads: the Recognizer for engines that release the GIL.

Tesseract (tesserocr) and RapidOCR (onnxruntime) both let go of the GIL while they work, so
a small pool of threads reads several photos at once in the bot's own process while the
event loop stays free. What is read and how is the job's business
(:func:`bot.ocr.job.read_prepared` with a :class:`ThreadPipeline`); this room only queues
photos first come first served, runs jobs with a time limit, and turns a failure into a
sentence for the user.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Protocol

from bot.errors import BotError, OcrError, OcrTimeout
from bot.ocr.job import Limits, Pipeline, read_prepared, validate
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
    ) -> None:
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
            executor = self._executor
            if executor is None:
                raise OcrError(detail="recognizer closed")
            # An engine that can stop itself does so a little after our deadline,
            # freeing the thread.
            timeout_ms = int(self.timeout * 1000) + 1000
            loop = asyncio.get_running_loop()
            read = partial(
                read_prepared, prepared, lang, self.pipeline, timeout_ms=timeout_ms, words=words
            )
            job = loop.run_in_executor(executor, read)
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
