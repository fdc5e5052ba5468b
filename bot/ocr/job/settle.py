"""Is a check worth its time? Only where its outcome can change the line the user gets.

Before a check runs on a line (Tesseract reading it, RapidOCR re-reading it at other
scales), the deciding model (any :class:`~bot.ocr.decide.evidence.Model`, so a refitted
one keeps working) is asked about the line under every outcome the check could have. When
they all give the same text, on the same side of every strictness a user can choose, the
line is *settled* and the check is skipped: what it would have found cannot change what
the user is shown, nor whether a preset strictness asks about it (at a number of the user's
own between presets the least sure outcome stands: asked more, never less).

The outcomes tried for Tesseract: it reads RapidOCR's text, nothing, a line of ordinary
words, a line of no words, RapidOCR's text with one letter wrong; each at scores from
unsure to sure, and each with every re-read result. For the re-reads: none, one or both
read the same text again (all the ``steady`` values there are).

A line RapidOCR reads so doubtfully that it is flagged at every cut whatever Tesseract
reads is settled too where the language model decoded it, leaving out the outcomes where
Tesseract's own reading would be shown instead (measured: never, on the lines deciding is
fitted on; :func:`_asked_anyway`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.ocr.decide.evidence import LineEvidence, Reading, Script, script_of
from bot.ocr.model import STRICTNESS_PRESETS, ConfidenceSource, Line

if TYPE_CHECKING:
    from bot.ocr.decide.evidence import Model
    from bot.ocr.languages import Language

# The strictness presets: a settled line is on the same side of each. A user's own number
# between them gets the least sure outcome, so a skipped check can make them asked more,
# never less.
CUTS = tuple(STRICTNESS_PRESETS.values())
# The ``steady`` values re-reading a line can give (two re-reads: none, one or both agree).
STEADY = (0.0, 0.5, 1.0)
# Tesseract's scores tried, from unsure to sure.
_SCORES = (0.01, 0.5, 0.8, 0.95, 1.0)


@dataclass(slots=True)
class _Outcomes:
    """The lines the model makes of ``cases``, each asked once however often it is gone
    through (:func:`without_tesseract` goes through Tesseract's outcomes twice)."""

    model: Model
    language: Language
    cases: Iterator[LineEvidence]
    lines: list[Line] = field(default_factory=list)

    def __iter__(self) -> Iterator[Line]:
        yield from self.lines
        for evidence in self.cases:
            self.lines.append(self.model.line(evidence, self.language))
            yield self.lines[-1]


def settled(model: Model, language: Language, cases: Iterable[LineEvidence]) -> Line | None:
    """The line all ``cases`` lead to when they lead to the same text, each on the same
    side of every cut (the least sure of them); None as soon as two differ."""
    return _settled(_Outcomes(model, language, iter(cases)))


def _settled(lines: Iterable[Line]) -> Line | None:
    first: Line | None = None
    least: Line | None = None
    for line in lines:
        if first is None or least is None:
            first = least = line
            continue
        if line.text != first.text or _side(line) != _side(first):
            return None
        if (line.confidence or 0.0) < (least.confidence or 0.0):
            least = line
    return least


def _side(line: Line) -> tuple[bool, ...]:
    return tuple(line.is_flagged(cut) for cut in CUTS)


def without_rereads(model: Model, language: Language, evidence: LineEvidence) -> Line | None:
    """The line whatever RapidOCR's re-reads find, or None when they can change it."""
    rapid = evidence.rapid
    if rapid is None:
        return None
    return settled(
        model, language, (replace(evidence, rapid=replace(rapid, steady=s)) for s in STEADY)
    )


def without_tesseract(
    model: Model, language: Language, evidence: LineEvidence, *, decoded: bool = False
) -> Line | None:
    """The line whatever Tesseract reads on it (and RapidOCR's re-reads find), or None
    when its reading can change it; its confidence then comes from RapidOCR alone. With
    ``decoded`` (RapidOCR's reading decoded with the language model), also a line the user
    checks whatever Tesseract reads (:func:`_asked_anyway`). Never on Vietnamese."""
    rapid = evidence.rapid
    if rapid is None or script_of(language) is Script.VIETNAMESE:
        # Vietnamese is Tesseract's to read: the marks RapidOCR cannot write are its.
        return None
    outcomes = _Outcomes(model, language, _with_tesseract(evidence, rapid))
    line = _settled(outcomes)
    if line is None and decoded:
        line = _asked_anyway(model, language, evidence, outcomes)
    return None if line is None else replace(line, source=ConfidenceSource.ENGINE)


def _asked_anyway(
    model: Model, language: Language, evidence: LineEvidence, outcomes: _Outcomes
) -> Line | None:
    """The least sure line, when RapidOCR's reading is shown flagged at every cut whatever
    Tesseract reads, save where Tesseract's reading would be shown instead; else None.

    The user checks such a line anyway; what is left out is Tesseract's text taking
    RapidOCR's place on it. Measured on the lines deciding is fitted on (drawn and real
    notes, LM on; ``bench.calibrate_reading --cache`` prints it for any refitted model):
    Tesseract's text was shown on none of the 817 Latin lines, and reading without it
    wherever this settles a line (377 of 1272 lines; 125 of 218 real English ones) changed
    no text and no flag at 60, 75 or 90. Not so where RapidOCR is read greedily: there
    Tesseract's text put right 2 of the 66 drawn lines this would settle ("Readchapter",
    "cloaning"), which the language model puts right itself."""
    # RapidOCR's reading as the model shows it (a user's words may have rewritten it)
    shown = model.line(replace(evidence, tesseract=None), language).text
    least: Line | None = None
    for line in outcomes:
        if line.text != shown:
            continue  # Tesseract's reading shown
        if not all(_side(line)):
            return None  # sure at some cut: Tesseract's reading may be what flags it
        if least is None or (line.confidence or 0.0) < (least.confidence or 0.0):
            least = line
    return least


def _with_tesseract(evidence: LineEvidence, rapid: Reading) -> Iterator[LineEvidence]:
    # The surest readings first: they are the likeliest to change the line, and the first
    # change ends the asking.
    steadied = {steady: replace(rapid, steady=steady) for steady in STEADY}
    for score in _SCORES[::-1]:
        # agreeing with RapidOCR, no re-reads are made (bot.ocr.job.rapid_tesseract)
        yield replace(evidence, rapid=steadied[1.0], tesseract=Reading(rapid.text, score))
        for text in _other_readings(rapid.text):
            for steady in STEADY:
                yield replace(
                    evidence,
                    rapid=steadied[steady],
                    tesseract=Reading(text, score if text else 0.0),
                )


def _other_readings(text: str) -> tuple[str, ...]:
    """What Tesseract may read where RapidOCR read ``text``, other than the same."""
    size = max(1, len(text))
    words = " ".join(["the"] * max(1, size // 4))
    letters = "xq" * (size // 2 + 1)
    near = text[:-1] + ("x" if text[-1:] != "x" else "y") if text else "x"
    return ("", words, letters[:size], near)
