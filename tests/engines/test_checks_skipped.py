"""The default engine skips a check (Tesseract's reading, RapidOCR's re-reads) only where
its outcome cannot change the line: what the user is shown and asked stays the same."""

from __future__ import annotations

from dataclasses import replace

from bot.ocr.decide.combined import CombinedModel, shipped_models
from bot.ocr.decide.evidence import LineEvidence, Reading
from bot.ocr.job import settle
from bot.ocr.job.rapid_tesseract import BOTH, RAPID_ONLY, decided, find_and_read, read_with
from bot.ocr.languages import resolve
from bot.ocr.model import ConfidenceSource, Line
from bot.review.strictness import PRESETS
from testkit.drawing import draw_lines

LINES = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Pick up teh dry cleanning")


def test_every_strictness_a_user_can_choose_is_kept() -> None:
    assert tuple(sorted(PRESETS.values())) == settle.CUTS


def test_lines_read_with_checks_skipped_are_the_lines_read_with_every_check() -> None:
    en = resolve("en")
    with_lm = replace(BOTH, lm=True)
    for font, readers in (
        ("script", BOTH),
        ("sans", BOTH),
        ("script", RAPID_ONLY),
        ("script", with_lm),
        ("sans", with_lm),
    ):
        model = CombinedModel(shipped_models(greedy=not readers.lm))
        image = draw_lines(LINES, font_name=font, size=40)
        found = find_and_read(image, rapid=True, decode_as="en" if readers.lm else None)
        every_check = [model.line(e, en) for e in read_with(found, en, readers)]
        skipped = decided(found, en, readers, model)
        assert [ln.text for ln in skipped] == [ln.text for ln in every_check], font
        for cut in settle.CUTS:
            assert [ln.is_flagged(cut) for ln in skipped] == [
                ln.is_flagged(cut) for ln in every_check
            ], (font, cut)


class _Scores:
    """A model that trusts RapidOCR's score, Tesseract's reading mattering or not."""

    def __init__(self, *, hears_tesseract: bool) -> None:
        self.hears_tesseract = hears_tesseract

    def line(self, evidence: LineEvidence, language: object) -> Line:
        rapid = evidence.rapid or Reading("", 0.0)
        sure = rapid.score
        if self.hears_tesseract and evidence.tesseract is not None:
            sure = (sure + evidence.tesseract.score) / 2
        return Line(rapid.text, sure, None, ConfidenceSource.VERIFIED)


def test_tesseract_is_skipped_only_where_its_reading_cannot_matter() -> None:
    en = resolve("en")
    sure = LineEvidence(None, rapid=Reading("Buy milk", 0.97))
    skipped = settle.without_tesseract(_Scores(hears_tesseract=False), en, sure)
    assert skipped is not None and not skipped.is_flagged(90)
    assert skipped.source is ConfidenceSource.ENGINE  # no second reader vouched for it
    assert settle.without_tesseract(_Scores(hears_tesseract=True), en, sure) is None


class _Agreeing:
    """A model where Tesseract agreeing makes RapidOCR's line surer by ``lift``, and a sure
    Tesseract reading of other words is shown instead."""

    def __init__(self, lift: float) -> None:
        self.lift = lift

    def line(self, evidence: LineEvidence, language: object) -> Line:
        rapid = evidence.rapid or Reading("", 0.0)
        tess = evidence.tesseract
        if tess is not None and tess.text and tess.text != rapid.text and tess.score >= 0.95:
            return Line(tess.text, tess.score, None, ConfidenceSource.VERIFIED)
        agreed = tess is not None and tess.text == rapid.text
        sure = min(1.0, rapid.score + (self.lift * tess.score if agreed and tess else 0.0))
        return Line(rapid.text, sure, None, ConfidenceSource.VERIFIED)


def test_tesseract_is_skipped_on_a_line_the_user_checks_whatever_it_agrees() -> None:
    en = resolve("en")
    doubtful = LineEvidence(None, rapid=Reading("Byu mlik", 0.3))
    skipped = settle.without_tesseract(_Agreeing(lift=0.2), en, doubtful, decoded=True)
    assert skipped is not None and skipped.text == "Byu mlik"
    assert all(skipped.is_flagged(cut) for cut in settle.CUTS)
    # Tesseract agreeing could make it sure at the lenient strictness: it reads the line
    assert settle.without_tesseract(_Agreeing(lift=0.4), en, doubtful, decoded=True) is None
    # read greedily, Tesseract's reading shown instead is what puts such a line right
    assert settle.without_tesseract(_Agreeing(lift=0.2), en, doubtful) is None
