"""The model of Tesseract reading alone: its own score and its re-reads of the line's crop.

Also what a band of writing Aspose returned nothing for is decided by: Tesseract's reading of
it is the only evidence there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.ocr.decide.calibration import Calibration, RereadModel, calibrate
from bot.ocr.decide.evidence import LineEvidence, Reading
from bot.ocr.languages import Language
from bot.ocr.model import ConfidenceSource, Line
from bot.ocr.readers.tesseract import NAME, tidy


@dataclass(frozen=True, slots=True)
class TesseractModel:
    """With ``rereads``, a line's confidence combines its score with how many re-reads of its
    crop agree (``calibration`` is then not used); without, it is its calibrated score."""

    calibration: Calibration | None
    rereads: RereadModel | None

    @property
    def scales(self) -> tuple[float, ...]:
        """The sizes a line's crop is re-read at (none without a re-read model)."""
        return self.rereads.scales if self.rereads is not None else ()

    def line(self, evidence: LineEvidence, language: Language) -> Line:
        reading = evidence.tesseract or Reading("", 0.0)
        if self.rereads is not None:
            confidence = self.rereads(reading.score, reading.agreed)
        else:
            confidence = calibrate(reading.score, self.calibration) or 0.0
        return Line(
            tidy(reading.text, language), confidence, evidence.box, ConfidenceSource.ENGINE
        )


@lru_cache(maxsize=1)
def shipped_model() -> TesseractModel:
    """The shipped map and re-read model (``bot/ocr/calibration/tesseract.json``)."""
    return TesseractModel(Calibration.load(NAME), RereadModel.load(NAME))
