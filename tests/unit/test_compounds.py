"""A wrong tone that is itself a syllable, caught by the word it does not make (issue 18)."""

from __future__ import annotations

import pytest

from bot.ocr.decide.combined import decide, shipped_models
from bot.ocr.decide.compounds import Retoned, retone
from bot.ocr.decide.evidence import Reading
from bot.ocr.decide.syllables import Repair, aligned, repair
from bot.ocr.languages import resolve


def _retone(tesseract: str, rapid: str) -> Retoned:
    """Tesseract's words, each beside what RapidOCR read in its place."""
    return retone(tesseract.split(), aligned(tesseract.split(), rapid))


@pytest.mark.parametrize(
    ("tesseract", "rapid", "shown"),
    [
        # "cửa sổ" (window) is a word, "cửa số" none; RapidOCR has no ổ or ố to write.
        ("Lau cửa số và quét sân", "Lau ca s và quét sân", "Lau cửa sổ và quét sân"),
        ("Mượn bút chỉ của bạn Hà", "Mưn bút chì ca bn Hà", "Mượn bút chì của bạn Hà"),
        # RapidOCR has no ả: it writes à for it, which says nothing against "cảm ơn".
        ("Viết thư càm ơn cô giáo", "Vit thư càm ơn cô giáo", "Viết thư cảm ơn cô giáo"),
        # A bare vowel says nothing either (RapidOCR drops marks it could write).
        ("Mua sữa và trứng ngày mái", "Mua sa và trng ngày mai", "Mua sữa và trứng ngày mai"),
        # No RapidOCR reading: the words alone.
        ("Lau cửa số và quét sân", "", "Lau cửa sổ và quét sân"),
        # The first word's capital is kept.
        ("Càm ơn cô", "Càm ơn cô", "Cảm ơn cô"),
        # The mark goes where the writer put Tesseract's ("khỏe"; the list writes "khoẻ").
        ("Chúc mẹ khòe mạnh", "Chúc m khòe mnh", "Chúc mẹ khỏe mạnh"),
    ],
)
def test_a_tone_that_makes_a_word_with_a_neighbour_is_shown_and_doubted(
    tesseract: str, rapid: str, shown: str
) -> None:
    assert _retone(tesseract, rapid) == Retoned(tuple(shown.split()), doubted=True)
    assert repair(tesseract, rapid) == Repair(shown, guessed=True)


@pytest.mark.parametrize(
    ("tesseract", "rapid"),
    [
        # Every syllable as read: nothing to doubt.
        ("Lau cửa sổ và quét sân", "Lau ca s và quét sân"),
        # "đội bóng" is a word, but so is "bóng đèn": no more of the line is words.
        ("Đổi bóng đèn ở cầu thang", "Đi bóng đèn cu thang"),
        ("Trả sách cho thư viện trường", "Tr sách cho thư vin trưng"),
        # RapidOCR wrote a tilde where Tesseract read the acute: "sổ" (a hook) it would have
        # written with a grave or an acute.
        ("Lau cửa số và quét sân", "Lau ca sõ và quét sân"),
        # A capital inside a sentence is a name ("nguyên văn" is a word).
        ("Mượn sách của thầy Nguyễn Văn Bình", "Mưn sách ca thy Nguyn Văn Bình"),
        # A comma parts two words.
        ("Lau cửa, số một", ""),
    ],
)
def test_a_line_whose_tones_make_its_words_is_left_alone(tesseract: str, rapid: str) -> None:
    assert _retone(tesseract, rapid) == Retoned(tuple(tesseract.split()), doubted=False)


def test_rapid_writes_a_hook_above_as_a_grave() -> None:
    # It has no label for ổ: "sồ" is what it writes for it, no contradiction.
    found = _retone("Lau cửa số và quét sân", "Lau ca sồ và quét sân")
    assert found == Retoned(("Lau", "cửa", "sổ", "và", "quét", "sân"), doubted=True)


def test_two_tones_making_words_are_doubted_and_neither_shown() -> None:
    # "ban công" (balcony) and "bán công" (semi-public) are both words: the user says which.
    found = _retone("Tưới cây ngoài bạn công", "Tưi cây ngoài ban công")
    assert found == Retoned(("Tưới", "cây", "ngoài", "bạn", "công"), doubted=True)


def test_a_sure_reading_with_such_a_tone_is_put_to_the_user() -> None:
    # Tesseract sure of every word, RapidOCR agreeing on the base letters: shown sure at 0.99
    # until 2026-12-07, and wrong.
    tesseract = Reading("Lau cửa số và quét sân", 0.96, words=(0.96,) * 5)
    rapid = Reading("Lau ca s và quét sân", 0.97)
    verdict = decide(rapid, tesseract, resolve("vi"), shipped_models())
    assert verdict.text == "Lau cửa sổ và quét sân"
    assert verdict.confidence is not None and verdict.confidence < 0.75
