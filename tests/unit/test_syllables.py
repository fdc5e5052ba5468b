"""Vietnamese words Tesseract could not read, rewritten from both readings (issue 18)."""

from __future__ import annotations

import pytest

from bot.ocr.decide.combined import decide, shipped_models
from bot.ocr.decide.evidence import Reading
from bot.ocr.decide.syllables import repair, syllables
from bot.ocr.languages import resolve


@pytest.mark.parametrize(
    ("tesseract", "rapid", "mended"),
    [
        # A digit for the vowel it could not read; RapidOCR dropped that vowel.
        ("Gặp ngư8i bạn cũ", "Gặp ngưi bạn cũ", "Gặp người bạn cũ"),
        # A capital inside the word; RapidOCR wrote an odd letter for the vowel, or none.
        ("Ngày mai đi hRc", "Ngày mai đi høc", "Ngày mai đi học"),
        ("Ngày mai đi hRc", "Ngày mai đi hc", "Ngày mai đi học"),
        # A symbol for a letter (a handwritten t read as a dagger).
        ("Nghỉ ngơi cuối †uần", "Nghi ngơi cuôi tuân", "Nghỉ ngơi cuối tuần"),
        # A word in capitals stays in capitals.
        ("HỌP LÚC 8 GIÑ", "HOP LUC 8 GIØ", "HỌP LÚC 8 GIỜ"),
        # No RapidOCR reading at all: the syllable list alone.
        ("Gặp ngư8i bạn cũ", "", "Gặp người bạn cũ"),
    ],
)
def test_a_word_no_vietnamese_writes_so_becomes_the_likeliest_syllable(
    tesseract: str, rapid: str, mended: str
) -> None:
    repaired = repair(tesseract, rapid)
    assert repaired.text == mended
    assert repaired.guessed


@pytest.mark.parametrize(
    ("tesseract", "rapid"),
    [
        ("Chị Priyanka gọi", "Chi Priyanka goi"),  # a name both readers read alike
        ("Họp lúc 15h30", "Hop lúc 15h30"),  # a time
        ("In giấy A4", "In giây A4"),  # a code
        ("Gửi email cho ATM", "Gui email cho ATM"),  # a loanword, an acronym
        ("Mua bánh mỳ", "Mua bánh my"),
        ("Nhà 50 m2 có Wi-Fi", "Nha 50 m2 co Wi-Fi"),  # a unit, a hyphenated loanword
        ("Nhà 50 m2", "Nha 50"),  # a digit RapidOCR missed, no letter after it
        ("Đi 60 km/h", "Đi 60 km/h"),
        ("Viết cho a@b.vn", "Viet cho a@b.vn"),
    ],
)
def test_words_that_are_not_broken_stay_as_read(tesseract: str, rapid: str) -> None:
    assert repair(tesseract, rapid).text == tesseract
    assert not repair(tesseract, rapid).guessed


def test_a_speck_rapid_did_not_see_goes_and_a_mark_it_saw_stays() -> None:
    assert repair("Mua rau.", "Mua rau").text == "Mua rau"
    assert repair("Mua :rau", "Mua rau").text == "Mua rau"
    assert repair("Nhớ mua rau-", "Nhø mua rau").text == "Nhớ mua rau"
    assert repair("Mua rau.", "Mua rau.").text == "Mua rau."
    assert repair("Mua rau.", "").text == "Mua rau."  # no one to say it is a speck
    assert not repair("Mua rau.", "Mua rau").guessed


def test_syllables_are_vietnamese_syllables_only() -> None:
    listed = syllables()
    assert {"người", "học", "tuần", "giờ"} <= listed.keys()
    # wordfreq's list holds names and loanwords; none is a syllable to rewrite a word as.
    assert "leila" not in listed and "email" not in listed


def test_a_line_with_a_rewritten_word_stays_unsure() -> None:
    models = shipped_models()
    vi = resolve("vi")
    verdict = decide(
        Reading("Gặp ngưi bạn cũ", 0.99, 1.0), Reading("Gặp ngư8i bạn cũ", 0.97), vi, models
    )
    assert verdict.text == "Gặp người bạn cũ"
    assert verdict.confidence is not None and verdict.confidence < 0.6
    alone = decide(None, Reading("Gặp ngư8i bạn cũ", 0.99), vi, models)
    assert alone.text == "Gặp người bạn cũ"
    assert alone.confidence is not None and alone.confidence < 0.6
    # A speck dropped is no guess: the line is as sure as the model says of it.
    speck = decide(
        Reading("Gặp người bạn cũ", 0.99, 1.0), Reading("Gặp người bạn cũ.", 0.97), vi, models
    )
    assert speck.text == "Gặp người bạn cũ"
    assert speck.confidence is not None and speck.confidence >= 0.75
