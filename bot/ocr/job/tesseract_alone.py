"""The pipeline of Tesseract alone (``OCR_ENGINE=tesseract``).

Tesseract reads the page, re-reads each line's crop at other scales (agreement is evidence),
and reads the ink bands the page reading left out on their own; the re-read model of
:mod:`bot.ocr.decide.alone` decides. The reading itself is :mod:`bot.ocr.readers.tesseract`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PIL import Image

from bot.ocr.decide.alone import TesseractModel, shipped_model
from bot.ocr.decide.evidence import LineEvidence, Reading, agreement, spacing_of
from bot.ocr.find.bands import detect_lines, reconcile, uncovered
from bot.ocr.job import PageReading
from bot.ocr.languages import LANGUAGES, Language
from bot.ocr.model import Box, Line
from bot.ocr.readers.tesseract import (
    NAME,
    api,
    find_tessdata,
    installed_traineddata,
    read_line,
    read_lines,
)
from bot.ocr.readers.tesseract import language as tesseract_language
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

if TYPE_CHECKING:
    from bot.ocr.preprocess import PreparedImage

log = logging.getLogger(__name__)

# A line crop is padded by this share of its height: Tesseract misreads glyphs that touch
# the image border.
_CROP_PAD = 0.25


def margin_crop(image: Image.Image, box: Box, scale: float = 1.0) -> Image.Image | None:
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
        _evidence_of(api, image, line.box, line.text, line.confidence or 0.0, language, scales)
        for line in read_lines(api, image, timeout_ms=timeout_ms)
    ]


def _evidence_of(
    api: Any,
    image: Image.Image,
    box: Box | None,
    text: str,
    raw: float,
    language: Language,
    scales: tuple[float, ...],
) -> LineEvidence:
    """Tesseract's reading of a line with how many re-reads of its crop, one per scale, read
    what it says (spacing aside)."""
    agreed = 0
    if box is not None:
        spacing = spacing_of(language)
        for scale in scales:
            crop = margin_crop(image, box, scale)
            if crop is not None:
                agreed += agreement(read_line(api, crop)[0], text, spacing) >= 1
    return LineEvidence(box, tesseract=Reading(text, raw, agreed=agreed))


def read_band(
    api: Any, image: Image.Image, band: Box, language: Language, scales: tuple[float, ...]
) -> LineEvidence | None:
    """A band of writing the page reading left out, read on its own as one line.

    Tesseract's layout analysis gives up on whole pages of blurred or joined-up writing that
    it reads fine line by line (measured: a blurred script note, 0 of 6 lines read page-wise,
    5 of 6 exactly as single lines). None when the band reads as nothing."""
    crop = margin_crop(image, band)
    if crop is None:
        return None
    text, raw = read_line(api, crop)
    if not text:
        return None
    return _evidence_of(api, image, band, text, raw, language, scales)


def page_evidence(
    prepared: PreparedImage, language: Language, scales: tuple[float, ...]
) -> tuple[list[LineEvidence], list[Box]]:
    """What the re-read model is fitted on (bench/calibrate.py): every line's evidence, and
    the bands of writing (in ``prepared.image`` pixels). Uses this thread's Tesseract API."""
    return _evidence(api(language.tesseract), prepared.image, language, scales, 0)


def _evidence(
    api: Any, image: Image.Image, language: Language, scales: tuple[float, ...], timeout_ms: int
) -> tuple[list[LineEvidence], list[Box]]:
    """Every line read on the page, then every band of writing none of them covers read on
    its own; and all the bands."""
    evidence = read_evidence(api, image, language, scales, timeout_ms=timeout_ms)
    bands = detect_lines(image)
    read = [Line(e.tesseract.text, None, e.box) for e in evidence if e.tesseract is not None]
    for band in uncovered(bands, read):
        found = read_band(api, image, band, language, scales)
        if found is not None:
            evidence.append(found)
    return evidence, bands


class TesseractAlone:
    """Tesseract reads the page and re-reads each line; a pipeline for
    :func:`bot.ocr.job.read_prepared`."""

    def __init__(self, model: TesseractModel | None = None) -> None:
        """Without ``model`` the shipped map and re-read model are used."""
        self._model = model

    @property
    def name(self) -> str:
        return NAME

    def language(self, code: str) -> Language:
        return tesseract_language(code)

    def available_languages(self) -> list[str]:
        installed = installed_traineddata()
        return [lang.code for lang in LANGUAGES if lang.tesseract in installed]

    def load(self) -> None:
        if self._model is None:
            self._model = shipped_model()
        if not installed_traineddata():
            log.warning("no Tesseract traineddata found (looked in %s)", find_tessdata())

    def warm(self) -> None:
        """Nothing to load per thread before the first photo."""

    def may_turn(self, language: Language) -> bool:
        return True

    def read_page(
        self, image: Image.Image, language: Language, timeout_ms: int, words: Vocabulary = NO_WORDS
    ) -> PageReading:
        # (The user's words bias the default engine only: issue 18 measured it alone.)
        """Lines of ``image`` with their confidences, plus DETECTED lines for unread bands."""
        model = self._model or shipped_model()
        tess = api(language.tesseract)
        evidence, bands = _evidence(tess, image, language, model.scales, timeout_ms)
        lines = [model.line(e, language) for e in evidence]
        return PageReading(reconcile(bands, lines), language)
