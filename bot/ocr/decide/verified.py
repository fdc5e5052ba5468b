"""The model of Aspose with its lines checked: Aspose's reading, backed by how well the
other readers' readings of the same crop agree with it.

Aspose's own score is 0 in trial mode, and where it has one it says little: each line's crop
is read again by Tesseract (and by RapidOCR where it reads the script), and the line is as
sure as its best-backed agreement, through Aspose's map (``bot/ocr/calibration/aspose.json``,
fitted by ``python -m bench.calibrate --engine aspose``). A band of writing Aspose returned
nothing for is decided as Tesseract's own lines are (:mod:`bot.ocr.decide.alone`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.ocr.decide.alone import TesseractModel
from bot.ocr.decide.calibration import Calibration
from bot.ocr.decide.evidence import LineEvidence, Reading, agreement
from bot.ocr.languages import Language
from bot.ocr.model import ConfidenceSource, Line

# Below this agreement the two readings are different texts: nothing is confirmed.
_MIN_AGREEMENT = 0.5
_AGREEMENT_WEIGHT = 0.6


def verified_confidence(aspose_text: str, other_text: str, other_conf: float) -> float:
    """Confidence in ``aspose_text`` after another reader read the same crop as
    ``other_text``, ``other_conf`` (0..1) sure of it."""
    agree = agreement(aspose_text, other_text)
    if agree < _MIN_AGREEMENT:
        return 0.0
    conf = min(max(other_conf, 0.0), 1.0)
    return _AGREEMENT_WEIGHT * agree + (1.0 - _AGREEMENT_WEIGHT) * conf


@dataclass(frozen=True, slots=True)
class VerifiedModel:
    """``calibration`` maps the verified score onto "how likely this line is right";
    ``tesseract`` is what Tesseract's readings (its score mapped) are judged by."""

    calibration: Calibration
    tesseract: TesseractModel

    def line(self, evidence: LineEvidence, language: Language) -> Line:
        aspose = evidence.aspose
        if aspose is None:
            # A band Aspose returned nothing for: Tesseract's guess, as sure as its own lines.
            guess = self.tesseract.line(evidence, language)
            return replace(guess, source=ConfidenceSource.SECOND_ENGINE)
        opinions = []
        if evidence.tesseract is not None:
            opinions.append(self._tesseract_opinion(evidence.tesseract))
        if evidence.rapid is not None:
            opinions.append((evidence.rapid.text, evidence.rapid.score))
        if not opinions:
            # No second opinion: the line keeps Aspose's own score, where it has one (0.0
            # means "no score", always so in trial mode: unknown, not low).
            if aspose.score > 0:
                return Line(aspose.text, aspose.score, evidence.box, ConfidenceSource.ENGINE)
            return Line(aspose.text, None, evidence.box, ConfidenceSource.UNKNOWN)
        raw = max(verified_confidence(aspose.text, text, conf) for text, conf in opinions)
        return Line(aspose.text, self.calibration(raw), evidence.box, ConfidenceSource.VERIFIED)

    def _tesseract_opinion(self, reading: Reading) -> tuple[str, float]:
        if not reading.text:
            return "", 0.0
        calibration = self.tesseract.calibration or Calibration.identity()
        return reading.text, calibration(reading.score)
