"""The default engine for real, with a user's words (issue 18 part 2): a Vietnamese line,
whose text shown is Tesseract's, read right but asked about for the foreign name in it, is
sure for a user who wrote that name before; the text is the same either way."""

from __future__ import annotations

import pytest

from bot.ocr.engines import reading_engine
from bot.ocr.job.rapid_tesseract import BOTH
from bot.ocr.vocabulary import NO_WORDS, TYPED, Vocabulary
from testkit.drawing import note_png

VI = ("Gặp Priyanka Nguyễn lúc 3 giờ", "Mua sữa và trứng ngày mai")
WORDS = Vocabulary.of([("Priyanka", TYPED), ("Nguyễn", TYPED)])


@pytest.mark.asyncio
async def test_a_vietnamese_line_with_a_known_name_is_not_asked_about() -> None:
    engine = reading_engine(readers=BOTH, workers=1, timeout=120)
    await engine.start()
    try:
        # 32 px: drawn at 40, the line is sure even with the name unknown since Tesseract's
        # doubt on words RapidOCR read alike is answered (bench/README "Tesseract's doubt
        # that RapidOCR answers"; 0.725 -> 0.832), and the name would decide nothing.
        image = note_png(VI, font_name="sans", size=32)
        anyone = await engine.recognize(image, "vi")
        theirs = await engine.recognize(image, "vi", words=WORDS)
        again = await engine.recognize(image, "vi", words=NO_WORDS)
    finally:
        await engine.close()
    assert [ln.text for ln in anyone.lines] == [ln.text for ln in theirs.lines] == list(VI)
    assert anyone.lines[0].is_flagged(75) and not theirs.lines[0].is_flagged(75)
    assert again == anyone
