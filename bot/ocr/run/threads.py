"""Running readers in threads: the Recognizer for engines that release the GIL.

Tesseract (tesserocr) and RapidOCR (onnxruntime) both let go of the GIL while they work, so
a small pool of threads reads several photos at once in the bot's own process while the
event loop stays free. What is read and how is the job's business (:meth:`ThreadEngine.read`,
a plain synchronous function of a prepared image and a language); this room only queues
photos first come first served, runs jobs with a time limit, and turns a failure into a
sentence for the user.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot.errors import BotError, OcrError, OcrTimeout
from bot.ocr.preprocess import PreparedImage, prepare
from bot.ocr.run.slots import QueuedEngine, SlotQueue

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.languages import Language
    from bot.ocr.model import Page
    from bot.ocr.recognizer import QueueCallback

log = logging.getLogger(__name__)

# Defaults of bot.config.Settings, for an engine built without settings (CLI, tests).
_DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_DEFAULT_MAX_PIXELS = 60_000_000


class ThreadEngine(QueuedEngine):
    """A Recognizer that runs :meth:`read` for each photo in a pool of ``workers`` threads.

    Subclasses name the engine, say which languages it reads (:meth:`language`), load
    what it needs once (:meth:`load`) and read one prepared page (:meth:`read`).
    """

    def __init__(
        self,
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
        self.workers = max(1, workers)
        self.max_bytes = max_bytes if max_bytes is not None else _DEFAULT_MAX_BYTES
        self.max_pixels = max_pixels if max_pixels is not None else _DEFAULT_MAX_PIXELS
        self.max_side = max_side
        self.timeout = timeout
        self._queue = SlotQueue(self.workers, queue_size)
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self._decoding = asyncio.Semaphore(self.workers + 1)

    # ---- what a subclass provides ------------------------------------------------------

    @property
    def engine_name(self) -> str:
        raise NotImplementedError

    def language(self, code: str) -> Language:
        """The language ``code`` names; LanguageUnavailable when this engine cannot read it."""
        raise NotImplementedError

    def available_languages(self) -> list[str]:
        raise NotImplementedError

    def load(self) -> None:
        """Load models and maps once, in a thread, before the first photo."""

    def warm_thread(self) -> None:
        """Run once in each worker thread at start: per-thread engines load here, not on a
        user's photo."""

    def read(self, prepared: PreparedImage, language: Language, timeout_ms: int) -> Page:
        """Read one page (in a worker thread). ``timeout_ms``: where the engine can stop
        itself, it should stop by then."""
        raise NotImplementedError

    # ---- running -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._executor is not None:
            return
        # OpenMP in Tesseract (and ONNX's own pools) oversubscribe the cores otherwise:
        # measured 2-5x slower with several threads.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        await asyncio.to_thread(self.load)
        self._executor = ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix=self.engine_name.replace("+", "-")
        )
        # Each warm-up waits for all the others, so each runs in a thread of its own.
        barrier = threading.Barrier(self.workers)

        def warm() -> None:
            barrier.wait(timeout=60)
            self.warm_thread()

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
        self, image: bytes, language: str, *, on_queue: QueueCallback | None = None
    ) -> Page:
        if self._executor is None or self._closed:
            raise OcrError(detail="recognizer not started")
        lang = self.language(language)
        self._queue.refuse_if_full()
        # A bad file is reported at once, not after waiting in the queue. Decoding is
        # bounded too: a burst of 20 MB photos must not decode all at once.
        async with self._decoding:
            prepared = await asyncio.to_thread(self._prepare, image)
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
            job = loop.run_in_executor(executor, self.read, prepared, lang, timeout_ms)
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

    def _prepare(self, image: bytes) -> PreparedImage:
        return prepare(
            image, max_bytes=self.max_bytes, max_pixels=self.max_pixels, max_side=self.max_side
        )
