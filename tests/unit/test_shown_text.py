"""The text a user is shown for a line (bot.ocr.decide.shown.shown_text): what the bot
replies with, and what bench.calibrate_reading labels right or wrong, from one function."""

from __future__ import annotations

from bot.ocr.decide.combined import CombinedModel, decide, shipped_models
from bot.ocr.decide.evidence import LineEvidence, Reading
from bot.ocr.decide.shown import shown_text
from bot.ocr.languages import resolve


def shown(rapid: Reading | None, tesseract: Reading | None, code: str) -> str:
    """The text of the line the bot replies with, checked against shown_text."""
    language, models = resolve(code), shipped_models()
    line = CombinedModel(models).line(LineEvidence(None, rapid, tesseract), language)
    reader = decide(rapid, tesseract, language, models).reader
    assert shown_text(reader, rapid, tesseract, language).text == line.text
    return line.text


def test_numbers_as_written_and_no_space_before_a_closing_sign() -> None:
    read = Reading("Pay rent before the Ist .", 0.99, 1.0)
    assert shown(read, read, "en") == "Pay rent before the 1st."


def test_chinese_without_tesseracts_gaps() -> None:
    assert shown(None, Reading("明天 开会", 0.95), "zh") == "明天开会"


def test_vietnamese_words_tesseract_could_not_read_are_rewritten_as_a_guess() -> None:
    rapid, tesseract = Reading("Gặp ngưi bạn cũ", 0.99, 1.0), Reading("Gặp ngư8i bạn cũ", 0.97)
    assert shown(rapid, tesseract, "vi") == "Gặp người bạn cũ"
    assert shown_text("tesseract", rapid, tesseract, resolve("vi")).guessed
    # RapidOCR alone, which cannot write the ờ, is shown with it put back (line unsure)
    assert shown(rapid, None, "vi") == "Gặp người bạn cũ"


def test_nothing_read_nothing_shown() -> None:
    assert shown(Reading("", 0.0), Reading("", 0.0), "en") == ""
    assert shown_text("", None, None, resolve("en")).text == ""


def test_chinese_written_simplified() -> None:
    # RapidOCR writes a handwritten 给 or 电 in its traditional form now and then; the bot
    # reads 中文 (简体), and Tesseract chi_sim reading it alike makes the two agree.
    rapid = Reading("下午三點給牙醫打電話", 0.96, 1.0, least=0.98)
    tesseract = Reading("下 午 三 点 给 牙医 打 电 话", 0.93)
    assert shown(rapid, tesseract, "zh") == "下午三点给牙医打电话"
    assert shown(rapid, None, "zh") == "下午三点给牙医打电话"
    language, models = resolve("zh"), shipped_models()
    assert decide(rapid, tesseract, language, models).confidence >= 0.9  # read alike
    # other languages' letters are left alone
    assert shown(Reading("Café 給", 0.99, 1.0), None, "fr") == "Café 給"
