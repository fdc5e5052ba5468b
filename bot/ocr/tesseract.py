"""Tesseract as a Recognizer: the engine that runs without a license, in threads.

tesserocr releases the GIL while Tesseract works, so a small thread pool reads several
photos at once in one process. Each thread keeps its own ``PyTessBaseAPI`` per language
(the API is not thread-safe, and loading a traineddata file costs ~0.1-0.5 s).

Also home of what the Aspose pool asks Tesseract for: :func:`verify_crop`, a second opinion on
one line Aspose read, and :func:`guess_band`, a reading of a band of writing it did not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from bot.errors import BotError, LanguageUnavailable, OcrError, OcrTimeout
from bot.ocr.confidence import Calibration, RereadModel, calibrate, normalise
from bot.ocr.languages import LANGUAGES, Language, resolve
from bot.ocr.model import Box, ConfidenceSource, Line, Page
from bot.ocr.orientation import looks_turned, sure_chars, unturn_box
from bot.ocr.preprocess import PreparedImage, prepare
from bot.ocr.queue import QueuedEngine, SlotQueue
from bot.ocr.recognizer import QueueCallback
from bot.ocr.segment import detect_lines, reconcile, uncovered

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

ENGINE_NAME = "tesseract"

# Where distributions put traineddata; the tesserocr wheel bundles its own libtesseract
# whose compiled-in default ("./") finds nothing, so we look for the system's files.
_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
    "/usr/local/share/tesseract-ocr/tessdata",
)
# Defaults of bot.config.Settings, for an engine built without settings (CLI, tests).
_DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_DEFAULT_MAX_PIXELS = 60_000_000
# A line crop is padded by this share of its height: Tesseract misreads glyphs that touch
# the image border.
_CROP_PAD = 0.25
# Orientation detection below this confidence is a guess (measured: upright print 3-11,
# handwriting-like fonts mostly under 1.5, often naming the wrong script).
_OSD_MIN_CONF = 2.0
# Languages written without spaces between words.
_UNSPACED = frozenset({"zh", "ja"})
# A space with a CJK character (or CJK punctuation / full-width form) on both sides.
_CJK = r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def _tesserocr() -> Any:
    """Import tesserocr on first use, after capping OpenMP (2-5x slower otherwise)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import tesserocr

    return tesserocr


@lru_cache(maxsize=1)
def find_tessdata() -> str:
    """The tessdata directory: $TESSDATA_PREFIX, else the first system one with files."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = ([env, str(Path(env) / "tessdata")] if env else []) + list(_TESSDATA_CANDIDATES)
    for candidate in candidates:
        if any(Path(candidate).glob("*.traineddata")):
            return candidate.rstrip("/") + "/"
    # Let tesserocr's compiled-in default have a go; get_languages() will say what it finds.
    path: str = _tesserocr().get_languages()[0]
    return path


@lru_cache(maxsize=1)
def installed_traineddata() -> frozenset[str]:
    """Names of the installed traineddata files (``eng``, ``vie``...)."""
    _, langs = _tesserocr().get_languages(find_tessdata())
    return frozenset(langs)


def _language(code: str) -> Language:
    lang = resolve(code)  # LanguageUnavailable for codes we do not know
    if lang.tesseract not in installed_traineddata():
        raise LanguageUnavailable(code)
    return lang


# One PyTessBaseAPI per (thread, traineddata): the API object must never be shared.
_local = threading.local()


def _api(tess_lang: str) -> Any:
    apis: dict[str, Any] | None = getattr(_local, "apis", None)
    if apis is None:
        apis = _local.apis = {}
    api = apis.get(tess_lang)
    if api is None:
        tesserocr = _tesserocr()
        try:
            api = tesserocr.PyTessBaseAPI(path=find_tessdata(), lang=tess_lang)
        except RuntimeError as exc:
            # "Failed to init API": the traineddata is unreadable or for another version.
            log.error("Tesseract could not load %s from %s: %s", tess_lang, find_tessdata(), exc)
            raise LanguageUnavailable(tess_lang) from exc
        apis[tess_lang] = api
    return api


def read_lines(api: Any, image: Image.Image, *, timeout_ms: int = 0) -> list[Line]:
    """Read ``image`` page-wise with ``api``: non-empty lines with RAW confidences (0..1).

    Boxes are in ``image``'s pixels. Calibration is the caller's job.
    Raises OcrTimeout when ``timeout_ms`` (> 0) passes first.
    """
    tesserocr = _tesserocr()
    api.SetPageSegMode(tesserocr.PSM.AUTO)
    api.SetImage(image)
    if not api.Recognize(timeout=timeout_ms):
        raise OcrTimeout(detail=f"Tesseract gave up after {timeout_ms} ms")
    level = tesserocr.RIL.TEXTLINE
    lines: list[Line] = []
    iterator = api.GetIterator()
    if iterator is None:
        return lines
    for item in tesserocr.iterate_level(iterator, level):
        text = _item_text(item, level)
        if not text:
            continue
        bbox = item.BoundingBox(level)
        box = None
        if bbox is not None:
            x0, y0, x1, y1 = bbox
            box = Box(left=x0, top=y0, width=max(1, x1 - x0), height=max(1, y1 - y0))
        conf = max(0.0, min(1.0, item.Confidence(level) / 100))
        lines.append(Line(text=text, confidence=conf, box=box, source=ConfidenceSource.ENGINE))
    return lines


def _item_text(item: Any, level: int) -> str:
    try:
        text: str | None = item.GetUTF8Text(level)
    except RuntimeError:
        # tesserocr raises "No text returned" for an element with no symbols in it.
        return ""
    return (text or "").strip()


@lru_cache(maxsize=1)
def _shipped_calibration() -> Calibration:
    return Calibration.load(ENGINE_NAME)


def _crop(image: Image.Image, box: Box, scale: float = 1.0) -> Image.Image | None:
    """``box`` of ``image`` with a margin, resized by ``scale``; None when too small to read."""
    pad = max(4, round(box.height * _CROP_PAD))
    crop = image.crop(
        (
            max(0, box.left - pad),
            max(0, box.top - pad),
            min(image.width, box.right + pad),
            min(image.height, box.bottom + pad),
        )
    )
    if scale != 1.0:
        size = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
        crop = crop.resize(size, Image.Resampling.LANCZOS)
    if crop.width < 4 or crop.height < 4:
        return None
    return crop


def _read_single_line(api: Any, crop: Image.Image) -> tuple[str, float]:
    """(text, RAW confidence 0..1) of ``crop`` read as one line; ("", 0.0) when illegible."""
    tesserocr = _tesserocr()
    api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    api.SetImage(crop)
    api.Recognize()
    level = tesserocr.RIL.TEXTLINE
    texts: list[str] = []
    weighted = 0.0
    iterator = api.GetIterator()
    if iterator is not None:
        for item in tesserocr.iterate_level(iterator, level):
            text = _item_text(item, level)
            if text:
                texts.append(text)
                weighted += len(text) * item.Confidence(level) / 100
    text = " ".join(texts)
    if not text:
        return "", 0.0
    return text, max(0.0, min(1.0, weighted / sum(len(t) for t in texts)))


def verify_crop(image: Image.Image, box: Box, language: str) -> tuple[str, float]:
    """Read one line, ``box`` of ``image`` (same coordinates), as a single line.

    Returns (text, calibrated confidence 0..1); ("", 0.0) when nothing is legible.
    Thread-safe: each calling thread uses its own Tesseract API.
    """
    lang = _language(language)
    crop = _crop(image, box)
    if crop is None:
        return "", 0.0
    text, raw = _read_single_line(_api(lang.tesseract), crop)
    if not text:
        return "", 0.0
    return text, _shipped_calibration()(raw)


@lru_cache(maxsize=1)
def _shipped_rereads() -> RereadModel | None:
    return RereadModel.load(ENGINE_NAME)


def guess_band(image: Image.Image, band: Box, language: str) -> tuple[str, float]:
    """Tesseract's reading of a band of writing another engine returned nothing for, with
    the confidence Tesseract's own lines get (its score and re-reads, shipped model).

    Returns (text, confidence 0..1); ("", 0.0) when nothing is legible. Thread-safe."""
    lang = _language(language)
    model = _shipped_rereads()
    found = read_band(_api(lang.tesseract), image, band, lang, model.scales if model else ())
    if found is None:
        return "", 0.0
    line = _finished(found, lang, _shipped_calibration(), model)
    return line.text, line.confidence or 0.0


def same_reading(a: str, b: str, language: Language) -> bool:
    """Two readings say the same, spacing aside (CJK is written without spaces at all)."""
    unspaced = language.code in _UNSPACED
    return normalise(a, unspaced=unspaced) == normalise(b, unspaced=unspaced)


@dataclass(frozen=True, slots=True)
class LineEvidence:
    """A line read on the page (RAW confidence) and how many re-reads of its crop agree."""

    line: Line
    agreed: int


def read_evidence(
    api: Any,
    image: Image.Image,
    language: Language,
    scales: tuple[float, ...],
    *,
    timeout_ms: int = 0,
) -> list[LineEvidence]:
    """Read ``image`` page-wise, then re-read each line's crop at each of ``scales``.

    The page reading is kept; the re-reads only count as agreeing or not. Tesseract's
    mistakes at one scale (a stray full stop from JPEG noise, "Ist" for "1st") are often
    not made at another, while a line it reads right it reads right at every scale.
    """
    return [
        LineEvidence(line, _agreeing(api, image, line, language, scales))
        for line in read_lines(api, image, timeout_ms=timeout_ms)
    ]


def _agreeing(
    api: Any, image: Image.Image, line: Line, language: Language, scales: tuple[float, ...]
) -> int:
    """How many re-reads of ``line``'s crop, one per scale, read what it says."""
    if line.box is None:
        return 0
    agreed = 0
    for scale in scales:
        crop = _crop(image, line.box, scale)
        if crop is not None:
            agreed += same_reading(_read_single_line(api, crop)[0], line.text, language)
    return agreed


def read_band(
    api: Any, image: Image.Image, band: Box, language: Language, scales: tuple[float, ...]
) -> LineEvidence | None:
    """A band of writing the page reading left out, read on its own as one line.

    Tesseract's layout analysis gives up on whole pages of blurred or joined-up writing that
    it reads fine line by line (measured: a blurred script note, 0 of 6 lines read page-wise,
    5 of 6 exactly as single lines). None when the band reads as nothing."""
    crop = _crop(image, band)
    if crop is None:
        return None
    text, raw = _read_single_line(api, crop)
    if not text:
        return None
    line = Line(text=text, confidence=raw, box=band, source=ConfidenceSource.ENGINE)
    return LineEvidence(line, _agreeing(api, image, line, language, scales))


def page_evidence(
    prepared: PreparedImage, language: Language, scales: tuple[float, ...]
) -> tuple[list[LineEvidence], list[Box]]:
    """What :class:`RereadModel` is fitted on (bench/calibrate.py): every line's evidence, and
    the bands of writing (in ``prepared.image`` pixels). Uses this thread's Tesseract API."""
    return _evidence(_api(language.tesseract), prepared.image, language, scales, 0)


def _evidence(
    api: Any, image: Image.Image, language: Language, scales: tuple[float, ...], timeout_ms: int
) -> tuple[list[LineEvidence], list[Box]]:
    """Every line read on the page, then every band of writing none of them covers read on
    its own; and all the bands."""
    evidence = read_evidence(api, image, language, scales, timeout_ms=timeout_ms)
    bands = detect_lines(image)
    for band in uncovered(bands, [e.line for e in evidence]):
        found = read_band(api, image, band, language, scales)
        if found is not None:
            evidence.append(found)
    return evidence, bands


def recognize_prepared(
    prepared: PreparedImage,
    language: Language,
    *,
    calibration: Calibration | None = None,
    rereads: RereadModel | None = None,
    timeout_ms: int = 0,
) -> Page:
    """The whole synchronous job: read, add missed lines, calibrate, map boxes back.

    With ``rereads``, each line's confidence combines its score with how many re-reads of
    its crop agree (``calibration`` is then not used); without, it is its calibrated score.
    """
    image = prepared.image
    lines = _read_page(image, language, calibration, rereads, timeout_ms)
    if looks_turned(lines):
        # A photo taken sideways (or upside down) with no EXIF to say so reads as gibberish
        # or not at all. Tesseract's orientation detection says how to turn it; the turned
        # page is kept only if it reads better, with its boxes mapped back to the photo.
        turn = upright_turn(image)
        if turn:
            turned = image.rotate(turn, expand=True)
            again = _read_page(turned, language, calibration, rereads, timeout_ms)
            if sure_chars(again) > sure_chars(lines):
                size = turned.size
                lines = [replace(ln, box=unturn_box(ln.box, turn, size)) for ln in again]
    lines = [replace(ln, box=_scale_box(ln.box, prepared.scale)) for ln in lines]
    width, height = prepared.original_size
    return Page(
        engine=ENGINE_NAME,
        language=language.code,
        lines=tuple(lines),
        width=width,
        height=height,
    )


def _read_page(
    image: Image.Image,
    language: Language,
    calibration: Calibration | None,
    rereads: RereadModel | None,
    timeout_ms: int,
) -> list[Line]:
    """Lines of ``image`` with their confidences, plus DETECTED lines for unread bands."""
    api = _api(language.tesseract)
    scales = rereads.scales if rereads is not None else ()
    evidence, bands = _evidence(api, image, language, scales, timeout_ms)
    lines = [_finished(e, language, calibration, rereads) for e in evidence]
    return reconcile(bands, lines)


def _finished(
    evidence: LineEvidence,
    language: Language,
    calibration: Calibration | None,
    rereads: RereadModel | None,
) -> Line:
    """The line as the user gets it: its confidence from the re-read model when there is one
    (else its calibrated score), its text tidied."""
    line = evidence.line
    if rereads is not None:
        confidence = rereads(line.confidence or 0.0, evidence.agreed)
    else:
        confidence = calibrate(line.confidence, calibration) or 0.0
    return replace(line, text=_tidy(line.text, language), confidence=confidence)


def upright_turn(image: Image.Image) -> int:
    """Degrees (counter-clockwise: 0, 90, 180, 270) to turn ``image`` so its text stands
    upright, by Tesseract's orientation detection; 0 when it is not sure or cannot tell."""
    if "osd" not in installed_traineddata():
        return 0
    tesserocr = _tesserocr()
    api = _api("osd")
    api.SetPageSegMode(tesserocr.PSM.OSD_ONLY)
    api.SetImage(image)
    try:
        found = api.DetectOrientationScript()
    except RuntimeError:  # too little text to decide
        return 0
    if not found or found.get("orient_conf", 0.0) < _OSD_MIN_CONF:
        return 0
    return int(found["orient_deg"]) % 360


def _tidy(text: str, language: Language) -> str:
    """Tesseract puts a space between Chinese/Japanese characters; the writer did not."""
    if language.code not in _UNSPACED:
        return text
    return _CJK_GAP.sub("", text)


def _scale_box(box: Box | None, scale: float) -> Box | None:
    if box is None or scale == 1.0:
        return box
    return Box(
        left=round(box.left * scale),
        top=round(box.top * scale),
        width=max(1, round(box.width * scale)),
        height=max(1, round(box.height * scale)),
    )


class TesseractEngine(QueuedEngine):
    """Recognizer reading photos with Tesseract in a pool of threads."""

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
        calibration: Calibration | None = None,
        rereads: RereadModel | None = None,
    ) -> None:
        """Without ``calibration`` and ``rereads`` the shipped ones are used; with either,
        only what is given (an identity ``calibration`` alone = raw engine scores)."""
        if settings is not None:
            # Built by bot.ocr.pool.build_recognizer from the app's settings.
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
        self._calibration = calibration
        self._rereads = rereads
        self._shipped = calibration is None and rereads is None
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self._decoding = asyncio.Semaphore(self.workers + 1)

    @property
    def engine_name(self) -> str:
        return ENGINE_NAME

    async def start(self) -> None:
        if self._executor is not None:
            return
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        if self._shipped:
            self._calibration = await asyncio.to_thread(_shipped_calibration)
            self._rereads = await asyncio.to_thread(_shipped_rereads)
        langs = await asyncio.to_thread(installed_traineddata)
        if not langs:
            log.warning("no Tesseract traineddata found (looked in %s)", find_tessdata())
        self._executor = ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="tesseract"
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

    def available_languages(self) -> list[str]:
        installed = installed_traineddata()
        return [lang.code for lang in LANGUAGES if lang.tesseract in installed]

    async def recognize(
        self, image: bytes, language: str, *, on_queue: QueueCallback | None = None
    ) -> Page:
        if self._executor is None or self._closed:
            raise OcrError(detail="recognizer not started")
        lang = _language(language)
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
            job = self._job(prepared, lang)
            loop = asyncio.get_running_loop()
            try:
                return await asyncio.wait_for(loop.run_in_executor(executor, job), self.timeout)
            except TimeoutError as exc:
                raise OcrTimeout(detail=f"over {self.timeout}s") from exc
            except BotError:
                raise
            except Exception as exc:
                # Whatever broke inside Tesseract, the user gets a sentence, the log the rest.
                log.exception("Tesseract failed on a photo")
                raise OcrError(detail=f"tesseract failed: {exc!r}") from exc
        finally:
            queue.release(slot)

    def _prepare(self, image: bytes) -> PreparedImage:
        return prepare(
            image, max_bytes=self.max_bytes, max_pixels=self.max_pixels, max_side=self.max_side
        )

    def _job(self, prepared: PreparedImage, lang: Language) -> Callable[[], Page]:
        calibration, rereads = self._calibration, self._rereads
        # Tesseract stops itself a little after our deadline, freeing the thread.
        timeout_ms = int(self.timeout * 1000) + 1000

        def run() -> Page:
            return recognize_prepared(
                prepared, lang, calibration=calibration, rereads=rereads, timeout_ms=timeout_ms
            )

        return run
