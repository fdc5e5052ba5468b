"""Tesseract alone (``OCR_ENGINE=tesseract``): its reading job and its Recognizer.

The job reads the page, re-reads each line's crop at other scales (agreement is evidence),
reads ink bands the page reading left out on their own, and calibrates. The reading itself
is :mod:`bot.ocr.readers.tesseract`; running it in threads is :mod:`bot.ocr.run.threads`.

Also home of what the Aspose pool asks Tesseract for: :func:`verify_crop`, a second opinion on
one line Aspose read, and :func:`guess_band`, a reading of a band of writing it did not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PIL import Image

from bot.ocr.decide.calibration import Calibration, RereadModel, calibrate, normalise
from bot.ocr.find.bands import detect_lines, reconcile, uncovered
from bot.ocr.job.orientation import looks_turned, sure_chars, unturn_box
from bot.ocr.languages import LANGUAGES, Language
from bot.ocr.model import Box, ConfidenceSource, Line, Page
from bot.ocr.preprocess import PreparedImage
from bot.ocr.readers.tesseract import (
    UNSPACED,
    api,
    find_tessdata,
    installed_traineddata,
    read_line,
    read_lines,
    tidy,
    upright_turn,
)
from bot.ocr.readers.tesseract import language as tesseract_language
from bot.ocr.run.threads import ThreadEngine

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["TesseractEngine", "guess_band", "upright_turn", "verify_crop"]

log = logging.getLogger(__name__)

ENGINE_NAME = "tesseract"

# A line crop is padded by this share of its height: Tesseract misreads glyphs that touch
# the image border.
_CROP_PAD = 0.25


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


def verify_crop(image: Image.Image, box: Box, language: str) -> tuple[str, float]:
    """Read one line, ``box`` of ``image`` (same coordinates), as a single line.

    Returns (text, calibrated confidence 0..1); ("", 0.0) when nothing is legible.
    Thread-safe: each calling thread uses its own Tesseract API.
    """
    lang = tesseract_language(language)
    crop = _crop(image, box)
    if crop is None:
        return "", 0.0
    text, raw = read_line(api(lang.tesseract), crop)
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
    lang = tesseract_language(language)
    model = _shipped_rereads()
    found = read_band(api(lang.tesseract), image, band, lang, model.scales if model else ())
    if found is None:
        return "", 0.0
    line = _finished(found, lang, _shipped_calibration(), model)
    return line.text, line.confidence or 0.0


def same_reading(a: str, b: str, language: Language) -> bool:
    """Two readings say the same, spacing aside (CJK is written without spaces at all)."""
    unspaced = language.code in UNSPACED
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
            agreed += same_reading(read_line(api, crop)[0], line.text, language)
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
    text, raw = read_line(api, crop)
    if not text:
        return None
    line = Line(text=text, confidence=raw, box=band, source=ConfidenceSource.ENGINE)
    return LineEvidence(line, _agreeing(api, image, line, language, scales))


def page_evidence(
    prepared: PreparedImage, language: Language, scales: tuple[float, ...]
) -> tuple[list[LineEvidence], list[Box]]:
    """What :class:`RereadModel` is fitted on (bench/calibrate.py): every line's evidence, and
    the bands of writing (in ``prepared.image`` pixels). Uses this thread's Tesseract API."""
    return _evidence(api(language.tesseract), prepared.image, language, scales, 0)


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
    tess = api(language.tesseract)
    scales = rereads.scales if rereads is not None else ()
    evidence, bands = _evidence(tess, image, language, scales, timeout_ms)
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
    return replace(line, text=tidy(line.text, language), confidence=confidence)


def _scale_box(box: Box | None, scale: float) -> Box | None:
    return None if box is None else box.scaled(scale)


class TesseractEngine(ThreadEngine):
    """Recognizer reading photos with Tesseract alone, in a pool of threads."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        calibration: Calibration | None = None,
        rereads: RereadModel | None = None,
        **limits: Any,
    ) -> None:
        """Without ``calibration`` and ``rereads`` the shipped ones are used; with either,
        only what is given (an identity ``calibration`` alone = raw engine scores).
        ``limits`` are :class:`ThreadEngine`'s (workers, max_side, timeout...)."""
        super().__init__(settings, **limits)
        self._calibration = calibration
        self._rereads = rereads
        self._shipped = calibration is None and rereads is None

    @property
    def engine_name(self) -> str:
        return ENGINE_NAME

    def language(self, code: str) -> Language:
        return tesseract_language(code)

    def available_languages(self) -> list[str]:
        installed = installed_traineddata()
        return [lang.code for lang in LANGUAGES if lang.tesseract in installed]

    def load(self) -> None:
        if self._shipped:
            self._calibration = _shipped_calibration()
            self._rereads = _shipped_rereads()
        if not installed_traineddata():
            log.warning("no Tesseract traineddata found (looked in %s)", find_tessdata())

    def read(self, prepared: PreparedImage, language: Language, timeout_ms: int) -> Page:
        return recognize_prepared(
            prepared,
            language,
            calibration=self._calibration,
            rereads=self._rereads,
            timeout_ms=timeout_ms,
        )
