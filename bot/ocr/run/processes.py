"""Aspose recognition for the bot: a pool of spawned worker processes behind the Recognizer seam.

The bot process never imports Aspose (it holds the GIL for seconds and breaks forked
children). Here the parent validates and downscales the photo, waits for a free worker in a
bounded queue, ships a PNG to a worker, and then, back in the parent, maps boxes to the
user's photo, adds lines Aspose missed (found by line detection) and puts an honest
confidence on every line (Aspose's own is 0 in trial mode; Tesseract re-reads each crop).

Each worker is its own single-process executor: a stuck or dead worker is killed and
replaced alone, without failing the jobs running on the other workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import (
    LanguageUnavailable,
    ModelMissing,
    OcrError,
    OcrTimeout,
    WorkerCrashed,
)
from bot.ocr.decide.calibration import Calibration, verified_confidence
from bot.ocr.decide.combined import rapid_reads
from bot.ocr.find.bands import detect_lines, reconcile, uncovered
from bot.ocr.job.orientation import looks_turned, sure_chars, turned_size, unturn_box
from bot.ocr.job.rapid_tesseract import check_crop
from bot.ocr.job.tesseract_alone import guess_band, upright_turn, verify_crop
from bot.ocr.languages import LANGUAGES, resolve
from bot.ocr.model import Box, ConfidenceSource, Line, Page
from bot.ocr.preprocess import PreparedImage, prepare, to_png_bytes
from bot.ocr.readers.aspose import (
    AsposeWorkerConfig,
    WorkerResult,
    deskew,
    init_worker,
    recognize_in_worker,
    worker_pid,
)
from bot.ocr.recognizer import QueueCallback
from bot.ocr.run.slots import QueuedEngine, SlotQueue

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image


log = logging.getLogger(__name__)

TRIAL_WARNING = "Aspose trial: text is cut short; configure a license"
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


class AsposePool(QueuedEngine):
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
        self._calibration = calibration or Calibration.load("aspose")
        self._slots: list[_Worker] = []
        # The job each slot's worker was last given (to tell when a cancelled one ends).
        self._running: dict[int, Future[WorkerResult]] = {}
        self._verify_pool: ThreadPoolExecutor | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def engine_name(self) -> str:
        return "aspose"

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Spawn the workers and wait until each is initialised and warmed up."""
        if self._slots:
            return
        self._closed = False
        self._verify_pool = ThreadPoolExecutor(
            max_workers=self._verify_threads, thread_name_prefix="ocr-verify"
        )
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
        slots, self._slots = self._slots, []
        for worker in slots:
            await asyncio.to_thread(worker.kill)
        if self._verify_pool is not None:
            self._verify_pool.shutdown(wait=False, cancel_futures=True)
            self._verify_pool = None

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
        self, image: bytes, language: str, *, on_queue: QueueCallback | None = None
    ) -> Page:
        if self._closed or not self._slots:
            raise OcrError(detail="recognizer not started")
        lang = resolve(language)  # LanguageUnavailable before any work
        # Refuse early when full: no point decoding a photo we will not read.
        self._queue.refuse_if_full()
        # Validated before queueing: a bad file is reported at once, not after the wait.
        prepared = await asyncio.to_thread(self._prepare, image)
        page = await self._read(prepared, lang.code, on_queue)
        if looks_turned(page.lines):
            turned = await self._read_turned(prepared, lang.code)
            if turned is not None and sure_chars(turned.lines) > sure_chars(page.lines):
                page = turned
        return page

    async def _read(
        self, prepared: PreparedImage, language: str, on_queue: QueueCallback | None
    ) -> Page:
        """One trip through a worker: queue, read, verify, map boxes onto the photo."""
        png = await asyncio.to_thread(to_png_bytes, prepared.image)
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
        return await self._finish(prepared, result, language)

    async def _read_turned(self, prepared: PreparedImage, language: str) -> Page | None:
        """The page read again turned upright, if Tesseract can tell which way is up; boxes
        on the photo as sent. None when it cannot tell (handwriting, too little text)."""
        try:
            turn = await asyncio.to_thread(upright_turn, prepared.image)
        except Exception:  # orientation is a rescue attempt, never a new way to fail
            log.exception("orientation detection failed")
            return None
        if not turn:
            return None
        image = await asyncio.to_thread(prepared.image.rotate, turn, expand=True)
        size = turned_size(prepared.original_size, turn)
        page = await self._read(PreparedImage(image, prepared.scale, size), language, None)
        lines = tuple(replace(ln, box=unturn_box(ln.box, turn, size)) for ln in page.lines)
        width, height = prepared.original_size
        return replace(page, lines=lines, width=width, height=height)

    def _prepare(self, image: bytes) -> PreparedImage:
        return prepare(
            image, max_bytes=self.max_bytes, max_pixels=self.max_pixels, max_side=self.max_side
        )

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

    # ---- back in the parent: boxes, missed lines, confidence ---------------------------

    async def _finish(self, prepared: PreparedImage, result: WorkerResult, language: str) -> Page:
        angle = result.deskew_angle
        # The worker read a straightened page; work on the same page here so boxes, crops
        # and detected bands agree, and map back to the photo only at the end.
        image = await asyncio.to_thread(deskew, prepared.image, angle) if angle else prepared.image
        aspose_lines = [
            Line(
                text=wl.text,
                # Aspose says 0.0 when it has no score (always in trial): unknown, not low.
                confidence=wl.confidence if wl.confidence > 0 else None,
                box=Box(*wl.box),
                source=ConfidenceSource.ENGINE if wl.confidence > 0 else ConfidenceSource.UNKNOWN,
            )
            for wl in result.lines
        ]
        verified = await asyncio.gather(
            *(self._verify(image, line, language) for line in aspose_lines)
        )
        # Bands of writing Aspose returned nothing for (the trial stops early; faint or odd
        # lines get skipped) still reach the user, as empty flagged lines.
        detected = await asyncio.to_thread(detect_lines, image)
        # Each of them is read by Tesseract on its own: a best guess to check beats a line
        # to type (and a trial page gets the lines it cut off, still flagged when unsure).
        guesses = await asyncio.gather(
            *(self._guess(image, band, language) for band in uncovered(detected, verified))
        )
        lines = reconcile(detected, [*verified, *(g for g in guesses if g is not None)])
        to_photo = partial(
            _box_on_photo,
            angle=angle,
            straight_size=image.size,
            prepared_size=prepared.image.size,
            scale=prepared.scale,
        )
        lines = [replace(line, box=to_photo(line.box)) for line in lines]
        warnings = list(result.warnings)
        if result.truncated:
            warnings = [TRIAL_WARNING] + [w for w in warnings if "Trial Licenses" not in w]
        width, height = prepared.original_size
        return Page(
            engine=self.engine_name,
            language=language,
            lines=tuple(lines),
            width=width,
            height=height,
            truncated=result.truncated,
            warnings=tuple(warnings),
        )

    async def _guess(self, image: Image.Image, band: Box, language: str) -> Line | None:
        """Tesseract's reading of a band of writing Aspose returned nothing for."""
        read = await self._ask(guess_band, image, band, language)
        if read is None or not read[0]:
            return None
        text, conf = read
        return Line(text=text, confidence=conf, box=band, source=ConfidenceSource.SECOND_ENGINE)

    async def _verify(self, image: Image.Image, line: Line, language: str) -> Line:
        """Re-read the line's crop with Tesseract, and with RapidOCR where it reads the
        script; the line is as sure as its best-backed agreement."""
        if line.box is None:
            return line
        checkers = [verify_crop, check_crop] if rapid_reads(resolve(language)) else [verify_crop]
        reads = await asyncio.gather(
            *(self._ask(check, image, line.box, language) for check in checkers)
        )
        opinions = [read for read in reads if read is not None]
        if not opinions:
            return line  # no second opinion: the line keeps Aspose's own score
        raw = max(verified_confidence(line.text, text, conf) for text, conf in opinions)
        return replace(line, confidence=self._calibration(raw), source=ConfidenceSource.VERIFIED)

    async def _ask(
        self,
        read: Callable[[Image.Image, Box, str], tuple[str, float]],
        image: Image.Image,
        box: Box,
        language: str,
    ) -> tuple[str, float] | None:
        """``read`` (Tesseract's or RapidOCR's) in the verification threads; None when it
        cannot help (no data for the language here, or it failed: that is logged, the photo
        goes on without it)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._verify_pool, read, image, box, language)
        except LanguageUnavailable:
            return None
        except Exception:
            log.exception("a second reading of one line failed")
            return None


def _box_on_photo(
    box: Box | None,
    *,
    angle: float,
    straight_size: tuple[int, int],
    prepared_size: tuple[int, int],
    scale: float,
) -> Box | None:
    """Map a box on the straightened, downscaled page onto the user's photo."""
    if box is None:
        return None
    left, top, right, bottom = float(box.left), float(box.top), float(box.right), float(box.bottom)
    if angle:
        # Undo deskew(): turn the corners back about the page centre, keep their bounds.
        t = math.radians(angle)
        cos, sin = math.cos(t), math.sin(t)
        sw, sh = straight_size[0] / 2, straight_size[1] / 2
        pw, ph = prepared_size[0] / 2, prepared_size[1] / 2
        xs, ys = [], []
        for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
            rx, ry = x - sw, y - sh
            xs.append(pw + rx * cos - ry * sin)
            ys.append(ph + rx * sin + ry * cos)
        left = max(0.0, min(xs))
        top = max(0.0, min(ys))
        right = min(float(prepared_size[0]), max(xs))
        bottom = min(float(prepared_size[1]), max(ys))
    return Box(
        left=round(left * scale),
        top=round(top * scale),
        width=max(1, round((right - left) * scale)),
        height=max(1, round((bottom - top) * scale)),
    )


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
