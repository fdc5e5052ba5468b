"""The pipeline of Aspose (``OCR_ENGINE=aspose``): Aspose reads the page in a worker process,
and back here each line's crop is read again by Tesseract (and by RapidOCR where it reads
the script) as evidence, and bands of writing Aspose returned nothing for are read by
Tesseract on their own; :class:`~bot.ocr.decide.verified.VerifiedModel` decides.

The page read in the worker is straightened first (:func:`bot.ocr.readers.aspose.deskew`):
the same straightening is repeated here so boxes, crops and bands agree, and the job maps
the boxes back onto the photo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

from bot.errors import LanguageUnavailable
from bot.ocr.decide.alone import shipped_model
from bot.ocr.decide.calibration import Calibration
from bot.ocr.decide.evidence import LineEvidence, Reading, rapid_reads, script_of
from bot.ocr.decide.verified import VerifiedModel
from bot.ocr.find.bands import detect_lines, reconcile, uncovered
from bot.ocr.find.lines import rectangle
from bot.ocr.job import PageReading
from bot.ocr.job.tesseract_alone import margin_crop, read_band
from bot.ocr.languages import Language, resolve
from bot.ocr.model import Box
from bot.ocr.readers import rapid, tesseract
from bot.ocr.readers.aspose import WorkerResult, deskew
from bot.ocr.vocabulary import NO_WORDS, Vocabulary

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

NAME = "aspose"
TRIAL_WARNING = "Aspose trial: text is cut short; configure a license"

# Reads a page in an Aspose worker process (the runner's business): blocks until it has.
ReadInWorker = Callable[["Image.Image", Language], WorkerResult]
Checker = Literal["tesseract", "rapid"]
_P = ParamSpec("_P")
_T = TypeVar("_T")


def check_crop(image: Image.Image, box: Box, language: Language, reader: Checker) -> Reading:
    """``reader``'s reading of one line another reader found, ``box`` of ``image``: a second
    opinion, with its RAW score; ("", 0.0) when nothing is legible. Thread-safe (each thread
    has its own engines). LanguageUnavailable when Tesseract has no data for ``language``."""
    if reader == "rapid":
        crop = rapid.crop(image, rectangle(box))
        return Reading.of_pieces([rapid.read_line(crop)], script_of(language))
    lang = tesseract.language(language.code)
    margin = margin_crop(image, box)
    if margin is None:
        return Reading("", 0.0)
    text, raw = tesseract.read_line(tesseract.api(lang.tesseract), margin)
    return Reading(text, raw) if text else Reading("", 0.0)


def _guess(image: Image.Image, band: Box, language: Language) -> LineEvidence | None:
    """Tesseract's reading of a band of writing Aspose returned nothing for."""
    lang = tesseract.language(language.code)
    scales = shipped_model().scales
    return read_band(tesseract.api(lang.tesseract), image, band, lang, scales)


class AsposeChecked:
    """Aspose reads (through ``read_in_worker``), Tesseract and RapidOCR check each line in
    the ``checks`` threads; a pipeline for :func:`bot.ocr.job.read_prepared`."""

    def __init__(
        self,
        read_in_worker: ReadInWorker,
        checks: Executor,
        calibration: Calibration | None = None,
    ) -> None:
        self._read_in_worker = read_in_worker
        self._checks = checks
        self._model = VerifiedModel(calibration or Calibration.load(NAME), shipped_model())

    @property
    def name(self) -> str:
        return NAME

    def language(self, code: str) -> Language:
        return resolve(code)

    def may_turn(self, language: Language) -> bool:
        return True

    def read_page(
        self, image: Image.Image, language: Language, timeout_ms: int, words: Vocabulary = NO_WORDS
    ) -> PageReading:
        # (The user's words bias the default engine only: issue 18 measured it alone.)
        result = self._read_in_worker(image, language)
        angle = result.deskew_angle
        page = deskew(image, angle) if angle else image
        checkers: list[Checker] = ["tesseract"]
        if rapid_reads(language):
            checkers.append("rapid")
        lines = []
        for wl, asked in [
            (wl, {c: self._ask(check_crop, page, Box(*wl.box), language, c) for c in checkers})
            for wl in result.lines
        ]:
            said = {c: f.result() for c, f in asked.items()}
            evidence = LineEvidence(
                Box(*wl.box),
                rapid=said.get("rapid"),
                tesseract=said.get("tesseract"),
                aspose=Reading(wl.text, wl.confidence),
            )
            lines.append(self._model.line(evidence, language))
        # Bands of writing Aspose returned nothing for (the trial stops early; faint or odd
        # lines get skipped) still reach the user, as empty flagged lines; each is read by
        # Tesseract on its own first: a best guess to check beats a line to type.
        detected = detect_lines(page)
        guessed = [self._ask(_guess, page, band, language) for band in uncovered(detected, lines)]
        guesses = [self._model.line(g, language) for f in guessed if (g := f.result())]
        lines = reconcile(detected, [*lines, *(g for g in guesses if g.text)])
        warnings = list(result.warnings)
        if result.truncated:
            warnings = [TRIAL_WARNING] + [w for w in warnings if "Trial Licenses" not in w]
        return PageReading(
            lines,
            language,
            skew=angle,
            straight_size=page.size,
            truncated=result.truncated,
            warnings=tuple(warnings),
        )

    def _ask(
        self, read: Callable[_P, _T | None], *args: _P.args, **kwargs: _P.kwargs
    ) -> Future[_T | None]:
        """``read`` in the checking threads; None when it cannot help (no data for the
        language here, or it failed: that is logged, the photo goes on without it)."""

        def ask() -> _T | None:
            try:
                return read(*args, **kwargs)
            except LanguageUnavailable:
                return None
            except Exception:
                log.exception("a second reading of one line failed")
                return None

        return self._checks.submit(ask)
